//! Follow-up periods (start, pause, resume, complete, discontinue, renew),
//! their health conversations, and the courses a participant attended.

use chrono::NaiveDate;
use friskliv_domain::FieldError;
use friskliv_domain::journey::{Conversation, Course, PeriodAction, PeriodEndInput, PeriodStart};

use super::views::{
    ConversationList, ConversationView, CourseList, CourseView, PeriodList, PeriodView,
    conversation_view, course_view, period_view, period_views,
};
use crate::Store;
use crate::access::Case;
use crate::db::journey;
use crate::db::sharing::StaffAction;
use crate::error::{Error, Refusal, Result};

/// What a pause, resume, complete or discontinue asks of a period.
#[derive(Debug, Clone)]
pub enum PeriodMove {
    /// Pause from, or resume on, a day (YYYY-MM-DD; default today,
    /// Europe/Oslo).
    Pause {
        on: Option<NaiveDate>,
    },
    Resume {
        on: Option<NaiveDate>,
    },
    /// End at the end conversation, with what it recorded; read once the
    /// period is found (an unknown period is 404 before a bad body is 422).
    Complete(PeriodEndInput),
    Discontinue(PeriodEndInput),
}

impl PeriodMove {
    pub fn action(&self) -> PeriodAction {
        match self {
            PeriodMove::Pause { .. } => PeriodAction::Pause,
            PeriodMove::Resume { .. } => PeriodAction::Resume,
            PeriodMove::Complete(_) => PeriodAction::Complete,
            PeriodMove::Discontinue(_) => PeriodAction::Discontinue,
        }
    }

    fn day(&self) -> Option<NaiveDate> {
        match self {
            PeriodMove::Pause { on } | PeriodMove::Resume { on } => *on,
            PeriodMove::Complete(_) | PeriodMove::Discontinue(_) => None,
        }
    }

    fn end(self) -> Option<PeriodEndInput> {
        match self {
            PeriodMove::Pause { .. } | PeriodMove::Resume { .. } => None,
            PeriodMove::Complete(end) | PeriodMove::Discontinue(end) => Some(end),
        }
    }
}

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/periods`
    pub async fn periods(&self, case: &Case) -> Result<PeriodList> {
        let today = self.clock.today();
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            "periods",
            async |txn, grant| {
                let rows = journey::periods(txn, grant).await?;
                Ok(PeriodList {
                    periods: period_views(rows, today)?,
                })
            },
        )
        .await
    }

    /// `POST /v1/centres/{c}/participants/{p}/periods`
    pub async fn start_period(&self, case: &Case, start: &PeriodStart) -> Result<PeriodView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            "periods",
            async |txn, grant| {
                let row = journey::start_period(txn, grant, start, now).await?;
                period_view(row, crate::clock::today(now))
            },
        )
        .await
    }

    /// `GET /v1/centres/{c}/participants/{p}/periods/{n}`
    pub async fn period(&self, case: &Case, seq: u32) -> Result<PeriodView> {
        let today = self.clock.today();
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            &format!("periods/{seq}"),
            async |txn, grant| {
                let rows = journey::periods(txn, grant).await?;
                let p = rows
                    .into_iter()
                    .find(|p| p.seq == i32::try_from(seq).unwrap_or(0))
                    .ok_or_else(|| Refusal::not_found("period"))?;
                period_view(p, today)
            },
        )
        .await
    }

    /// `POST …/periods/{n}/{pause,resume,complete,discontinue}`. A refusal
    /// keeps only the access-log row. A day in the future is refused before
    /// anything is looked at.
    pub async fn move_period(
        &self,
        case: &Case,
        seq: u32,
        request: PeriodMove,
    ) -> Result<PeriodView> {
        let now = self.clock.now();
        let today = crate::clock::today(now);
        if request
            .day()
            .is_some_and(|day| day > today + chrono::Duration::days(1))
        {
            return Err(Refusal::invalid(FieldError::new(
                "on",
                "not_future",
                "must not be in the future",
            ))
            .into());
        }
        let action = request.action();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("periods/{seq}/{action}"),
            async |txn, grant| {
                if journey::period(txn, grant, seq).await?.is_none() {
                    return Err(Refusal::not_found("period").into());
                }
                let on = request.day();
                let (day, end) = match request.end() {
                    Some(input) => {
                        let end = input.parse(action, today).map_err(Refusal::Invalid)?;
                        (end.ended_on, Some(end))
                    }
                    None => (on.unwrap_or(today), None),
                };
                let row =
                    journey::transition_period(txn, grant, seq, action, day, end.as_ref(), now)
                        .await?;
                period_view(row, today)
            },
        )
        .await
    }

    /// `POST …/periods/{n}/renew`: completes period n (if still open) the
    /// day before `start_date` and starts n + 1, which keeps n's referral
    /// unless another is named. Only the latest period can be renewed; a
    /// refusal leaves nothing half done.
    pub async fn renew_period(
        &self,
        case: &Case,
        seq: u32,
        start: PeriodStart,
    ) -> Result<PeriodView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("periods/{seq}/renew"),
            async |txn, grant| {
                let mut start = start;
                let periods = journey::periods(txn, grant).await?;
                let Some(current) = periods.iter().find(|p| i64::from(p.seq) == i64::from(seq))
                else {
                    return Err(Error::from(Refusal::not_found("period")));
                };
                if periods.last().map(|p| p.seq) != Some(current.seq) {
                    return Err(Error::from(Refusal::Conflict {
                        code: "period-not-latest",
                        detail: format!(
                            "only the latest period can be renewed; period {seq} has a successor"
                        ),
                        current: serde_json::json!({"period": seq, "status": current.status}),
                    }));
                }
                if start.referral_id.is_none() {
                    start.referral_id = current.referral_id;
                }
                if journey::status_of(current).is_open() {
                    let end_day = start
                        .start_date
                        .pred_opt()
                        .unwrap_or(start.start_date)
                        .max(current.start_date);
                    journey::transition_period(
                        txn,
                        grant,
                        seq,
                        PeriodAction::Complete,
                        end_day,
                        None,
                        now,
                    )
                    .await?;
                }
                let row = journey::start_period(txn, grant, &start, now).await?;
                period_view(row, crate::clock::today(now))
            },
        )
        .await
    }

    /// `GET …/periods/{n}/conversations`
    pub async fn conversations(&self, case: &Case, seq: u32) -> Result<ConversationList> {
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            &format!("periods/{seq}/conversations"),
            async |txn, grant| {
                let rows = journey::conversations(txn, grant, seq).await?;
                Ok(ConversationList {
                    conversations: rows
                        .into_iter()
                        .map(conversation_view)
                        .collect::<Result<_>>()?,
                })
            },
        )
        .await
    }

    /// `POST …/periods/{n}/conversations`: one start and one end per
    /// period; interim ones repeat.
    pub async fn create_conversation(
        &self,
        case: &Case,
        seq: u32,
        conversation: &Conversation,
    ) -> Result<ConversationView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("periods/{seq}/conversations"),
            async |txn, grant| {
                conversation_view(
                    journey::add_conversation(txn, grant, seq, conversation, now).await?,
                )
            },
        )
        .await
    }

    /// `GET /v1/centres/{c}/participants/{p}/courses`
    pub async fn courses(&self, case: &Case) -> Result<CourseList> {
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            "courses",
            async |txn, grant| {
                let rows = journey::courses(txn, grant).await?;
                Ok(CourseList {
                    courses: rows.into_iter().map(course_view).collect::<Result<_>>()?,
                })
            },
        )
        .await
    }

    /// `POST /v1/centres/{c}/participants/{p}/courses`
    pub async fn create_course(&self, case: &Case, course: &Course) -> Result<CourseView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            "courses",
            async |txn, grant| course_view(journey::add_course(txn, grant, course, now).await?),
        )
        .await
    }
}
