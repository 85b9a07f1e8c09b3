//! Goals: written down with the veileder or by the participant in the app,
//! joining the open period; attainment is recorded at the end conversation.

use friskliv_domain::journey::{Attainment, Goal};
use uuid::Uuid;

use super::own_participant;
use super::views::{GoalList, GoalView, goal_view, goal_views};
use crate::access::Case;
use crate::db::journey::{self, Author};
use crate::db::sharing::StaffAction;
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/goals`
    pub async fn goals(&self, case: &Case) -> Result<GoalList> {
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            "goals",
            async |txn, grant| {
                let rows = journey::goals(txn, grant).await?;
                let periods = journey::periods(txn, grant).await?;
                Ok(GoalList {
                    goals: goal_views(rows, &periods)?,
                })
            },
        )
        .await
    }

    /// `POST /v1/centres/{c}/participants/{p}/goals`
    pub async fn create_goal(&self, case: &Case, goal: &Goal) -> Result<GoalView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            "goals",
            async |txn, grant| {
                let row = journey::add_goal(txn, Author::Staff(grant), goal, now).await?;
                let periods = journey::periods(txn, grant).await?;
                goal_view(row, &periods)
            },
        )
        .await
    }

    /// `PUT /v1/centres/{c}/participants/{p}/goals/{g}`
    pub async fn edit_goal(&self, case: &Case, goal_id: Uuid, goal: &Goal) -> Result<GoalView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("goals/{goal_id}"),
            async |txn, grant| {
                let row = journey::edit_goal(txn, Author::Staff(grant), goal_id, goal, now).await?;
                let periods = journey::periods(txn, grant).await?;
                goal_view(row, &periods)
            },
        )
        .await
    }

    /// `PUT /v1/centres/{c}/participants/{p}/goals/{g}/attainment`
    pub async fn set_goal_attainment(
        &self,
        case: &Case,
        goal_id: Uuid,
        attainment: Attainment,
    ) -> Result<GoalView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("goals/{goal_id}/attainment"),
            async |txn, grant| {
                let row =
                    journey::set_goal_attainment(txn, grant, goal_id, attainment, now).await?;
                let periods = journey::periods(txn, grant).await?;
                goal_view(row, &periods)
            },
        )
        .await
    }

    /// `GET /v1/me/goals`
    pub async fn my_goals(&self, principal: &Principal) -> Result<GoalList> {
        let participant = own_participant(principal)?;
        let goals = journey::own_goals(&self.db, participant).await?;
        let periods = journey::own_periods(&self.db, participant).await?;
        Ok(GoalList {
            goals: goal_views(goals, &periods)?,
        })
    }

    /// `POST /v1/me/goals`: a goal of the participant's own; it joins their
    /// open period.
    pub async fn create_my_goal(&self, principal: &Principal, goal: &Goal) -> Result<GoalView> {
        let participant = own_participant(principal)?;
        let now = self.clock.now();
        self.writing(async |txn| {
            let row = journey::add_goal(txn, Author::Participant(participant), goal, now).await?;
            let periods = journey::own_periods(txn, participant).await?;
            goal_view(row, &periods)
        })
        .await
    }

    /// `PUT /v1/me/goals/{g}`
    pub async fn edit_my_goal(
        &self,
        principal: &Principal,
        goal_id: Uuid,
        goal: &Goal,
    ) -> Result<GoalView> {
        let participant = own_participant(principal)?;
        let now = self.clock.now();
        self.writing(async |txn| {
            let row = journey::edit_goal(txn, Author::Participant(participant), goal_id, goal, now)
                .await?;
            let periods = journey::own_periods(txn, participant).await?;
            goal_view(row, &periods)
        })
        .await
    }

    /// `DELETE /v1/me/goals/{g}`: not once its attainment is recorded.
    pub async fn delete_my_goal(&self, principal: &Principal, goal_id: Uuid) -> Result<()> {
        let participant = own_participant(principal)?;
        let _turn = self.write_turn().await;
        if journey::delete_own_goal(&self.db, participant, goal_id).await? {
            Ok(())
        } else {
            Err(Refusal::not_found("goal without recorded attainment").into())
        }
    }
}
