//! Friskliv's storage and use cases.
//!
//! - [`db`]: the entities and the queries (authorisation that depends on
//!   data is part of the query; staff reach participant data only through a
//!   `Grant` that `db::sharing::authorize` makes and logs).
//! - The feature modules ([`identity`], …): one use-case function per API
//!   operation, a method on [`Store`]. Each opens its transaction, takes the
//!   write turn, authorises, runs the domain rule and commits, and returns
//!   domain types or read models of its own — never a stored row.
//! - [`facts`] turns stored rows into the domain's period facts; [`jobs`]
//!   runs the research extract and housekeeping; [`seed`] makes demo data.
//!
//! Refusals are one type, [`Refusal`], inside [`Error`].

pub mod access;
pub mod clock;
pub mod csv;
pub mod db;
pub mod diary;
pub mod error;
pub mod exports;
pub mod facts;
pub mod gate;
pub mod identity;
pub mod jobs;
pub mod journey;
pub mod operator;
pub mod participants;
pub mod reminders;
pub mod reports;
pub mod seed;
pub mod sharing;

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use webauthn_rs::Webauthn;

pub use clock::Clock;
pub use db::DbSettings;
pub use error::{Error, Refusal, Result};
pub use gate::{WriteGate, WriteTurn};
pub use identity::Principal;

/// What the use cases need besides the database.
#[derive(Clone)]
pub struct Settings {
    /// Where research extract files are written.
    pub export_dir: PathBuf,
    /// How long a finished extract can be downloaded.
    pub export_retention: chrono::Duration,
}

/// The use cases, over one database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    gate: WriteGate,
    clock: Clock,
    settings: Arc<Settings>,
    /// The relying party for passkey ceremonies (the server has one; the
    /// operator's commands need none).
    webauthn: Option<Arc<Webauthn>>,
}

impl Store {
    pub fn new(db: DatabaseConnection, clock: Clock, settings: Settings) -> Self {
        let gate =
            WriteGate::for_database(db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite);
        Store {
            db,
            gate,
            clock,
            settings: Arc::new(settings),
            webauthn: None,
        }
    }

    /// The store with the relying party that passkey ceremonies verify with.
    pub fn with_relying_party(mut self, webauthn: Arc<Webauthn>) -> Self {
        self.webauthn = Some(webauthn);
        self
    }

    fn relying_party(&self) -> Result<&Webauthn> {
        self.webauthn
            .as_deref()
            .ok_or_else(|| Error::Internal("no WebAuthn relying party configured".to_owned()))
    }

    /// The database answers (the readiness probe).
    pub async fn ping(&self) -> Result<()> {
        Ok(db::ping(&self.db).await?)
    }

    /// The connection, for jobs, the operator's commands and tests.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Waits for the turn to write (SQLite) and opens a write transaction;
    /// hold the turn until the transaction commits.
    pub async fn write(&self) -> Result<(WriteTurn, DatabaseTransaction)> {
        let turn = self.gate.turn().await;
        let txn = db::begin_write(&self.db).await?;
        Ok((turn, txn))
    }

    /// The write turn alone, for writes outside a transaction.
    pub async fn write_turn(&self) -> WriteTurn {
        self.gate.turn().await
    }
}
