//! A participant's goals, set with the veileder.

use friskliv_domain::journey::{GoalAttainmentInput, GoalInput};
use friskliv_store::journey::{GoalList, GoalView};
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

pub struct GoalsApi;

#[derive(ApiResponse)]
pub enum GoalCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<GoalView>),
}

#[OpenApi(tag = "ApiTags::Journey")]
impl GoalsApi {
    /// A participant's goals (their own and those set with the veileder)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals",
        method = "get",
        operation_id = "listGoals"
    )]
    async fn list_goals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<GoalList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let goals = state.store.goals(&case).await?;
        Ok(Json(goals))
    }

    /// Write down a goal with the participant (in their words); it joins the open period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals",
        method = "post",
        operation_id = "createGoal"
    )]
    async fn create_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<GoalCreated> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let goal = state.store.create_goal(&case, &goal).await?;
        Ok(GoalCreated::Created(Json(goal)))
    }

    /// Rewrite a goal's domain, words or target
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals/:goal_id",
        method = "put",
        operation_id = "editGoal"
    )]
    async fn edit_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        goal_id: Path<IdParam>,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<Json<GoalView>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let goal_id = goal_id.get("goal_id")?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let goal = state.store.edit_goal(&case, goal_id, &goal).await?;
        Ok(Json(goal))
    }

    /// Record how far a goal was reached (at the end conversation)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals/:goal_id/attainment",
        method = "put",
        operation_id = "setGoalAttainment"
    )]
    async fn set_goal_attainment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        goal_id: Path<IdParam>,
        body: JsonBody<GoalAttainmentInput>,
    ) -> ApiResult<Json<GoalView>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let goal_id = goal_id.get("goal_id")?;
        let goal = state
            .store
            .set_goal_attainment(&case, goal_id, body.0.attainment)
            .await?;
        Ok(Json(goal))
    }
}
