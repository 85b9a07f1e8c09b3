//! Referrals (henvisning) and self-contact, and the triage of the first
//! conversation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DATE_SLACK_DAYS, MAX_REASONS, check_date, dedup_sorted, done, text_field};
use crate::validation::FieldError;

wire_enum!(
    /// Who referred the participant (henviser), or `self` for self-contact.
    ReferrerType {
        /// Fastlege.
        Gp => "gp",
        /// Helsestasjon / skolehelsetjeneste.
        HealthStationSchoolHealth => "health_station_school_health",
        /// Jordmor.
        Midwife => "midwife",
        /// Andre kommunale helse- og omsorgstjenester.
        MunicipalHealthOther => "municipal_health_other",
        /// Koordinerende enhet.
        CoordinatingUnit => "coordinating_unit",
        /// Spesialisthelsetjenesten.
        SpecialistHealth => "specialist_health",
        /// NAV.
        Nav => "nav",
        /// Bedriftshelsetjeneste.
        OccupationalHealth => "occupational_health",
        /// Tannhelsetjenesten.
        DentalHealth => "dental_health",
        /// Annen henviser.
        Other => "other",
        /// Tok kontakt selv.
        SelfContact => "self",
    }
);

wire_enum!(
    /// Why the participant was referred (veileder 1776-1782).
    ReferralReason {
        /// Overvekt / fedme.
        Overweight => "overweight",
        /// Fysisk inaktivitet.
        PhysicalInactivity => "physical_inactivity",
        /// Diabetes type 2.
        Type2Diabetes => "type2_diabetes",
        /// Muskel- og skjelettplager.
        Musculoskeletal => "musculoskeletal",
        /// Hjerte- og karsykdom.
        Cardiovascular => "cardiovascular",
        /// KOLS.
        Copd => "copd",
        /// Psykiske plager.
        MentalHealth => "mental_health",
        /// Tobakk (røyk / snus).
        Tobacco => "tobacco",
        /// Søvnvansker.
        Sleep => "sleep",
        /// Annet.
        Other => "other",
    }
);

wire_enum!(
    /// The outcome of the first conversation.
    TriageOutcome {
        /// Starts a follow-up period.
        Enrolled => "enrolled",
        /// Led directly on to another offer ("ledes direkte videre").
        Redirected => "redirected",
        /// Waiting for medical clearance from the GP.
        AwaitingClearance => "awaiting_clearance",
    }
);

/// Who wrote the referral, so that the epikrise can go back to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ReferrerInput {
    /// The referrer's name, 1–200 characters.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub name: String,
    /// Their organisation, e.g. the hospital department, 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub organisation: Option<String>,
}

/// A valid referrer.
#[derive(Debug, Clone, PartialEq)]
pub struct Referrer {
    pub name: String,
    pub organisation: Option<String>,
}

/// A referral or self-contact as the veileder records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ReferralInput {
    /// Who referred; `self` for self-contact.
    pub referrer_type: ReferrerType,
    /// 1–10 reasons (duplicates are removed).
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1)))]
    pub reasons: Vec<ReferralReason>,
    /// The referral's date, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub referred_on: NaiveDate,
    /// Who referred (not for self-contact): the epikrise goes to them too
    /// when they are not the GP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub referrer: Option<ReferrerInput>,
}

/// A valid referral: at least one reason, sorted and without duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    pub referrer_type: ReferrerType,
    pub reasons: Vec<ReferralReason>,
    pub referred_on: NaiveDate,
    pub referrer: Option<Referrer>,
}

impl ReferralInput {
    pub fn parse(self, today: NaiveDate) -> Result<Referral, Vec<FieldError>> {
        let mut errors = Vec::new();
        let reasons = dedup_sorted(&self.reasons);
        if reasons.is_empty() {
            errors.push(FieldError::new(
                "reasons",
                "required",
                "give at least one reason",
            ));
        } else if reasons.len() > MAX_REASONS {
            errors.push(FieldError::new(
                "reasons",
                "length",
                format!("at most {MAX_REASONS} reasons"),
            ));
        }
        check_date(
            "referred_on",
            self.referred_on,
            today,
            DATE_SLACK_DAYS,
            &mut errors,
        );
        let referrer = match (&self.referrer, self.referrer_type) {
            (Some(_), ReferrerType::SelfContact) => {
                errors.push(FieldError::new(
                    "referrer",
                    "consistent",
                    "a self-contact has no referrer",
                ));
                None
            }
            (Some(r), _) => {
                let name = text_field("referrer.name", &r.name, 200, &mut errors);
                let organisation = r
                    .organisation
                    .as_deref()
                    .and_then(|raw| text_field("referrer.organisation", raw, 200, &mut errors));
                name.map(|name| Referrer { name, organisation })
            }
            (None, _) => None,
        };
        done(
            Referral {
                referrer_type: self.referrer_type,
                reasons,
                referred_on: self.referred_on,
                referrer,
            },
            errors,
        )
    }
}

/// The outcome of the first conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct TriageInput {
    /// Enrolled, redirected, or awaiting medical clearance.
    pub outcome: TriageOutcome,
    /// The first conversation's date, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub decided_on: NaiveDate,
    /// Where the participant was led instead (1–200 characters; only for `redirected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub redirected_to: Option<String>,
}

/// A valid triage; `redirected_to` only when the outcome is `redirected`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    pub outcome: TriageOutcome,
    pub decided_on: NaiveDate,
    pub redirected_to: Option<String>,
}

impl TriageInput {
    pub fn parse(self, today: NaiveDate) -> Result<Triage, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_date(
            "decided_on",
            self.decided_on,
            today,
            DATE_SLACK_DAYS,
            &mut errors,
        );
        let redirected_to = match (&self.redirected_to, self.outcome) {
            (Some(raw), TriageOutcome::Redirected) => {
                text_field("redirected_to", raw, 200, &mut errors)
            }
            (Some(_), _) => {
                errors.push(FieldError::new(
                    "redirected_to",
                    "consistent",
                    "only when the outcome is redirected",
                ));
                None
            }
            (None, _) => None,
        };
        done(
            Triage {
                outcome: self.outcome,
                decided_on: self.decided_on,
                redirected_to,
            },
            errors,
        )
    }
}
