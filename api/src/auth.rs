//! Who is calling: the bearer scheme of the spec, resolved to a session by
//! the store.

use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::error::ApiResult;
use crate::state::AppState;

pub use friskliv_store::Principal;
use friskliv_store::access::Case;

use crate::params::{IdParam, PeriodParam, period_number};

/// A session token from a passkey login, sent as `Authorization: Bearer …`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "opaque session token")]
pub struct BearerAuth(pub Bearer);

/// The signed-in caller, or 401.
pub async fn authenticate(state: &AppState, auth: &BearerAuth) -> ApiResult<Principal> {
    Ok(state.store.authenticate(&auth.0.token).await?)
}

/// The signed-in caller and the participant at the centre that a
/// `/v1/centres/{centre_id}/participants/{participant_id}/…` path names
/// (401 first, then each malformed id under its own name).
pub async fn staff_case(
    state: &AppState,
    auth: &BearerAuth,
    centre_id: &IdParam,
    participant_id: &IdParam,
) -> ApiResult<Case> {
    let principal = authenticate(state, auth).await?;
    Ok(Case {
        principal,
        centre_id: centre_id.get("centre_id")?,
        participant_id: participant_id.get("participant_id")?,
    })
}

/// [`staff_case`] for a path that also names one of the participant's
/// periods (`…/periods/{period}/…`), with the period's number.
pub async fn staff_period(
    state: &AppState,
    auth: &BearerAuth,
    centre_id: &IdParam,
    participant_id: &IdParam,
    period: &PeriodParam,
) -> ApiResult<(Case, u32)> {
    let case = staff_case(state, auth, centre_id, participant_id).await?;
    Ok((case, period_number(period)?))
}
