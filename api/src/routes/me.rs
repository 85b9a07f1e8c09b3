//! The signed-in account: who am I, and my passkeys.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use poem::Body;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

use super::passkey::CeremonyFinish;
use crate::body::{JsonBody, JsonStream};
use friskliv_store::Store;
use friskliv_store::diary::DiaryEntryView;
use friskliv_store::journey::{AssessmentView, GoalView, ParticipantAttributesView, PeriodView};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::error::ApiResult;
use crate::params::IdParam;
use crate::state::AppState;
use friskliv_store::identity::ceremonies::CeremonyStart;

pub struct MeApi;

pub use friskliv_store::identity::account::{EvaluationAreaView, Me};
use friskliv_store::identity::passkeys::PasskeySummary;

#[derive(ApiResponse)]
pub enum PasskeyRemoved {
    /// The passkey was removed and can no longer sign in.
    #[oai(status = 204)]
    Removed,
}

/// Everything stored about a participant, as `GET /v1/me/export` streams it
/// (this type is the document's schema; the handler writes it piece by piece).
#[derive(Object)]
#[oai(rename = "MyDataExport")]
pub struct MyDataExport {
    /// `friskliv-export/1`.
    pub format: String,
    pub exported_at: DateTime<Utc>,
    pub account: Me,
    /// Labels and dates; never key material.
    pub passkeys: Vec<PasskeySummary>,
    pub attributes: ParticipantAttributesView,
    pub periods: Vec<PeriodView>,
    pub goals: Vec<GoalView>,
    pub assessments: Vec<AssessmentView>,
    /// Live diary entries in change order.
    pub diary_entries: Vec<DiaryEntryView>,
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// Everything stored about me as one JSON document (streamed).
    #[oai(status = 200)]
    Document(
        JsonStream<MyDataExport>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Erased {
    /// The account and all its data are gone; its tokens no longer work.
    #[oai(status = 204)]
    Erased,
}

/// The export's diary entries, page by page in change order, as JSON text
/// chunks: memory stays flat however many entries there are.
fn export_entries(
    store: Store,
    participant: Uuid,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(Some((0i64, true)), move |cursor| {
        let store = store.clone();
        async move {
            let (after, first) = cursor?;
            let page = match store.export_diary_page(participant, after).await {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(error = %err, "export failed");
                    return Some((Err(std::io::Error::other("export failed")), None));
                }
            };
            let Some(next) = page.next else {
                return Some((Ok("]}".to_owned()), None));
            };
            let mut chunk = String::new();
            let mut first = first;
            for entry in &page.entries {
                let Some(json) = entry.to_json() else {
                    return Some((Err(std::io::Error::other("export failed")), None));
                };
                if !first {
                    chunk.push(',');
                }
                first = false;
                chunk.push_str(&json.to_string());
            }
            Some((Ok(chunk), Some((next, first))))
        }
    })
}

#[OpenApi(tag = "ApiTags::Me")]
impl MeApi {
    /// The signed-in account
    #[oai(path = "/v1/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Me>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.me(&principal).await?))
    }

    /// List my passkeys
    #[oai(
        path = "/v1/me/passkeys",
        method = "get",
        operation_id = "listMyPasskeys"
    )]
    async fn passkeys(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<PasskeySummary>>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.my_passkeys(&principal).await?))
    }

    /// Remove one of my passkeys (never the last one)
    #[oai(
        path = "/v1/me/passkeys/:passkey_id",
        method = "delete",
        operation_id = "removeMyPasskey"
    )]
    async fn remove_passkey(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        passkey_id: Path<IdParam>,
    ) -> ApiResult<PasskeyRemoved> {
        let principal = authenticate(&state, &auth).await?;
        let passkey_id = passkey_id.get("passkey_id")?;
        state
            .store
            .remove_my_passkey(&principal, passkey_id)
            .await?;
        Ok(PasskeyRemoved::Removed)
    }

    /// Download everything stored about me (data portability)
    #[oai(path = "/v1/me/export", method = "get", operation_id = "exportMyData")]
    async fn export(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<ExportResponse> {
        let principal = authenticate(&state, &auth).await?;
        let export = state.store.account_export(&principal).await?;
        let now = export.exported_at;
        let head = format!(
            "{{\"format\":\"friskliv-export/1\",\"exported_at\":{},\"account\":{},\"passkeys\":{},\"attributes\":{},\"periods\":{},\"goals\":{},\"assessments\":{},\"diary_entries\":[",
            serde_json::Value::String(now.to_rfc3339()),
            export.account.to_json().unwrap_or_default(),
            export.passkeys.to_json().unwrap_or_default(),
            export.attributes.to_json().unwrap_or_default(),
            export.periods.to_json().unwrap_or_default(),
            export.goals.to_json().unwrap_or_default(),
            export.assessments.to_json().unwrap_or_default(),
        );
        let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) })
            .chain(export_entries(state.store.clone(), principal.account_id))
            .map(|chunk| chunk.map(bytes_of));
        Ok(ExportResponse::Document(
            JsonStream::new(Body::from_bytes_stream(body)),
            format!(
                "attachment; filename=\"friskliv-export-{}.json\"",
                now.format("%Y-%m-%d")
            ),
        ))
    }

    /// Start erasing my account: confirm with one of my passkeys
    #[oai(
        path = "/v1/me/erasure/start",
        method = "post",
        operation_id = "startErasure"
    )]
    async fn start_erasure(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<CeremonyStart>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.start_erasure(&principal).await?))
    }

    /// Erase my account and all my data, after the passkey confirmation
    ///
    /// Irreversible. Export first if you want a copy.
    #[oai(path = "/v1/me", method = "delete", operation_id = "eraseMe")]
    async fn erase(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<CeremonyFinish>,
    ) -> ApiResult<Erased> {
        let principal = authenticate(&state, &auth).await?;
        let finish = body.0.parse::<PublicKeyCredential>();
        state.store.erase(&principal, finish).await?;
        Ok(Erased::Erased)
    }
}

fn bytes_of(chunk: String) -> bytes::Bytes {
    bytes::Bytes::from(chunk)
}
