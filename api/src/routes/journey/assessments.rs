//! A participant's tests and questionnaires, as the centre records and
//! (under `assessments` consent) reads them.

use friskliv_domain::assessment::AssessmentInput;
use friskliv_store::journey::{AssessmentList, AssessmentView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, staff_case};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::IdParam;
use crate::state::AppState;

pub struct AssessmentsApi;

#[derive(ApiResponse)]
pub enum AssessmentCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<AssessmentView>),
}

#[OpenApi(tag = "ApiTags::Journey")]
impl AssessmentsApi {
    /// A participant's tests and questionnaires (needs `assessments` consent)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/assessments",
        method = "get",
        operation_id = "listAssessments"
    )]
    async fn list_assessments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<AssessmentList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let assessments = state.store.assessments(&case).await?;
        Ok(Json(assessments))
    }

    /// Record a test done at the centre (or a questionnaire filled in there)
    ///
    /// Recording needs no consent (the centre measured it); reading
    /// assessments back needs `assessments` consent.
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/assessments",
        method = "post",
        operation_id = "recordAssessment"
    )]
    async fn record_assessment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<AssessmentInput>,
    ) -> ApiResult<AssessmentCreated> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let assessment = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let assessment = state.store.record_assessment(&case, &assessment).await?;
        Ok(AssessmentCreated::Created(Json(assessment)))
    }
}
