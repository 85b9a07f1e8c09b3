//! The participant's diaries: per-entry REST with client-generated ids and
//! versions, a batch sync for offline phones, and a change feed so every
//! device learns of every change.

use chrono::NaiveDate;
use friskliv_domain::FieldError;
use friskliv_domain::diary::DiaryEntryInput;
use friskliv_store::diary::{
    ChangePage, DiaryOwner, DiaryPage, SyncInput, SyncItem, SyncItemOutcome, WriteReply,
    WriteResult,
};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::{JsonBody, JsonBodyAs};
use crate::error::{ApiError, ApiResult, Problem};
use crate::params::{
    Bounded, CursorParam, IdParam, KindParam, MAX_LIST_PAGE, decode_change_cursor, list_query,
    page_limit, parse_kind,
};
use crate::state::AppState;
use friskliv_store::diary::DiaryEntryView;

/// Most items in one sync request.
pub const MAX_SYNC_ITEMS: usize = 500;
pub const MAX_CHANGES_PAGE: u32 = 1000;

pub struct DiaryApi;

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

/// One raw sync item read as far as HTTP goes: its `entry_id` text and the
/// item, or the field that made it unreadable.
fn read_item(raw: serde_json::Value) -> SyncInput {
    let entry_id = raw
        .get("entry_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let item = crate::body::from_value::<SyncItem>(raw)
        .map_err(|e| FieldError::new(e.field, e.rule, e.message));
    SyncInput { entry_id, item }
}

fn item_result(outcome: SyncItemOutcome) -> SyncItemResult {
    SyncItemResult {
        index: outcome.index,
        entry_id: outcome.entry_id,
        result: outcome.result,
        version: outcome.version,
        change: outcome.change,
        entry: outcome.entry,
        problem: outcome
            .refused
            .map(|refusal| ApiError::from(friskliv_store::Error::from(refusal)).into_problem()),
    }
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
        let owner = DiaryOwner::of(&principal)?;
        let kind = parse_kind(&kind)?;
        if from.0.zip(to.0).is_some_and(|(from, to)| from > to) {
            return Err(ApiError::validation(FieldError::new(
                "to",
                "order",
                "must not be before `from`",
            )));
        }
        let query = list_query(from.0, to.0, limit.0.map(|l| l.0), cursor.0.as_ref())?;
        let page = state.store.list_diary_entries(owner, kind, &query).await?;
        Ok(Json(page))
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
        let owner = DiaryOwner::of(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        let entry = state.store.diary_entry(owner, kind, entry_id).await?;
        Ok(Json(entry))
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
        let owner = DiaryOwner::of(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        let reply = state
            .store
            .put_diary_entry(owner, kind, entry_id, body.0)
            .await?;
        Ok(Json(reply))
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
        let owner = DiaryOwner::of(&principal)?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        let reply = state
            .store
            .delete_diary_entry(owner, kind, entry_id, version.0.0)
            .await?;
        Ok(Json(reply))
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
        let owner = DiaryOwner::of(&principal)?;
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
        let items = items.into_iter().map(read_item).collect();
        let outcomes = state.store.sync_diary(owner, items).await?;
        Ok(Json(SyncResponse {
            results: outcomes.into_iter().map(item_result).collect(),
        }))
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
        let owner = DiaryOwner::of(&principal)?;
        let after = cursor
            .0
            .as_ref()
            .map(|c| decode_change_cursor(&c.0))
            .transpose()?
            .unwrap_or(0);
        let limit = page_limit(limit.0.map(|l| l.0), 500, MAX_CHANGES_PAGE)?;
        let page = state.store.diary_changes(owner, after, limit).await?;
        Ok(Json(page))
    }
}
