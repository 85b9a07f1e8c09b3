//! sea-orm entities, one per table (see `friskliv-migrations`).

pub mod access_log;
pub mod account;
pub mod centre;
pub mod consent;
pub mod diary_entry;
pub mod guardian_link;
pub mod invite;
pub mod invite_detail;
pub mod participant_profile;
pub mod passkey;
pub mod session;
pub mod webauthn_ceremony;
