//! The veileder's view of the centre's participants. Every operation goes
//! through `store::sharing::authorize` (or `caseload`), which checks centre,
//! role and consent and writes the access-log row in the same transaction
//! as the read.

use chrono::{Duration, NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use friskliv_domain::diary::{DiaryEntryInput, EntryContent, EntryKind, EntrySource};
use friskliv_domain::summary::{SummaryEntry, WeekSummary, weekly_summary};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::ApiTags;
use super::sharing::{OralConfirmed, OralConsentView, consent_view, oral_consent_view};
use crate::auth::{BearerAuth, Principal, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{
    Bounded, CursorParam, DEFAULT_PAGE, IdParam, KindParam, MAX_LIST_PAGE, decode_list_cursor,
    page_limit, parse_kind,
};
use crate::state::AppState;
use friskliv_store::WriteTurn;
use friskliv_store::access::{Authorized, settle};
use friskliv_store::db::consents::{self, Confirmer, OralRecorded};
use friskliv_store::db::diary::Write;
use friskliv_store::db::sharing::{self, Actor, Grant, StaffAction};
use friskliv_store::db::{begin_write, diary};
use friskliv_store::diary::{DiaryPage, WriteReply, page_of, reply};

pub struct ParticipantsApi;

pub const DEFAULT_SUMMARY_WEEKS: u32 = 12;
pub const MAX_SUMMARY_WEEKS: u32 = 53;

#[derive(Object)]
pub struct CaseloadParticipant {
    pub id: Uuid,
    /// Name or alias.
    pub display_name: String,
    /// Week k of the open follow-up period today (Europe/Oslo); absent when no period is open.
    #[oai(skip_serializing_if_is_none)]
    pub current_period_week: Option<u32>,
    /// The last diary day with an entry: only with `summaries` consent.
    #[oai(skip_serializing_if_is_none)]
    pub last_logged_day: Option<NaiveDate>,
    /// The scopes the participant currently shares with this centre.
    pub consent_scopes: Vec<ConsentScope>,
    /// The participant objects to an epikrise being sent.
    pub epikrise_objection: bool,
}

#[derive(Object)]
pub struct Caseload {
    /// Ordered by display name, then id.
    pub participants: Vec<CaseloadParticipant>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

pub const DEFAULT_CASELOAD_PAGE: u32 = 100;
pub const MAX_CASELOAD_PAGE: u32 = 500;

fn encode_caseload_cursor(after: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("k1|{after}"))
}

/// The participant a caseload cursor continues after: 400 if it is not of
/// the shape this server issues, 404 if it names no one.
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
        .ok_or_else(unknown_caseload_cursor)
}

fn unknown_caseload_cursor() -> ApiError {
    ApiError::not_found_field(
        "cursor",
        "unknown",
        "is not a cursor this server issued; start again without one",
    )
}

#[derive(Object)]
pub struct ParticipantSummary {
    pub participant_id: Uuid,
    /// Week 1 starts on this day.
    pub first_day: NaiveDate,
    pub weeks: Vec<WeekSummary>,
}

#[derive(ApiResponse)]
pub enum OralConsentRecorded {
    /// Recorded; it waits for a second staff member's or the participant's confirmation.
    #[oai(status = 202)]
    Pending(Json<OralConsentView>),
    /// The participant already shares this scope with the centre.
    #[oai(status = 200)]
    AlreadyActive(Json<super::sharing::ConsentView>),
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

pub(crate) fn actor_of(principal: &Principal) -> Actor {
    Actor {
        account_id: principal.account_id,
        role: principal.role,
        centre_id: principal.centre_id,
    }
}

/// Authorises and logs in one transaction (see `Store::authorized`).
pub(crate) async fn authorized(
    state: &AppState,
    principal: &Principal,
    centre_id: Uuid,
    participant_id: Uuid,
    action: StaffAction,
    resource: &str,
) -> ApiResult<(WriteTurn, DatabaseTransaction, Grant)> {
    let Authorized { turn, txn, grant } = state
        .store
        .authorized(principal, centre_id, participant_id, action, resource)
        .await?;
    Ok((turn, txn, grant))
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
        let turn = state.write_turn().await;
        let txn = begin_write(&state.db).await?;
        let page = sharing::caseload(
            &txn,
            &actor_of(&principal),
            centre_id,
            after,
            limit,
            Utc::now(),
        )
        .await?;
        let Some((rows, more)) = page else {
            txn.commit().await?;
            return Err(unknown_caseload_cursor());
        };
        let ids: Vec<Uuid> = rows.iter().map(|r| r.participant.id).collect();
        let open = friskliv_store::db::journey::open_periods(&txn, centre_id, &ids).await?;
        txn.commit().await?;
        drop(turn);
        let today = friskliv_store::clock::today(Utc::now());
        let week_of = |id: Uuid| {
            open.iter()
                .find(|p| p.participant_id == id)
                .and_then(|p| friskliv_domain::journey::period_week(p.start_date, today))
        };
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|r| encode_caseload_cursor(r.participant.id));
        Ok(Json(Caseload {
            participants: rows
                .into_iter()
                .map(|r| CaseloadParticipant {
                    id: r.participant.id,
                    display_name: r.participant.display_name,
                    current_period_week: week_of(r.participant.id),
                    last_logged_day: r.last_logged_day,
                    consent_scopes: r.scopes,
                    epikrise_objection: r.epikrise_objection,
                })
                .collect(),
            next_cursor,
        }))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let weeks = weeks.0.map_or(DEFAULT_SUMMARY_WEEKS, |w| w.0);
        if !(1..=MAX_SUMMARY_WEEKS).contains(&weeks) {
            return Err(ApiError::validation(FieldError::new(
                "weeks",
                "range",
                format!("must be between 1 and {MAX_SUMMARY_WEEKS}"),
            )));
        }
        let (turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadSummary,
            "summary",
        )
        .await?;
        // Week 1 is the current period's first week; before any period, the
        // first diary day's.
        let period = friskliv_store::db::journey::current_period(&txn, &grant).await?;
        let first_day = match (from.0, period) {
            (Some(day), _) => day,
            (None, Some(period)) => period.start_date,
            (None, None) => sharing::first_diary_day_for(&txn, &grant)
                .await?
                .unwrap_or_else(|| friskliv_store::clock::today(Utc::now())),
        };
        let last_day = first_day + Duration::days(7 * i64::from(weeks) - 1);
        let rows = sharing::summary_entries_for(&txn, &grant, first_day, last_day).await?;
        txn.commit().await?;
        drop(turn);
        let entries = rows
            .iter()
            .filter_map(|(diary_day, content)| {
                let content: EntryContent = serde_json::from_str(content).ok()?;
                Some(SummaryEntry {
                    diary_day: *diary_day,
                    occurred_at: chrono::DateTime::parse_from_rfc3339(&content.occurred_at).ok()?,
                    data: content.data,
                })
            })
            .collect::<Vec<_>>();
        Ok(Json(ParticipantSummary {
            participant_id,
            first_day,
            weeks: weekly_summary(&entries, first_day, weeks),
        }))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let kind = kind
            .parse::<EntryKind>()
            .map_err(|m: String| ApiError::validation(FieldError::new("kind", "one_of", m)))?;
        let limit = page_limit(limit.0.map(|l| l.0), DEFAULT_PAGE, MAX_LIST_PAGE)?;
        let after = cursor
            .0
            .as_ref()
            .map(|c| decode_list_cursor(&c.0))
            .transpose()?;
        let (turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadEntries,
            &format!("entries/{kind}"),
        )
        .await?;
        let rows = sharing::entries_for(&txn, &grant, kind, from.0, to.0, after, limit + 1).await?;
        txn.commit().await?;
        drop(turn);
        Ok(Json(page_of(rows, limit)?))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let kind = parse_kind(&kind)?;
        let entry_id = entry_id.get("entry_id")?;
        let now = Utc::now();
        let mut entry = body.0.parse(kind, now).map_err(ApiError::validation_many)?;
        entry.content.source = EntrySource::Proxy;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteEntry,
            &format!("diary/{kind}/{entry_id}"),
        )
        .await?;
        let outcomes = diary::apply_in(
            &txn,
            grant.participant_id,
            &[Write::Upsert { entry_id, entry }],
            now,
            Some(grant.actor),
        )
        .await?;
        txn.commit().await?;
        Ok(Json(reply(&outcomes[0])?))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        if body.method != ConsentMethod::Oral {
            return Err(ApiError::validation(FieldError::new(
                "method",
                "oral_only",
                "staff record oral consent; in-app and guardian consent come from their own accounts",
            )));
        }
        let now = Utc::now();
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::RecordConsent,
            &format!("consent/{}", body.scope),
        )
        .await?;
        let result = consents::record_oral(&txn, &grant, body.scope, now).await;
        let result = settle(txn, result).await?;
        Ok(match result {
            OralRecorded::AlreadyActive(entry) => {
                OralConsentRecorded::AlreadyActive(Json(consent_view(entry)?))
            }
            OralRecorded::Pending(entry) => {
                OralConsentRecorded::Pending(Json(oral_consent_view(entry)?))
            }
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadConsents,
            "oral-consents",
        )
        .await?;
        let rows = consents::oral_at_centre(&txn, &grant, Utc::now()).await;
        let rows = settle(txn, rows).await?;
        Ok(Json(OralConsentList {
            oral_consents: rows
                .into_iter()
                .map(oral_consent_view)
                .collect::<ApiResult<_>>()?,
        }))
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = (
            centre_id.get("centre_id")?,
            participant_id.get("participant_id")?,
        );
        let id = oral_consent_id.get("oral_consent_id")?;
        let now = Utc::now();
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ConfirmConsent,
            &format!("oral-consents/{id}"),
        )
        .await?;
        let result = consents::confirm_oral(&txn, Confirmer::Staff(&grant), id, now).await;
        let result = settle(txn, result).await?;
        Ok(OralConfirmed::Created(Json(consent_view(result)?)))
    }
}
