//! Follow-up periods, their health conversations, and courses.

use chrono::NaiveDate;
use friskliv_domain::journey::{ConversationInput, CourseInput, PeriodEndInput, PeriodStartInput};
use friskliv_store::journey::periods::PeriodMove;
use friskliv_store::journey::{
    ConversationList, ConversationView, CourseList, CourseView, PeriodList, PeriodView,
};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, staff_case, staff_period};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, PeriodParam};
use crate::state::AppState;

pub struct PeriodsApi;

/// Courses are registered after goals (the spec's order).
pub struct CoursesApi;

#[derive(ApiResponse)]
pub enum PeriodStarted {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<PeriodView>),
}

#[derive(ApiResponse)]
pub enum ConversationCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ConversationView>),
}

#[derive(ApiResponse)]
pub enum CourseCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<CourseView>),
}

/// The day a pause or resume takes effect.
#[derive(Object, serde::Deserialize)]
pub struct PeriodDay {
    /// YYYY-MM-DD; default today (Europe/Oslo).
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

#[OpenApi(tag = "ApiTags::Journey")]
impl PeriodsApi {
    /// A participant's follow-up periods
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods",
        method = "get",
        operation_id = "listPeriods"
    )]
    async fn list_periods(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<PeriodList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let periods = state.store.periods(&case).await?;
        Ok(Json(periods))
    }

    /// Start the next follow-up period (the start conversation's day is week 1's first day)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods",
        method = "post",
        operation_id = "startPeriod"
    )]
    async fn start_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<PeriodStartInput>,
    ) -> ApiResult<PeriodStarted> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let start = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let period = state.store.start_period(&case, &start).await?;
        Ok(PeriodStarted::Created(Json(period)))
    }

    /// One follow-up period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period",
        method = "get",
        operation_id = "getPeriod"
    )]
    async fn get_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<PeriodView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let period = state.store.period(&case, seq).await?;
        Ok(Json(period))
    }

    /// Pause an active period (the planned end moves by the days paused)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/pause",
        method = "post",
        operation_id = "pausePeriod"
    )]
    async fn pause_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodDay>,
    ) -> ApiResult<Json<PeriodView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let period = state
            .store
            .move_period(&case, seq, PeriodMove::Pause { on: body.0.on })
            .await?;
        Ok(Json(period))
    }

    /// Resume a paused period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/resume",
        method = "post",
        operation_id = "resumePeriod"
    )]
    async fn resume_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodDay>,
    ) -> ApiResult<Json<PeriodView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let period = state
            .store
            .move_period(&case, seq, PeriodMove::Resume { on: body.0.on })
            .await?;
        Ok(Json(period))
    }

    /// Complete a period at the end conversation, with the onward offers the participant was led to
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/complete",
        method = "post",
        operation_id = "completePeriod"
    )]
    async fn complete_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodEndInput>,
    ) -> ApiResult<Json<PeriodView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let period = state
            .store
            .move_period(&case, seq, PeriodMove::Complete(body.0))
            .await?;
        Ok(Json(period))
    }

    /// Discontinue a period (dropped out)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/discontinue",
        method = "post",
        operation_id = "discontinuePeriod"
    )]
    async fn discontinue_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodEndInput>,
    ) -> ApiResult<Json<PeriodView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let period = state
            .store
            .move_period(&case, seq, PeriodMove::Discontinue(body.0))
            .await?;
        Ok(Json(period))
    }

    /// Renew: complete period n (if still open) the day before and start n + 1 on `start_date`
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/renew",
        method = "post",
        operation_id = "renewPeriod"
    )]
    async fn renew_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodStartInput>,
    ) -> ApiResult<PeriodStarted> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let start = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let period = state.store.renew_period(&case, seq, start).await?;
        Ok(PeriodStarted::Created(Json(period)))
    }

    /// Health conversations of a period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/conversations",
        method = "get",
        operation_id = "listConversations"
    )]
    async fn list_conversations(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<ConversationList>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let conversations = state.store.conversations(&case, seq).await?;
        Ok(Json(conversations))
    }

    /// Record a health conversation (one start and one end per period; interim ones repeat)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/conversations",
        method = "post",
        operation_id = "createConversation"
    )]
    async fn create_conversation(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<ConversationInput>,
    ) -> ApiResult<ConversationCreated> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let conversation = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let conversation = state
            .store
            .create_conversation(&case, seq, &conversation)
            .await?;
        Ok(ConversationCreated::Created(Json(conversation)))
    }
}

#[OpenApi(tag = "ApiTags::Journey")]
impl CoursesApi {
    /// Courses and group offers the participant attended
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/courses",
        method = "get",
        operation_id = "listCourses"
    )]
    async fn list_courses(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<CourseList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let courses = state.store.courses(&case).await?;
        Ok(Json(courses))
    }

    /// Record a course or group offer the participant attended
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/courses",
        method = "post",
        operation_id = "createCourse"
    )]
    async fn create_course(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<CourseInput>,
    ) -> ApiResult<CourseCreated> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let course = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let course = state.store.create_course(&case, &course).await?;
        Ok(CourseCreated::Created(Json(course)))
    }
}
