//! The journey at the centre: attributes, referrals and triage, follow-up
//! periods, conversations, goals, courses and assessments — and the
//! participant's own progress.
//!
//! Staff operations authorise through [`Store::as_staff`](crate::Store::as_staff),
//! which logs the access in the same transaction; journey records are the
//! centre's casework (no consent scope), assessments are read only under
//! `assessments` consent. A participant reaches only their own records.

pub mod assessments;
pub mod epikrise;
pub mod goals;
pub mod periods;
pub mod progress;
pub mod referrals;
pub mod views;
pub mod worklist;

pub use progress::{
    DefinitionList, DefinitionView, IndicatorInputView, IndicatorView, PeriodOutcomesView,
    Progress, SharedParts, ThresholdView,
};
pub use views::{
    AssessmentList, AssessmentValuesView, AssessmentView, ConversationList, ConversationView,
    CourseList, CourseView, GoalList, GoalView, ParticipantAttributesView, PeriodList, PeriodView,
    ReferralList, ReferralView, assessment_view, assessment_views, attributes_view,
    conversation_view, course_view, goal_view, goal_views, period_view, period_views,
    referral_view,
};

use uuid::Uuid;

use crate::Principal;
use crate::error::{Refusal, Result};

impl Principal {
    /// The caller's own participant id; refused (403) for anyone else. Only
    /// participants keep diaries (staff enter on a participant's behalf
    /// through the centre's routes). A handler that reads a body calls it
    /// first, so that staff are refused before their body is judged.
    pub fn participant_self(&self) -> Result<Uuid> {
        if self.role != friskliv_domain::AccountRole::Participant {
            return Err(Refusal::forbidden(
                "only participants keep diaries; staff use the centre's routes",
            )
            .into());
        }
        Ok(self.account_id)
    }
}

fn own_participant(principal: &Principal) -> Result<Uuid> {
    principal.participant_self()
}
