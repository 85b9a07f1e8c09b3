//! The core every Friskliv participant app stands on: sign-in with the
//! platform's passkeys, an offline-first diary in a local SQLite file, the
//! outbox and sync engine, and typed calls for the participant's screens.
//!
//! Every diary write is validated with the server's own rules
//! (`friskliv-domain`), written locally and queued; [`Friskliv::sync`] sends
//! the queue and pulls the change feed. See `mobile-sdk/README.md`.

mod api;
mod client;
mod error;
mod screens;
mod store;
mod sync;

pub use client::{Account, Ceremony, Friskliv, SessionStorage};
pub use error::{FieldProblem, Result, SdkError};
pub use friskliv_domain;
pub use screens::{AccessLogEntry, CachedDocument, Consent};
pub use store::{Conflict, ConflictReason, LocalEntry};
pub use sync::{MAX_BATCH, SyncReport};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("friskliv_sdk");
