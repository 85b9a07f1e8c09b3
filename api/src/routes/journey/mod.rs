//! The journey at the centre (DOMAIN.md §2) under
//! `/v1/centres/{centre_id}/participants/{participant_id}/…`: attributes,
//! referrals and triage, follow-up periods, conversations, goals, courses,
//! assessments, and the epikrise to the GP and the referrer. Each handler parses the request and hands it to one use case
//! of the store, which authorises through `Store::as_staff` (logging the
//! access in the same transaction); journey records are the centre's
//! casework (no consent scope), assessments are read only under
//! `assessments` consent.

mod assessments;
mod epikrise;
mod goals;
mod periods;
mod referrals;

use super::ApiTags;

pub use assessments::AssessmentsApi;
pub use epikrise::EpikriseApi;
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
    EpikriseApi,
);

pub fn api() -> JourneyApi {
    (
        ReferralsApi,
        PeriodsApi,
        GoalsApi,
        CoursesApi,
        AssessmentsApi,
        EpikriseApi,
    )
}
