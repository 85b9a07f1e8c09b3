//! The veileder's worklist: referrals with no contact after 14 days and
//! periods near their end without an end conversation or week-12 test.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::error::ApiResult;
use crate::params::IdParam;
use crate::state::AppState;
use friskliv_store::journey::worklist::Worklist;

pub struct WorklistApi;

#[OpenApi(tag = "ApiTags::Journey")]
impl WorklistApi {
    /// What to follow up today: referrals with no contact after 14 days, periods within 14 days of their end without an end conversation or week-12 test, periods completed in the last 90 days whose epikrise is not sent
    #[oai(
        path = "/v1/centres/:centre_id/worklist",
        method = "get",
        operation_id = "getWorklist"
    )]
    async fn worklist(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
    ) -> ApiResult<Json<Worklist>> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        Ok(Json(state.store.worklist(&principal, centre_id).await?))
    }
}
