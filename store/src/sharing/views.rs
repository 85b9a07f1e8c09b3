//! Consents as the participant (and the veileder) sees them: who gave or
//! recorded each one, and who confirmed it.

use chrono::{DateTime, Utc};
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::consents;
use crate::error::{Result, stored_enum};

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

pub fn consent_view(entry: consents::ConsentEntry) -> Result<ConsentView> {
    let c = entry.consent;
    Ok(ConsentView {
        id: c.id,
        participant_id: c.participant_id,
        centre_id: c.centre_id,
        scope: stored_enum("scope", &c.scope)?,
        method: stored_enum("method", &c.method)?,
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

pub fn oral_consent_view(entry: consents::OralConsentEntry) -> Result<OralConsentView> {
    let r = entry.record;
    Ok(OralConsentView {
        id: r.id,
        participant_id: r.participant_id,
        centre_id: r.centre_id,
        scope: stored_enum("scope", &r.scope)?,
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
