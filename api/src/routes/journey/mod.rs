//! The journey at the centre (DOMAIN.md §2) under
//! `/v1/centres/{centre_id}/participants/{participant_id}/…`: attributes,
//! referrals and triage, follow-up periods, conversations, goals, courses and
//! assessments. Each handler parses the request and hands it to one use case
//! of the store, which authorises through `Store::as_staff` (logging the
//! access in the same transaction); journey records are the centre's
//! casework (no consent scope), assessments are read only under
//! `assessments` consent.

mod assessments;
mod goals;
mod periods;
mod referrals;

use super::ApiTags;

pub use assessments::AssessmentsApi;
pub use goals::GoalsApi;
pub use periods::{CoursesApi, PeriodsApi};
pub use referrals::ReferralsApi;

/// The journey's operations, registered in the spec's order.
pub type JourneyApi = (
    ReferralsApi,
    PeriodsApi,
    GoalsApi,
    CoursesApi,
    AssessmentsApi,
);

pub fn api() -> JourneyApi {
    (
        ReferralsApi,
        PeriodsApi,
        GoalsApi,
        CoursesApi,
        AssessmentsApi,
    )
}

// re-export until the merge (issue 12)
pub use friskliv_store::journey::{
    AssessmentView, GoalView, ParticipantAttributesView, PeriodView, assessment_views,
    attributes_view, goal_views,
};

/// me.rs collects period views into an `ApiResult`, so it needs this
/// `ApiResult` wrapper of `friskliv_store::journey::period_view`.
// re-export until the merge (issue 12)
pub fn period_view(
    p: friskliv_store::db::entities::period::Model,
    today: chrono::NaiveDate,
) -> crate::error::ApiResult<PeriodView> {
    Ok(friskliv_store::journey::period_view(p, today)?)
}
