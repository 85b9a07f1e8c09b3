//! What every request handler can reach.

use std::sync::Arc;

use friskliv_store::{Clock, Settings, Store, WriteTurn};
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub store: Store,
    /// The connection, for handlers that are not yet store use cases
    /// (issue 12).
    pub db: DatabaseConnection,
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
        let store = Store::new(
            db.clone(),
            Clock::System,
            Settings {
                export_dir: config.export_dir.clone(),
                export_retention: config.export_retention,
            },
            Arc::new(webauthn),
        );
        Ok(AppState {
            store,
            db,
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_rate_per_minute)),
            config: Arc::new(config),
        })
    }
}

impl AppState {
    /// Waits for this request's turn to write; hold it through the commit.
    /// The store's one gate: every writer, handler or use case, queues there.
    pub async fn write_turn(&self) -> WriteTurn {
        self.store.write_turn().await
    }
}
