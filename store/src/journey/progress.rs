//! Results: the participant's own progress, a period's outcome indicators
//! for the veileder (under consent), and the public list of indicator
//! definitions.

use chrono::NaiveDate;
use friskliv_domain::indicators::DEFINITIONS;
use friskliv_domain::journey::PERIOD_WEEKS;
use friskliv_domain::outcomes::{Indicator, PeriodOutcomes, Value, period_outcomes};
use friskliv_domain::summary::WeekSummary;
use poem_openapi::Object;
use uuid::Uuid;

use super::own_participant;
use super::views::{GoalView, PeriodList, PeriodView, goal_view, period_view, period_views};
use crate::access::Case;
use crate::db::entities::period;
use crate::db::journey;
use crate::db::sharing::StaffAction;
use crate::error::{Refusal, Result};
use crate::facts::period_facts;
use crate::{Principal, Store};

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
) -> Result<PeriodOutcomesView> {
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

impl Store {
    /// `GET /v1/definitions`: every indicator definition.
    pub fn definitions(&self) -> DefinitionList {
        DefinitionList {
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
        }
    }

    /// `GET /v1/me/progress`: the open period, else the latest, with its
    /// weeks, indicators so far and goals.
    pub async fn my_progress(&self, principal: &Principal) -> Result<Progress> {
        let participant = own_participant(principal)?;
        let today = self.clock.today();
        let db = &self.db;
        let periods = journey::own_periods(db, participant).await?;
        let goals = journey::own_goals(db, participant).await?;
        let current = periods
            .iter()
            .find(|p| journey::status_of(p).is_open())
            .or(periods.last())
            .cloned();
        let goal_views = |period_id: Option<Uuid>| -> Result<Vec<GoalView>> {
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
            return Ok(Progress {
                period: None,
                week: None,
                weeks_in_period: PERIOD_WEEKS,
                weeks: Vec::new(),
                indicators: Vec::new(),
                smoke_free_streak_days: None,
                money_saved_nok: None,
                goals: goal_views(None)?,
            });
        };
        let rows = journey::own_outcome_rows(db, participant, &current, today).await?;
        let outcomes = period_outcomes(&period_facts(&current, rows, today));
        let (weeks, indicators) = outcomes_of(&outcomes, true);
        let view = period_view(current.clone(), today)?;
        Ok(Progress {
            week: view.current_week,
            period: Some(view),
            weeks_in_period: PERIOD_WEEKS,
            weeks,
            indicators,
            smoke_free_streak_days: outcomes.smoke_free_streak_days,
            money_saved_nok: outcomes.money_saved_nok,
            goals: goal_views(Some(current.id))?,
        })
    }

    /// `GET /v1/centres/{c}/participants/{p}/periods/{n}/outcomes`:
    /// diary-based indicators under `summaries`, assessment-based ones under
    /// `assessments` consent.
    pub async fn period_outcomes(&self, case: &Case, seq: u32) -> Result<PeriodOutcomesView> {
        let today = self.clock.today();
        let (period, rows) = self
            .as_staff(
                case,
                StaffAction::ReadOutcomes,
                &format!("periods/{seq}/outcomes"),
                async |txn, grant| {
                    let Some(period) = journey::period(txn, grant, seq).await? else {
                        return Err(Refusal::not_found("period").into());
                    };
                    let rows = journey::outcome_rows(txn, grant, &period, today).await?;
                    Ok((period, rows))
                },
            )
            .await?;
        outcomes_view(case.participant_id, period, rows, today)
    }

    /// `GET /v1/me/periods`
    pub async fn my_periods(&self, principal: &Principal) -> Result<PeriodList> {
        let participant = own_participant(principal)?;
        let today = self.clock.today();
        let rows = journey::own_periods(&self.db, participant).await?;
        Ok(PeriodList {
            periods: period_views(rows, today)?,
        })
    }

    /// `GET /v1/me/periods/{n}/outcomes`
    pub async fn my_period_outcomes(
        &self,
        principal: &Principal,
        seq: u32,
    ) -> Result<PeriodOutcomesView> {
        let participant = own_participant(principal)?;
        let today = self.clock.today();
        let periods = journey::own_periods(&self.db, participant).await?;
        let period = period_of_seq(&periods, seq)
            .cloned()
            .ok_or_else(|| Refusal::not_found("period"))?;
        let rows = journey::own_outcome_rows(&self.db, participant, &period, today).await?;
        outcomes_view(participant, period, rows, today)
    }
}
