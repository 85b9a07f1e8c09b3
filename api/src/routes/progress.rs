//! Results: the participant's own progress and goals and questionnaires
//! (`/v1/me/…`), a period's outcome indicators for the veileder (under
//! consent), and the public list of indicator definitions.

use chrono::{NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::assessment::AssessmentInput;
use friskliv_domain::indicators::DEFINITIONS;
use friskliv_domain::journey::{GoalInput, PERIOD_WEEKS};
use friskliv_domain::outcomes::{Indicator, PeriodOutcomes, Value, period_outcomes};
use friskliv_domain::summary::WeekSummary;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::diary::participant_id;
use super::journey::{
    AssessmentCreated, AssessmentList, GoalCreated, GoalList, GoalView, PeriodList, PeriodView,
    assessment_view, assessment_views, goal_view, goal_views, period_number, period_view,
};
use super::participants::authorized;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, PeriodParam};
use crate::state::AppState;
use friskliv_store::access::settle;
use friskliv_store::clock;
use friskliv_store::db::begin_write;
use friskliv_store::db::entities::period;
use friskliv_store::db::journey::{self, Author, Recorder};
use friskliv_store::db::sharing::StaffAction;
use friskliv_store::facts::period_facts;

pub struct ProgressApi;

#[derive(Object)]
pub struct ThresholdView {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

/// How an indicator is computed.
#[derive(Object)]
pub struct DefinitionView {
    /// Stable id, e.g. `fitness_change`.
    pub id: String,
    /// Raised whenever the computation changes.
    pub version: u32,
    pub text: String,
    pub thresholds: Vec<ThresholdView>,
    pub source: String,
}

#[derive(Object)]
pub struct DefinitionList {
    pub definitions: Vec<DefinitionView>,
}

#[derive(Object)]
pub struct IndicatorInputView {
    pub name: String,
    /// A number, true/false, or a category; null when absent.
    pub value: Option<serde_json::Value>,
    /// The day the input was measured, when it is a measurement.
    #[oai(skip_serializing_if_is_none)]
    pub on: Option<NaiveDate>,
}

/// One indicator: its value (or why there is none), the definition it was
/// computed with, and the inputs used.
#[derive(Object)]
pub struct IndicatorView {
    pub name: String,
    pub definition_id: String,
    pub definition_version: u32,
    /// A number, true/false, or a category; null when it cannot be computed.
    pub value: Option<serde_json::Value>,
    #[oai(skip_serializing_if_is_none)]
    pub unit: Option<String>,
    /// Why `value` is null, e.g. `unpaired`, `no_data`, `not_shared`, `outside_reference_range`.
    #[oai(skip_serializing_if_is_none)]
    pub missing: Option<String>,
    pub inputs: Vec<IndicatorInputView>,
}

fn json_value(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn indicator_view(i: &Indicator) -> IndicatorView {
    IndicatorView {
        name: i.name.to_owned(),
        definition_id: i.definition_id.to_owned(),
        definition_version: i.definition_version,
        value: i.value.as_ref().map(json_value),
        unit: i.unit.map(str::to_owned),
        missing: i
            .missing
            .and_then(|m| serde_json::to_value(m).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        inputs: i
            .inputs
            .iter()
            .map(|input| IndicatorInputView {
                name: input.name.to_owned(),
                value: input.value.as_ref().map(json_value),
                on: input.on,
            })
            .collect(),
    }
}

/// What the reader was allowed to see.
#[derive(Object)]
pub struct SharedParts {
    /// Diary-based indicators and weeks (`summaries` consent).
    pub summaries: bool,
    /// Assessment-based indicators (`assessments` consent).
    pub assessments: bool,
}

/// A period's outcome indicators.
#[derive(Object)]
pub struct PeriodOutcomesView {
    pub participant_id: Uuid,
    pub period: PeriodView,
    /// Computed as of this day (Europe/Oslo).
    pub as_of: NaiveDate,
    pub shared: SharedParts,
    /// Period weeks begun so far (at most 12); empty without `summaries`.
    pub weeks: Vec<WeekSummary>,
    pub indicators: Vec<IndicatorView>,
    #[oai(skip_serializing_if_is_none)]
    pub smoke_free_streak_days: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub money_saved_nok: Option<f64>,
}

/// The participant's progress in the current period.
#[derive(Object)]
pub struct Progress {
    /// The open period, else the latest; absent before the first start conversation.
    #[oai(skip_serializing_if_is_none)]
    pub period: Option<PeriodView>,
    /// Week k of the period today.
    #[oai(skip_serializing_if_is_none)]
    pub week: Option<u32>,
    /// Weeks in a period (12).
    pub weeks_in_period: u32,
    pub weeks: Vec<WeekSummary>,
    pub indicators: Vec<IndicatorView>,
    /// Consecutive logged days without the products quit, up to today.
    #[oai(skip_serializing_if_is_none)]
    pub smoke_free_streak_days: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub money_saved_nok: Option<f64>,
    pub goals: Vec<GoalView>,
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Done,
}

fn outcomes_of(
    outcomes: &PeriodOutcomes,
    diary_visible: bool,
) -> (Vec<WeekSummary>, Vec<IndicatorView>) {
    (
        if diary_visible {
            outcomes.weeks.clone()
        } else {
            Vec::new()
        },
        outcomes.indicators.iter().map(indicator_view).collect(),
    )
}

/// A period's outcomes as the reader may see them: weeks and diary-based
/// figures only with `summaries`, the rest as the domain marks it.
fn outcomes_view(
    participant_id: Uuid,
    period: period::Model,
    rows: journey::OutcomeRows,
    today: NaiveDate,
) -> ApiResult<PeriodOutcomesView> {
    let shared = SharedParts {
        summaries: rows.diary_visible,
        assessments: rows.assessments_visible,
    };
    let outcomes = period_outcomes(&period_facts(&period, rows, today));
    let (weeks, indicators) = outcomes_of(&outcomes, shared.summaries);
    Ok(PeriodOutcomesView {
        participant_id,
        period: period_view(period, today)?,
        as_of: today,
        weeks,
        indicators,
        smoke_free_streak_days: outcomes.smoke_free_streak_days.filter(|_| shared.summaries),
        money_saved_nok: outcomes.money_saved_nok.filter(|_| shared.summaries),
        shared,
    })
}

fn period_of_seq(periods: &[period::Model], seq: u32) -> Option<&period::Model> {
    periods.iter().find(|p| i64::from(p.seq) == i64::from(seq))
}

#[OpenApi(tag = "ApiTags::Outcomes")]
impl ProgressApi {
    /// Every indicator definition: id, version, text, thresholds and source
    #[oai(
        path = "/v1/definitions",
        method = "get",
        operation_id = "listDefinitions"
    )]
    async fn definitions(&self) -> ApiResult<Json<DefinitionList>> {
        Ok(Json(DefinitionList {
            definitions: DEFINITIONS
                .iter()
                .map(|d| DefinitionView {
                    id: d.id.to_owned(),
                    version: d.version,
                    text: d.text.to_owned(),
                    thresholds: d
                        .thresholds
                        .iter()
                        .map(|t| ThresholdView {
                            name: t.name.to_owned(),
                            value: t.value,
                            unit: t.unit.to_owned(),
                        })
                        .collect(),
                    source: d.source.to_owned(),
                })
                .collect(),
        }))
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
        let participant = participant_id(&principal)?;
        let today = clock::today(Utc::now());
        let db = &state.db;
        let periods = journey::own_periods(db, participant).await?;
        let goals = journey::own_goals(db, participant).await?;
        let current = periods
            .iter()
            .find(|p| journey::status_of(p).is_open())
            .or(periods.last())
            .cloned();
        let goal_views = |period_id: Option<Uuid>| -> ApiResult<Vec<GoalView>> {
            goals
                .iter()
                .filter(|g| {
                    period_id.is_none() || g.period_id.is_none() || g.period_id == period_id
                })
                .cloned()
                .map(|g| goal_view(g, &periods))
                .collect()
        };
        let Some(current) = current else {
            return Ok(Json(Progress {
                period: None,
                week: None,
                weeks_in_period: PERIOD_WEEKS,
                weeks: Vec::new(),
                indicators: Vec::new(),
                smoke_free_streak_days: None,
                money_saved_nok: None,
                goals: goal_views(None)?,
            }));
        };
        let rows = journey::own_outcome_rows(db, participant, &current, today).await?;
        let outcomes = period_outcomes(&period_facts(&current, rows, today));
        let (weeks, indicators) = outcomes_of(&outcomes, true);
        let view = period_view(current.clone(), today)?;
        Ok(Json(Progress {
            week: view.current_week,
            period: Some(view),
            weeks_in_period: PERIOD_WEEKS,
            weeks,
            indicators,
            smoke_free_streak_days: outcomes.smoke_free_streak_days,
            money_saved_nok: outcomes.money_saved_nok,
            goals: goal_views(Some(current.id))?,
        }))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let seq = period_number(&period)?;
        let today = clock::today(Utc::now());
        let (turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadOutcomes,
            &format!("periods/{seq}/outcomes"),
        )
        .await?;
        let Some(period) = journey::period(&txn, &grant, seq).await? else {
            txn.commit().await?;
            return Err(ApiError::not_found("period"));
        };
        let rows = journey::outcome_rows(&txn, &grant, &period, today).await;
        let rows = settle(txn, rows).await?;
        drop(turn);
        Ok(Json(outcomes_view(participant_id, period, rows, today)?))
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
        let participant = participant_id(&principal)?;
        let today = clock::today(Utc::now());
        let rows = journey::own_periods(&state.db, participant).await?;
        Ok(Json(PeriodList {
            periods: rows
                .into_iter()
                .map(|p| period_view(p, today))
                .collect::<ApiResult<_>>()?,
        }))
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
        let participant = participant_id(&principal)?;
        let seq = period_number(&period)?;
        let today = clock::today(Utc::now());
        let periods = journey::own_periods(&state.db, participant).await?;
        let period = period_of_seq(&periods, seq)
            .cloned()
            .ok_or_else(|| ApiError::not_found("period"))?;
        let rows = journey::own_outcome_rows(&state.db, participant, &period, today).await?;
        Ok(Json(outcomes_view(participant, period, rows, today)?))
    }

    /// My goals
    #[oai(path = "/v1/me/goals", method = "get", operation_id = "listMyGoals")]
    async fn my_goals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<GoalList>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let goals = journey::own_goals(&state.db, participant).await?;
        let periods = journey::own_periods(&state.db, participant).await?;
        Ok(Json(GoalList {
            goals: goal_views(goals, &periods)?,
        }))
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
        let participant = participant_id(&principal)?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let now = Utc::now();
        let _turn = state.write_turn().await;
        let txn = begin_write(&state.db).await?;
        let row = journey::add_goal(&txn, Author::Participant(participant), &goal, now).await?;
        let periods = journey::own_periods(&txn, participant).await?;
        txn.commit().await?;
        Ok(GoalCreated::Created(Json(goal_view(row, &periods)?)))
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
        let participant = participant_id(&principal)?;
        let goal_id = goal_id.get("goal_id")?;
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let now = Utc::now();
        let _turn = state.write_turn().await;
        let txn = begin_write(&state.db).await?;
        let result =
            journey::edit_goal(&txn, Author::Participant(participant), goal_id, &goal, now).await;
        let periods = journey::own_periods(&txn, participant).await?;
        let result = settle(txn, result).await?;
        Ok(Json(goal_view(result, &periods)?))
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
        let participant = participant_id(&principal)?;
        let goal_id = goal_id.get("goal_id")?;
        let _turn = state.write_turn().await;
        if journey::delete_own_goal(&state.db, participant, goal_id).await? {
            Ok(Deleted::Done)
        } else {
            Err(ApiError::not_found("goal without recorded attainment"))
        }
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
        let participant = participant_id(&principal)?;
        let rows = journey::own_assessments(&state.db, participant).await?;
        let periods = journey::own_periods(&state.db, participant).await?;
        Ok(Json(AssessmentList {
            assessments: assessment_views(rows, &periods)?,
        }))
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
        let participant = participant_id(&principal)?;
        let now = Utc::now();
        let assessment = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        if !assessment.instrument.self_reportable() {
            return Err(ApiError::validation(FieldError::new(
                "instrument",
                "self_reportable",
                format!(
                    "{} is a test done at the centre; a veileder records it",
                    assessment.instrument
                ),
            )));
        }
        let _turn = state.write_turn().await;
        let txn = begin_write(&state.db).await?;
        let result =
            journey::add_assessment(&txn, Recorder::Participant(participant), &assessment, now)
                .await;
        let periods = journey::own_periods(&txn, participant).await?;
        let row = settle(txn, result).await?;
        Ok(AssessmentCreated::Created(Json(assessment_view(
            row, &periods,
        )?)))
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
        let participant = participant_id(&principal)?;
        let assessment_id = assessment_id.get("assessment_id")?;
        let _turn = state.write_turn().await;
        if journey::delete_own_assessment(&state.db, participant, assessment_id).await? {
            Ok(Deleted::Done)
        } else {
            Err(ApiError::not_found("questionnaire of yours"))
        }
    }
}
