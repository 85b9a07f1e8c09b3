//! What every request handler can reach.

use std::sync::Arc;

use friskliv_store::{Clock, Settings, Store};
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub store: Store,
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
            db,
            Clock::System,
            Settings {
                export_dir: config.export_dir.clone(),
                export_retention: config.export_retention,
            },
        )
        .with_relying_party(Arc::new(webauthn));
        Ok(AppState {
            store,
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_rate_per_minute)),
            config: Arc::new(config),
        })
    }
}
