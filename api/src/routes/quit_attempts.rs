//! Quit attempts (`/v1/me/quit-attempts`): target quit date, products and
//! the price of a pack/box of each. Stored and synced like diary entries of
//! kind `quit_attempt`, so an offline phone can create one and every device
//! learns of it through the change feed.

use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use friskliv_store::diary::{DiaryEntryView, DiaryOwner, DiaryPage, WriteReply};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::params::{Bounded, CursorParam, IdParam, MAX_LIST_PAGE, list_query};
use crate::state::AppState;

pub struct QuitAttemptsApi;

#[OpenApi(tag = "ApiTags::Diary")]
impl QuitAttemptsApi {
    /// List my quit attempts
    #[oai(
        path = "/v1/me/quit-attempts",
        method = "get",
        operation_id = "listQuitAttempts"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// From the previous page's `next_cursor`.
        cursor: Query<Option<CursorParam>>,
        /// 1–500, default 100.
        limit: Query<Option<Bounded<u32, 1, { MAX_LIST_PAGE as i64 }>>>,
    ) -> ApiResult<Json<DiaryPage>> {
        let principal = authenticate(&state, &auth).await?;
        let owner = DiaryOwner::of(&principal)?;
        let query = list_query(None, None, limit.0.map(|l| l.0), cursor.0.as_ref())?;
        let page = state
            .store
            .list_diary_entries(owner, EntryKind::QuitAttempt, &query)
            .await?;
        Ok(Json(page))
    }

    /// Get one quit attempt
    #[oai(
        path = "/v1/me/quit-attempts/:entry_id",
        method = "get",
        operation_id = "getQuitAttempt"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        entry_id: Path<IdParam>,
    ) -> ApiResult<Json<DiaryEntryView>> {
        let principal = authenticate(&state, &auth).await?;
        let owner = DiaryOwner::of(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        let entry = state
            .store
            .diary_entry(owner, EntryKind::QuitAttempt, entry_id)
            .await?;
        Ok(Json(entry))
    }

    /// Create or replace a quit attempt (body with `quit_attempt`, version-checked)
    #[oai(
        path = "/v1/me/quit-attempts/:entry_id",
        method = "put",
        operation_id = "putQuitAttempt"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        entry_id: Path<IdParam>,
        body: JsonBody<DiaryEntryInput>,
    ) -> ApiResult<Json<WriteReply>> {
        let principal = authenticate(&state, &auth).await?;
        let owner = DiaryOwner::of(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        let reply = state
            .store
            .put_diary_entry(owner, EntryKind::QuitAttempt, entry_id, body.0)
            .await?;
        Ok(Json(reply))
    }

    /// Delete a quit attempt
    #[oai(
        path = "/v1/me/quit-attempts/:entry_id",
        method = "delete",
        operation_id = "deleteQuitAttempt"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        entry_id: Path<IdParam>,
        /// The version of the deletion: higher than the entry's last version.
        version: Query<Bounded<i64, 1, { i64::MAX }>>,
    ) -> ApiResult<Json<WriteReply>> {
        let principal = authenticate(&state, &auth).await?;
        let owner = DiaryOwner::of(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        let reply = state
            .store
            .delete_diary_entry(owner, EntryKind::QuitAttempt, entry_id, version.0.0)
            .await?;
        Ok(Json(reply))
    }
}
