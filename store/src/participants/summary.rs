//! `GET /v1/centres/{c}/participants/{p}/summary`: weekly summary of a
//! participant's diaries, under `summaries` consent.

use chrono::{Duration, NaiveDate};
use friskliv_domain::diary::EntryContent;
use friskliv_domain::summary::{SummaryEntry, WeekSummary, weekly_summary};
use poem_openapi::Object;
use uuid::Uuid;

use crate::Store;
use crate::access::Case;
use crate::db::sharing::StaffAction;
use crate::db::{journey, sharing};
use crate::error::Result;

#[derive(Object)]
pub struct ParticipantSummary {
    pub participant_id: Uuid,
    /// Week 1 starts on this day.
    pub first_day: NaiveDate,
    pub weeks: Vec<WeekSummary>,
    /// Whether the participant has diary reminders on (a phone registered
    /// and at least one reminder scheduled); nothing more about them.
    pub reminders_on: bool,
}

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/summary?from=&weeks=`: `weeks`
    /// weeks from `from`, else from the current period's start, else from
    /// the first diary day.
    pub async fn participant_summary(
        &self,
        case: &Case,
        from: Option<NaiveDate>,
        weeks: u32,
    ) -> Result<ParticipantSummary> {
        let (first_day, rows, reminders_on) = self
            .as_staff(
                case,
                StaffAction::ReadSummary,
                "summary",
                async |txn, grant| {
                    // Week 1 is the current period's first week; before any
                    // period, the first diary day's.
                    let period = journey::current_period(txn, grant).await?;
                    let first_day = match (from, period) {
                        (Some(day), _) => day,
                        (None, Some(period)) => period.start_date,
                        (None, None) => sharing::first_diary_day_for(txn, grant)
                            .await?
                            .unwrap_or_else(|| self.clock.today()),
                    };
                    let last_day = first_day + Duration::days(7 * i64::from(weeks) - 1);
                    let rows =
                        sharing::summary_entries_for(txn, grant, first_day, last_day).await?;
                    let reminders_on = crate::reminders::reminders_on(txn, grant).await?;
                    Ok((first_day, rows, reminders_on))
                },
            )
            .await?;
        let entries = rows
            .iter()
            .filter_map(|(diary_day, content)| {
                let content: EntryContent = serde_json::from_str(content).ok()?;
                Some(SummaryEntry {
                    diary_day: *diary_day,
                    occurred_at: chrono::DateTime::parse_from_rfc3339(&content.occurred_at).ok()?,
                    data: content.data,
                })
            })
            .collect::<Vec<_>>();
        Ok(ParticipantSummary {
            participant_id: case.participant_id,
            first_day,
            weeks: weekly_summary(&entries, first_day, weeks),
            reminders_on,
        })
    }
}
