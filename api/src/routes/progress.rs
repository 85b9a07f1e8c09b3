//! Results: the participant's own progress and goals and questionnaires
//! (`/v1/me/…`), a period's outcome indicators for the veileder (under
//! consent), and the public list of indicator definitions.

use friskliv_domain::assessment::AssessmentInput;
use friskliv_domain::journey::GoalInput;
use friskliv_store::journey::{
    AssessmentList, AssessmentView, DefinitionList, GoalList, GoalView, PeriodList,
    PeriodOutcomesView, Progress,
};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate, staff_period};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, PeriodParam, period_number};
use crate::state::AppState;

pub struct ProgressApi;

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
pub enum GoalCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<GoalView>),
}

#[derive(ApiResponse)]
pub enum AssessmentCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<AssessmentView>),
}

#[OpenApi(tag = "ApiTags::Outcomes")]
impl ProgressApi {
    /// Every indicator definition: id, version, text, thresholds and source
    #[oai(
        path = "/v1/definitions",
        method = "get",
        operation_id = "listDefinitions"
    )]
    async fn definitions(&self, state: Data<&AppState>) -> ApiResult<Json<DefinitionList>> {
        Ok(Json(state.store.definitions()))
    }

    /// My progress: week k of 12, weekly aggregates, indicators so far, smoke-free streak, money saved, goals
    #[oai(
        path = "/v1/me/progress",
        method = "get",
        operation_id = "getMyProgress"
    )]
    async fn progress(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Progress>> {
        let principal = authenticate(&state, &auth).await?;
        let progress = state.store.my_progress(&principal).await?;
        Ok(Json(progress))
    }

    /// A period's outcome indicators (needs `summaries` and/or `assessments` consent)
    ///
    /// Diary-based indicators need `summaries`, assessment-based ones
    /// `assessments`; a part not shared is null with `missing: not_shared`.
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/outcomes",
        method = "get",
        operation_id = "getPeriodOutcomes"
    )]
    async fn period_outcomes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<PeriodOutcomesView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let outcomes = state.store.period_outcomes(&case, seq).await?;
        Ok(Json(outcomes))
    }

    /// My follow-up periods
    #[oai(
        path = "/v1/me/periods",
        method = "get",
        operation_id = "listMyPeriods"
    )]
    async fn my_periods(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<PeriodList>> {
        let principal = authenticate(&state, &auth).await?;
        let periods = state.store.my_periods(&principal).await?;
        Ok(Json(periods))
    }

    /// My outcome indicators for one of my periods
    #[oai(
        path = "/v1/me/periods/:period/outcomes",
        method = "get",
        operation_id = "getMyPeriodOutcomes"
    )]
    async fn my_period_outcomes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<PeriodOutcomesView>> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the path is judged, as before.
        principal.participant_self()?;
        let seq = period_number(&period)?;
        let outcomes = state.store.my_period_outcomes(&principal, seq).await?;
        Ok(Json(outcomes))
    }

    /// My goals
    #[oai(path = "/v1/me/goals", method = "get", operation_id = "listMyGoals")]
    async fn my_goals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<GoalList>> {
        let principal = authenticate(&state, &auth).await?;
        let goals = state.store.my_goals(&principal).await?;
        Ok(Json(goals))
    }

    /// Add a goal of my own (it joins my open period)
    #[oai(path = "/v1/me/goals", method = "post", operation_id = "createMyGoal")]
    async fn create_my_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<GoalCreated> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the body is judged, as before.
        principal.participant_self()?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let goal = state.store.create_my_goal(&principal, &goal).await?;
        Ok(GoalCreated::Created(Json(goal)))
    }

    /// Edit one of my goals (words, domain, target)
    #[oai(
        path = "/v1/me/goals/:goal_id",
        method = "put",
        operation_id = "editMyGoal"
    )]
    async fn edit_my_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        goal_id: Path<IdParam>,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<Json<GoalView>> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the path and body are judged, as before.
        principal.participant_self()?;
        let goal_id = goal_id.get("goal_id")?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let goal = state.store.edit_my_goal(&principal, goal_id, &goal).await?;
        Ok(Json(goal))
    }

    /// Delete one of my goals (not once its attainment is recorded)
    #[oai(
        path = "/v1/me/goals/:goal_id",
        method = "delete",
        operation_id = "deleteMyGoal"
    )]
    async fn delete_my_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        goal_id: Path<IdParam>,
    ) -> ApiResult<Deleted> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the path is judged, as before.
        principal.participant_self()?;
        let goal_id = goal_id.get("goal_id")?;
        state.store.delete_my_goal(&principal, goal_id).await?;
        Ok(Deleted::Done)
    }

    /// My assessments (tests at the centre and my questionnaires)
    #[oai(
        path = "/v1/me/assessments",
        method = "get",
        operation_id = "listMyAssessments"
    )]
    async fn my_assessments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<AssessmentList>> {
        let principal = authenticate(&state, &auth).await?;
        let assessments = state.store.my_assessments(&principal).await?;
        Ok(Json(assessments))
    }

    /// Fill in a questionnaire (self-rated health, quality of life, COOP/WONCA, tobacco, activity, work/school, medication, health services)
    #[oai(
        path = "/v1/me/assessments",
        method = "post",
        operation_id = "createMyAssessment"
    )]
    async fn create_my_assessment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<AssessmentInput>,
    ) -> ApiResult<AssessmentCreated> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the body is judged, as before.
        principal.participant_self()?;
        let assessment = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let assessment = state
            .store
            .create_my_assessment(&principal, &assessment)
            .await?;
        Ok(AssessmentCreated::Created(Json(assessment)))
    }

    /// Delete a questionnaire I filled in by mistake
    #[oai(
        path = "/v1/me/assessments/:assessment_id",
        method = "delete",
        operation_id = "deleteMyAssessment"
    )]
    async fn delete_my_assessment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        assessment_id: Path<IdParam>,
    ) -> ApiResult<Deleted> {
        let principal = authenticate(&state, &auth).await?;
        // Staff are refused before the path is judged, as before.
        principal.participant_self()?;
        let assessment_id = assessment_id.get("assessment_id")?;
        state
            .store
            .delete_my_assessment(&principal, assessment_id)
            .await?;
        Ok(Deleted::Done)
    }
}
