//! The participant's diaries: per-entry REST with client-generated ids and
//! versions, a batch sync for offline phones, and a change feed so every
//! device learns of every change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::diary::{
    Activity, DiaryEntryInput, EntryContent, EntryData, EntryKind, EntrySource, Food, QuitAttempt,
    Sitting, Sleep, Tobacco,
};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, Principal, authenticate};
use crate::body::{JsonBody, JsonBodyAs};
use crate::error::{ApiError, ApiResult, Problem};
use crate::params::{Bounded, CursorParam, IdParam, KindParam};
use crate::state::AppState;
use friskliv_store::db::diary::{self, ListPosition, Outcome, Write};
use friskliv_store::db::entities::diary_entry;

/// Most items in one sync request.
pub const MAX_SYNC_ITEMS: usize = 500;
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_LIST_PAGE: u32 = 500;
pub const MAX_CHANGES_PAGE: u32 = 1000;

pub struct DiaryApi;

/// A diary entry as the server holds it.
#[derive(Object, Debug, Clone)]
pub struct DiaryEntryView {
    /// The phone-generated id.
    pub entry_id: Uuid,
    pub kind: EntryKind,
    pub version: i64,
    /// A tombstone: the entry was deleted at this version.
    pub deleted: bool,
    /// The change number of the latest write (what the change feed orders by).
    pub change: i64,
    pub updated_at: DateTime<Utc>,
    /// The local date the entry counts for.
    #[oai(skip_serializing_if_is_none)]
    pub diary_day: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub occurred_at: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub time_zone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub recorded_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub source: Option<EntrySource>,
    /// The veileder who entered it on the participant's behalf.
    #[oai(skip_serializing_if_is_none)]
    pub proxy_by: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub activity: Option<Activity>,
    #[oai(skip_serializing_if_is_none)]
    pub food: Option<Food>,
    #[oai(skip_serializing_if_is_none)]
    pub sleep: Option<Sleep>,
    #[oai(skip_serializing_if_is_none)]
    pub tobacco: Option<Tobacco>,
    #[oai(skip_serializing_if_is_none)]
    pub sitting: Option<Sitting>,
    #[oai(skip_serializing_if_is_none)]
    pub quit_attempt: Option<QuitAttempt>,
}

pub fn view(row: &diary_entry::Model) -> ApiResult<DiaryEntryView> {
    let kind: EntryKind = row
        .kind
        .parse()
        .map_err(|_| ApiError::internal(format!("stored kind {:?}", row.kind)))?;
    let mut out = DiaryEntryView {
        entry_id: row.entry_id,
        kind,
        version: row.version,
        deleted: row.deleted,
        change: row.seq,
        updated_at: row.updated_at,
        diary_day: row.diary_day,
        occurred_at: None,
        time_zone: None,
        recorded_at: row.recorded_at,
        source: None,
        proxy_by: row.proxy_by_account_id,
        note: None,
        activity: None,
        food: None,
        sleep: None,
        tobacco: None,
        sitting: None,
        quit_attempt: None,
    };
    if let Some(raw) = &row.content {
        let content: EntryContent = serde_json::from_str(raw).map_err(ApiError::internal)?;
        out.occurred_at = Some(content.occurred_at);
        out.time_zone = Some(content.time_zone);
        out.source = Some(content.source);
        out.note = content.note;
        match content.data {
            EntryData::Activity(d) => out.activity = Some(d),
            EntryData::Food(d) => out.food = Some(d),
            EntryData::Sleep(d) => out.sleep = Some(d),
            EntryData::Tobacco(d) => out.tobacco = Some(d),
            EntryData::Sitting(d) => out.sitting = Some(d),
            EntryData::QuitAttempt(d) => out.quit_attempt = Some(d),
        }
    }
    Ok(out)
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum WriteResult {
    /// Stored.
    Applied,
    /// Already stored with this version and content: nothing to do.
    Unchanged,
    /// Refused by the version rule; `entry` is the server's current entry.
    Conflict,
    /// Refused for its content; `problem` says which field broke which rule.
    Invalid,
}

#[derive(Object)]
pub struct WriteReply {
    pub result: WriteResult,
    pub entry: DiaryEntryView,
}

#[derive(Object)]
pub struct DiaryPage {
    pub entries: Vec<DiaryEntryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct ChangePage {
    /// Changes in order: the latest state of each changed entry, tombstones included.
    pub changes: Vec<DiaryEntryView>,
    /// Where to continue; store it once the changes are applied on the phone.
    pub next_cursor: String,
    /// More changes are waiting: ask again with `next_cursor` right away.
    pub has_more: bool,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SyncOp {
    Upsert,
    Delete,
}

/// One write in a sync batch.
#[derive(Object, serde::Deserialize)]
pub struct SyncItem {
    pub op: SyncOp,
    /// `activity`, `food`, `sleep`, `tobacco`, `sitting` or `quit_attempt`.
    pub kind: String,
    /// The phone-generated UUID of the entry.
    pub entry_id: String,
    /// For `upsert`: the entry.
    #[serde(default)]
    pub entry: Option<DiaryEntryInput>,
    /// For `delete`: the version of the deletion (higher than the last write).
    #[serde(default)]
    pub version: Option<i64>,
}

/// Up to 500 writes from a phone that was offline. Retrying the same batch
/// after a lost response changes nothing.
#[derive(Object)]
pub struct SyncRequest {
    pub items: Vec<SyncItem>,
}

#[derive(serde::Deserialize)]
pub struct RawSyncRequest {
    items: Vec<serde_json::Value>,
}

#[derive(Object)]
pub struct SyncItemResult {
    /// The item's position in the request.
    pub index: u32,
    #[oai(skip_serializing_if_is_none)]
    pub entry_id: Option<String>,
    pub result: WriteResult,
    /// The entry's version on the server after this item.
    #[oai(skip_serializing_if_is_none)]
    pub version: Option<i64>,
    /// The change number of the entry's latest write.
    #[oai(skip_serializing_if_is_none)]
    pub change: Option<i64>,
    /// For a conflict: the server's entry, to merge or adopt. (Applied and
    /// unchanged items are not echoed: the phone has them.)
    #[oai(skip_serializing_if_is_none)]
    pub entry: Option<DiaryEntryView>,
    /// Why an invalid item was refused.
    #[oai(skip_serializing_if_is_none)]
    pub problem: Option<Problem>,
}

#[derive(Object)]
pub struct SyncResponse {
    pub results: Vec<SyncItemResult>,
}

/// Only participants keep diaries (staff enter on a participant's behalf
/// through the centre's routes).
pub fn participant_id(principal: &Principal) -> ApiResult<Uuid> {
    if principal.role != friskliv_domain::AccountRole::Participant {
        return Err(ApiError::forbidden(
            "only participants keep diaries; staff use the centre's routes",
        ));
    }
    Ok(principal.account_id)
}

pub fn parse_kind(raw: &str) -> ApiResult<EntryKind> {
    raw.parse()
        .map_err(|message: String| ApiError::not_found_field("kind", "one_of", message))
}

fn bad_cursor() -> ApiError {
    ApiError::bad_request(
        "cursor",
        "format",
        "is not a cursor this server issued; start again without one",
    )
}

/// A cursor of the right shape that the server did not issue points at no
/// position: 404, so a client starts again without one.
fn unknown_cursor() -> ApiError {
    ApiError::not_found_field(
        "cursor",
        "unknown",
        "is not a cursor this server issued; start again without one",
    )
}

/// The text of a cursor if it has the shape this server issues (else 400).
fn cursor_text(raw: &str) -> ApiResult<String> {
    if !CursorParam::well_formed(raw) {
        return Err(bad_cursor());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| unknown_cursor())?;
    String::from_utf8(bytes).map_err(|_| unknown_cursor())
}

pub fn encode_list_cursor(row: &diary_entry::Model) -> Option<String> {
    row.diary_day
        .map(|day| URL_SAFE_NO_PAD.encode(format!("d1|{day}|{}", row.entry_id)))
}

pub fn decode_list_cursor(raw: &str) -> ApiResult<ListPosition> {
    let text = cursor_text(raw)?;
    let mut parts = text.split('|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("d1"), Some(day), Some(id), None) => Ok(ListPosition {
            diary_day: day.parse().map_err(|_| unknown_cursor())?,
            entry_id: id.parse().map_err(|_| unknown_cursor())?,
        }),
        _ => Err(unknown_cursor()),
    }
}

pub fn encode_change_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c1|{seq}"))
}

pub fn decode_change_cursor(raw: &str) -> ApiResult<i64> {
    cursor_text(raw)?
        .strip_prefix("c1|")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(unknown_cursor)
}

pub fn page_limit(raw: Option<u32>, default: u32, max: u32) -> ApiResult<u64> {
    let limit = raw.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(ApiError::validation(FieldError::new(
            "limit",
            "range",
            format!("must be between 1 and {max}"),
        )));
    }
    Ok(u64::from(limit))
}

fn prefixed(errors: Vec<FieldError>, prefix: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let field = format!("{prefix}{}", e.field);
            e.at(field)
        })
        .collect()
}

fn to_value(view: &DiaryEntryView) -> serde_json::Value {
    view.to_json().unwrap_or(serde_json::Value::Null)
}

/// Maps one write's outcome to a reply, or a 409 carrying the server's entry.
pub fn reply(outcome: &Outcome) -> ApiResult<WriteReply> {
    let entry = view(outcome.entry())?;
    match outcome {
        Outcome::Applied(_) => Ok(WriteReply {
            result: WriteResult::Applied,
            entry,
        }),
        Outcome::Unchanged(_) => Ok(WriteReply {
            result: WriteResult::Unchanged,
            entry,
        }),
        Outcome::Conflict(_) => Err(ApiError::conflict_with(
            "version-conflict",
            format!(
                "the server has version {} of this entry{}; send a higher version to replace it",
                entry.version,
                if entry.deleted { " (deleted)" } else { "" }
            ),
            to_value(&entry),
        )),
    }
}

// ---- shared by the diary and quit-attempt routes ---------------------------

pub async fn list_entries(
    state: &AppState,
    participant: Uuid,
    kind: EntryKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> ApiResult<DiaryPage> {
    if from.zip(to).is_some_and(|(from, to)| from > to) {
        return Err(ApiError::validation(FieldError::new(
            "to",
            "order",
            "must not be before `from`",
        )));
    }
    let limit = page_limit(limit, DEFAULT_PAGE, MAX_LIST_PAGE)?;
    let after = cursor.map(decode_list_cursor).transpose()?;
    let rows = diary::list(&state.db, participant, kind, from, to, after, limit + 1).await?;
    page_of(rows, limit)
}

/// A page from up to `limit + 1` rows: the extra row only says there is more.
pub fn page_of(rows: Vec<diary_entry::Model>, limit: u64) -> ApiResult<DiaryPage> {
    let more = rows.len() as u64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    Ok(DiaryPage {
        entries: rows.iter().map(view).collect::<ApiResult<_>>()?,
        next_cursor: if more {
            rows.last().and_then(encode_list_cursor)
        } else {
            None
        },
    })
}

pub async fn get_entry(
    state: &AppState,
    participant: Uuid,
    kind: EntryKind,
    entry_id: Uuid,
) -> ApiResult<DiaryEntryView> {
    diary::find(&state.db, participant, entry_id)
        .await?
        .filter(|row| !row.deleted && row.kind == kind.as_str())
        .ok_or_else(|| ApiError::not_found("diary entry"))
        .and_then(|row| view(&row))
}

pub async fn put_entry(
    state: &AppState,
    participant: Uuid,
    kind: EntryKind,
    entry_id: Uuid,
    input: DiaryEntryInput,
    proxy_by: Option<Uuid>,
) -> ApiResult<WriteReply> {
    let now = Utc::now();
    let entry = input.parse(kind, now).map_err(ApiError::validation_many)?;
    let _turn = state.write_turn().await;
    let outcomes = diary::apply(
        &state.db,
        participant,
        &[Write::Upsert { entry_id, entry }],
        now,
        proxy_by,
    )
    .await?;
    reply(&outcomes[0])
}

pub async fn delete_entry(
    state: &AppState,
    participant: Uuid,
    kind: EntryKind,
    entry_id: Uuid,
    version: i64,
) -> ApiResult<WriteReply> {
    if version < 1 {
        return Err(ApiError::validation(FieldError::new(
            "version",
            "range",
            "must be at least 1",
        )));
    }
    let _turn = state.write_turn().await;
    let outcomes = diary::apply(
        &state.db,
        participant,
        &[Write::Delete {
            entry_id,
            kind,
            version,
        }],
        Utc::now(),
        None,
    )
    .await?;
    reply(&outcomes[0])
}

enum Prepared {
    Write(Write),
    Invalid(Problem),
}

fn prepare_item(
    index: usize,
    raw: serde_json::Value,
    now: DateTime<Utc>,
) -> (Option<String>, Prepared) {
    let prefix = format!("items[{index}].");
    let invalid = |errors: Vec<FieldError>| {
        Prepared::Invalid(ApiError::validation_many(prefixed(errors, &prefix)).into_problem())
    };
    let entry_id_raw = raw
        .get("entry_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let item: SyncItem = match crate::body::from_value(raw) {
        Ok(item) => item,
        Err(e) => {
            let problem = ApiError::bad_request(&format!("{prefix}{}", e.field), e.rule, e.message)
                .into_problem();
            return (entry_id_raw, Prepared::Invalid(problem));
        }
    };
    let kind = item.kind.parse::<EntryKind>();
    let entry_id = item.entry_id.parse::<Uuid>();
    let mut errors = Vec::new();
    if let Err(message) = &kind {
        errors.push(FieldError::new("kind", "one_of", message.clone()));
    }
    if entry_id.is_err() {
        errors.push(FieldError::new("entry_id", "uuid", "must be a UUID"));
    }
    let (Ok(kind), Ok(entry_id)) = (kind, entry_id) else {
        return (entry_id_raw, invalid(errors));
    };
    let prepared = match item.op {
        SyncOp::Upsert => match item.entry {
            None => invalid(vec![FieldError::new(
                "entry",
                "required",
                "an upsert needs the entry",
            )]),
            Some(input) => match input.parse(kind, now) {
                Ok(entry) => Prepared::Write(Write::Upsert { entry_id, entry }),
                Err(errors) => invalid(prefixed(errors, "entry.")),
            },
        },
        SyncOp::Delete => match item.version {
            Some(version) if version >= 1 => Prepared::Write(Write::Delete {
                entry_id,
                kind,
                version,
            }),
            Some(_) => invalid(vec![FieldError::new(
                "version",
                "range",
                "must be at least 1",
            )]),
            None => invalid(vec![FieldError::new(
                "version",
                "required",
                "a delete needs the version of the deletion",
            )]),
        },
    };
    (entry_id_raw, prepared)
}

#[OpenApi(tag = "ApiTags::Diary")]
impl DiaryApi {
    /// List my diary entries of one kind
    ///
    /// Ordered by diary day, then entry id; deleted entries are left out
    /// (the change feed carries their tombstones).
    #[oai(
        path = "/v1/me/diary/:kind",
        method = "get",
        operation_id = "listDiaryEntries"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// activity, food, sleep, tobacco, sitting or quit_attempt
        kind: Path<KindParam>,
        /// First diary day to include (YYYY-MM-DD).
        from: Query<Option<NaiveDate>>,
        /// Last diary day to include (YYYY-MM-DD).
        to: Query<Option<NaiveDate>>,
        /// From the previous page's `next_cursor`.
        cursor: Query<Option<CursorParam>>,
        /// 1–500, default 100.
        limit: Query<Option<Bounded<u32, 1, { MAX_LIST_PAGE as i64 }>>>,
    ) -> ApiResult<Json<DiaryPage>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let kind = parse_kind(&kind)?;
        Ok(Json(
            list_entries(
                &state,
                participant,
                kind,
                from.0,
                to.0,
                cursor.0.as_ref().map(|c| c.0.as_str()),
                limit.0.map(|l| l.0),
            )
            .await?,
        ))
    }

    /// Get one of my diary entries
    #[oai(
        path = "/v1/me/diary/:kind/:entry_id",
        method = "get",
        operation_id = "getDiaryEntry"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        kind: Path<KindParam>,
        entry_id: Path<IdParam>,
    ) -> ApiResult<Json<DiaryEntryView>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(get_entry(&state, participant, kind, entry_id).await?))
    }

    /// Create or replace a diary entry (idempotent, version-checked)
    ///
    /// A higher `version` replaces; the same version with the same content
    /// is a no-op success; the same version with other content, or a lower
    /// one, is 409 with the server's entry in `current`.
    #[oai(
        path = "/v1/me/diary/:kind/:entry_id",
        method = "put",
        operation_id = "putDiaryEntry"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        kind: Path<KindParam>,
        entry_id: Path<IdParam>,
        body: JsonBody<DiaryEntryInput>,
    ) -> ApiResult<Json<WriteReply>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(
            put_entry(&state, participant, kind, entry_id, body.0, None).await?,
        ))
    }

    /// Delete a diary entry, leaving a tombstone for my other devices
    #[oai(
        path = "/v1/me/diary/:kind/:entry_id",
        method = "delete",
        operation_id = "deleteDiaryEntry"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        kind: Path<KindParam>,
        entry_id: Path<IdParam>,
        /// The version of the deletion: higher than the entry's last version.
        version: Query<Bounded<i64, 1, { i64::MAX }>>,
    ) -> ApiResult<Json<WriteReply>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(
            delete_entry(&state, participant, kind, entry_id, version.0.0).await?,
        ))
    }

    /// Apply up to 500 offline writes; each item succeeds or fails on its own
    #[oai(path = "/v1/me/sync", method = "post", operation_id = "syncDiary")]
    async fn sync(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBodyAs<SyncRequest, RawSyncRequest>,
    ) -> ApiResult<Json<SyncResponse>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let items = body.0.items;
        if items.len() > MAX_SYNC_ITEMS {
            return Err(ApiError::validation(FieldError::new(
                "items",
                "max_items",
                format!(
                    "at most {MAX_SYNC_ITEMS} items per request, got {}; send the rest in another request",
                    items.len()
                ),
            )));
        }
        let now = Utc::now();
        let prepared: Vec<(Option<String>, Prepared)> = items
            .into_iter()
            .enumerate()
            .map(|(i, raw)| prepare_item(i, raw, now))
            .collect();
        let writes: Vec<Write> = prepared
            .iter()
            .filter_map(|(_, p)| match p {
                Prepared::Write(w) => Some(w.clone()),
                Prepared::Invalid(_) => None,
            })
            .collect();
        let turn = state.write_turn().await;
        let mut outcomes = diary::apply(&state.db, participant, &writes, now, None)
            .await?
            .into_iter();
        drop(turn);
        let mut results = Vec::with_capacity(prepared.len());
        for (index, (entry_id, prepared)) in prepared.into_iter().enumerate() {
            let result = match prepared {
                Prepared::Invalid(problem) => SyncItemResult {
                    index: index as u32,
                    entry_id,
                    result: WriteResult::Invalid,
                    version: None,
                    change: None,
                    entry: None,
                    problem: Some(problem),
                },
                Prepared::Write(_) => {
                    let outcome = outcomes
                        .next()
                        .ok_or_else(|| ApiError::internal("sync outcome missing"))?;
                    let (result, entry) = match &outcome {
                        Outcome::Applied(_) => (WriteResult::Applied, None),
                        Outcome::Unchanged(_) => (WriteResult::Unchanged, None),
                        Outcome::Conflict(current) => (WriteResult::Conflict, Some(view(current)?)),
                    };
                    SyncItemResult {
                        index: index as u32,
                        entry_id,
                        result,
                        version: Some(outcome.entry().version),
                        change: Some(outcome.entry().seq),
                        entry,
                        problem: None,
                    }
                }
            };
            results.push(result);
        }
        Ok(Json(SyncResponse { results }))
    }

    /// Every change to my data after a cursor, in order
    ///
    /// Changes from any of my devices, deletions (tombstones) and entries a
    /// veileder made for me. Start without a cursor; keep `next_cursor`.
    #[oai(
        path = "/v1/me/changes",
        method = "get",
        operation_id = "listMyChanges"
    )]
    async fn changes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// From the previous page's `next_cursor`; absent for the beginning.
        cursor: Query<Option<CursorParam>>,
        /// 1–1000, default 500.
        limit: Query<Option<Bounded<u32, 1, { MAX_CHANGES_PAGE as i64 }>>>,
    ) -> ApiResult<Json<ChangePage>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        let after = cursor
            .0
            .as_ref()
            .map(|c| decode_change_cursor(&c.0))
            .transpose()?
            .unwrap_or(0);
        let limit = page_limit(limit.0.map(|l| l.0), 500, MAX_CHANGES_PAGE)?;
        let rows = diary::changes(&state.db, participant, after, limit + 1).await?;
        let has_more = rows.len() as u64 > limit;
        let rows = &rows[..rows.len().min(limit as usize)];
        let last = rows.last().map_or(after, |r| r.seq);
        Ok(Json(ChangePage {
            changes: rows.iter().map(view).collect::<ApiResult<_>>()?,
            next_cursor: encode_change_cursor(last),
            has_more,
        }))
    }
}
