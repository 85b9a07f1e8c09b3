//! Diary storage: version-checked upserts and tombstones applied in batches,
//! each change numbered from the participant's own sequence in the writing
//! transaction, so the change feed can never skip one.
//!
//! Every query here is scoped to one participant: the participant id is part
//! of the primary key and of every `WHERE`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::diary::{DiaryEntry, EntryKind};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    TransactionTrait,
};
use uuid::Uuid;

use super::entities::diary_entry::{self, Entity as Entries};

/// Largest number of rows in one multi-row statement (SQLite allows 32 766
/// bound parameters; an entry row has 13).
const ROWS_PER_STATEMENT: usize = 1000;

/// One write to apply.
// Writes live only for one request; boxing the entry would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Write {
    Upsert {
        entry_id: Uuid,
        entry: DiaryEntry,
    },
    Delete {
        entry_id: Uuid,
        kind: EntryKind,
        version: i64,
    },
}

impl Write {
    fn entry_id(&self) -> Uuid {
        match self {
            Write::Upsert { entry_id, .. } | Write::Delete { entry_id, .. } => *entry_id,
        }
    }
}

/// What happened to one write. Each carries the entry as the server now
/// holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored (a new entry, a higher version, or a tombstone).
    Applied(diary_entry::Model),
    /// The same version with the same content was already stored.
    Unchanged(diary_entry::Model),
    /// A lower version, the same version with other content, or another
    /// kind under this id: nothing was written; this is the server's entry.
    Conflict(diary_entry::Model),
}

impl Outcome {
    pub fn entry(&self) -> &diary_entry::Model {
        match self {
            Outcome::Applied(e) | Outcome::Unchanged(e) | Outcome::Conflict(e) => e,
        }
    }
}

fn content_json(entry: &DiaryEntry) -> String {
    serde_json::to_string(&entry.content).expect("entry content serialises")
}

/// Decides one write against the entry as currently known.
fn decide(
    current: Option<&diary_entry::Model>,
    write: &Write,
    participant_id: Uuid,
    seq: i64,
    now: DateTime<Utc>,
    proxy_by: Option<Uuid>,
) -> Outcome {
    let (kind, version) = match write {
        Write::Upsert { entry, .. } => (entry.kind, entry.version),
        Write::Delete { kind, version, .. } => (*kind, *version),
    };
    if let Some(current) = current {
        if current.kind != kind.as_str() {
            return Outcome::Conflict(current.clone());
        }
        if version < current.version {
            return Outcome::Conflict(current.clone());
        }
        if version == current.version {
            let same = match write {
                Write::Upsert { entry, .. } => {
                    !current.deleted && current.content.as_deref() == Some(&content_json(entry))
                }
                Write::Delete { .. } => current.deleted,
            };
            return if same {
                Outcome::Unchanged(current.clone())
            } else {
                Outcome::Conflict(current.clone())
            };
        }
    }
    let row = match write {
        Write::Upsert { entry_id, entry } => diary_entry::Model {
            participant_id,
            entry_id: *entry_id,
            kind: kind.as_str().to_owned(),
            version,
            deleted: false,
            diary_day: Some(entry.diary_day),
            occurred_at: Some(entry.occurred_at.with_timezone(&Utc)),
            recorded_at: Some(entry.recorded_at.map_or(now, |r| r.with_timezone(&Utc))),
            content: Some(content_json(entry)),
            seq,
            updated_at: now,
            proxy_by_account_id: proxy_by,
        },
        Write::Delete { entry_id, .. } => diary_entry::Model {
            participant_id,
            entry_id: *entry_id,
            kind: kind.as_str().to_owned(),
            version,
            deleted: true,
            diary_day: current.and_then(|c| c.diary_day),
            occurred_at: current.and_then(|c| c.occurred_at),
            recorded_at: Some(now),
            content: None,
            seq,
            updated_at: now,
            proxy_by_account_id: proxy_by,
        },
    };
    Outcome::Applied(row)
}

/// The stored rows among `entry_ids`. On PostgreSQL the ids are joined as
/// a VALUES list, which the planner answers with primary-key probes even
/// when its statistics lag a fast-growing diary; an `IN (…)` list (or row
/// values) can make it walk every row of the participant instead.
async fn find_existing(
    txn: &DatabaseTransaction,
    participant_id: Uuid,
    entry_ids: &[Uuid],
) -> Result<Vec<diary_entry::Model>, DbErr> {
    let backend = txn.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Entries::find()
            .filter(diary_entry::Column::ParticipantId.eq(participant_id))
            .filter(diary_entry::Column::EntryId.is_in(entry_ids.iter().copied()))
            .all(txn)
            .await;
    }
    let (values, params) = values_list(participant_id, entry_ids);
    Entries::find()
        .from_raw_sql(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT d.* FROM diary_entries d JOIN (VALUES {values}) AS k(id) \
                 ON d.entry_id = k.id WHERE d.participant_id = $1"
            ),
            params,
        ))
        .all(txn)
        .await
}

async fn delete_existing(
    txn: &DatabaseTransaction,
    participant_id: Uuid,
    entry_ids: &[Uuid],
) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        Entries::delete_many()
            .filter(diary_entry::Column::ParticipantId.eq(participant_id))
            .filter(diary_entry::Column::EntryId.is_in(entry_ids.iter().copied()))
            .exec(txn)
            .await?;
        return Ok(());
    }
    let (values, params) = values_list(participant_id, entry_ids);
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "DELETE FROM diary_entries d USING (VALUES {values}) AS k(id) \
             WHERE d.participant_id = $1 AND d.entry_id = k.id"
        ),
        params,
    ))
    .await?;
    Ok(())
}

/// `($2::uuid), ($3::uuid), …` with the participant as `$1`.
fn values_list(participant_id: Uuid, entry_ids: &[Uuid]) -> (String, Vec<sea_orm::Value>) {
    let values = (0..entry_ids.len())
        .map(|i| format!("(${}::uuid)", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let params = std::iter::once(participant_id.into())
        .chain(entry_ids.iter().map(|id| (*id).into()))
        .collect();
    (values, params)
}

/// Locks the participant's sequence for this transaction and returns its
/// current value. On PostgreSQL the upsert takes a row lock held until
/// commit, so concurrent writers for one participant take turns and their
/// change numbers commit in order; SQLite has one writer at a time anyway.
async fn lock_sequence(db: &impl ConnectionTrait, participant_id: Uuid) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO participant_sync (participant_id, last_seq) VALUES ($1, 0) \
             ON CONFLICT (participant_id) DO UPDATE SET last_seq = participant_sync.last_seq \
             RETURNING last_seq",
            [participant_id.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("participant_sync upsert returned no row".into()))?;
    row.try_get("", "last_seq")
}

async fn store_sequence(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    last_seq: i64,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE participant_sync SET last_seq = $1 WHERE participant_id = $2",
        [last_seq.into(), participant_id.into()],
    ))
    .await?;
    Ok(())
}

/// Applies writes in order, in one transaction, each decided on its own
/// against the entry as the earlier writes left it. Returns one outcome per
/// write, in the same order.
pub async fn apply(
    db: &DatabaseConnection,
    participant_id: Uuid,
    writes: &[Write],
    now: DateTime<Utc>,
    proxy_by: Option<Uuid>,
) -> Result<Vec<Outcome>, DbErr> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let outcomes = apply_in(&txn, participant_id, writes, now, proxy_by).await?;
    txn.commit().await?;
    Ok(outcomes)
}

/// [`apply`] inside a transaction the caller owns (e.g. one that also
/// writes the access-log row of a veileder's proxy entry).
pub async fn apply_in(
    txn: &DatabaseTransaction,
    participant_id: Uuid,
    writes: &[Write],
    now: DateTime<Utc>,
    proxy_by: Option<Uuid>,
) -> Result<Vec<Outcome>, DbErr> {
    let mut seq = lock_sequence(txn, participant_id).await?;

    let mut ids: Vec<Uuid> = writes.iter().map(Write::entry_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut current: HashMap<Uuid, diary_entry::Model> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let found = find_existing(txn, participant_id, chunk).await?;
        current.extend(found.into_iter().map(|e| (e.entry_id, e)));
    }
    let existed: std::collections::HashSet<Uuid> = current.keys().copied().collect();

    let mut outcomes = Vec::with_capacity(writes.len());
    let mut changed: Vec<Uuid> = Vec::new();
    for write in writes {
        let id = write.entry_id();
        let outcome = decide(
            current.get(&id),
            write,
            participant_id,
            seq + 1,
            now,
            proxy_by,
        );
        if let Outcome::Applied(row) = &outcome {
            seq += 1;
            if !changed.contains(&id) {
                changed.push(id);
            }
            current.insert(id, row.clone());
        }
        outcomes.push(outcome);
    }

    if !changed.is_empty() {
        let replaced: Vec<Uuid> = changed
            .iter()
            .copied()
            .filter(|id| existed.contains(id))
            .collect();
        for chunk in replaced.chunks(ROWS_PER_STATEMENT) {
            delete_existing(txn, participant_id, chunk).await?;
        }
        let rows: Vec<diary_entry::ActiveModel> = changed
            .iter()
            .map(|id| current[id].clone().into())
            .collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            Entries::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        store_sequence(txn, participant_id, seq).await?;
    }
    Ok(outcomes)
}

/// One entry, tombstones included.
pub async fn find(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    entry_id: Uuid,
) -> Result<Option<diary_entry::Model>, DbErr> {
    Entries::find_by_id((participant_id, entry_id))
        .one(db)
        .await
}

/// Where a diary listing continues: after this day and entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPosition {
    pub diary_day: NaiveDate,
    pub entry_id: Uuid,
}

/// Live entries of one kind, by diary day then entry id (a stable order).
pub async fn list(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    kind: EntryKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    after: Option<ListPosition>,
    limit: u64,
) -> Result<Vec<diary_entry::Model>, DbErr> {
    let mut query = Entries::find()
        .filter(diary_entry::Column::ParticipantId.eq(participant_id))
        .filter(diary_entry::Column::Kind.eq(kind.as_str()))
        .filter(diary_entry::Column::Deleted.eq(false));
    if let Some(from) = from {
        query = query.filter(diary_entry::Column::DiaryDay.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(diary_entry::Column::DiaryDay.lte(to));
    }
    if let Some(after) = after {
        query = query.filter(
            Condition::any()
                .add(diary_entry::Column::DiaryDay.gt(after.diary_day))
                .add(
                    Condition::all()
                        .add(diary_entry::Column::DiaryDay.eq(after.diary_day))
                        .add(diary_entry::Column::EntryId.gt(after.entry_id)),
                ),
        );
    }
    query
        .order_by_asc(diary_entry::Column::DiaryDay)
        .order_by_asc(diary_entry::Column::EntryId)
        .limit(limit)
        .all(db)
        .await
}

/// Every change after `after_seq`, in change order: the latest state of
/// each entry changed since then, tombstones included.
pub async fn changes(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<diary_entry::Model>, DbErr> {
    Entries::find()
        .filter(diary_entry::Column::ParticipantId.eq(participant_id))
        .filter(diary_entry::Column::Seq.gt(after_seq))
        .order_by_asc(diary_entry::Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// (diary day, content JSON) of a participant's live entries other than
/// quit attempts with diary days in [from, to]; only those two columns.
pub(crate) async fn diary_rows(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String)>, DbErr> {
    let rows: Vec<(Option<NaiveDate>, Option<String>)> = diary_entry::Entity::find()
        .select_only()
        .column(diary_entry::Column::DiaryDay)
        .column(diary_entry::Column::Content)
        .filter(diary_entry::Column::ParticipantId.eq(participant_id))
        .filter(diary_entry::Column::Deleted.eq(false))
        .filter(diary_entry::Column::Kind.ne(EntryKind::QuitAttempt.as_str()))
        .filter(diary_entry::Column::DiaryDay.gte(from))
        .filter(diary_entry::Column::DiaryDay.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(day, content)| Some((day?, content?)))
        .collect())
}

pub(crate) async fn quit_attempt_rows(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Vec<String>, DbErr> {
    let rows: Vec<Option<String>> = diary_entry::Entity::find()
        .select_only()
        .column(diary_entry::Column::Content)
        .filter(diary_entry::Column::ParticipantId.eq(participant_id))
        .filter(diary_entry::Column::Deleted.eq(false))
        .filter(diary_entry::Column::Kind.eq(EntryKind::QuitAttempt.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}
