//! Invites: staff invite staff and participants; a centre admin issues
//! recovery invites that add a passkey to an existing account.

use chrono::{DateTime, Utc};
use friskliv_domain::consent::BirthMonth;
use friskliv_domain::{AccountRole, FieldError};
use poem_openapi::Object;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::issue_invite;
use crate::db::{identity as queries, sharing};
use crate::error::{Refusal, Result, stored_enum};
use crate::{Principal, Store};

#[derive(Object, serde::Deserialize, Debug, Clone)]
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

#[derive(Object, Debug, Clone)]
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

impl Store {
    /// `POST /v1/centres/{c}/invites`: a one-time invite (or recovery
    /// invite) at the caller's centre.
    pub async fn create_invite(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        request: &InviteRequest,
    ) -> Result<IssuedInvite> {
        let actor_role = principal.staff_role_at(centre_id)?;
        let role: AccountRole = request.role.parse()?;

        if let Some(target_id) = request.recovery_for_account_id {
            // An account of another centre is reported as missing, so staff
            // cannot probe which accounts exist elsewhere.
            let target = queries::find_account(&self.db, target_id)
                .await?
                .filter(|a| a.centre_id == Some(centre_id))
                .ok_or_else(|| Refusal::not_found("account at this centre"))?;
            let target_role: AccountRole = stored_enum("role", &target.role)?;
            if !actor_role.may_recover(target_role) {
                return Err(Refusal::forbidden(format!(
                    "a {actor_role} may not issue recovery invites for a {target_role}"
                ))
                .into());
            }
            if target_role != role {
                return Err(FieldError::new(
                    "role",
                    "matches_account",
                    format!("must be the account's role ({target_role}) for a recovery invite"),
                )
                .into());
            }
        } else if !actor_role.may_invite(role) {
            return Err(
                Refusal::forbidden(format!("a {actor_role} may not invite a {role}")).into(),
            );
        }

        let now = self.clock.now();
        let birth = match (&request.birth_month, role) {
            (None, _) => None,
            (Some(raw), AccountRole::Participant) => {
                Some(BirthMonth::parse("birth_month", raw, now.date_naive())?)
            }
            (Some(_), _) => {
                return Err(FieldError::new(
                    "birth_month",
                    "participants_only",
                    "only a participant invite carries a birth month",
                )
                .into());
            }
        };
        let guardian_for = match (request.guardian_for_account_id, role) {
            (None, AccountRole::Guardian) if request.recovery_for_account_id.is_none() => {
                return Err(FieldError::new(
                    "guardian_for_account_id",
                    "required",
                    "a guardian invite names the participant the guardian consents for",
                )
                .into());
            }
            (None, _) => None,
            (Some(child), AccountRole::Guardian) => {
                queries::find_account(&self.db, child)
                    .await?
                    .filter(|a| {
                        a.centre_id == Some(centre_id)
                            && a.role == AccountRole::Participant.as_str()
                    })
                    .ok_or_else(|| Refusal::not_found("participant at this centre"))?;
                // Otherwise the "guardian" would be a second account that
                // consents for an adult without them. Against the stored
                // birth month: 409, as every refusal that depends on stored
                // state rather than the request.
                if !sharing::is_under_16(&self.db, child, self.clock.today()).await? {
                    return Err(Refusal::ConflictField(FieldError::new(
                        "guardian_for_account_id",
                        "under_16",
                        "a guardian consents only for a participant under 16 by the birth month on record",
                    ))
                    .into());
                }
                Some(child)
            }
            (Some(_), _) => {
                return Err(FieldError::new(
                    "guardian_for_account_id",
                    "guardians_only",
                    "only a guardian invite names a participant",
                )
                .into());
            }
        };
        let txn = self.db.begin().await?;
        let (code, invite) = issue_invite(
            &txn,
            centre_id,
            role,
            request.recovery_for_account_id,
            Some(principal.account_id),
            now,
        )
        .await?;
        sharing::save_invite_details(&txn, invite.id, birth, guardian_for).await?;
        if let Some(target) = invite.recovery_for_account_id {
            queries::audit(
                &txn,
                target,
                Some(principal.account_id),
                "recovery_issued",
                serde_json::json!({ "invite": invite.id, "expires_at": invite.expires_at }),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        tracing::info!(invite = %invite.id, %role, recovery = invite.recovery_for_account_id.is_some(), "invite issued");
        Ok(IssuedInvite {
            id: invite.id,
            code: code.display_grouped(),
            centre_id,
            role: invite.role,
            recovery_for_account_id: invite.recovery_for_account_id,
            expires_at: invite.expires_at,
        })
    }
}
