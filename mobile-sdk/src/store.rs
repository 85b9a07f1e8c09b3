//! The phone's own database: one SQLite file (WAL) the app chooses. It
//! holds the diary as this device knows it, the outbox of writes the server
//! has not acknowledged, conflicts kept for the participant, the change-feed
//! cursor and cached screens. Every write is one transaction, so a crash
//! leaves either the whole write or none of it.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use friskliv_domain::diary::{DiaryEntryInput, EntryContent, EntryKind, EntrySource};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::{FieldProblem, Result, SdkError};

/// The store's schema, one step per version (`PRAGMA user_version`).
/// Only ever append: a phone may skip app releases.
const MIGRATIONS: &[&str] = &[
    // 1: the diary, the outbox, conflicts, the cursor and cached screens.
    "CREATE TABLE entries (
        entry_id TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        diary_day TEXT,
        occurred_at TEXT,
        body TEXT,
        proxy_by TEXT,
        synced_version INTEGER,
        change INTEGER,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX entries_by_day ON entries (diary_day, kind) WHERE deleted = 0;
    CREATE TABLE outbox (
        entry_id TEXT PRIMARY KEY NOT NULL REFERENCES entries (entry_id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
        version INTEGER NOT NULL,
        body TEXT
    );
    CREATE INDEX outbox_by_seq ON outbox (seq);
    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('conflict', 'rejected')),
        local_version INTEGER NOT NULL,
        local_body TEXT,
        server_body TEXT,
        problem TEXT,
        detected_at TEXT NOT NULL
    );
    CREATE TABLE sync_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
    CREATE TABLE cached (
        key TEXT PRIMARY KEY NOT NULL,
        body TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );",
];

const CURSOR_KEY: &str = "change_cursor";
const ACCOUNT_KEY: &str = "account_id";
/// The device this phone registered for reminders (in `cached`).
pub(crate) const DEVICE_KEY: &str = "device_id";

/// A diary entry as this phone holds it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LocalEntry {
    /// The entry's UUID, made on the phone that created it.
    pub entry_id: String,
    pub kind: EntryKind,
    /// Raised by one on every edit on this phone; the server's on a sync.
    pub version: i64,
    /// The local date the entry counts for (YYYY-MM-DD).
    pub diary_day: String,
    /// What the entry says, in the form it is written in.
    pub entry: DiaryEntryInput,
    /// The veileder who entered it on the participant's behalf.
    pub proxy_by: Option<String>,
    /// Written on this phone and not yet acknowledged by the server.
    pub pending: bool,
}

/// Why a local write did not reach the server as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConflictReason {
    /// Another device (or a veileder) changed the entry first; the server's
    /// version is now in the diary and this is the local edit it replaced.
    Conflict,
    /// The server refused the write (see `problem`); the local edit is kept
    /// here so it is not lost.
    Rejected,
}

/// A local edit the server did not take, kept until the participant
/// re-applies or dismisses it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Conflict {
    pub id: i64,
    pub entry_id: String,
    pub kind: EntryKind,
    pub reason: ConflictReason,
    pub local_version: i64,
    /// The local edit; absent when the local write was a delete.
    pub local: Option<DiaryEntryInput>,
    /// The server's entry that won; absent when the server deleted it or
    /// (for a rejection) when the server has no version of it.
    pub server: Option<DiaryEntryInput>,
    /// Why the server refused it (rejections).
    pub problem_detail: Option<String>,
    pub problem_errors: Vec<FieldProblem>,
    /// RFC 3339, UTC.
    pub detected_at: String,
}

/// A write waiting for the server.
#[derive(Debug, Clone)]
pub(crate) struct OutboxItem {
    pub entry_id: String,
    pub kind: EntryKind,
    pub op: &'static str,
    pub version: i64,
    /// The entry's JSON as queued (absent for a delete).
    pub body: Option<String>,
    /// Its place in the queue (a later edit moves it to the back).
    pub seq: i64,
}

/// What the change feed says about an entry, apart from its content.
#[derive(Debug, serde::Deserialize)]
struct ChangeHead {
    entry_id: String,
    kind: String,
    version: i64,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    change: Option<i64>,
    #[serde(default)]
    diary_day: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    proxy_by: Option<String>,
}

/// What the server said about one pushed item.
pub(crate) enum PushOutcome {
    /// Applied or unchanged: the server holds this version.
    Acknowledged { version: i64, change: Option<i64> },
    /// The server's entry (a `DiaryEntryView`) won.
    Conflict { server: Value },
    Rejected {
        detail: String,
        errors: Vec<FieldProblem>,
    },
}

/// Counts of what one pull applied.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Applied {
    pub changes: u64,
    pub conflicts: u64,
}

pub(crate) fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) struct LocalStore {
    conn: Mutex<Connection>,
}

impl LocalStore {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        // WAL: readers never wait for the sync's writes. FULL: a logged
        // entry survives a power cut, not only an app crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(LocalStore {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Writes an entry locally and queues it, as one transaction. `build`
    /// gets the version the write will have and returns the validated entry
    /// (or the broken rules, and then nothing is written).
    pub(crate) fn save(
        &self,
        kind: EntryKind,
        entry_id: &str,
        now: DateTime<Utc>,
        build: impl FnOnce(i64) -> Result<(DiaryEntryInput, NaiveDate)>,
    ) -> Result<LocalEntry> {
        self.with(|tx| {
            let current: Option<(String, i64, Option<String>)> = tx
                .query_row(
                    "SELECT kind, version, proxy_by FROM entries WHERE entry_id = ?1",
                    [entry_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((stored_kind, _, _)) = &current
                && stored_kind != kind.as_str()
            {
                return Err(SdkError::field(
                    "entry_id",
                    "kind_mismatch",
                    &format!("this entry is a {stored_kind} entry, not {kind}"),
                ));
            }
            let version = current.as_ref().map_or(1, |(_, v, _)| v + 1);
            let (entry, diary_day) = build(version)?;
            let body = serde_json::to_string(&entry)?;
            tx.execute(
                "INSERT INTO entries (entry_id, kind, version, deleted, diary_day, occurred_at, body, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)
                 ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version, deleted = 0,
                   diary_day = excluded.diary_day, occurred_at = excluded.occurred_at,
                   body = excluded.body, proxy_by = NULL, updated_at = excluded.updated_at",
                params![
                    entry_id,
                    kind.as_str(),
                    version,
                    diary_day.to_string(),
                    entry.occurred_at,
                    body,
                    now_text(now)
                ],
            )?;
            queue(tx, entry_id, kind, "upsert", version, Some(&body))?;
            Ok(LocalEntry {
                entry_id: entry_id.to_owned(),
                kind,
                version,
                diary_day: diary_day.to_string(),
                entry,
                proxy_by: None,
                pending: true,
            })
        })
    }

    /// Deletes an entry locally, leaving a tombstone queued for the server.
    pub(crate) fn delete(&self, entry_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.with(|tx| {
            let current: Option<(String, i64)> = tx
                .query_row(
                    "SELECT kind, version FROM entries WHERE entry_id = ?1 AND deleted = 0",
                    [entry_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((kind, version)) = current else {
                return Err(SdkError::NotFound {
                    detail: format!("no entry {entry_id} on this phone"),
                });
            };
            let kind = parse_kind(&kind)?;
            let version = version + 1;
            tx.execute(
                "UPDATE entries SET version = ?2, deleted = 1, diary_day = NULL, occurred_at = NULL,
                   body = NULL, updated_at = ?3 WHERE entry_id = ?1",
                params![entry_id, version, now_text(now)],
            )?;
            queue(tx, entry_id, kind, "delete", version, None)
        })
    }

    pub(crate) fn entry(&self, entry_id: &str) -> Result<Option<LocalEntry>> {
        self.with(|tx| {
            let mut rows = select_entries(tx, "e.entry_id = ?1", params![entry_id])?;
            Ok(rows.pop())
        })
    }

    /// Entries of one kind, oldest diary day first, optionally within days.
    pub(crate) fn entries(
        &self,
        kind: EntryKind,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<LocalEntry>> {
        let from = from.map_or_else(|| "0000-01-01".to_owned(), |d| d.to_string());
        let to = to.map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string());
        self.with(|tx| {
            select_entries(
                tx,
                "e.kind = ?1 AND e.diary_day BETWEEN ?2 AND ?3",
                params![kind.as_str(), from, to],
            )
        })
    }

    /// Every entry of one diary day, all kinds.
    pub(crate) fn day(&self, day: NaiveDate) -> Result<Vec<LocalEntry>> {
        self.with(|tx| select_entries(tx, "e.diary_day = ?1", params![day.to_string()]))
    }

    pub(crate) fn pending_count(&self) -> Result<u64> {
        self.with(|tx| {
            let count: i64 = tx.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
            Ok(count as u64)
        })
    }

    /// The oldest `limit` queued writes.
    /// The oldest `limit` queued writes queued after `after_seq` (0: all).
    pub(crate) fn outbox(&self, after_seq: i64, limit: usize) -> Result<Vec<OutboxItem>> {
        self.with(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT entry_id, kind, op, version, body, seq FROM outbox WHERE seq > ?1
                 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after_seq, limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            rows.map(|row| {
                let (entry_id, kind, op, version, body, seq) = row?;
                Ok(OutboxItem {
                    entry_id,
                    kind: parse_kind(&kind)?,
                    op: if op == "delete" { "delete" } else { "upsert" },
                    version,
                    body,
                    seq,
                })
            })
            .collect()
        })
    }

    /// Applies the server's answers to one pushed batch. An item leaves the
    /// outbox only here, and only if it was not edited again meanwhile.
    /// Returns the refused entries the server holds another version of: the
    /// caller fetches those so the diary shows what the server has.
    pub(crate) fn apply_push(
        &self,
        answers: Vec<(OutboxItem, PushOutcome)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EntryKind, String)>> {
        self.with(|tx| {
            let mut refetch = Vec::new();
            let mut dequeue =
                tx.prepare_cached("DELETE FROM outbox WHERE entry_id = ?1 AND version = ?2")?;
            let mut acknowledge = tx.prepare_cached(
                "UPDATE entries SET synced_version = ?2, change = COALESCE(?3, change)
                 WHERE entry_id = ?1",
            )?;
            for (item, outcome) in answers {
                let still_queued = dequeue.execute(params![item.entry_id, item.version])? == 1;
                match outcome {
                    PushOutcome::Acknowledged { version, change } => {
                        acknowledge.execute(params![item.entry_id, version, change])?;
                    }
                    PushOutcome::Conflict { server } => {
                        if still_queued {
                            let raw = server.to_string();
                            keep_conflict(
                                tx,
                                &item,
                                ConflictReason::Conflict,
                                Some(&raw),
                                None,
                                now,
                            )?;
                            adopt(tx, &serde_json::from_str(&raw)?, &raw, now)?;
                        }
                    }
                    PushOutcome::Rejected { detail, errors } => {
                        if still_queued {
                            keep_conflict(
                                tx,
                                &item,
                                ConflictReason::Rejected,
                                None,
                                Some((&detail, &errors)),
                                now,
                            )?;
                            // The refused write leaves the diary (it is kept
                            // in the conflict): an entry the server never had
                            // goes, one it has is fetched back.
                            let never_synced = tx.execute(
                                "DELETE FROM entries WHERE entry_id = ?1 AND synced_version IS NULL",
                                [&item.entry_id],
                            )? == 1;
                            if !never_synced {
                                refetch.push((item.kind, item.entry_id.clone()));
                            }
                        }
                    }
                }
            }
            Ok(refetch)
        })
    }

    /// Puts the server's entry (a `DiaryEntryView`) in the diary, or, when
    /// the server has none (`None`), takes the entry out; unless the phone
    /// has queued a newer write of it since.
    pub(crate) fn restore(
        &self,
        entry_id: &str,
        server: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|tx| {
            if queued_item(tx, entry_id)?.is_some() {
                return Ok(());
            }
            match server {
                Some(raw) => adopt(tx, &serde_json::from_str(raw)?, raw, now),
                None => {
                    tx.execute("DELETE FROM entries WHERE entry_id = ?1", [entry_id])?;
                    Ok(())
                }
            }
        })
    }

    pub(crate) fn cursor(&self) -> Result<Option<String>> {
        self.with(|tx| {
            Ok(tx
                .query_row(
                    "SELECT value FROM sync_state WHERE key = ?1",
                    [CURSOR_KEY],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    /// Applies one page of the change feed and the cursor after it, in one
    /// transaction: a crash replays the page, never skips it.
    pub(crate) fn apply_changes(
        &self,
        changes: &[Box<RawValue>],
        next_cursor: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        self.with(|tx| {
            let mut applied = Applied::default();
            let mut known = tx.prepare_cached(
                "SELECT version, synced_version, change, EXISTS (SELECT 1 FROM outbox o WHERE o.entry_id = e.entry_id)
                 FROM entries e WHERE entry_id = ?1",
            )?;
            for raw in changes {
                let head: ChangeHead = serde_json::from_str(raw.get())
                    .map_err(|e| SdkError::unreadable("change", e))?;
                let local: Option<(i64, Option<i64>, Option<i64>, bool)> = known
                    .query_row([&head.entry_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .optional()?;
                match local {
                    // This phone's own write, already acknowledged by its push.
                    Some((version, Some(synced), change, false))
                        if version == head.version
                            && synced == head.version
                            && change == head.change =>
                    {
                        continue;
                    }
                    Some((_, _, _, true)) => {
                        let Some(item) = queued_item(tx, &head.entry_id)? else {
                            continue;
                        };
                        if head.version < item.version {
                            // The local edit is newer; it goes up on the next push.
                            continue;
                        }
                        tx.execute("DELETE FROM outbox WHERE entry_id = ?1", [&head.entry_id])?;
                        if !same_write(&item, &head, raw.get()) {
                            keep_conflict(tx, &item, ConflictReason::Conflict, Some(raw.get()), None, now)?;
                            applied.conflicts += 1;
                        }
                        adopt(tx, &head, raw.get(), now)?;
                    }
                    _ => adopt(tx, &head, raw.get(), now)?,
                }
                applied.changes += 1;
            }
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![CURSOR_KEY, next_cursor],
            )?;
            Ok(applied)
        })
    }

    pub(crate) fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.with(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, entry_id, kind, reason, local_version, local_body, server_body, problem, detected_at
                 FROM conflicts ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?;
            rows.map(|row| {
                let (id, entry_id, kind, reason, local_version, local, server, problem, detected_at) =
                    row?;
                let problem: Option<(String, Vec<FieldProblem>)> = problem
                    .map(|p| serde_json::from_str::<StoredProblem>(&p))
                    .transpose()?
                    .map(|p| (p.detail, p.errors));
                let server = match server {
                    Some(s) => entry_input(&serde_json::from_str(&s)?)?,
                    None => None,
                };
                Ok(Conflict {
                    id,
                    entry_id,
                    kind: parse_kind(&kind)?,
                    reason: if reason == "rejected" {
                        ConflictReason::Rejected
                    } else {
                        ConflictReason::Conflict
                    },
                    local_version,
                    local: local.map(|l| serde_json::from_str(&l)).transpose()?,
                    server,
                    problem_detail: problem.as_ref().map(|p| p.0.clone()),
                    problem_errors: problem.map(|p| p.1).unwrap_or_default(),
                    detected_at,
                })
            })
            .collect()
        })
    }

    /// Removes a kept conflict and returns it.
    pub(crate) fn take_conflict(&self, id: i64) -> Result<Conflict> {
        let conflict = self
            .conflicts()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| SdkError::NotFound {
                detail: format!("no conflict {id}"),
            })?;
        self.with(|tx| {
            tx.execute("DELETE FROM conflicts WHERE id = ?1", [id])?;
            Ok(())
        })?;
        Ok(conflict)
    }

    pub(crate) fn put_cached(&self, key: &str, body: &str, now: DateTime<Utc>) -> Result<()> {
        self.with(|tx| {
            tx.execute(
                "INSERT INTO cached (key, body, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                params![key, body, now_text(now)],
            )?;
            Ok(())
        })
    }

    pub(crate) fn forget_cached(&self, key: &str) -> Result<()> {
        self.with(|tx| {
            tx.execute("DELETE FROM cached WHERE key = ?1", [key])?;
            Ok(())
        })
    }

    pub(crate) fn cached(&self, key: &str) -> Result<Option<(String, String)>> {
        self.with(|tx| {
            Ok(tx
                .query_row(
                    "SELECT body, fetched_at FROM cached WHERE key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
    }

    /// Makes this store `account_id`'s. A store that held another
    /// participant's diary is emptied first (a shared or handed-on phone
    /// must not show one participant's diary to the next); returns whether
    /// it was.
    pub(crate) fn bind_account(&self, account_id: &str) -> Result<bool> {
        self.with(|tx| {
            let holder: Option<String> = tx
                .query_row(
                    "SELECT value FROM sync_state WHERE key = ?1",
                    [ACCOUNT_KEY],
                    |r| r.get(0),
                )
                .optional()?;
            let emptied = holder.as_deref().is_some_and(|h| h != account_id);
            if emptied {
                empty(tx)?;
            }
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![ACCOUNT_KEY, account_id],
            )?;
            Ok(emptied)
        })
    }

    /// Forgets everything this phone holds (after erasure).
    pub(crate) fn wipe(&self) -> Result<()> {
        self.with(empty)
    }
}

fn empty(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM outbox; DELETE FROM conflicts; DELETE FROM entries;
         DELETE FROM sync_state; DELETE FROM cached;",
    )?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let current = current as usize;
    if current > MIGRATIONS.len() {
        return Err(SdkError::Storage {
            detail: format!(
                "the local store is at schema {current}, newer than this SDK's {}; update the app",
                MIGRATIONS.len()
            ),
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (step + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

fn parse_kind(raw: &str) -> Result<EntryKind> {
    raw.parse().map_err(|e: String| SdkError::Storage {
        detail: format!("stored kind {raw}: {e}"),
    })
}

/// Replaces the outbox item for an entry: edits of a queued entry collapse
/// into one item, and it moves to the back of the queue.
fn queue(
    tx: &Transaction<'_>,
    entry_id: &str,
    kind: EntryKind,
    op: &str,
    version: i64,
    body: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (entry_id, seq, kind, op, version, body)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?2, ?3, ?4, ?5)
         ON CONFLICT (entry_id) DO UPDATE SET seq = excluded.seq, op = excluded.op,
           version = excluded.version, body = excluded.body",
        params![entry_id, kind.as_str(), op, version, body],
    )?;
    Ok(())
}

fn queued_item(tx: &Transaction<'_>, entry_id: &str) -> Result<Option<OutboxItem>> {
    let row: Option<(String, String, i64, Option<String>, i64)> = tx
        .query_row(
            "SELECT kind, op, version, body, seq FROM outbox WHERE entry_id = ?1",
            [entry_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(kind, op, version, body, seq)| {
        Ok(OutboxItem {
            entry_id: entry_id.to_owned(),
            kind: parse_kind(&kind)?,
            op: if op == "delete" { "delete" } else { "upsert" },
            version,
            body,
            seq,
        })
    })
    .transpose()
}

/// The entry a server view (`DiaryEntryView`) holds, or `None` for a tombstone.
fn entry_input(view: &Value) -> Result<Option<DiaryEntryInput>> {
    if view["deleted"].as_bool().unwrap_or(false) {
        return Ok(None);
    }
    serde_json::from_value(view.clone())
        .map(Some)
        .map_err(|e| SdkError::unreadable("entry", e))
}

/// What an entry says, as the domain normalises it: two writes are the
/// same write exactly when this is equal (the server's rule).
fn content(kind: EntryKind, entry: &DiaryEntryInput) -> Option<EntryContent> {
    let far_future = Utc::now() + chrono::Duration::days(365 * 100);
    entry
        .clone()
        .parse(kind, far_future)
        .ok()
        .map(|e| e.content)
}

/// Whether a change in the feed is this queued write, acknowledged by a
/// push whose answer never arrived.
fn same_write(item: &OutboxItem, head: &ChangeHead, raw: &str) -> bool {
    if head.version != item.version {
        return false;
    }
    let local: Option<DiaryEntryInput> = item
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let server: Option<DiaryEntryInput> = if head.deleted {
        None
    } else {
        serde_json::from_str(raw).ok()
    };
    match (local, server) {
        (None, None) => head.deleted,
        (Some(local), Some(server)) => {
            let server_is_participant = server.source != Some(EntrySource::Proxy);
            server_is_participant && content(item.kind, &local) == content(item.kind, &server)
        }
        _ => false,
    }
}

/// Makes the server's entry this phone's entry. The feed's JSON is kept
/// as it came (a `DiaryEntryInput` reads it, ignoring the bookkeeping
/// fields), after checking that it reads as one.
fn adopt(tx: &Transaction<'_>, head: &ChangeHead, raw: &str, now: DateTime<Utc>) -> Result<()> {
    let body = if head.deleted {
        None
    } else {
        serde_json::from_str::<DiaryEntryInput>(raw)
            .map_err(|e| SdkError::unreadable("entry", e))?;
        Some(raw)
    };
    let mut upsert = tx.prepare_cached(
        "INSERT INTO entries (entry_id, kind, version, deleted, diary_day, occurred_at, body, proxy_by,
                              synced_version, change, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?3, ?9, ?10)
         ON CONFLICT (entry_id) DO UPDATE SET kind = excluded.kind, version = excluded.version,
           deleted = excluded.deleted, diary_day = excluded.diary_day,
           occurred_at = excluded.occurred_at, body = excluded.body, proxy_by = excluded.proxy_by,
           synced_version = excluded.synced_version, change = excluded.change,
           updated_at = excluded.updated_at",
    )?;
    upsert.execute(params![
        head.entry_id,
        head.kind,
        head.version,
        head.deleted,
        head.diary_day,
        head.occurred_at,
        body,
        head.proxy_by,
        head.change,
        now_text(now),
    ])?;
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredProblem {
    detail: String,
    errors: Vec<FieldProblem>,
}

fn keep_conflict(
    tx: &Transaction<'_>,
    item: &OutboxItem,
    reason: ConflictReason,
    server: Option<&str>,
    problem: Option<(&str, &[FieldProblem])>,
    now: DateTime<Utc>,
) -> Result<()> {
    let problem = problem
        .map(|(detail, errors)| {
            serde_json::to_string(&StoredProblem {
                detail: detail.to_owned(),
                errors: errors.to_vec(),
            })
        })
        .transpose()?;
    tx.execute(
        "INSERT INTO conflicts (entry_id, kind, reason, local_version, local_body, server_body, problem, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            item.entry_id,
            item.kind.as_str(),
            match reason {
                ConflictReason::Conflict => "conflict",
                ConflictReason::Rejected => "rejected",
            },
            item.version,
            item.body,
            server,
            problem,
            now_text(now),
        ],
    )?;
    Ok(())
}

fn select_entries(
    tx: &Transaction<'_>,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<LocalEntry>> {
    let sql = format!(
        "SELECT e.entry_id, e.kind, e.version, e.diary_day, e.body, e.proxy_by, o.entry_id IS NOT NULL
         FROM entries e LEFT JOIN outbox o ON o.entry_id = e.entry_id
         WHERE e.deleted = 0 AND {filter}
         ORDER BY e.diary_day, e.occurred_at, e.entry_id"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (entry_id, kind, version, diary_day, body, proxy_by, pending) = row?;
        let entry: DiaryEntryInput = serde_json::from_str(body.as_deref().unwrap_or("null"))?;
        Ok(LocalEntry {
            entry_id,
            kind: parse_kind(&kind)?,
            version,
            diary_day: diary_day.unwrap_or_default(),
            entry,
            proxy_by,
            pending,
        })
    })
    .collect()
}

/// A new entry id, as the phone makes them (UUID v7: ordered by time).
pub(crate) fn new_entry_id() -> String {
    Uuid::now_v7().to_string()
}
