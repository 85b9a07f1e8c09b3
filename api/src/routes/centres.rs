//! Centre administration: invites for staff and participants, including
//! recovery invites that add a passkey to an existing account.

use chrono::{DateTime, Utc};
use friskliv_domain::consent::BirthMonth;
use friskliv_domain::{AccountRole, FieldError};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate, issue_invite, parse_role};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::IdParam;
use crate::state::AppState;
use friskliv_store::db::{identity, sharing};

pub struct CentresApi;

#[derive(Object, serde::Deserialize)]
pub struct InviteRequest {
    /// `participant`, `veileder`, `centre_admin` or `evaluator`. A veileder
    /// may invite participants; a centre admin anyone.
    pub role: String,
    /// For a recovery invite: the existing account (of this centre) that the
    /// new passkey will be added to. `role` must be that account's role.
    pub recovery_for_account_id: Option<Uuid>,
    /// For a participant: birth month `YYYY-MM` (decides whether a guardian
    /// must consent). The only birth datum collected.
    pub birth_month: Option<String>,
    /// For a guardian: the participant (of this centre) they consent for.
    pub guardian_for_account_id: Option<Uuid>,
}

#[derive(Object)]
pub struct IssuedInvite {
    pub id: Uuid,
    /// The one-time code to give the person. Shown only now; it is stored
    /// only as a hash.
    pub code: String,
    pub centre_id: Uuid,
    pub role: String,
    pub recovery_for_account_id: Option<Uuid>,
    /// Staff invites last 72 hours, participant invites 14 days.
    pub expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
pub enum InviteCreated {
    /// The invite was issued.
    #[oai(status = 201)]
    Created(Json<IssuedInvite>),
}

#[OpenApi(tag = "ApiTags::Centres")]
impl CentresApi {
    /// Issue a one-time invite (or recovery invite) at a centre
    #[oai(
        path = "/v1/centres/:centre_id/invites",
        method = "post",
        operation_id = "createInvite"
    )]
    async fn create_invite(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        body: JsonBody<InviteRequest>,
    ) -> ApiResult<InviteCreated> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let actor_role = principal.staff_role_at(centre_id)?;
        let role: AccountRole = body.role.parse()?;

        if let Some(target_id) = body.recovery_for_account_id {
            // An account of another centre is reported as missing, so staff
            // cannot probe which accounts exist elsewhere.
            let target = identity::find_account(&state.db, target_id)
                .await?
                .filter(|a| a.centre_id == Some(centre_id))
                .ok_or_else(|| ApiError::not_found("account at this centre"))?;
            let target_role = parse_role(&target.role)?;
            if !actor_role.may_recover(target_role) {
                return Err(ApiError::forbidden(format!(
                    "a {actor_role} may not issue recovery invites for a {target_role}"
                )));
            }
            if target_role != role {
                return Err(ApiError::validation(FieldError::new(
                    "role",
                    "matches_account",
                    format!("must be the account's role ({target_role}) for a recovery invite"),
                )));
            }
        } else if !actor_role.may_invite(role) {
            return Err(ApiError::forbidden(format!(
                "a {actor_role} may not invite a {role}"
            )));
        }

        let now = Utc::now();
        let birth = match (&body.birth_month, role) {
            (None, _) => None,
            (Some(raw), AccountRole::Participant) => {
                Some(BirthMonth::parse("birth_month", raw, now.date_naive())?)
            }
            (Some(_), _) => {
                return Err(ApiError::validation(FieldError::new(
                    "birth_month",
                    "participants_only",
                    "only a participant invite carries a birth month",
                )));
            }
        };
        let guardian_for = match (body.guardian_for_account_id, role) {
            (None, AccountRole::Guardian) if body.recovery_for_account_id.is_none() => {
                return Err(ApiError::validation(FieldError::new(
                    "guardian_for_account_id",
                    "required",
                    "a guardian invite names the participant the guardian consents for",
                )));
            }
            (None, _) => None,
            (Some(child), AccountRole::Guardian) => {
                identity::find_account(&state.db, child)
                    .await?
                    .filter(|a| {
                        a.centre_id == Some(centre_id)
                            && a.role == AccountRole::Participant.as_str()
                    })
                    .ok_or_else(|| ApiError::not_found("participant at this centre"))?;
                // Otherwise the "guardian" would be a second account that
                // consents for an adult without them.
                if !sharing::is_under_16(&state.db, child, friskliv_store::clock::today(now))
                    .await?
                {
                    // Against the stored birth month: 409, as every refusal
                    // that depends on stored state rather than the request.
                    return Err(ApiError::conflict_field(FieldError::new(
                        "guardian_for_account_id",
                        "under_16",
                        "a guardian consents only for a participant under 16 by the birth month on record",
                    )));
                }
                Some(child)
            }
            (Some(_), _) => {
                return Err(ApiError::validation(FieldError::new(
                    "guardian_for_account_id",
                    "guardians_only",
                    "only a guardian invite names a participant",
                )));
            }
        };
        let txn = state.db.begin().await?;
        let (code, invite) = issue_invite(
            &txn,
            centre_id,
            role,
            body.recovery_for_account_id,
            Some(principal.account.id),
            now,
        )
        .await?;
        sharing::save_invite_details(&txn, invite.id, birth, guardian_for).await?;
        if let Some(target) = invite.recovery_for_account_id {
            identity::audit(
                &txn,
                target,
                Some(principal.account.id),
                "recovery_issued",
                serde_json::json!({ "invite": invite.id, "expires_at": invite.expires_at }),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        tracing::info!(invite = %invite.id, %role, recovery = invite.recovery_for_account_id.is_some(), "invite issued");
        Ok(InviteCreated::Created(Json(IssuedInvite {
            id: invite.id,
            code: code.display_grouped(),
            centre_id,
            role: invite.role,
            recovery_for_account_id: invite.recovery_for_account_id,
            expires_at: invite.expires_at,
        })))
    }
}
