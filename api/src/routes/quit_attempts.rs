//! Quit attempts (`/v1/me/quit-attempts`): target quit date, products and
//! price per unit. Stored and synced like diary entries of kind
//! `quit_attempt`, so an offline phone can create one and every device
//! learns of it through the change feed.

use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use super::ApiTags;
use super::diary::{
    DiaryEntryView, DiaryPage, WriteReply, delete_entry, get_entry, list_entries, participant_id,
    put_entry,
};
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::params::{Bounded, CursorParam, IdParam};
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
        limit: Query<Option<Bounded<u32, 1, { super::diary::MAX_LIST_PAGE as i64 }>>>,
    ) -> ApiResult<Json<DiaryPage>> {
        let principal = authenticate(&state, &auth).await?;
        let participant = participant_id(&principal)?;
        Ok(Json(
            list_entries(
                &state,
                participant,
                EntryKind::QuitAttempt,
                None,
                None,
                cursor.0.as_ref().map(|c| c.0.as_str()),
                limit.0.map(|l| l.0),
            )
            .await?,
        ))
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
        let participant = participant_id(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(
            get_entry(&state, participant, EntryKind::QuitAttempt, entry_id).await?,
        ))
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
        let participant = participant_id(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(
            put_entry(
                &state,
                participant,
                EntryKind::QuitAttempt,
                entry_id,
                body.0,
                None,
            )
            .await?,
        ))
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
        let participant = participant_id(&principal)?;
        let entry_id = entry_id.get("entry_id")?;
        Ok(Json(
            delete_entry(
                &state,
                participant,
                EntryKind::QuitAttempt,
                entry_id,
                version.0.0,
            )
            .await?,
        ))
    }
}
