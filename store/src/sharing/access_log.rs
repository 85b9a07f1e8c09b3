//! The participant's access log: who at a centre read or wrote their data,
//! and who was refused.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::sharing;
use crate::error::Result;
use crate::{Principal, Store};

#[derive(Object)]
pub struct AccessLogEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who looked (null if their account has since been removed).
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub actor_name: Option<String>,
    pub actor_role: String,
    #[oai(skip_serializing_if_is_none)]
    pub centre_id: Option<Uuid>,
    /// `read_caseload`, `read_summary`, `read_entries`, `write_entry`, `record_consent`.
    pub action: String,
    pub resource: String,
    /// Whether it was allowed; denied attempts are listed too.
    pub allowed: bool,
    /// The consent that allowed it, when one was needed.
    #[oai(skip_serializing_if_is_none)]
    pub consent_id: Option<Uuid>,
}

#[derive(Object)]
pub struct AccessLogPage {
    /// Newest first.
    pub entries: Vec<AccessLogEntry>,
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

impl Store {
    /// `GET /v1/me/access-log`: a page, newest first, of at most `limit`
    /// entries older than the entry `before`.
    pub async fn my_access_log(
        &self,
        principal: &Principal,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<AccessLogPage> {
        super::reads_own_access_log(principal)?;
        let rows =
            sharing::access_log_of(&self.db, principal.account_id, before, limit + 1).await?;
        let more = rows.len() as u64 > limit;
        let rows = &rows[..rows.len().min(limit as usize)];
        let actor_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_account_id).collect();
        let actors = sharing::accounts_by_id(&self.db, &actor_ids).await?;
        Ok(AccessLogPage {
            entries: rows
                .iter()
                .map(|r| AccessLogEntry {
                    id: r.id,
                    at: r.at,
                    actor_id: r.actor_account_id,
                    actor_name: r
                        .actor_account_id
                        .and_then(|id| actors.get(&id))
                        .map(|a| a.display_name.clone()),
                    actor_role: r.actor_role.clone(),
                    centre_id: r.centre_id,
                    action: r.action.clone(),
                    resource: r.resource.clone(),
                    allowed: r.allowed,
                    consent_id: r.consent_id,
                })
                .collect(),
            next_cursor: if more {
                rows.last().map(|r| r.id.to_string())
            } else {
                None
            },
        })
    }
}
