//! `GET /v1/centres/{c}/worklist`: what the veileder should follow up
//! (guideline: contact after a referral, an end conversation with the
//! week-12 test before a period ends, and the epikrise after it).

use chrono::NaiveDate;
use friskliv_domain::journey::{EpikriseStatus, ReferrerType};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::worklist as queries;
use crate::error::Result;
use crate::{Principal, Store};

/// A referral with no contact 14 days or more after it was made: no first
/// conversation (triage), no period started and no course attended since.
/// It is not counted in the KOSTRA report until the person comes.
#[derive(Object)]
pub struct ReferralWithoutContact {
    pub referral_id: Uuid,
    pub participant_id: Uuid,
    pub display_name: String,
    pub referrer_type: ReferrerType,
    pub referred_on: NaiveDate,
    /// Days since the referral.
    pub days_waiting: i64,
}

/// An open period within 14 days of its planned end (or past it) without
/// an end conversation or without the week-12 test at the centre.
#[derive(Object)]
pub struct PeriodEndingIncomplete {
    pub participant_id: Uuid,
    pub display_name: String,
    /// The period's number n.
    pub period: u32,
    pub planned_end: NaiveDate,
    /// Negative when the planned end has passed.
    pub days_to_planned_end: i64,
    pub has_end_conversation: bool,
    pub has_week12_test: bool,
}

/// A period completed in the last 90 days whose epikrise is not sent (not
/// drafted, or still a draft).
#[derive(Object)]
pub struct PeriodWithoutSentEpikrise {
    pub participant_id: Uuid,
    pub display_name: String,
    /// The period's number n.
    pub period: u32,
    pub ended_on: NaiveDate,
    /// `draft` when drafted; absent when not yet drafted.
    #[oai(skip_serializing_if_is_none)]
    pub epikrise_status: Option<EpikriseStatus>,
    /// The participant objects to an epikrise: it is not to be sent.
    pub epikrise_objection: bool,
}

#[derive(Object)]
pub struct Worklist {
    /// Oldest first.
    pub referrals_without_contact: Vec<ReferralWithoutContact>,
    /// Nearest end first.
    pub periods_ending_incomplete: Vec<PeriodEndingIncomplete>,
    /// Earliest end first.
    pub periods_without_sent_epikrise: Vec<PeriodWithoutSentEpikrise>,
}

impl Store {
    /// The centre's worklist today (Europe/Oslo); one access-log row per
    /// participant listed.
    pub async fn worklist(&self, principal: &Principal, centre_id: Uuid) -> Result<Worklist> {
        let now = self.clock.now();
        let today = crate::clock::today(now);
        let found = self
            .writing(async |txn| {
                queries::worklist(txn, &principal.actor(), centre_id, today, now).await
            })
            .await?;
        Ok(Worklist {
            referrals_without_contact: found
                .referrals
                .into_iter()
                .map(|w| {
                    Ok(ReferralWithoutContact {
                        referral_id: w.referral.id,
                        participant_id: w.referral.participant_id,
                        display_name: w.display_name,
                        referrer_type: crate::error::stored_enum(
                            "referrer_type",
                            &w.referral.referrer_type,
                        )?,
                        referred_on: w.referral.referred_on,
                        days_waiting: (today - w.referral.referred_on).num_days(),
                    })
                })
                .collect::<Result<_>>()?,
            periods_ending_incomplete: found
                .periods
                .into_iter()
                .map(|e| PeriodEndingIncomplete {
                    participant_id: e.period.participant_id,
                    display_name: e.display_name,
                    period: u32::try_from(e.period.seq).unwrap_or_default(),
                    planned_end: e.period.planned_end,
                    days_to_planned_end: (e.period.planned_end - today).num_days(),
                    has_end_conversation: e.has_end_conversation,
                    has_week12_test: e.has_week12_test,
                })
                .collect(),
            periods_without_sent_epikrise: found
                .epikrises
                .into_iter()
                .map(|u| {
                    Ok(PeriodWithoutSentEpikrise {
                        participant_id: u.period.participant_id,
                        display_name: u.display_name,
                        period: u32::try_from(u.period.seq).unwrap_or_default(),
                        ended_on: u.period.ended_on.unwrap_or(u.period.planned_end),
                        epikrise_status: crate::error::stored_opt(
                            "epikrise status",
                            u.epikrise_status.as_deref(),
                        )?,
                        epikrise_objection: u.objects,
                    })
                })
                .collect::<Result<_>>()?,
        })
    }
}
