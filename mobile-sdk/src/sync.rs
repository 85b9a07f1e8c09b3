//! The sync engine: push the outbox, then pull the change feed.

use friskliv_domain::diary::EntryKind;
use reqwest::Method;
use serde_json::Value;

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
        self.push_outbox(&token, &mut report).await?;
        self.pull_changes(&token, &mut report).await?;
        report.pending = self.store.pending_count()?;
        Ok(report)
    }

    /// Only the first half of [`Friskliv::sync`]: sends the outbox (e.g. from
    /// a short background task), leaving the change feed for the next sync.
    pub async fn push(&self) -> Result<SyncReport> {
        let _one_at_a_time = self.sync_turn.lock().await;
        let token = self.token()?;
        let mut report = SyncReport::default();
        self.push_outbox(&token, &mut report).await?;
        report.pending = self.store.pending_count()?;
        Ok(report)
    }

    /// Sends the outbox batch by batch. The answers to one batch are
    /// applied to the store (a blocking task) while the next batch is on the
    /// wire, so the phone's disk and the server work at the same time.
    async fn push_outbox(&self, token: &str, report: &mut SyncReport) -> Result<()> {
        let mut after_seq = 0;
        let mut refetch = Vec::new();
        let mut applying: Option<Applying> = None;
        let outcome = loop {
            let batch = match self.store.outbox(after_seq, MAX_BATCH) {
                Ok(batch) if batch.is_empty() => break Ok(()),
                Ok(batch) => batch,
                Err(e) => break Err(e),
            };
            after_seq = batch.last().map_or(after_seq, |item| item.seq);
            let sent = self
                .api
                .send_bytes(
                    Method::POST,
                    "v1/me/sync",
                    Some(token),
                    Some(request_body(&batch)),
                )
                .await;
            if let Some(previous) = applying.take() {
                match finished(previous).await {
                    Ok(refused) => refetch.extend(refused),
                    Err(e) => break Err(e),
                }
            }
            let response: SyncResponse = match self.authorised(sent) {
                Ok(response) => response,
                Err(e) => break Err(e),
            };
            let answers = match answers(batch, response, report) {
                Ok(answers) => answers,
                Err(e) => break Err(e),
            };
            let store = self.store.clone();
            let now = self.now();
            applying = Some(tokio::task::spawn_blocking(move || {
                store.apply_push(answers, now)
            }));
        };
        // Whatever stopped the loop, the last answers still reach the store.
        if let Some(last) = applying {
            refetch.extend(finished(last).await?);
        }
        outcome?;
        for (kind, entry_id) in refetch {
            let path = format!("v1/me/diary/{}/{entry_id}", kind.as_str());
            let server: Option<Value> =
                match self.authorised(self.api.send(Method::GET, &path, Some(token), None).await) {
                    Ok(view) => Some(view),
                    Err(SdkError::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                };
            let raw = server.map(|v| v.to_string());
            self.store.restore(&entry_id, raw.as_deref(), self.now())?;
        }
        Ok(())
    }

    async fn pull_changes(&self, token: &str, report: &mut SyncReport) -> Result<()> {
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
                self.authorised(self.api.send(Method::GET, &path, Some(token), None).await)?;
            let applied = self
                .store
                .apply_changes(&page.changes, &page.next_cursor, self.now())?;
            report.pulled += applied.changes;
            report.conflicts += applied.conflicts;
            if !page.has_more {
                return Ok(());
            }
        }
    }
}

/// The store applying one batch's answers; it returns the refused entries to fetch back.
type Applying = tokio::task::JoinHandle<Result<Vec<(EntryKind, String)>>>;

async fn finished(task: Applying) -> Result<Vec<(EntryKind, String)>> {
    task.await.map_err(|e| SdkError::Storage {
        detail: format!("applying a sync answer failed: {e}"),
    })?
}

/// `{"items": [...]}` with each upsert's entry as the outbox stored it.
fn request_body(batch: &[OutboxItem]) -> Vec<u8> {
    let mut body = String::with_capacity(batch.len() * 400);
    body.push_str("{\"items\":[");
    for (i, item) in batch.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        // Every part but the stored entry is a fixed word or a UUID (no
        // character needs escaping).
        body.push_str("{\"op\":\"");
        body.push_str(item.op);
        body.push_str("\",\"kind\":\"");
        body.push_str(item.kind.as_str());
        body.push_str("\",\"entry_id\":\"");
        body.push_str(&item.entry_id);
        body.push('"');
        match &item.body {
            Some(entry) if item.op == "upsert" => {
                body.push_str(",\"entry\":");
                body.push_str(entry);
            }
            _ => body.push_str(&format!(",\"version\":{}", item.version)),
        }
        body.push('}');
    }
    body.push_str("]}");
    body.into_bytes()
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
                // The server names fields within the batch
                // (`items[3].entry.occurred_at`); the app knows the entry.
                let within = format!("items[{}].", result.index);
                let errors = serde_json::from_value::<Vec<FieldProblem>>(problem["errors"].clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut e| {
                        let field = e.field.strip_prefix(&within).unwrap_or(&e.field);
                        e.field = field.strip_prefix("entry.").unwrap_or(field).to_owned();
                        e
                    })
                    .collect();
                PushOutcome::Rejected {
                    detail: problem["detail"].as_str().unwrap_or("refused").to_owned(),
                    errors,
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
