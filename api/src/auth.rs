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
