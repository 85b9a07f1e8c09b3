//! `GET /v1/centres/{c}/participants`: the centre's participants, a page at
//! a time, with what each shares and the week of their open period.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use friskliv_domain::FieldError;
use friskliv_domain::consent::ConsentScope;
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::{journey, sharing};
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

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

/// The cursor that continues a caseload after participant `after`:
/// `k1|<id>` in unpadded URL-safe base64 (the api's caseload cursor
/// decoding reads it).
pub fn encode_caseload_cursor(after: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("k1|{after}"))
}

/// A caseload cursor of the right shape that names no participant of the
/// centre: 404, so a client starts again without one.
pub fn unknown_caseload_cursor() -> Refusal {
    Refusal::NotFoundField(FieldError::new(
        "cursor",
        "unknown",
        "is not a cursor this server issued; start again without one",
    ))
}

impl Store {
    /// `GET /v1/centres/{c}/participants`: at most `limit` participants
    /// after participant `after`, ordered by display name then id; one
    /// access-log row per participant shown.
    pub async fn caseload(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Caseload> {
        let now = self.clock.now();
        let found = self
            .writing(async |txn| {
                let page = sharing::caseload(txn, &principal.actor(), centre_id, after, limit, now)
                    .await?;
                let Some((rows, more)) = page else {
                    return Ok(None);
                };
                let ids: Vec<Uuid> = rows.iter().map(|r| r.participant.id).collect();
                let open = journey::open_periods(txn, centre_id, &ids).await?;
                Ok(Some((rows, more, open)))
            })
            .await?;
        let Some((rows, more, open)) = found else {
            return Err(unknown_caseload_cursor().into());
        };
        let today = self.clock.today();
        let week_of = |id: Uuid| {
            open.iter()
                .find(|p| p.participant_id == id)
                .and_then(|p| friskliv_domain::journey::period_week(p.start_date, today))
        };
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|r| encode_caseload_cursor(r.participant.id));
        Ok(Caseload {
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
        })
    }
}
