//! sea-orm entities, one per table (see `friskliv-migrations`).

pub mod access_log;
pub mod account;
pub mod account_audit;
pub mod assessment;
pub mod centre;
pub mod consent;
pub mod conversation;
pub mod course;
pub mod diary_entry;
pub mod evaluation_area;
pub mod export_audit;
pub mod export_job;
pub mod goal;
pub mod guardian_link;
pub mod invite;
pub mod invite_detail;
pub mod oral_consent;
pub mod participant_profile;
pub mod passkey;
pub mod period;
pub mod referral;
pub mod session;
pub mod staff_resource;
pub mod table_release;
pub mod webauthn_ceremony;
