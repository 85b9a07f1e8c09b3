//! The participant's (or guardian's) side of consent: the history, granting
//! and withdrawing, confirming or declining oral consent a veileder
//! recorded, and the epikrise objection.

use chrono::{DateTime, Utc};
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use friskliv_domain::{AccountRole, FieldError};
use poem_openapi::Object;
use uuid::Uuid;

use super::views::{ConsentView, OralConsentView, consent_view, oral_consent_view};
use crate::access::settle;
use crate::db::{consents, identity, sharing};
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

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

/// What granting did.
pub enum Granted {
    /// A new consent, in force from the next request.
    New(ConsentView),
    /// The same consent was already in force.
    AlreadyActive(ConsentView),
}

fn guardian_required() -> Refusal {
    Refusal::forbidden(
        "participants under 16 cannot consent or withdraw themselves; their guardian does",
    )
}

impl Store {
    /// The participants whose consents this caller manages: a participant
    /// themself, a guardian their linked children while they are under 16.
    async fn managed_participants(
        &self,
        principal: &Principal,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>> {
        super::manages_consents(principal)?;
        if principal.role == AccountRole::Participant {
            return Ok(vec![principal.account_id]);
        }
        Ok(sharing::children_of(&self.db, principal.account_id, crate::clock::today(now)).await?)
    }

    /// Whether a participant must leave consent to a guardian (under 16).
    async fn needs_guardian(&self, participant: Uuid, now: DateTime<Utc>) -> Result<bool> {
        Ok(sharing::is_under_16(&self.db, participant, crate::clock::today(now)).await?)
    }

    /// Oral consent is confirmed by the participant themself, who must be 16
    /// or older (younger participants have no oral consent).
    async fn own_oral_consent_caller(
        &self,
        principal: &Principal,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if principal.role != AccountRole::Participant {
            return Err(Refusal::forbidden(
                "oral consent is confirmed by the participant it was recorded for",
            )
            .into());
        }
        if self.needs_guardian(principal.account_id, now).await? {
            return Err(guardian_required().into());
        }
        Ok(())
    }

    /// `GET /v1/me/consents`: my consents and their history (a guardian:
    /// their children's).
    pub async fn my_consents(&self, principal: &Principal) -> Result<ConsentHistory> {
        let now = self.clock.now();
        let participants = self.managed_participants(principal, now).await?;
        let history = consents::history(&self.db, &participants).await?;
        let oral = consents::oral_of(&self.db, &participants, now).await?;
        Ok(ConsentHistory {
            consents: history
                .into_iter()
                .map(consent_view)
                .collect::<Result<_>>()?,
            oral_consents: oral
                .into_iter()
                .map(oral_consent_view)
                .collect::<Result<_>>()?,
        })
    }

    /// `POST /v1/me/consents`: consent to share a scope with a centre.
    pub async fn grant_consent(
        &self,
        principal: &Principal,
        request: &ConsentRequest,
    ) -> Result<Granted> {
        let now = self.clock.now();
        let managed = self.managed_participants(principal, now).await?;
        let (participant, method) = match principal.role {
            AccountRole::Guardian => {
                let child = request.participant_id.ok_or_else(|| {
                    FieldError::new(
                        "participant_id",
                        "required",
                        "name the child the consent is for",
                    )
                })?;
                if !managed.contains(&child) {
                    return Err(Refusal::not_found("child linked to this guardian").into());
                }
                (child, ConsentMethod::Guardian)
            }
            _ => {
                if request
                    .participant_id
                    .is_some_and(|p| p != principal.account_id)
                {
                    return Err(Refusal::forbidden("you can only consent for yourself").into());
                }
                if self.needs_guardian(principal.account_id, now).await? {
                    return Err(guardian_required().into());
                }
                (principal.account_id, ConsentMethod::InApp)
            }
        };
        let participant_account = identity::find_account(&self.db, participant)
            .await?
            .ok_or_else(|| Refusal::not_found("participant"))?;
        let Some(centre_id) = request.centre_id.or(participant_account.centre_id) else {
            return Err(
                FieldError::new("centre_id", "required", "name the centre to share with").into(),
            );
        };
        if identity::find_centre(&self.db, centre_id).await?.is_none() {
            return Err(Refusal::NotFoundField(FieldError::new(
                "centre_id",
                "exists",
                "no centre with this id",
            ))
            .into());
        }
        let turn = self.write_turn().await;
        let (consent, created) = sharing::grant_consent(
            &self.db,
            participant,
            centre_id,
            request.scope,
            method,
            principal.account_id,
            now,
        )
        .await?;
        drop(turn);
        let view = consent_view(consents::consent_entry(&self.db, consent.id).await?)?;
        Ok(if created {
            Granted::New(view)
        } else {
            Granted::AlreadyActive(view)
        })
    }

    /// `DELETE /v1/me/consents/{id}`: the centre loses access on its next
    /// request.
    pub async fn withdraw_consent(
        &self,
        principal: &Principal,
        consent_id: Uuid,
    ) -> Result<ConsentView> {
        let now = self.clock.now();
        let managed = self.managed_participants(principal, now).await?;
        let consent = sharing::find_consent(&self.db, consent_id)
            .await?
            .filter(|c| managed.contains(&c.participant_id))
            .ok_or_else(|| Refusal::not_found("consent"))?;
        if principal.role == AccountRole::Participant
            && self.needs_guardian(principal.account_id, now).await?
        {
            return Err(guardian_required().into());
        }
        let turn = self.write_turn().await;
        sharing::withdraw_consent(&self.db, consent.id, principal.account_id, now).await?;
        drop(turn);
        consent_view(consents::consent_entry(&self.db, consent.id).await?)
    }

    /// `POST /v1/me/oral-consents/{id}/confirm`: it becomes a consent at
    /// once.
    pub async fn confirm_my_oral_consent(
        &self,
        principal: &Principal,
        oral_consent_id: Uuid,
    ) -> Result<ConsentView> {
        let now = self.clock.now();
        self.own_oral_consent_caller(principal, now).await?;
        let (turn, txn) = self.write().await?;
        let result = consents::confirm_oral(
            &txn,
            consents::Confirmer::Participant(principal.account_id),
            oral_consent_id,
            now,
        )
        .await;
        let entry = settle(txn, result).await?;
        drop(turn);
        consent_view(entry)
    }

    /// `POST /v1/me/oral-consents/{id}/decline`: I did not give it.
    pub async fn decline_my_oral_consent(
        &self,
        principal: &Principal,
        oral_consent_id: Uuid,
    ) -> Result<OralConsentView> {
        let now = self.clock.now();
        self.own_oral_consent_caller(principal, now).await?;
        let turn = self.write_turn().await;
        let entry =
            consents::decline_oral(&self.db, principal.account_id, oral_consent_id, now).await?;
        drop(turn);
        oral_consent_view(entry)
    }

    /// `PUT /v1/me/epikrise-objection`: whether an epikrise may be sent to
    /// the participant's GP or referrer.
    pub async fn set_epikrise_objection(
        &self,
        principal: &Principal,
        objects: bool,
    ) -> Result<bool> {
        if principal.role != AccountRole::Participant {
            return Err(Refusal::forbidden("only a participant has an epikrise").into());
        }
        sharing::set_epikrise_objection(&self.db, principal.account_id, objects, self.clock.now())
            .await?;
        Ok(objects)
    }
}
