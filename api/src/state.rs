//! What every request handler can reach.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use webauthn_rs::Webauthn;

use crate::auth::RateLimiter;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// SQLite has one writer at a time. Writers that contend for its lock
    /// back off and sleep (long tails under load); queueing them here in
    /// arrival order instead keeps latency even. `None` on PostgreSQL.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    pub webauthn: Arc<Webauthn>,
    pub config: Arc<Config>,
    pub auth_limiter: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> anyhow::Result<Self> {
        let mut builder = webauthn_rs::WebauthnBuilder::new(&config.rp_id, &config.rp_origin)
            .map_err(|e| anyhow::anyhow!("invalid WebAuthn relying party settings: {e:?}"))?
            .rp_name(&config.rp_name);
        for origin in &config.rp_extra_origins {
            builder = builder.append_allowed_origin(origin);
        }
        let webauthn = builder
            .build()
            .map_err(|e| anyhow::anyhow!("invalid WebAuthn relying party settings: {e:?}"))?;
        let write_gate = config
            .is_sqlite()
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(AppState {
            db,
            write_gate,
            webauthn: Arc::new(webauthn),
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_rate_per_minute)),
            config: Arc::new(config),
        })
    }
}

/// A turn to write (SQLite), held until the write transaction commits.
pub type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

impl AppState {
    /// Waits for this request's turn to write; hold it through the commit.
    pub async fn write_turn(&self) -> WriteTurn {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }
}
