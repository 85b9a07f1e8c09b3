//! The veileder's view of the centre's participants. Every operation goes
//! through the store's staff use cases (`Store::as_staff`, or the caseload),
//! which check centre, role and consent and write the access-log row in the
//! same transaction as the read.

use chrono::NaiveDate;
use friskliv_domain::FieldError;
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use friskliv_store::diary::{DiaryPage, WriteReply};
use friskliv_store::participants::{Caseload, OralConsentOutcome, ParticipantSummary};
use friskliv_store::sharing::{ConsentView, OralConsentView};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::views::OralConfirmed;
use crate::auth::{BearerAuth, authenticate, staff_case};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{
    Bounded, CursorParam, IdParam, KindParam, MAX_LIST_PAGE, list_query, page_limit, parse_kind,
    unknown_cursor,
};
use crate::state::AppState;

pub struct ParticipantsApi;

pub const DEFAULT_SUMMARY_WEEKS: u32 = 12;
pub const MAX_SUMMARY_WEEKS: u32 = 53;

pub const DEFAULT_CASELOAD_PAGE: u32 = 100;
pub const MAX_CASELOAD_PAGE: u32 = 500;

/// The participant a caseload cursor continues after (the store's
/// `encode_caseload_cursor` writes `k1|<id>`): 400 if it is not of the shape
/// this server issues, 404 if it names no one.
fn decode_caseload_cursor(raw: &str) -> ApiResult<Uuid> {
    use base64::Engine;
    if !CursorParam::well_formed(raw) {
        return Err(ApiError::bad_request(
            "cursor",
            "format",
            "is not a cursor this server issued; start again without one",
        ));
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("k1|")?.parse().ok())
        .ok_or_else(unknown_cursor)
}

#[derive(ApiResponse)]
pub enum OralConsentRecorded {
    /// Recorded; it waits for a second staff member's or the participant's confirmation.
    #[oai(status = 202)]
    Pending(Json<OralConsentView>),
    /// The participant already shares this scope with the centre.
    #[oai(status = 200)]
    AlreadyActive(Json<ConsentView>),
}

#[derive(Object)]
pub struct OralConsentList {
    /// Oldest first.
    pub oral_consents: Vec<OralConsentView>,
}

#[derive(Object, serde::Deserialize)]
pub struct RecordedConsent {
    pub scope: ConsentScope,
    /// `oral` (given in conversation). Consent for under-16s comes from a
    /// guardian's own account.
    pub method: ConsentMethod,
}

#[OpenApi(tag = "ApiTags::Centres")]
impl ParticipantsApi {
    /// The centre's participants, with what each shares (a page at a time)
    #[oai(
        path = "/v1/centres/:centre_id/participants",
        method = "get",
        operation_id = "listCaseload"
    )]
    async fn caseload(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        /// From the previous page's `next_cursor`.
        cursor: Query<Option<CursorParam>>,
        /// 1–500, default 100.
        limit: Query<Option<Bounded<u32, 1, { MAX_CASELOAD_PAGE as i64 }>>>,
    ) -> ApiResult<Json<Caseload>> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let limit = page_limit(
            limit.0.map(|l| l.0),
            DEFAULT_CASELOAD_PAGE,
            MAX_CASELOAD_PAGE,
        )?;
        let after = cursor
            .0
            .as_ref()
            .map(|c| decode_caseload_cursor(&c.0))
            .transpose()?;
        let caseload = state
            .store
            .caseload(&principal, centre_id, after, limit)
            .await?;
        Ok(Json(caseload))
    }

    /// Weekly summary of a participant's diaries (needs `summaries` consent)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/summary",
        method = "get",
        operation_id = "getParticipantSummary"
    )]
    async fn summary(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        /// First day of week 1 (YYYY-MM-DD); default: the current period's start, else the first diary day.
        from: Query<Option<NaiveDate>>,
        /// 1–53, default 12.
        weeks: Query<Option<Bounded<u32, 1, { MAX_SUMMARY_WEEKS as i64 }>>>,
    ) -> ApiResult<Json<ParticipantSummary>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let weeks = weeks.0.map_or(DEFAULT_SUMMARY_WEEKS, |w| w.0);
        if !(1..=MAX_SUMMARY_WEEKS).contains(&weeks) {
            return Err(ApiError::validation(FieldError::new(
                "weeks",
                "range",
                format!("must be between 1 and {MAX_SUMMARY_WEEKS}"),
            )));
        }
        let summary = state
            .store
            .participant_summary(&case, from.0, weeks)
            .await?;
        Ok(Json(summary))
    }

    /// A participant's diary entries of one kind (needs `entries` consent)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/entries",
        method = "get",
        operation_id = "listParticipantEntries"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn entries(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        /// activity, food, sleep, tobacco, sitting or quit_attempt
        kind: Query<KindParam>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        cursor: Query<Option<CursorParam>>,
        limit: Query<Option<Bounded<u32, 1, { MAX_LIST_PAGE as i64 }>>>,
    ) -> ApiResult<Json<DiaryPage>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let kind = kind
            .parse::<EntryKind>()
            .map_err(|m: String| ApiError::validation(FieldError::new("kind", "one_of", m)))?;
        let query = list_query(from.0, to.0, limit.0.map(|l| l.0), cursor.0.as_ref())?;
        let page = state.store.participant_entries(&case, kind, &query).await?;
        Ok(Json(page))
    }

    /// Enter a diary entry on a participant's behalf (needs `entries` consent)
    ///
    /// The entry is marked `source: proxy` with the veileder's id and
    /// reaches the participant's devices through their change feed.
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/diary/:kind/:entry_id",
        method = "put",
        operation_id = "putProxyDiaryEntry"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn proxy_entry(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        kind: Path<KindParam>,
        entry_id: Path<IdParam>,
        body: JsonBody<DiaryEntryInput>,
    ) -> ApiResult<Json<WriteReply>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        let reply = state
            .store
            .put_proxy_entry(&case, kind, entry_id, body.0)
            .await?;
        Ok(Json(reply))
    }

    /// Record consent a participant gave orally in a conversation
    ///
    /// One staff member's word is not enough: the record waits (7 days) for
    /// a second staff member of the centre to confirm it, or for the
    /// participant to confirm it in the app. Within 7 days of the
    /// participant withdrawing consent for this centre in the app, only the
    /// participant can. Under-16s consent through their guardian.
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/consents",
        method = "post",
        operation_id = "recordConsent"
    )]
    async fn record_consent(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<RecordedConsent>,
    ) -> ApiResult<OralConsentRecorded> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        if body.method != ConsentMethod::Oral {
            return Err(ApiError::validation(FieldError::new(
                "method",
                "oral_only",
                "staff record oral consent; in-app and guardian consent come from their own accounts",
            )));
        }
        let recorded = state.store.record_oral_consent(&case, body.scope).await?;
        Ok(match recorded {
            OralConsentOutcome::AlreadyActive(consent) => {
                OralConsentRecorded::AlreadyActive(Json(consent))
            }
            OralConsentOutcome::Pending(oral) => OralConsentRecorded::Pending(Json(oral)),
        })
    }

    /// Oral consents recorded for a participant at this centre, pending or decided
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/oral-consents",
        method = "get",
        operation_id = "listOralConsents"
    )]
    async fn list_oral_consents(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<OralConsentList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let oral_consents = state.store.oral_consents_at_centre(&case).await?;
        Ok(Json(OralConsentList { oral_consents }))
    }

    /// Confirm oral consent a colleague recorded (a second staff member of the centre)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/oral-consents/:oral_consent_id/confirm",
        method = "post",
        operation_id = "confirmOralConsent"
    )]
    async fn confirm_oral_consent(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        oral_consent_id: Path<IdParam>,
    ) -> ApiResult<OralConfirmed> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let id = oral_consent_id.get("oral_consent_id")?;
        let consent = state.store.confirm_oral_consent(&case, id).await?;
        Ok(OralConfirmed::Created(Json(consent)))
    }
}
