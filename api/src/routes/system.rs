use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct SystemApi;

#[derive(Object)]
pub struct Status {
    /// `ok` when alive, `ready` when the database answers too.
    pub status: String,
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// The process is alive
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> ApiResult<Json<Status>> {
        Ok(Json(Status {
            status: "ok".to_owned(),
        }))
    }

    /// The database is reachable and requests can be served
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&AppState>) -> ApiResult<Json<Status>> {
        match state.store.ping().await {
            Ok(()) => Ok(Json(Status {
                status: "ready".to_owned(),
            })),
            Err(err) => {
                tracing::warn!(error = %err, "readiness check failed");
                Err(ApiError::unavailable())
            }
        }
    }
}
