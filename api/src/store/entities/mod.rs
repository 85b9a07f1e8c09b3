//! sea-orm entities, one per table (see `friskliv-migrations`).

pub mod account;
pub mod centre;
pub mod diary_entry;
pub mod invite;
pub mod passkey;
pub mod session;
pub mod webauthn_ceremony;
pub mod access_log;
pub mod consent;
pub mod guardian_link;
pub mod invite_detail;
pub mod participant_profile;
