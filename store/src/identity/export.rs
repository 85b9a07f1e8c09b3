//! "All my data" (`GET /v1/me/export`): who they are, their passkeys and
//! journey records in one read, then their diary entries page by page, so
//! the api can stream a document of any size with flat memory.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::account::{Me, me_of};
use super::passkeys::PasskeySummary;
use crate::db::{diary, identity as queries, journey};
use crate::diary::{DiaryEntryView, view};
use crate::error::Result;
use crate::journey::{
    AssessmentView, GoalView, ParticipantAttributesView, PeriodView, assessment_views,
    attributes_view, goal_views, period_views,
};
use crate::{Principal, Store};

/// The head of the export document: everything but the diary entries.
pub struct AccountExport {
    pub exported_at: DateTime<Utc>,
    pub account: Me,
    /// Labels and dates; never key material.
    pub passkeys: Vec<PasskeySummary>,
    pub attributes: ParticipantAttributesView,
    pub periods: Vec<PeriodView>,
    pub goals: Vec<GoalView>,
    pub assessments: Vec<AssessmentView>,
}

/// One page of the export's diary entries.
pub struct ExportPage {
    /// Live entries, in change order.
    pub entries: Vec<DiaryEntryView>,
    /// Pass as `after` for the next page; `None` when there are no more.
    pub next: Option<i64>,
}

/// Entries per database round trip while streaming an export.
const EXPORT_PAGE: u64 = 500;

impl Store {
    /// `GET /v1/me/export`, the head: the account, its passkeys and the
    /// participant's journey records (a handful of rows each), as of now.
    pub async fn account_export(&self, principal: &Principal) -> Result<AccountExport> {
        let exported_at = self.clock.now();
        let id = principal.account_id;
        let account = me_of(&self.db, id, principal.session_expires_at).await?;
        let passkeys = queries::passkeys_of(&self.db, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let periods = journey::own_periods(&self.db, id).await?;
        let attributes = attributes_view(id, journey::own_attributes(&self.db, id).await?)?;
        let goals = goal_views(journey::own_goals(&self.db, id).await?, &periods)?;
        let assessments =
            assessment_views(journey::own_assessments(&self.db, id).await?, &periods)?;
        let periods = period_views(periods, crate::clock::today(exported_at))?;
        Ok(AccountExport {
            exported_at,
            account,
            passkeys,
            attributes,
            periods,
            goals,
            assessments,
        })
    }

    /// `GET /v1/me/export`, the body: the diary entries after change
    /// `after` (0 to begin), one page.
    pub async fn export_diary_page(&self, participant: Uuid, after: i64) -> Result<ExportPage> {
        let rows = diary::changes(&self.db, participant, after, EXPORT_PAGE).await?;
        let next = rows.last().map(|r| r.seq);
        let entries = rows
            .iter()
            .filter(|r| !r.deleted)
            .map(view)
            .collect::<Result<_>>()?;
        Ok(ExportPage { entries, next })
    }
}
