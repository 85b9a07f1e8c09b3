//! Friskliv's domain: the types the rest of the system trusts once they exist.
//!
//! Everything here is pure (no IO, no async, no clock, no randomness): values
//! are parsed from untrusted input once, at the edge, and carried as types
//! that cannot hold an invalid value afterwards ("parse, don't validate").

pub mod diary;
pub mod identity;
pub mod validation;

pub use identity::{
    AccountRole, CentreName, DisplayName, InviteCode, InviteLifetime, MunicipalityNumber,
    PasskeyName, SessionPolicy,
};
pub use validation::FieldError;
