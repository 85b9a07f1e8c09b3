//! The participant's journey through a centre (DOMAIN.md §2): referral,
//! triage, follow-up periods, health conversations, goals, courses, onward
//! offers, and the few participant attributes the indicators need.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::consent::BirthMonth;
use crate::identity::MunicipalityNumber;
use crate::validation::{FieldError, bounded_text};

wire_enum!(
    /// Sex as the reference equations and KOSTRA use it.
    Sex {
        Male => "male",
        Female => "female",
    }
);

wire_enum!(
    /// How far a goal was reached, set at the end conversation.
    Attainment {
        Not => "not",
        Partly => "partly",
        Fully => "fully",
    }
);

wire_enum!(
    /// Work or school situation (a person can be in several at once, e.g.
    /// part-time work and partial sick leave).
    WorkSchoolStatus {
        EmployedFullTime => "employed_full_time",
        EmployedPartTime => "employed_part_time",
        SickLeave => "sick_leave",
        Benefits => "benefits",
        Student => "student",
        Retired => "retired",
        Unemployed => "unemployed",
        Other => "other",
    }
);

impl WorkSchoolStatus {
    /// In work or school (the indicator "skole- eller arbeidsdeltakelse").
    pub fn participates(self) -> bool {
        matches!(
            self,
            WorkSchoolStatus::EmployedFullTime
                | WorkSchoolStatus::EmployedPartTime
                | WorkSchoolStatus::Student
        )
    }
}

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
        Overweight => "overweight",
        PhysicalInactivity => "physical_inactivity",
        Type2Diabetes => "type2_diabetes",
        Musculoskeletal => "musculoskeletal",
        Cardiovascular => "cardiovascular",
        Copd => "copd",
        MentalHealth => "mental_health",
        Tobacco => "tobacco",
        Sleep => "sleep",
        Other => "other",
    }
);

wire_enum!(
    /// The outcome of the first conversation.
    TriageOutcome {
        Enrolled => "enrolled",
        /// Led directly on to another offer ("ledes direkte videre").
        Redirected => "redirected",
        /// Waiting for medical clearance from the GP.
        AwaitingClearance => "awaiting_clearance",
    }
);

wire_enum!(
    PeriodStatus {
        Active => "active",
        Paused => "paused",
        Completed => "completed",
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
        Pause => "pause",
        Resume => "resume",
        Complete => "complete",
        Discontinue => "discontinue",
    }
);

wire_enum!(
    /// Helsesamtale: start, interim or end.
    ConversationKind {
        Start => "start",
        Interim => "interim",
        End => "end",
    }
);

wire_enum!(
    GoalDomain {
        Activity => "activity",
        Diet => "diet",
        Tobacco => "tobacco",
        Sleep => "sleep",
        Mental => "mental",
        Alcohol => "alcohol",
        Other => "other",
    }
);

wire_enum!(
    /// Courses and groups (ssb 4003-4042).
    CourseKind {
        /// Bra mat for bedre helse.
        BraMat => "bra_mat",
        /// Snus- og røykesluttkurs.
        TobaccoCessationCourse => "tobacco_cessation_course",
        /// Individuell snus-/røykeslutteveiledning.
        IndividualTobaccoGuidance => "individual_tobacco_guidance",
        /// Kurs i depresjonsmestring.
        Kid => "kid",
        /// Kurs i belastningsmestring.
        Kib => "kib",
        /// Hverdagsglede.
        Hverdagsglede => "hverdagsglede",
        /// Søvnkurs (Sov godt).
        SleepCourse => "sleep_course",
        /// Fysisk aktivitet i gruppe.
        PhysicalActivityGroup => "physical_activity_group",
        /// Temakvelder / temasamlinger.
        ThemedSession => "themed_session",
        /// Tilbud til barn og familier.
        ChildrenFamilies => "children_families",
        /// Tilbud til eldre.
        Elderly => "elderly",
        /// Likepersonstilbud.
        Peer => "peer",
        /// Diagnosespesifikke tilbud.
        DiagnosisSpecific => "diagnosis_specific",
        Other => "other",
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
        Nav => "nav",
        /// Opplæring / utdanning.
        Education => "education",
        /// Likepersonstilbud.
        PeerOffer => "peer_offer",
        Other => "other",
    }
);

wire_enum!(
    DiscontinueReason {
        OwnChoice => "own_choice",
        Health => "health",
        Moved => "moved",
        LostContact => "lost_contact",
        Other => "other",
    }
);

wire_enum!(
    /// Highest completed education (SSB's levels).
    EducationLevel {
        Primary => "primary",
        UpperSecondary => "upper_secondary",
        VocationalCollege => "vocational_college",
        /// Higher education up to 4 years.
        HigherShort => "higher_short",
        /// Higher education over 4 years.
        HigherLong => "higher_long",
    }
);

/// A period lasts 12 weeks: planned end = start + 84 days.
pub const PERIOD_PLANNED_DAYS: i64 = 84;
pub const PERIOD_WEEKS: u32 = 12;
/// Dates may be this far after "today" (a phone east of Norway).
const DATE_SLACK_DAYS: i64 = 1;
/// A start conversation may be booked this far ahead.
const BOOKED_START_DAYS: i64 = 30;
const MAX_REASONS: usize = 10;
const MAX_OFFERS: usize = 10;

/// Planned end of a period; a pause moves it by the days paused (product
/// choice: the participant still gets twelve weeks of follow-up).
pub fn planned_end(start: NaiveDate, paused_days: i64) -> NaiveDate {
    start + Duration::days(PERIOD_PLANNED_DAYS + paused_days.max(0))
}

/// Week k of a period: [start + 7(k−1), start + 7k). `None` before the start.
pub fn period_week(start: NaiveDate, day: NaiveDate) -> Option<u32> {
    let offset = (day - start).num_days();
    (offset >= 0).then(|| u32::try_from(offset / 7 + 1).unwrap_or(u32::MAX))
}

/// The period state machine.
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
        _ => Err(FieldError::new(
            "status",
            "transition",
            format!("a period that is {current} cannot be given the action {action}"),
        )),
    }
}

fn check_date(
    field: &'static str,
    day: NaiveDate,
    today: NaiveDate,
    ahead_days: i64,
    errors: &mut Vec<FieldError>,
) {
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    if day > today + Duration::days(ahead_days) {
        errors.push(FieldError::new(
            field,
            "not_future",
            if ahead_days > DATE_SLACK_DAYS {
                format!("must be at most {ahead_days} days from today")
            } else {
                "must not be in the future".to_owned()
            },
        ));
    } else if day < earliest {
        errors.push(FieldError::new(
            field,
            "range",
            "must be 2000-01-01 or later",
        ));
    }
}

fn text_field(
    field: &'static str,
    raw: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    bounded_text(field, raw, 1, max)
        .map_err(|e| errors.push(e))
        .ok()
}

fn dedup_sorted<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut out = items.to_vec();
    out.sort();
    out.dedup();
    out
}

fn done<T>(value: T, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

/// A referral or self-contact as the veileder records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ReferralInput {
    /// Who referred; `self` for self-contact.
    pub referrer_type: ReferrerType,
    /// 1–10 reasons.
    pub reasons: Vec<ReferralReason>,
    /// YYYY-MM-DD.
    pub referred_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    pub referrer_type: ReferrerType,
    pub reasons: Vec<ReferralReason>,
    pub referred_on: NaiveDate,
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
        done(
            Referral {
                referrer_type: self.referrer_type,
                reasons,
                referred_on: self.referred_on,
            },
            errors,
        )
    }
}

/// The outcome of the first conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct TriageInput {
    pub outcome: TriageOutcome,
    /// YYYY-MM-DD.
    pub decided_on: NaiveDate,
    /// Where the participant was led instead (1–200 characters; only for `redirected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub redirected_to: Option<String>,
}

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
    /// YYYY-MM-DD, not before the period's start.
    pub ended_on: NaiveDate,
    /// Where the participant was led (complete only; ≤ 10).
    #[serde(default)]
    pub onward_offers: Vec<OnwardOffer>,
    /// Why it ended early (discontinue only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub discontinue_reason: Option<DiscontinueReason>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodEnd {
    pub ended_on: NaiveDate,
    pub onward_offers: Vec<OnwardOffer>,
    pub discontinue_reason: Option<DiscontinueReason>,
}

impl PeriodEndInput {
    pub fn parse(
        self,
        action: PeriodAction,
        start: NaiveDate,
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
        if self.ended_on < start {
            errors.push(FieldError::new(
                "ended_on",
                "after_start",
                format!("must not be before the period's start {start}"),
            ));
        }
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

/// A health conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ConversationInput {
    pub kind: ConversationKind,
    /// YYYY-MM-DD.
    pub held_on: NaiveDate,
    /// An interpreter took part (indicator "bruk av tolk").
    pub interpreter_used: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub kind: ConversationKind,
    pub held_on: NaiveDate,
    pub interpreter_used: bool,
}

impl ConversationInput {
    pub fn parse(self, today: NaiveDate) -> Result<Conversation, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_date("held_on", self.held_on, today, DATE_SLACK_DAYS, &mut errors);
        done(
            Conversation {
                kind: self.kind,
                held_on: self.held_on,
                interpreter_used: self.interpreter_used,
            },
            errors,
        )
    }
}

/// A goal in the participant's own words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct GoalInput {
    pub domain: GoalDomain,
    /// 1–300 characters, the participant's own words.
    pub text: String,
    /// An optional measurable target, 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub domain: GoalDomain,
    pub text: String,
    pub target: Option<String>,
}

impl GoalInput {
    pub fn parse(self) -> Result<Goal, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = text_field("text", &self.text, 300, &mut errors);
        let target = self
            .target
            .as_deref()
            .and_then(|raw| text_field("target", raw, 200, &mut errors));
        done(
            Goal {
                domain: self.domain,
                text: text.unwrap_or_default(),
                target,
            },
            errors,
        )
    }
}

/// How far a goal was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct GoalAttainmentInput {
    pub attainment: Attainment,
}

/// A course or group attended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct CourseInput {
    pub kind: CourseKind,
    /// YYYY-MM-DD.
    pub started_on: NaiveDate,
    /// The local name of the course, 1–100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub kind: CourseKind,
    pub started_on: NaiveDate,
    pub name: Option<String>,
}

impl CourseInput {
    pub fn parse(self, today: NaiveDate) -> Result<Course, Vec<FieldError>> {
        let mut errors = Vec::new();
        check_date(
            "started_on",
            self.started_on,
            today,
            BOOKED_START_DAYS,
            &mut errors,
        );
        let name = self
            .name
            .as_deref()
            .and_then(|raw| text_field("name", raw, 100, &mut errors));
        done(
            Course {
                kind: self.kind,
                started_on: self.started_on,
                name,
            },
            errors,
        )
    }
}

/// The participant attributes the indicators need, and no more (data
/// minimisation, veileder 2831-2839). Fields left out are not changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ParticipantAttributesInput {
    /// YYYY-MM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub birth_month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sex: Option<Sex>,
    /// 50–250 cm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub height_cm: Option<f64>,
    /// Four-digit municipality number, e.g. 0301.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub education: Option<EducationLevel>,
    /// Work/school situation (≤ 8, duplicates removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub work_school: Option<Vec<WorkSchoolStatus>>,
    /// Preferred language, a language tag such as `nb`, `ar`, `so`, `uk` (2–35 letters or '-').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub preferred_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub interpreter_needed: Option<bool>,
    /// Other cultural or language background than Norwegian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub other_language_background: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParticipantAttributes {
    pub birth_month: Option<BirthMonth>,
    pub sex: Option<Sex>,
    pub height_cm: Option<f64>,
    pub municipality: Option<MunicipalityNumber>,
    pub education: Option<EducationLevel>,
    pub work_school: Option<Vec<WorkSchoolStatus>>,
    pub preferred_language: Option<String>,
    pub interpreter_needed: Option<bool>,
    pub other_language_background: Option<bool>,
}

impl ParticipantAttributesInput {
    pub fn parse(self, today: NaiveDate) -> Result<ParticipantAttributes, Vec<FieldError>> {
        let mut errors = Vec::new();
        let birth_month = self.birth_month.as_deref().and_then(|raw| {
            BirthMonth::parse("birth_month", raw, today)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let height_cm = self.height_cm.filter(|h| {
            let ok = h.is_finite() && (50.0..=250.0).contains(h);
            if !ok {
                errors.push(FieldError::new("height_cm", "range", "must be 50–250 cm"));
            }
            ok
        });
        let municipality = self.municipality.as_deref().and_then(|raw| {
            MunicipalityNumber::parse(raw)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let work_school = self.work_school.as_deref().map(dedup_sorted);
        if work_school.as_ref().is_some_and(|w| w.len() > 8) {
            errors.push(FieldError::new("work_school", "length", "at most 8"));
        }
        let preferred_language = self.preferred_language.as_deref().and_then(|raw| {
            let tag = raw.trim();
            let ok = (2..=35).contains(&tag.len())
                && tag.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
            if !ok {
                errors.push(FieldError::new(
                    "preferred_language",
                    "format",
                    "must be a language tag such as nb, ar, so or uk",
                ));
            }
            ok.then(|| tag.to_ascii_lowercase())
        });
        done(
            ParticipantAttributes {
                birth_month,
                sex: self.sex,
                height_cm,
                municipality,
                education: self.education,
                work_school,
                preferred_language,
                interpreter_needed: self.interpreter_needed,
                other_language_background: self.other_language_background,
            },
            errors,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn period_weeks_are_calendar_weeks_from_the_start() {
        let start = d("2026-03-02");
        assert_eq!(period_week(start, d("2026-03-01")), None);
        assert_eq!(period_week(start, start), Some(1));
        assert_eq!(period_week(start, d("2026-03-08")), Some(1));
        assert_eq!(period_week(start, d("2026-03-09")), Some(2));
        assert_eq!(period_week(start, start + Duration::days(83)), Some(12));
        assert_eq!(period_week(start, start + Duration::days(84)), Some(13));
    }

    #[test]
    fn planned_end_moves_with_pauses() {
        let start = d("2026-03-02");
        assert_eq!(planned_end(start, 0), d("2026-05-25"));
        assert_eq!(planned_end(start, 10), d("2026-06-04"));
    }

    #[test]
    fn every_transition_of_the_state_machine() {
        use PeriodAction as A;
        use PeriodStatus as S;
        let allowed = [
            (S::Active, A::Pause, S::Paused),
            (S::Paused, A::Resume, S::Active),
            (S::Active, A::Complete, S::Completed),
            (S::Paused, A::Complete, S::Completed),
            (S::Active, A::Discontinue, S::Discontinued),
            (S::Paused, A::Discontinue, S::Discontinued),
        ];
        for status in S::ALL {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| s == status && a == action)
                    .map(|(_, _, next)| *next);
                match (next_status(*status, *action), expected) {
                    (Ok(next), Some(want)) => assert_eq!(next, want),
                    (Err(e), None) => {
                        assert_eq!((e.field.as_str(), e.rule), ("status", "transition"))
                    }
                    (got, want) => panic!("{status} + {action}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn referrals_need_a_reason_and_a_past_date() {
        let today = d("2026-11-25");
        let ok = ReferralInput {
            referrer_type: ReferrerType::Gp,
            reasons: vec![
                ReferralReason::Tobacco,
                ReferralReason::Sleep,
                ReferralReason::Tobacco,
            ],
            referred_on: d("2026-11-20"),
        }
        .parse(today)
        .unwrap();
        assert_eq!(
            ok.reasons,
            vec![ReferralReason::Tobacco, ReferralReason::Sleep]
        );
        let errors = ReferralInput {
            referrer_type: ReferrerType::SelfContact,
            reasons: vec![],
            referred_on: d("2026-11-27"),
        }
        .parse(today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![("reasons", "required"), ("referred_on", "not_future")]
        );
        // Tomorrow is allowed (a phone east of Norway).
        assert!(
            ReferralInput {
                referrer_type: ReferrerType::Nav,
                reasons: vec![ReferralReason::Other],
                referred_on: d("2026-11-26"),
            }
            .parse(today)
            .is_ok()
        );
    }

    #[test]
    fn triage_redirect_target_only_when_redirected() {
        let today = d("2026-11-25");
        let input = |outcome, to: Option<&str>| TriageInput {
            outcome,
            decided_on: today,
            redirected_to: to.map(str::to_owned),
        };
        assert!(
            input(TriageOutcome::Redirected, Some("Kommunal fysioterapi"))
                .parse(today)
                .is_ok()
        );
        let e = input(TriageOutcome::Enrolled, Some("x"))
            .parse(today)
            .unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].rule),
            ("redirected_to", "consistent")
        );
        let e = input(TriageOutcome::Redirected, Some("  "))
            .parse(today)
            .unwrap_err();
        assert_eq!(e[0].rule, "length");
    }

    #[test]
    fn period_start_may_be_booked_a_month_ahead() {
        let today = d("2026-11-25");
        let start = |s: &str| {
            PeriodStartInput {
                start_date: d(s),
                referral_id: None,
            }
            .parse(today)
        };
        assert!(start("2026-12-25").is_ok());
        assert_eq!(start("2026-12-26").unwrap_err()[0].rule, "not_future");
        assert_eq!(start("1999-12-31").unwrap_err()[0].rule, "range");
    }

    #[test]
    fn period_end_rules() {
        let (start, today) = (d("2026-09-01"), d("2026-11-25"));
        let end = |offers: Vec<OnwardOffer>, reason, on: &str| PeriodEndInput {
            ended_on: d(on),
            onward_offers: offers,
            discontinue_reason: reason,
        };
        let ok = end(
            vec![OnwardOffer::SportsClub, OnwardOffer::SportsClub],
            None,
            "2026-11-24",
        )
        .parse(PeriodAction::Complete, start, today)
        .unwrap();
        assert_eq!(ok.onward_offers, vec![OnwardOffer::SportsClub]);
        let errors = end(
            vec![OnwardOffer::Nav],
            Some(DiscontinueReason::Moved),
            "2026-08-31",
        )
        .parse(PeriodAction::Complete, start, today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![
                ("ended_on", "after_start"),
                ("discontinue_reason", "consistent")
            ]
        );
        let errors = end(vec![OnwardOffer::Nav], None, "2026-11-01")
            .parse(PeriodAction::Discontinue, start, today)
            .unwrap_err();
        assert_eq!(errors[0].field, "onward_offers");
    }

    #[test]
    fn goals_are_bounded_text() {
        let goal = GoalInput {
            domain: GoalDomain::Activity,
            text: "  Gå tur hver dag ".into(),
            target: Some("30 min".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(goal.text, "Gå tur hver dag");
        let errors = GoalInput {
            domain: GoalDomain::Diet,
            text: "".into(),
            target: Some("x".repeat(201)),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["text", "target"]);
    }

    #[test]
    fn attributes_are_parsed_and_every_error_reported() {
        let today = d("2026-11-25");
        let ok = ParticipantAttributesInput {
            birth_month: Some("1971-03".into()),
            sex: Some(Sex::Male),
            height_cm: Some(180.0),
            municipality: Some("0301".into()),
            work_school: Some(vec![
                WorkSchoolStatus::SickLeave,
                WorkSchoolStatus::SickLeave,
            ]),
            preferred_language: Some("NB".into()),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(ok.birth_month.unwrap().year, 1971);
        assert_eq!(ok.work_school, Some(vec![WorkSchoolStatus::SickLeave]));
        assert_eq!(ok.preferred_language.as_deref(), Some("nb"));
        let errors = ParticipantAttributesInput {
            birth_month: Some("2030-01".into()),
            height_cm: Some(f64::NAN),
            municipality: Some("301".into()),
            preferred_language: Some("n".into()),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "birth_month",
                "height_cm",
                "municipality",
                "preferred_language"
            ]
        );
    }
}
