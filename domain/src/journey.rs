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
    /// Helsesamtale: start, interim or end.
    ConversationKind {
        /// Startsamtale (its day is the period's start).
        Start => "start",
        /// Underveissamtale.
        Interim => "interim",
        /// Avslutningssamtale.
        End => "end",
    }
);

wire_enum!(
    /// What a goal is about.
    GoalDomain {
        /// Fysisk aktivitet.
        Activity => "activity",
        /// Kosthold.
        Diet => "diet",
        /// Tobakk.
        Tobacco => "tobacco",
        /// Søvn.
        Sleep => "sleep",
        /// Psykisk helse.
        Mental => "mental",
        /// Alkohol.
        Alcohol => "alcohol",
        /// Annet.
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
        /// Annet tilbud.
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

wire_enum!(
    /// Highest completed education (SSB's levels).
    EducationLevel {
        /// Grunnskole.
        Primary => "primary",
        /// Videregående skole.
        UpperSecondary => "upper_secondary",
        /// Fagskole.
        VocationalCollege => "vocational_college",
        /// Higher education up to 4 years.
        HigherShort => "higher_short",
        /// Higher education over 4 years.
        HigherLong => "higher_long",
    }
);

/// A period lasts 12 weeks: planned end = start + 84 days.
pub const PERIOD_PLANNED_DAYS: i64 = 84;
/// The weeks of a period ([`PERIOD_PLANNED_DAYS`] / 7).
pub const PERIOD_WEEKS: u32 = 12;
/// Dates may be this far after "today" (a phone east of Norway).
const DATE_SLACK_DAYS: i64 = 1;
/// A start conversation may be booked this far ahead.
const BOOKED_START_DAYS: i64 = 30;
const MAX_REASONS: usize = 10;
const MAX_OFFERS: usize = 10;

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
    /// 1–10 reasons (duplicates are removed).
    #[cfg_attr(feature = "openapi", oai(validator(min_items = 1)))]
    pub reasons: Vec<ReferralReason>,
    /// The referral's date, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub referred_on: NaiveDate,
}

/// A valid referral: at least one reason, sorted and without duplicates.
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

/// A health conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ConversationInput {
    /// Start, interim or end conversation.
    pub kind: ConversationKind,
    /// The conversation's date, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub held_on: NaiveDate,
    /// An interpreter took part (indicator "bruk av tolk").
    pub interpreter_used: bool,
}

/// A valid health conversation.
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
    /// What the goal is about.
    pub domain: GoalDomain,
    /// 1–300 characters, the participant's own words.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 300)))]
    pub text: String,
    /// An optional measurable target, 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub target: Option<String>,
}

/// A valid goal, its texts trimmed.
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

/// How far a goal was reached, set at the end conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct GoalAttainmentInput {
    /// Not, partly or fully attained.
    pub attainment: Attainment,
}

/// A course or group attended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct CourseInput {
    /// Which kind of course or group.
    pub kind: CourseKind,
    /// The day the participant started, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub started_on: NaiveDate,
    /// The local name of the course, 1–100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 100)))]
    pub name: Option<String>,
}

/// A valid course record.
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
            DATE_SLACK_DAYS,
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
    /// Birth year and month, YYYY-MM (no day: data minimisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$"))
    )]
    pub birth_month: Option<String>,
    /// Male or female (reference equations, KOSTRA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sex: Option<Sex>,
    /// Height in cm, 50–250.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "50"), maximum(value = "250")))
    )]
    pub height_cm: Option<f64>,
    /// Four-digit municipality number, e.g. 0301.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^(0[1-9]|[1-9][0-9])[0-9]{2}$"))
    )]
    pub municipality: Option<String>,
    /// Highest completed education (SSB levels).
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
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z][A-Za-z-]{1,34}$"))
    )]
    pub preferred_language: Option<String>,
    /// An interpreter is needed in conversations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub interpreter_needed: Option<bool>,
    /// Other cultural or language background than Norwegian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub other_language_background: Option<bool>,
}

/// Valid participant attributes; `None` means "not given".
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
                && tag.starts_with(|c: char| c.is_ascii_alphabetic())
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
        assert_eq!(planned_end(start, -5), planned_end(start, 0));
        assert_eq!(
            planned_end(start, 0),
            start + Duration::days(i64::from(PERIOD_WEEKS) * 7)
        );
    }

    #[test]
    fn period_weeks_are_not_capped() {
        let start = d("2026-03-02");
        assert_eq!(period_week(start, start + Duration::days(200)), Some(29));
        assert_eq!(period_week(start, start - Duration::days(300)), None);
    }

    #[test]
    fn transition_messages_read_as_sentences() {
        use PeriodAction as A;
        use PeriodStatus as S;
        let msg = |s, a| next_status(s, a).unwrap_err().message;
        assert_eq!(
            msg(S::Completed, A::Pause),
            "a completed period cannot be paused"
        );
        assert_eq!(
            msg(S::Active, A::Resume),
            "an active period cannot be resumed"
        );
        assert_eq!(
            msg(S::Paused, A::Pause),
            "a paused period cannot be paused again"
        );
        assert_eq!(
            msg(S::Discontinued, A::Complete),
            "a discontinued period cannot be completed"
        );
    }

    #[test]
    fn open_periods_are_active_or_paused() {
        let open: Vec<_> = PeriodStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .copied()
            .collect();
        assert_eq!(open, vec![PeriodStatus::Active, PeriodStatus::Paused]);
    }

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_value(ReferrerType::SelfContact).unwrap(),
            "self"
        );
        assert_eq!("self".parse(), Ok(ReferrerType::SelfContact));
        assert_eq!(ReferrerType::Gp.as_str(), "gp");
        assert_eq!(ReferrerType::ALL.len(), 11);
        assert_eq!(CourseKind::ALL.len(), 14);
        assert_eq!(OnwardOffer::ALL.len(), 9);
        assert_eq!(
            serde_json::to_value(EducationLevel::HigherShort).unwrap(),
            "higher_short"
        );
        let attainment: GoalAttainmentInput =
            serde_json::from_str(r#"{"attainment":"partly"}"#).unwrap();
        assert_eq!(attainment.attainment, Attainment::Partly);
        // Optional fields may be left out, and are left out when empty.
        let end: PeriodEndInput = serde_json::from_str(r#"{"ended_on":"2026-11-01"}"#).unwrap();
        assert!(end.onward_offers.is_empty() && end.discontinue_reason.is_none());
        assert_eq!(
            serde_json::to_string(&ParticipantAttributesInput {
                sex: Some(Sex::Female),
                ..Default::default()
            })
            .unwrap(),
            r#"{"sex":"female"}"#
        );
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
                        assert_eq!((e.field.as_str(), e.rule), ("status", "transition"));
                        // The message names both the status and the action.
                        assert!(e.message.contains(status.as_str()), "{}", e.message);
                        assert!(e.message.contains(action.as_str()), "{}", e.message);
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
        let too_early = ReferralInput {
            referrer_type: ReferrerType::Gp,
            reasons: vec![ReferralReason::Copd],
            referred_on: d("1999-12-31"),
        };
        assert_eq!(too_early.clone().parse(today).unwrap_err()[0].rule, "range");
        assert!(
            ReferralInput {
                referred_on: d("2000-01-01"),
                ..too_early
            }
            .parse(today)
            .is_ok()
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
        let e = input(TriageOutcome::Redirected, Some(&"x".repeat(201)))
            .parse(today)
            .unwrap_err();
        assert_eq!(e[0].rule, "length");
        let ok = input(TriageOutcome::Redirected, Some(" Idrettslaget "))
            .parse(today)
            .unwrap();
        assert_eq!(ok.redirected_to.as_deref(), Some("Idrettslaget"));
        // A target is optional even when redirected.
        assert!(input(TriageOutcome::Redirected, None).parse(today).is_ok());
        assert!(
            input(TriageOutcome::AwaitingClearance, None)
                .parse(today)
                .is_ok()
        );
        // Every error at once: date and consistency.
        let errors = TriageInput {
            outcome: TriageOutcome::AwaitingClearance,
            decided_on: d("2026-11-27"),
            redirected_to: Some("Fysioterapi".into()),
        }
        .parse(today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![
                ("decided_on", "not_future"),
                ("redirected_to", "consistent")
            ]
        );
        let e = input(TriageOutcome::Enrolled, None);
        let e = TriageInput {
            decided_on: d("1999-12-31"),
            ..e
        }
        .parse(today)
        .unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("decided_on", "range"));
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
        assert!(start("2000-01-01").is_ok());
        let referral_id = Uuid::nil();
        let with_referral = PeriodStartInput {
            start_date: today,
            referral_id: Some(referral_id),
        }
        .parse(today)
        .unwrap();
        assert_eq!(with_referral.referral_id, Some(referral_id));
        assert_eq!(start("2026-12-26").unwrap_err()[0].rule, "not_future");
        assert_eq!(start("1999-12-31").unwrap_err()[0].rule, "range");
    }

    #[test]
    fn period_end_rules() {
        let today = d("2026-11-25");
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
        .parse(PeriodAction::Complete, today)
        .unwrap();
        assert_eq!(ok.onward_offers, vec![OnwardOffer::SportsClub]);
        let errors = end(
            vec![OnwardOffer::Nav],
            Some(DiscontinueReason::Moved),
            "2026-08-31",
        )
        .parse(PeriodAction::Complete, today)
        .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(rules, vec![("discontinue_reason", "consistent")]);
        let errors = end(vec![OnwardOffer::Nav], None, "2026-11-01")
            .parse(PeriodAction::Discontinue, today)
            .unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("onward_offers", "consistent")
        );
        // Discontinuing with a reason; ending on the start day is allowed.
        let ok = end(vec![], Some(DiscontinueReason::LostContact), "2026-09-01")
            .parse(PeriodAction::Discontinue, today)
            .unwrap();
        assert_eq!(ok.discontinue_reason, Some(DiscontinueReason::LostContact));
        // Completing without onward offers, tomorrow at the latest.
        assert!(
            end(vec![], None, "2026-11-26")
                .parse(PeriodAction::Complete, today)
                .is_ok()
        );
        let errors = end(vec![], None, "2026-11-27")
            .parse(PeriodAction::Complete, today)
            .unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("ended_on", "not_future")
        );
        // Offers are sorted and deduplicated.
        let ok = end(
            vec![
                OnwardOffer::Other,
                OnwardOffer::VoluntaryOrganisation,
                OnwardOffer::Other,
            ],
            None,
            "2026-11-24",
        )
        .parse(PeriodAction::Complete, today)
        .unwrap();
        assert_eq!(
            ok.onward_offers,
            vec![OnwardOffer::VoluntaryOrganisation, OnwardOffer::Other]
        );
    }

    #[test]
    fn conversations_are_dated_up_to_tomorrow() {
        let today = d("2026-11-25");
        let conversation = |on: &str| ConversationInput {
            kind: ConversationKind::Interim,
            held_on: d(on),
            interpreter_used: true,
        };
        let ok = conversation("2026-11-26").parse(today).unwrap();
        assert_eq!(
            (ok.kind, ok.interpreter_used),
            (ConversationKind::Interim, true)
        );
        let e = conversation("2026-11-27").parse(today).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("held_on", "not_future"));
        let e = conversation("1999-12-31").parse(today).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("held_on", "range"));
    }

    #[test]
    fn courses_are_dated_and_named() {
        let today = d("2026-11-25");
        let course = |on: &str, name: Option<&str>| CourseInput {
            kind: CourseKind::BraMat,
            started_on: d(on),
            name: name.map(str::to_owned),
        };
        let ok = course("2026-10-01", Some(" Bra mat høst "))
            .parse(today)
            .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Bra mat høst"));
        assert!(course("2026-11-26", None).parse(today).is_ok());
        let e = course("2026-11-27", None).parse(today).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].rule),
            ("started_on", "not_future")
        );
        let errors = course("1999-12-31", Some(&"x".repeat(101)))
            .parse(today)
            .unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(rules, vec![("started_on", "range"), ("name", "length")]);
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
        let e = GoalInput {
            domain: GoalDomain::Sleep,
            text: "x".repeat(301),
            target: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule), ("text", "length"));
        let e = GoalInput {
            domain: GoalDomain::Sleep,
            text: "Sove\nmer".into(),
            target: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!(e[0].rule, "no_control_characters");
        assert!(
            GoalInput {
                domain: GoalDomain::Alcohol,
                text: "x".repeat(300),
                target: None,
            }
            .parse()
            .is_ok()
        );
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

    #[test]
    fn attribute_bounds() {
        let today = d("2026-11-25");
        let parse = |input: ParticipantAttributesInput| input.parse(today);
        assert_eq!(
            parse(ParticipantAttributesInput::default()).unwrap(),
            ParticipantAttributes::default()
        );
        let ok = parse(ParticipantAttributesInput {
            sex: Some(Sex::Female),
            education: Some(EducationLevel::HigherLong),
            interpreter_needed: Some(true),
            other_language_background: Some(true),
            municipality: Some(" 4601 ".into()),
            preferred_language: Some("nb-NO".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.sex, Some(Sex::Female));
        assert_eq!(ok.education, Some(EducationLevel::HigherLong));
        assert_eq!(ok.municipality.unwrap().as_str(), "4601");
        assert_eq!(ok.preferred_language.as_deref(), Some("nb-no"));
        assert_eq!(
            (ok.interpreter_needed, ok.other_language_background),
            (Some(true), Some(true))
        );
        let height = |h: f64| {
            parse(ParticipantAttributesInput {
                height_cm: Some(h),
                ..Default::default()
            })
        };
        assert!(height(50.0).is_ok() && height(250.0).is_ok());
        for bad in [49.9, 250.1, f64::INFINITY, -170.0] {
            let e = height(bad).unwrap_err();
            assert_eq!((e[0].field.as_str(), e[0].rule), ("height_cm", "range"));
        }
        let language = |tag: &str| {
            parse(ParticipantAttributesInput {
                preferred_language: Some(tag.into()),
                ..Default::default()
            })
        };
        for good in ["ar", "so", "uk", &"a".repeat(35)] {
            assert!(language(good).is_ok(), "{good}");
        }
        for bad in ["", "n", "nb1", "no_NB", "--", "ти", &"a".repeat(36)] {
            let e = language(bad).unwrap_err();
            assert_eq!(
                (e[0].field.as_str(), e[0].rule),
                ("preferred_language", "format"),
                "{bad}"
            );
        }
        let e = parse(ParticipantAttributesInput {
            birth_month: Some("1971-13".into()),
            municipality: Some("0001".into()),
            ..Default::default()
        })
        .unwrap_err();
        let rules: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![("birth_month", "year_month"), ("municipality", "format")]
        );
        let all = parse(ParticipantAttributesInput {
            work_school: Some(WorkSchoolStatus::ALL.iter().rev().copied().collect()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(all.work_school.as_deref(), Some(WorkSchoolStatus::ALL));
    }
}
