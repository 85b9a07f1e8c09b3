//! Follow-up periods: their states, the moves between them, their weeks
//! and planned end, starting and ending one, and where the participant is
//! led at the end.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    BOOKED_START_DAYS, DATE_SLACK_DAYS, MAX_OFFERS, PERIOD_PLANNED_DAYS, check_date, dedup_sorted,
    done,
};
use crate::validation::FieldError;

wire_enum!(
    /// Where a follow-up period (oppfølgingsperiode) stands; see
    /// [`next_status`] for the allowed moves.
    PeriodStatus {
        /// Running.
        Active => "active",
        /// On hold; the planned end moves by the days paused.
        Paused => "paused",
        /// Ended as planned (final).
        Completed => "completed",
        /// Ended early (final).
        Discontinued => "discontinued",
    }
);

impl PeriodStatus {
    /// Active or paused: the period is still running.
    pub fn is_open(self) -> bool {
        matches!(self, PeriodStatus::Active | PeriodStatus::Paused)
    }
}

wire_enum!(
    /// What can happen to a period.
    PeriodAction {
        /// Active → paused.
        Pause => "pause",
        /// Paused → active.
        Resume => "resume",
        /// Active or paused → completed.
        Complete => "complete",
        /// Active or paused → discontinued.
        Discontinue => "discontinue",
    }
);

wire_enum!(
    /// Where the participant was led at the end of a period (a product
    /// choice of categories; veileder: "videreføring").
    OnwardOffer {
        /// Frivillig organisasjon.
        VoluntaryOrganisation => "voluntary_organisation",
        /// Idrettslag.
        SportsClub => "sports_club",
        /// Kommunalt aktivitetstilbud.
        MunicipalActivityOffer => "municipal_activity_offer",
        /// Fysioterapi.
        Physiotherapy => "physiotherapy",
        /// Annen helsetjeneste.
        HealthService => "health_service",
        /// NAV.
        Nav => "nav",
        /// Opplæring / utdanning.
        Education => "education",
        /// Likepersonstilbud.
        PeerOffer => "peer_offer",
        /// Annet.
        Other => "other",
    }
);

wire_enum!(
    /// Why a period was discontinued.
    DiscontinueReason {
        /// Eget valg.
        OwnChoice => "own_choice",
        /// Helsegrunner.
        Health => "health",
        /// Flyttet.
        Moved => "moved",
        /// Mistet kontakt.
        LostContact => "lost_contact",
        /// Annet.
        Other => "other",
    }
);

/// Planned end of a period: start + 84 days + the days paused. A pause moves
/// the planned end by its length (product choice: the participant still gets
/// twelve weeks of follow-up). Negative `paused_days` count as 0.
pub fn planned_end(start: NaiveDate, paused_days: i64) -> NaiveDate {
    start + Duration::days(PERIOD_PLANNED_DAYS + paused_days.max(0))
}

/// Week k of a period: [start + 7(k−1), start + 7k), so the start day is in
/// week 1 and day 84 in week 13 (not capped at [`PERIOD_WEEKS`]: late
/// entries still get a week). `None` before the start.
pub fn period_week(start: NaiveDate, day: NaiveDate) -> Option<u32> {
    let offset = (day - start).num_days();
    (offset >= 0).then(|| u32::try_from(offset / 7 + 1).unwrap_or(u32::MAX))
}

/// The period state machine: active → pause → paused, paused → resume →
/// active, active | paused → complete → completed, active | paused →
/// discontinue → discontinued. Anything else is refused with field `status`,
/// rule `transition`, e.g. "a completed period cannot be paused".
pub fn next_status(
    current: PeriodStatus,
    action: PeriodAction,
) -> Result<PeriodStatus, FieldError> {
    use PeriodAction as A;
    use PeriodStatus as S;
    match (current, action) {
        (S::Active, A::Pause) => Ok(S::Paused),
        (S::Paused, A::Resume) => Ok(S::Active),
        (S::Active | S::Paused, A::Complete) => Ok(S::Completed),
        (S::Active | S::Paused, A::Discontinue) => Ok(S::Discontinued),
        _ => {
            let done = match action {
                A::Pause => "paused",
                A::Resume => "resumed",
                A::Complete => "completed",
                A::Discontinue => "discontinued",
            };
            let article = if current == S::Active { "an" } else { "a" };
            let again = if current.as_str() == done {
                " again"
            } else {
                ""
            };
            Err(FieldError::new(
                "status",
                "transition",
                format!("{article} {current} period cannot be {done}{again}"),
            ))
        }
    }
}

/// Starting a follow-up period at the start conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PeriodStartInput {
    /// The start conversation's day, YYYY-MM-DD (up to 30 days ahead when booked).
    pub start_date: NaiveDate,
    /// The referral this period follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub referral_id: Option<Uuid>,
}

/// A valid period start (2000-01-01 to 30 days from today).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodStart {
    pub start_date: NaiveDate,
    pub referral_id: Option<Uuid>,
}

impl PeriodStartInput {
    pub fn parse(self, today: NaiveDate) -> Result<PeriodStart, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_date(
            "start_date",
            self.start_date,
            today,
            BOOKED_START_DAYS,
            &mut errors,
        );
        done(
            PeriodStart {
                start_date: self.start_date,
                referral_id: self.referral_id,
            },
            errors,
        )
    }
}

/// Completing or discontinuing a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PeriodEndInput {
    /// YYYY-MM-DD, not before the period's start nor after tomorrow.
    pub ended_on: NaiveDate,
    /// Where the participant was led (complete only; ≤ 10, duplicates removed).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub onward_offers: Vec<OnwardOffer>,
    /// Why it ended early (discontinue only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub discontinue_reason: Option<DiscontinueReason>,
}

/// A valid end: onward offers only when completing, a reason only when
/// discontinuing.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodEnd {
    pub ended_on: NaiveDate,
    pub onward_offers: Vec<OnwardOffer>,
    pub discontinue_reason: Option<DiscontinueReason>,
}

impl PeriodEndInput {
    /// Validates the end as of `today`. That it is not before the period's
    /// start is checked against the stored period (a conflict, 409).
    pub fn parse(
        self,
        action: PeriodAction,
        today: NaiveDate,
    ) -> Result<PeriodEnd, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_date(
            "ended_on",
            self.ended_on,
            today,
            DATE_SLACK_DAYS,
            &mut errors,
        );
        let onward_offers = dedup_sorted(&self.onward_offers);
        if !onward_offers.is_empty() && action != PeriodAction::Complete {
            errors.push(FieldError::new(
                "onward_offers",
                "consistent",
                "only when completing a period",
            ));
        } else if onward_offers.len() > MAX_OFFERS {
            errors.push(FieldError::new(
                "onward_offers",
                "length",
                format!("at most {MAX_OFFERS}"),
            ));
        }
        if self.discontinue_reason.is_some() && action != PeriodAction::Discontinue {
            errors.push(FieldError::new(
                "discontinue_reason",
                "consistent",
                "only when discontinuing a period",
            ));
        }
        done(
            PeriodEnd {
                ended_on: self.ended_on,
                onward_offers,
                discontinue_reason: self.discontinue_reason,
            },
            errors,
        )
    }
}
