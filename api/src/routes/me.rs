//! The signed-in account: who am I, and my passkeys.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::params::IdParam;
use crate::state::AppState;
use crate::store::entities::{account, passkey, session};
use crate::store::identity::{self, PasskeyRemoval};

pub struct MeApi;

#[derive(Object)]
pub struct Me {
    pub id: Uuid,
    /// `participant`, `veileder`, `centre_admin` or `evaluator`.
    pub role: String,
    /// The centre the account belongs to (staff: where they work;
    /// participants: the centre that enrolled them).
    pub centre_id: Option<Uuid>,
    pub centre_name: Option<String>,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    /// When the current session ends unless used again (participants) or
    /// at the latest (staff).
    pub session_expires_at: DateTime<Utc>,
}

pub async fn me_of(
    db: &impl ConnectionTrait,
    account: &account::Model,
    session: &session::Model,
) -> ApiResult<Me> {
    let centre_name = match account.centre_id {
        Some(id) => identity::find_centre(db, id).await?.map(|c| c.name),
        None => None,
    };
    Ok(Me {
        id: account.id,
        role: account.role.clone(),
        centre_id: account.centre_id,
        centre_name,
        display_name: account.display_name.clone(),
        created_at: account.created_at,
        session_expires_at: session.expires_at,
    })
}

#[derive(Object)]
pub struct PasskeySummary {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<passkey::Model> for PasskeySummary {
    fn from(p: passkey::Model) -> Self {
        PasskeySummary {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum PasskeyRemoved {
    /// The passkey was removed and can no longer sign in.
    #[oai(status = 204)]
    Removed,
}

#[OpenApi(tag = "ApiTags::Me")]
impl MeApi {
    /// The signed-in account
    #[oai(path = "/v1/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Me>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(
            me_of(&state.db, &principal.account, &principal.session).await?,
        ))
    }

    /// List my passkeys
    #[oai(
        path = "/v1/me/passkeys",
        method = "get",
        operation_id = "listMyPasskeys"
    )]
    async fn passkeys(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<PasskeySummary>>> {
        let principal = authenticate(&state, &auth).await?;
        let passkeys = identity::passkeys_of(&state.db, principal.account.id).await?;
        Ok(Json(passkeys.into_iter().map(Into::into).collect()))
    }

    /// Remove one of my passkeys (never the last one)
    #[oai(
        path = "/v1/me/passkeys/:passkey_id",
        method = "delete",
        operation_id = "removeMyPasskey"
    )]
    async fn remove_passkey(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        passkey_id: Path<IdParam>,
    ) -> ApiResult<PasskeyRemoved> {
        let principal = authenticate(&state, &auth).await?;
        match identity::remove_passkey(
            &state.db,
            principal.account.id,
            passkey_id.get("passkey_id")?,
        )
        .await?
        {
            PasskeyRemoval::Removed => Ok(PasskeyRemoved::Removed),
            PasskeyRemoval::NotFound => Err(ApiError::not_found("passkey")),
            PasskeyRemoval::LastPasskey => Err(ApiError::conflict(
                "last-passkey",
                "this is your only passkey; add another before removing it, or you could not sign in again",
            )),
        }
    }
}
