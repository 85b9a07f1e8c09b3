//! Who is calling: the bearer scheme of the spec, resolved to a session by
//! the store.

use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::error::ApiResult;
use crate::state::AppState;

pub use friskliv_store::Principal;

/// A session token from a passkey login, sent as `Authorization: Bearer …`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "opaque session token")]
pub struct BearerAuth(pub Bearer);

/// The signed-in caller, or 401.
pub async fn authenticate(state: &AppState, auth: &BearerAuth) -> ApiResult<Principal> {
    Ok(state.store.authenticate(&auth.0.token).await?)
}

pub fn parse_role(stored: &str) -> ApiResult<friskliv_domain::AccountRole> {
    stored.parse().map_err(|_| {
        crate::error::ApiError::internal(format!("stored role {stored:?} is not a known role"))
    })
}
