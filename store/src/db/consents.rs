//! Consent as the participant sees it (who gave or recorded each one, and
//! who confirmed it), and oral consent: recorded by one staff member, it
//! becomes a consent only when a second staff member of the centre — or
//! the participant, in the app — confirms it. For a week after the
//! participant withdrew a consent in the app, only the participant can.

use chrono::{DateTime, Duration, Utc};
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::entities::{account, consent, oral_consent};
use super::sharing::{self, Grant, StaffAction};
use crate::error::{Error, Refusal, Result};

/// How long a recorded oral consent waits for its confirmation.
pub const ORAL_CONFIRMATION_DAYS: i64 = 7;
/// How long after an in-app withdrawal only the participant can confirm
/// oral consent for that centre.
pub const WITHDRAWAL_COOLING_OFF_DAYS: i64 = 7;

pub const CONFIRMED_BY_STAFF: &str = "staff";
pub const CONFIRMED_BY_PARTICIPANT: &str = "participant";

/// Someone named in a consent's history.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct ConsentEntry {
    pub consent: consent::Model,
    /// The participant, their guardian, or the staff member who recorded
    /// oral consent.
    pub granted_by: Option<Person>,
    /// For oral consent: the second staff member, or the participant.
    pub confirmed_by: Option<Person>,
}

#[derive(Debug, Clone)]
pub struct OralConsentEntry {
    pub record: oral_consent::Model,
    pub recorded_by: Option<Person>,
    pub decided_by: Option<Person>,
    /// `pending`, `confirmed`, `declined` or `expired`.
    pub status: &'static str,
}

async fn people(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<std::collections::BTreeMap<Uuid, Person>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.id,
                Person {
                    id: a.id,
                    name: a.display_name,
                    role: a.role,
                },
            )
        })
        .collect())
}

fn status_of(record: &oral_consent::Model, now: DateTime<Utc>) -> &'static str {
    match record.status.as_str() {
        "confirmed" => "confirmed",
        "declined" => "declined",
        _ if record.expires_at <= now => "expired",
        _ => "pending",
    }
}

/// Every grant and withdrawal of these participants, oldest first, with who
/// gave and who confirmed each.
pub async fn history(
    db: &impl ConnectionTrait,
    participant_ids: &[Uuid],
) -> Result<Vec<ConsentEntry>, DbErr> {
    let consents = sharing::consents_of(db, participant_ids).await?;
    let confirmations: std::collections::BTreeMap<Uuid, Uuid> = oral_consent::Entity::find()
        .filter(oral_consent::Column::ParticipantId.is_in(participant_ids.iter().copied()))
        .filter(oral_consent::Column::Status.eq("confirmed"))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| Some((o.consent_id?, o.decided_by?)))
        .collect();
    let named: Vec<Uuid> = consents
        .iter()
        .filter_map(|c| c.granted_by_account_id)
        .chain(confirmations.values().copied())
        .collect();
    let names = people(db, named).await?;
    Ok(consents
        .into_iter()
        .map(|c| ConsentEntry {
            granted_by: c
                .granted_by_account_id
                .and_then(|id| names.get(&id).cloned()),
            confirmed_by: confirmations
                .get(&c.id)
                .and_then(|id| names.get(id).cloned()),
            consent: c,
        })
        .collect())
}

async fn entries(
    db: &impl ConnectionTrait,
    rows: Vec<oral_consent::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<OralConsentEntry>, DbErr> {
    let named: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| [r.recorded_by, r.decided_by])
        .flatten()
        .collect();
    let names = people(db, named).await?;
    Ok(rows
        .into_iter()
        .map(|record| OralConsentEntry {
            recorded_by: record.recorded_by.and_then(|id| names.get(&id).cloned()),
            decided_by: record.decided_by.and_then(|id| names.get(&id).cloned()),
            status: status_of(&record, now),
            record,
        })
        .collect())
}

/// The oral consents recorded for these participants, oldest first.
pub async fn oral_of(
    db: &impl ConnectionTrait,
    participant_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<OralConsentEntry>, DbErr> {
    let rows = oral_consent::Entity::find()
        .filter(oral_consent::Column::ParticipantId.is_in(participant_ids.iter().copied()))
        .order_by_asc(oral_consent::Column::RecordedAt)
        .order_by_asc(oral_consent::Column::Id)
        .all(db)
        .await?;
    entries(db, rows, now).await
}

/// The oral consents the grant's centre recorded for the participant.
pub async fn oral_at_centre(
    db: &impl ConnectionTrait,
    grant: &Grant,
    now: DateTime<Utc>,
) -> Result<Vec<OralConsentEntry>, DbErr> {
    grant.require_action(StaffAction::ReadConsents)?;
    let rows = oral_consent::Entity::find()
        .filter(oral_consent::Column::ParticipantId.eq(grant.participant_id))
        .filter(oral_consent::Column::CentreId.eq(grant.centre_id))
        .order_by_asc(oral_consent::Column::RecordedAt)
        .order_by_asc(oral_consent::Column::Id)
        .all(db)
        .await?;
    entries(db, rows, now).await
}

/// What recording oral consent did.
pub enum OralRecorded {
    /// The scope is already shared; nothing was recorded.
    AlreadyActive(ConsentEntry),
    /// Recorded (or already recorded), waiting for its confirmation.
    Pending(OralConsentEntry),
}

fn under_16() -> Refusal {
    Refusal::Forbidden(
        "the participant is under 16: consent must come from a linked guardian's account"
            .to_owned(),
    )
}

async fn one_entry(
    db: &impl ConnectionTrait,
    record: oral_consent::Model,
    now: DateTime<Utc>,
) -> Result<OralConsentEntry, DbErr> {
    Ok(entries(db, vec![record], now)
        .await?
        .pop()
        .expect("one row in, one entry out"))
}

/// One consent with who gave and who confirmed it.
pub async fn consent_entry(
    db: &impl ConnectionTrait,
    consent_id: Uuid,
) -> Result<ConsentEntry, DbErr> {
    let consent = sharing::find_consent(db, consent_id)
        .await?
        .ok_or_else(|| DbErr::Custom("a consent vanished in its own transaction".into()))?;
    history(db, &[consent.participant_id])
        .await?
        .into_iter()
        .find(|e| e.consent.id == consent_id)
        .ok_or_else(|| DbErr::Custom("a consent is missing from its history".into()))
}

/// Records oral consent given in a conversation, for a second staff member
/// (or, within a week of an in-app withdrawal, the participant) to confirm.
pub async fn record_oral(
    db: &impl ConnectionTrait,
    grant: &Grant,
    scope: ConsentScope,
    now: DateTime<Utc>,
) -> Result<OralRecorded> {
    grant.require_action(StaffAction::RecordConsent)?;
    if sharing::is_under_16(db, grant.participant_id, crate::clock::today(now)).await? {
        return Err(Error::from(under_16()));
    }
    if let Some(active) =
        sharing::active_consent(db, grant.participant_id, grant.centre_id, scope).await?
    {
        return Ok(OralRecorded::AlreadyActive(
            consent_entry(db, active.id).await?,
        ));
    }
    let waiting = oral_consent::Entity::find()
        .filter(oral_consent::Column::ParticipantId.eq(grant.participant_id))
        .filter(oral_consent::Column::CentreId.eq(grant.centre_id))
        .filter(oral_consent::Column::Scope.eq(scope.as_str()))
        .filter(oral_consent::Column::Status.eq("pending"))
        .filter(oral_consent::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    if let Some(waiting) = waiting {
        return Ok(OralRecorded::Pending(one_entry(db, waiting, now).await?));
    }
    let withdrew_in_app = consent::Entity::find()
        .filter(consent::Column::ParticipantId.eq(grant.participant_id))
        .filter(consent::Column::CentreId.eq(grant.centre_id))
        .filter(consent::Column::WithdrawnByAccountId.eq(grant.participant_id))
        .filter(consent::Column::WithdrawnAt.gt(now - Duration::days(WITHDRAWAL_COOLING_OFF_DAYS)))
        .one(db)
        .await?
        .is_some();
    let record = oral_consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(grant.participant_id),
        centre_id: Set(grant.centre_id),
        scope: Set(scope.as_str().to_owned()),
        recorded_by: Set(Some(grant.actor)),
        recorded_at: Set(now),
        confirmation_by: Set(if withdrew_in_app {
            CONFIRMED_BY_PARTICIPANT
        } else {
            CONFIRMED_BY_STAFF
        }
        .to_owned()),
        expires_at: Set(now + Duration::days(ORAL_CONFIRMATION_DAYS)),
        status: Set("pending".to_owned()),
        decided_by: Set(None),
        decided_at: Set(None),
        consent_id: Set(None),
    }
    .insert(db)
    .await?;
    Ok(OralRecorded::Pending(one_entry(db, record, now).await?))
}

/// Who is confirming.
#[derive(Debug, Clone, Copy)]
pub enum Confirmer<'a> {
    /// A second staff member of the centre.
    Staff(&'a Grant),
    /// The participant, in the app.
    Participant(Uuid),
}

/// Turns a pending oral consent into a consent (method `oral`, granted by
/// the staff member who recorded it).
pub async fn confirm_oral(
    db: &impl ConnectionTrait,
    confirmer: Confirmer<'_>,
    oral_consent_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ConsentEntry> {
    let mut query = oral_consent::Entity::find_by_id(oral_consent_id);
    let decided_by = match confirmer {
        Confirmer::Staff(grant) => {
            grant.require_action(StaffAction::ConfirmConsent)?;
            query = query
                .filter(oral_consent::Column::ParticipantId.eq(grant.participant_id))
                .filter(oral_consent::Column::CentreId.eq(grant.centre_id));
            grant.actor
        }
        Confirmer::Participant(id) => {
            query = query.filter(oral_consent::Column::ParticipantId.eq(id));
            id
        }
    };
    let Some(record) = query.one(db).await? else {
        return Err(Error::from(Refusal::not_found("oral consent")));
    };
    if let Some(refused) = undecidable(&record, now) {
        return Err(Error::from(refused));
    }
    if let Confirmer::Staff(grant) = confirmer {
        if record.recorded_by == Some(grant.actor) {
            return Err(Error::from(Refusal::Forbidden(
                "oral consent is confirmed by a second staff member, not the one who recorded it"
                    .to_owned(),
            )));
        }
        if record.confirmation_by == CONFIRMED_BY_PARTICIPANT {
            return Err(Error::from(Refusal::Forbidden(format!(
                "the participant withdrew consent for this centre in the app within the last {WITHDRAWAL_COOLING_OFF_DAYS} days; only they can confirm this, in the app"
            ))));
        }
    }
    if sharing::is_under_16(db, record.participant_id, crate::clock::today(now)).await? {
        return Err(Error::from(under_16()));
    }
    let scope: ConsentScope = record
        .scope
        .parse()
        .map_err(|_| DbErr::Custom(format!("stored scope {:?}", record.scope)))?;
    let (consent, _) = sharing::grant_consent(
        db,
        record.participant_id,
        record.centre_id,
        scope,
        ConsentMethod::Oral,
        record.recorded_by.unwrap_or(decided_by),
        now,
    )
    .await?;
    let mut active: oral_consent::ActiveModel = record.into();
    active.status = Set("confirmed".to_owned());
    active.decided_by = Set(Some(decided_by));
    active.decided_at = Set(Some(now));
    active.consent_id = Set(Some(consent.id));
    active.update(db).await?;
    Ok(consent_entry(db, consent.id).await?)
}

/// The participant says they did not consent.
pub async fn decline_oral(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    oral_consent_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OralConsentEntry> {
    let Some(record) = oral_consent::Entity::find_by_id(oral_consent_id)
        .filter(oral_consent::Column::ParticipantId.eq(participant_id))
        .one(db)
        .await?
    else {
        return Err(Error::from(Refusal::not_found("oral consent")));
    };
    if let Some(refused) = undecidable(&record, now) {
        return Err(Error::from(refused));
    }
    let mut active: oral_consent::ActiveModel = record.into();
    active.status = Set("declined".to_owned());
    active.decided_by = Set(Some(participant_id));
    active.decided_at = Set(Some(now));
    let record = active.update(db).await?;
    Ok(one_entry(db, record, now).await?)
}

fn undecidable(record: &oral_consent::Model, now: DateTime<Utc>) -> Option<Refusal> {
    let status = status_of(record, now);
    (status != "pending").then(|| Refusal::Conflict {
        code: "oral-consent-decided",
        detail: format!("this oral consent is {status}; record it again if it was given again"),
        current: serde_json::json!({ "id": record.id, "status": status }),
    })
}
