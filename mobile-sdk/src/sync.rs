//! The sync engine: push the outbox, then pull the change feed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{ChangePage, SyncResponse};
use crate::client::Friskliv;
use crate::error::{FieldProblem, Result, SdkError};
use crate::store::{OutboxItem, PushOutcome};

/// What one [`Friskliv::sync`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// Local writes the server applied.
    pub pushed: u64,
    /// Local writes the server already had (a retried batch).
    pub unchanged: u64,
    /// Local edits that lost to a newer server version (kept in `conflicts()`).
    pub conflicts: u64,
    /// Local writes the server refused (kept in `conflicts()`).
    pub rejected: u64,
    /// Changes from the server applied to this phone.
    pub pulled: u64,
    /// Writes still queued (made while this sync ran).
    pub pending: u64,
}

/// The server takes at most this many items per `POST /v1/me/sync`.
pub const MAX_BATCH: usize = 500;
/// The change feed's largest page.
const CHANGES_PAGE: u32 = 1000;

impl Friskliv {
    /// Sends every queued write, then applies every change the server has
    /// for this participant (other devices, a veileder's entries, deletes).
    ///
    /// One sync runs at a time: a second caller waits for the first and then
    /// syncs what is left, so it is safe to call from any thread, on every
    /// app start, network change or push. An interrupted sync (offline, app
    /// killed) loses nothing: a write leaves the outbox only once the server
    /// has acknowledged it, and a page of changes is applied together with
    /// the cursor after it.
    pub async fn sync(&self) -> Result<SyncReport> {
        let _one_at_a_time = self.sync_turn.lock().await;
        let token = self.token()?;
        let mut report = SyncReport::default();
        loop {
            let batch = self.store.outbox(MAX_BATCH)?;
            if batch.is_empty() {
                break;
            }
            let items: Vec<Value> = batch.iter().map(sync_item).collect();
            let response: SyncResponse = self.authorised(
                self.api
                    .send(
                        Method::POST,
                        "v1/me/sync",
                        Some(&token),
                        Some(&json!({ "items": items })),
                    )
                    .await,
            )?;
            let answers = answers(batch, response, &mut report)?;
            self.store.apply_push(answers, self.now())?;
        }
        loop {
            let cursor = self.store.cursor()?;
            let path = match &cursor {
                Some(c) => {
                    let c: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
                    format!("v1/me/changes?limit={CHANGES_PAGE}&cursor={c}")
                }
                None => format!("v1/me/changes?limit={CHANGES_PAGE}"),
            };
            let page: ChangePage =
                self.authorised(self.api.send(Method::GET, &path, Some(&token), None).await)?;
            let applied = self
                .store
                .apply_changes(&page.changes, &page.next_cursor, self.now())?;
            report.pulled += applied.changes;
            report.conflicts += applied.conflicts;
            if !page.has_more {
                break;
            }
        }
        report.pending = self.store.pending_count()?;
        Ok(report)
    }
}

fn sync_item(item: &OutboxItem) -> Value {
    match &item.body {
        Some(entry) if item.op == "upsert" => json!({
            "op": "upsert", "kind": item.kind.as_str(), "entry_id": item.entry_id, "entry": entry,
        }),
        _ => json!({
            "op": "delete", "kind": item.kind.as_str(), "entry_id": item.entry_id, "version": item.version,
        }),
    }
}

/// Pairs each pushed item with what the server said about it.
fn answers(
    batch: Vec<OutboxItem>,
    response: SyncResponse,
    report: &mut SyncReport,
) -> Result<Vec<(OutboxItem, PushOutcome)>> {
    let mut by_index: Vec<Option<PushOutcome>> = (0..batch.len()).map(|_| None).collect();
    for result in response.results {
        let slot = by_index
            .get_mut(result.index as usize)
            .ok_or_else(|| SdkError::unreadable("sync answer", "an index outside the batch"))?;
        let outcome = match result.result.as_str() {
            "applied" | "unchanged" => {
                if result.result == "applied" {
                    report.pushed += 1;
                } else {
                    report.unchanged += 1;
                }
                PushOutcome::Acknowledged {
                    version: result
                        .version
                        .ok_or_else(|| SdkError::unreadable("sync answer", "no version"))?,
                    change: result.change,
                }
            }
            "conflict" => {
                report.conflicts += 1;
                PushOutcome::Conflict {
                    server: result.entry.ok_or_else(|| {
                        SdkError::unreadable("sync answer", "a conflict without the server's entry")
                    })?,
                }
            }
            _ => {
                report.rejected += 1;
                let problem = result.problem.unwrap_or(Value::Null);
                PushOutcome::Rejected {
                    detail: problem["detail"].as_str().unwrap_or("refused").to_owned(),
                    errors: serde_json::from_value::<Vec<FieldProblem>>(problem["errors"].clone())
                        .unwrap_or_default(),
                }
            }
        };
        *slot = Some(outcome);
    }
    batch
        .into_iter()
        .zip(by_index)
        .map(|(item, outcome)| {
            outcome
                .map(|o| (item, o))
                .ok_or_else(|| SdkError::unreadable("sync answer", "an item without a result"))
        })
        .collect()
}
