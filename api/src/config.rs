//! Configuration from the environment (`FRISKLIV_*`, `DATABASE_URL`), with
//! defaults that run on a laptop with nothing set.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./friskliv-data/friskliv.db?mode=rwc";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP server listens. `FRISKLIV_BIND`, default 127.0.0.1:8080.
    pub bind: SocketAddr,
    /// `DATABASE_URL`: `sqlite://…` (default, a file under ./friskliv-data)
    /// or `postgres://…`.
    pub database_url: String,
    /// `FRISKLIV_DB_POOL_SIZE`, default 10.
    pub db_pool_size: u32,
    /// WebAuthn relying party id: the registrable domain the passkeys are
    /// bound to. `FRISKLIV_RP_ID`, default `localhost`.
    pub rp_id: String,
    /// The web origin passkey ceremonies come from.
    /// `FRISKLIV_RP_ORIGIN`, default `http://localhost:8080`.
    pub rp_origin: Url,
    /// Extra origins allowed in ceremonies, e.g. an Android app's
    /// `android:apk-key-hash:…`. `FRISKLIV_RP_EXTRA_ORIGINS`, comma separated.
    pub rp_extra_origins: Vec<Url>,
    /// Shown by authenticators. `FRISKLIV_RP_NAME`, default `Friskliv`.
    pub rp_name: String,
    /// Attempts per minute per client address on the sign-in and
    /// registration endpoints. `FRISKLIV_AUTH_RATE_PER_MINUTE`, default 30.
    pub auth_rate_per_minute: u32,
    /// Largest request body accepted. `FRISKLIV_MAX_BODY_BYTES`, default 1 MiB.
    pub max_body_bytes: usize,
    /// How long in-flight requests may take to finish on shutdown.
    /// `FRISKLIV_SHUTDOWN_GRACE_SECS`, default 20.
    pub shutdown_grace: Duration,
    /// Where research extract files are written (created when needed).
    /// `FRISKLIV_EXPORT_DIR`, default `./friskliv-data/exports`.
    pub export_dir: PathBuf,
    /// How long a finished research extract can be downloaded before its
    /// file is deleted. `FRISKLIV_EXPORT_RETENTION_DAYS`, default 7.
    pub export_retention: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError {
            name,
            problem: format!("is not valid ({e})"),
        }),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let bind = parsed("FRISKLIV_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let rp_origin: Url = parsed(
            "FRISKLIV_RP_ORIGIN",
            Url::parse("http://localhost:8080").expect("valid default"),
        )?;
        let rp_extra_origins = match var("FRISKLIV_RP_EXTRA_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Url::parse(s).map_err(|e| ConfigError {
                        name: "FRISKLIV_RP_EXTRA_ORIGINS",
                        problem: format!("has an invalid origin {s:?} ({e})"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let config = Config {
            bind,
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            db_pool_size: parsed("FRISKLIV_DB_POOL_SIZE", 10)?,
            rp_id: var("FRISKLIV_RP_ID").unwrap_or_else(|| "localhost".to_owned()),
            rp_origin,
            rp_extra_origins,
            rp_name: var("FRISKLIV_RP_NAME").unwrap_or_else(|| "Friskliv".to_owned()),
            auth_rate_per_minute: parsed("FRISKLIV_AUTH_RATE_PER_MINUTE", 30)?,
            max_body_bytes: parsed("FRISKLIV_MAX_BODY_BYTES", 1024 * 1024)?,
            shutdown_grace: Duration::from_secs(parsed("FRISKLIV_SHUTDOWN_GRACE_SECS", 20)?),
            export_dir: var("FRISKLIV_EXPORT_DIR")
                .map_or_else(|| PathBuf::from("./friskliv-data/exports"), PathBuf::from),
            export_retention: chrono::Duration::days(
                parsed("FRISKLIV_EXPORT_RETENTION_DAYS", 7u16)?.into(),
            ),
        };
        if config.export_retention.is_zero() {
            return Err(ConfigError {
                name: "FRISKLIV_EXPORT_RETENTION_DAYS",
                problem: "must be at least 1".to_owned(),
            });
        }
        if config.db_pool_size == 0 {
            return Err(ConfigError {
                name: "FRISKLIV_DB_POOL_SIZE",
                problem: "must be at least 1".to_owned(),
            });
        }
        Ok(config)
    }

    /// A configuration for tests and embedding: everything default except
    /// the database, listening on a random loopback port.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            db_pool_size: 5,
            rp_id: "localhost".to_owned(),
            rp_origin: Url::parse("http://localhost:8080").expect("valid"),
            rp_extra_origins: Vec::new(),
            rp_name: "Friskliv".to_owned(),
            auth_rate_per_minute: 1000,
            max_body_bytes: 1024 * 1024,
            shutdown_grace: Duration::from_secs(5),
            export_dir: std::env::temp_dir()
                .join(format!("friskliv-exports-{}", uuid::Uuid::new_v4())),
            export_retention: chrono::Duration::days(7),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}
