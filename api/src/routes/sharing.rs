//! The participant's (or guardian's) side of sharing: consents and their
//! history, the epikrise objection, and the access log of staff reads.

use chrono::{DateTime, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::FieldError;
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, Principal, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{Bounded, IdParam};
use crate::state::AppState;
use friskliv_store::access::settle;
use friskliv_store::db::begin_write;
use friskliv_store::db::{consents, identity, sharing};

pub struct SharingApi;

/// Someone named in a consent's history.
#[derive(Object)]
pub struct PersonView {
    pub id: Uuid,
    pub name: String,
    /// `participant`, `guardian`, `veileder` or `centre_admin`.
    pub role: String,
}

fn person_view(p: consents::Person) -> PersonView {
    PersonView {
        id: p.id,
        name: p.name,
        role: p.role,
    }
}

#[derive(Object)]
pub struct ConsentView {
    pub id: Uuid,
    /// Whose data (a guardian sees their children's consents).
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub scope: ConsentScope,
    pub method: ConsentMethod,
    pub active: bool,
    pub granted_at: DateTime<Utc>,
    /// Who gave or recorded it (the participant, a guardian, or the veileder who recorded oral consent).
    #[oai(skip_serializing_if_is_none)]
    pub granted_by: Option<Uuid>,
    /// The same person's name and role, while their account exists.
    #[oai(skip_serializing_if_is_none)]
    pub granted_by_person: Option<PersonView>,
    /// Oral consent: the second staff member, or the participant in the app, who confirmed it.
    #[oai(skip_serializing_if_is_none)]
    pub confirmed_by: Option<PersonView>,
    #[oai(skip_serializing_if_is_none)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub withdrawn_by: Option<Uuid>,
}

pub fn consent_view(entry: consents::ConsentEntry) -> ApiResult<ConsentView> {
    let c = entry.consent;
    Ok(ConsentView {
        id: c.id,
        participant_id: c.participant_id,
        centre_id: c.centre_id,
        scope: c
            .scope
            .parse()
            .map_err(|_| ApiError::internal(format!("stored scope {:?}", c.scope)))?,
        method: c
            .method
            .parse()
            .map_err(|_| ApiError::internal(format!("stored method {:?}", c.method)))?,
        active: c.withdrawn_at.is_none(),
        granted_at: c.granted_at,
        granted_by: c.granted_by_account_id,
        granted_by_person: entry.granted_by.map(person_view),
        confirmed_by: entry.confirmed_by.map(person_view),
        withdrawn_at: c.withdrawn_at,
        withdrawn_by: c.withdrawn_by_account_id,
    })
}

/// Oral consent as a staff member recorded it, and what became of it.
#[derive(Object)]
pub struct OralConsentView {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub scope: ConsentScope,
    /// `pending`, `confirmed`, `declined` or `expired` (not confirmed within 7 days).
    pub status: String,
    /// The staff member who recorded it (null if their account is gone).
    #[oai(skip_serializing_if_is_none)]
    pub recorded_by: Option<PersonView>,
    pub recorded_at: DateTime<Utc>,
    /// Who may confirm it: `staff` (a second staff member of the centre, or
    /// the participant in the app) or `participant` (only the participant,
    /// in the app: they withdrew consent for this centre in the app within the last 7 days).
    pub confirmation_by: String,
    /// A pending one lapses at this time.
    pub expires_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub decided_by: Option<PersonView>,
    #[oai(skip_serializing_if_is_none)]
    pub decided_at: Option<DateTime<Utc>>,
    /// The consent it became, once confirmed.
    #[oai(skip_serializing_if_is_none)]
    pub consent_id: Option<Uuid>,
}

pub fn oral_consent_view(entry: consents::OralConsentEntry) -> ApiResult<OralConsentView> {
    let r = entry.record;
    Ok(OralConsentView {
        id: r.id,
        participant_id: r.participant_id,
        centre_id: r.centre_id,
        scope: r
            .scope
            .parse()
            .map_err(|_| ApiError::internal(format!("stored scope {:?}", r.scope)))?,
        status: entry.status.to_owned(),
        recorded_by: entry.recorded_by.map(person_view),
        recorded_at: r.recorded_at,
        confirmation_by: r.confirmation_by,
        expires_at: r.expires_at,
        decided_by: entry.decided_by.map(person_view),
        decided_at: r.decided_at,
        consent_id: r.consent_id,
    })
}

#[derive(Object)]
pub struct ConsentHistory {
    /// Every grant and withdrawal, oldest first; `active` marks the ones in force.
    pub consents: Vec<ConsentView>,
    /// Oral consent staff recorded, oldest first: a pending one waits for
    /// confirmation (the participant may confirm or decline it here).
    pub oral_consents: Vec<OralConsentView>,
}

#[derive(Object, serde::Deserialize)]
pub struct ConsentRequest {
    /// `summaries`, `entries`, `assessments` or `research`.
    pub scope: ConsentScope,
    /// The centre to share with; defaults to the centre that enrolled the participant.
    #[serde(default)]
    pub centre_id: Option<Uuid>,
    /// For a guardian: the child the consent is for.
    #[serde(default)]
    pub participant_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum ConsentGranted {
    /// A new consent, in force from the next request.
    #[oai(status = 201)]
    Created(Json<ConsentView>),
    /// The same consent was already in force.
    #[oai(status = 200)]
    AlreadyActive(Json<ConsentView>),
}

#[derive(Object, serde::Deserialize)]
pub struct EpikriseObjection {
    /// `true`: do not send an epikrise to my GP or referrer.
    pub objects: bool,
}

#[derive(Object)]
pub struct AccessLogEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who looked (null if their account has since been removed).
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub actor_name: Option<String>,
    pub actor_role: String,
    #[oai(skip_serializing_if_is_none)]
    pub centre_id: Option<Uuid>,
    /// `read_caseload`, `read_summary`, `read_entries`, `write_entry`, `record_consent`.
    pub action: String,
    pub resource: String,
    /// Whether it was allowed; denied attempts are listed too.
    pub allowed: bool,
    /// The consent that allowed it, when one was needed.
    #[oai(skip_serializing_if_is_none)]
    pub consent_id: Option<Uuid>,
}

#[derive(Object)]
pub struct AccessLogPage {
    /// Newest first.
    pub entries: Vec<AccessLogEntry>,
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// The participants whose consents this caller manages: a participant
/// themself, a guardian their linked children while they are under 16.
async fn managed_participants(
    state: &AppState,
    principal: &Principal,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Uuid>> {
    match principal.role {
        AccountRole::Participant => Ok(vec![principal.account_id]),
        AccountRole::Guardian => Ok(sharing::children_of(
            &state.db,
            principal.account_id,
            friskliv_store::clock::today(now),
        )
        .await?),
        _ => Err(ApiError::forbidden(
            "consents are given by participants and their guardians",
        )),
    }
}

/// Whether a participant must leave consent to a guardian (under 16).
async fn needs_guardian(
    state: &AppState,
    participant: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    Ok(sharing::is_under_16(&state.db, participant, friskliv_store::clock::today(now)).await?)
}

/// Oral consent is confirmed by the participant themself, who must be 16
/// or older (younger participants have no oral consent).
async fn own_oral_consent_caller(
    state: &AppState,
    principal: &Principal,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if principal.role != AccountRole::Participant {
        return Err(ApiError::forbidden(
            "oral consent is confirmed by the participant it was recorded for",
        ));
    }
    if needs_guardian(state, principal.account_id, now).await? {
        return Err(guardian_required());
    }
    Ok(())
}

#[derive(ApiResponse)]
pub enum OralConfirmed {
    /// The consent it became.
    #[oai(status = 201)]
    Created(Json<ConsentView>),
}

fn guardian_required() -> ApiError {
    ApiError::forbidden(
        "participants under 16 cannot consent or withdraw themselves; their guardian does",
    )
}

#[OpenApi(tag = "ApiTags::Sharing")]
impl SharingApi {
    /// My consents and their history (a guardian: their children's)
    #[oai(
        path = "/v1/me/consents",
        method = "get",
        operation_id = "listMyConsents"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<ConsentHistory>> {
        let principal = authenticate(&state, &auth).await?;
        let now = Utc::now();
        let participants = managed_participants(&state, &principal, now).await?;
        let history = consents::history(&state.db, &participants).await?;
        let oral = consents::oral_of(&state.db, &participants, now).await?;
        Ok(Json(ConsentHistory {
            consents: history
                .into_iter()
                .map(consent_view)
                .collect::<ApiResult<_>>()?,
            oral_consents: oral
                .into_iter()
                .map(oral_consent_view)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Consent to share a scope of my data with a centre
    #[oai(
        path = "/v1/me/consents",
        method = "post",
        operation_id = "grantConsent"
    )]
    async fn grant(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<ConsentRequest>,
    ) -> ApiResult<ConsentGranted> {
        let principal = authenticate(&state, &auth).await?;
        let now = Utc::now();
        let managed = managed_participants(&state, &principal, now).await?;
        let (participant, method) = match principal.role {
            AccountRole::Guardian => {
                let child = body.participant_id.ok_or_else(|| {
                    FieldError::new(
                        "participant_id",
                        "required",
                        "name the child the consent is for",
                    )
                })?;
                if !managed.contains(&child) {
                    return Err(ApiError::not_found("child linked to this guardian"));
                }
                (child, ConsentMethod::Guardian)
            }
            _ => {
                if body
                    .participant_id
                    .is_some_and(|p| p != principal.account_id)
                {
                    return Err(ApiError::forbidden("you can only consent for yourself"));
                }
                if needs_guardian(&state, principal.account_id, now).await? {
                    return Err(guardian_required());
                }
                (principal.account_id, ConsentMethod::InApp)
            }
        };
        let participant_account = identity::find_account(&state.db, participant)
            .await?
            .ok_or_else(|| ApiError::not_found("participant"))?;
        let centre_id = match body.centre_id.or(participant_account.centre_id) {
            Some(id) => id,
            None => {
                return Err(ApiError::validation(FieldError::new(
                    "centre_id",
                    "required",
                    "name the centre to share with",
                )));
            }
        };
        if identity::find_centre(&state.db, centre_id).await?.is_none() {
            return Err(ApiError::not_found_field(
                "centre_id",
                "exists",
                "no centre with this id",
            ));
        }
        let turn = state.write_turn().await;
        let (consent, created) = sharing::grant_consent(
            &state.db,
            participant,
            centre_id,
            body.scope,
            method,
            principal.account_id,
            now,
        )
        .await?;
        drop(turn);
        let entry = consents::consent_entry(&state.db, consent.id).await?;
        let view = consent_view(entry)?;
        Ok(if created {
            ConsentGranted::Created(Json(view))
        } else {
            ConsentGranted::AlreadyActive(Json(view))
        })
    }

    /// Withdraw a consent: the centre loses access on its next request
    #[oai(
        path = "/v1/me/consents/:consent_id",
        method = "delete",
        operation_id = "withdrawConsent"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        consent_id: Path<IdParam>,
    ) -> ApiResult<Json<ConsentView>> {
        let principal = authenticate(&state, &auth).await?;
        let now = Utc::now();
        let managed = managed_participants(&state, &principal, now).await?;
        let consent = sharing::find_consent(&state.db, consent_id.get("consent_id")?)
            .await?
            .filter(|c| managed.contains(&c.participant_id))
            .ok_or_else(|| ApiError::not_found("consent"))?;
        if principal.role == AccountRole::Participant
            && needs_guardian(&state, principal.account_id, now).await?
        {
            return Err(guardian_required());
        }
        let turn = state.write_turn().await;
        sharing::withdraw_consent(&state.db, consent.id, principal.account_id, now).await?;
        drop(turn);
        let current = consents::consent_entry(&state.db, consent.id).await?;
        Ok(Json(consent_view(current)?))
    }

    /// Confirm oral consent a veileder recorded for me
    ///
    /// It becomes a consent at once, from the next request on.
    #[oai(
        path = "/v1/me/oral-consents/:oral_consent_id/confirm",
        method = "post",
        operation_id = "confirmMyOralConsent"
    )]
    async fn confirm_oral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        oral_consent_id: Path<IdParam>,
    ) -> ApiResult<OralConfirmed> {
        let principal = authenticate(&state, &auth).await?;
        let id = oral_consent_id.get("oral_consent_id")?;
        let now = Utc::now();
        own_oral_consent_caller(&state, &principal, now).await?;
        let turn = state.write_turn().await;
        let txn = begin_write(&state.db).await?;
        let result = consents::confirm_oral(
            &txn,
            consents::Confirmer::Participant(principal.account_id),
            id,
            now,
        )
        .await;
        let result = settle(txn, result).await?;
        drop(turn);
        Ok(OralConfirmed::Created(Json(consent_view(result)?)))
    }

    /// Decline oral consent a veileder recorded for me: I did not give it
    #[oai(
        path = "/v1/me/oral-consents/:oral_consent_id/decline",
        method = "post",
        operation_id = "declineMyOralConsent"
    )]
    async fn decline_oral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        oral_consent_id: Path<IdParam>,
    ) -> ApiResult<Json<OralConsentView>> {
        let principal = authenticate(&state, &auth).await?;
        let id = oral_consent_id.get("oral_consent_id")?;
        let now = Utc::now();
        own_oral_consent_caller(&state, &principal, now).await?;
        let turn = state.write_turn().await;
        let result = consents::decline_oral(&state.db, principal.account_id, id, now).await?;
        drop(turn);
        Ok(Json(oral_consent_view(result)?))
    }

    /// Object (or stop objecting) to an epikrise being sent to my GP or referrer
    #[oai(
        path = "/v1/me/epikrise-objection",
        method = "put",
        operation_id = "setEpikriseObjection"
    )]
    async fn epikrise(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<EpikriseObjection>,
    ) -> ApiResult<Json<EpikriseObjection>> {
        let principal = authenticate(&state, &auth).await?;
        if principal.role != AccountRole::Participant {
            return Err(ApiError::forbidden("only a participant has an epikrise"));
        }
        sharing::set_epikrise_objection(&state.db, principal.account_id, body.objects, Utc::now())
            .await?;
        Ok(Json(EpikriseObjection {
            objects: body.objects,
        }))
    }

    /// Who at a centre has read or written my data, and who was refused
    #[oai(
        path = "/v1/me/access-log",
        method = "get",
        operation_id = "listMyAccessLog"
    )]
    async fn access_log(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// From the previous page's `next_cursor`.
        cursor: Query<Option<IdParam>>,
        /// 1–500, default 100.
        limit: Query<Option<Bounded<u32, 1, 500>>>,
    ) -> ApiResult<Json<AccessLogPage>> {
        let principal = authenticate(&state, &auth).await?;
        if principal.role != AccountRole::Participant {
            return Err(ApiError::forbidden(
                "the access log belongs to a participant",
            ));
        }
        let limit = u64::from(limit.0.map_or(100, |l| l.0));
        if !(1..=500).contains(&limit) {
            return Err(ApiError::validation(FieldError::new(
                "limit",
                "range",
                "must be between 1 and 500",
            )));
        }
        let before = cursor.0.as_ref().map(|c| c.get("cursor")).transpose()?;
        let rows =
            sharing::access_log_of(&state.db, principal.account_id, before, limit + 1).await?;
        let more = rows.len() as u64 > limit;
        let rows = &rows[..rows.len().min(limit as usize)];
        let actor_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_account_id).collect();
        let actors = sharing::accounts_by_id(&state.db, &actor_ids).await?;
        Ok(Json(AccessLogPage {
            entries: rows
                .iter()
                .map(|r| AccessLogEntry {
                    id: r.id,
                    at: r.at,
                    actor_id: r.actor_account_id,
                    actor_name: r
                        .actor_account_id
                        .and_then(|id| actors.get(&id))
                        .map(|a| a.display_name.clone()),
                    actor_role: r.actor_role.clone(),
                    centre_id: r.centre_id,
                    action: r.action.clone(),
                    resource: r.resource.clone(),
                    allowed: r.allowed,
                    consent_id: r.consent_id,
                })
                .collect(),
            next_cursor: if more {
                rows.last().map(|r| r.id.to_string())
            } else {
                None
            },
        }))
    }
}
