//! The veileder's view of the centre's participants: the caseload, a
//! participant's weekly summary, their diary entries (read, and written on
//! their behalf), and the oral consents staff record and confirm. Every use
//! case goes through [`Store::as_staff`](crate::Store::as_staff) (or, for
//! the caseload, `db::sharing::caseload`), which checks centre, role and
//! consent and writes the access-log row in the same transaction as the
//! read or write.

pub mod caseload;
pub mod consents;
pub mod entries;
pub mod summary;

pub use caseload::{Caseload, CaseloadParticipant};
pub use consents::OralConsentOutcome;
pub use summary::ParticipantSummary;
