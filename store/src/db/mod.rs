//! The database: connecting, migrating, the entities, and the queries the
//! use cases run. Authorisation that depends on data (which centre, which
//! account) is part of the query itself, so no caller can forget it.

pub mod consents;
pub mod diary;
pub mod entities;
pub mod epikrise;
pub mod identity;
pub mod journey;
pub mod reports;
pub mod sharing;
pub mod worklist;

use std::path::Path;
use std::time::Duration;

use friskliv_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens the database the configuration names. For SQLite the file and its
/// folder are created on first start, with WAL, a busy timeout and foreign
/// keys on; PostgreSQL gets a pool of the configured size, with JIT off.
/// Where the database is and how many connections to keep.
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    pub pool_size: u32,
}

impl DbSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

pub async fn connect(config: &DbSettings) -> Result<DatabaseConnection, DbErr> {
    if config.is_sqlite() {
        ensure_sqlite_folder(&config.url)?;
    }
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.pool_size)
        // A warm pool on PostgreSQL: a burst after a quiet spell should not
        // wait for new (TLS) connections. SQLite connections are cheap.
        .min_connections(if config.is_sqlite() {
            1
        } else {
            config.pool_size
        })
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        })
        // PostgreSQL's JIT compiles the expressions of any query it
        // estimates as costly; for the export's page queries (a condition
        // per participant) compiling took longer than running them: the
        // national outcome table took 79 s with JIT and 15 s without. No
        // query here is long enough to win it back.
        .map_sqlx_postgres_opts(|opts| opts.options([("jit", "off")]));
    Database::connect(options).await
}

fn ensure_sqlite_folder(url: &str) -> Result<(), DbErr> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            DbErr::Custom(format!(
                "cannot create database folder {}: {e}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// Begins a transaction that will write. On SQLite the write lock is taken
/// up front (a no-op write): a transaction that reads first and writes
/// later fails at once with SQLITE_BUSY if another writer committed in
/// between, instead of waiting its turn.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        txn.execute_unprepared("UPDATE participant_sync SET last_seq = last_seq WHERE 1 = 0")
            .await?;
    }
    Ok(txn)
}
