//! The epikrise to the fastlege and the referrer, and a self-referral's
//! message to the GP (veileder 5.9.6, 2645-2650): what the document says
//! about a period, in bokmål sections that the FHIR narrative and the PDF
//! both print, and the veileder's inputs (assessment, sendings).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Attainment, ConversationKind, CourseKind, DATE_SLACK_DAYS, DiscontinueReason, GoalDomain,
    OnwardOffer, PeriodStatus, ReferralReason, ReferrerType, check_date, done, text_field,
};
use crate::assessment::Timepoint;
use crate::outcomes::{Indicator, Value};
use crate::validation::FieldError;

/// The assessment is free text of at most this many characters.
pub const MAX_ASSESSMENT_CHARS: usize = 4000;

wire_enum!(
    /// Which document of a period.
    EpikriseKind {
        /// The epikrise at the end of a period, to the fastlege and to the
        /// referrer when that is not the GP.
        Epikrise => "epikrise",
        /// A self-referral's short message to the GP that the person takes part.
        GpMessage => "gp_message",
    }
);

wire_enum!(
    /// A document is drafted, then sent (and no longer edited).
    EpikriseStatus {
        Draft => "draft",
        Sent => "sent",
    }
);

wire_enum!(
    /// Who a document was sent to.
    RecipientKind {
        /// Fastlege.
        Gp => "gp",
        /// The referrer, when not the GP (e.g. spesialisthelsetjenesten).
        Referrer => "referrer",
        /// The participant's veileder at NAV.
        Nav => "nav",
        Other => "other",
    }
);

wire_enum!(
    /// How a document was sent.
    SendChannel {
        /// Norsk helsenett (elektronisk melding).
        Helsenett => "helsenett",
        Post => "post",
        /// Handed to the participant.
        Hand => "hand",
        Other => "other",
    }
);

impl EpikriseKind {
    /// The document's title.
    pub fn title(self) -> &'static str {
        match self {
            EpikriseKind::Epikrise => "Epikrise fra frisklivssentralen",
            EpikriseKind::GpMessage => "Melding til fastlege om deltakelse ved frisklivssentralen",
        }
    }
}

/// Drafting (or redrafting, while still a draft) a period's document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct EpikriseDraftInput {
    /// `epikrise` (default) or `gp_message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub kind: Option<EpikriseKind>,
    /// The veileder's assessment, free text up to 4000 characters (line
    /// breaks allowed); a redraft keeps the earlier one when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4000)))]
    pub assessment: Option<String>,
}

/// A valid draft request.
#[derive(Debug, Clone, PartialEq)]
pub struct EpikriseDraft {
    pub kind: EpikriseKind,
    /// `None`: keep what a redraft had; `Some(None)`: no assessment.
    pub assessment: Option<Option<String>>,
}

impl EpikriseDraftInput {
    pub fn parse(self) -> Result<EpikriseDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let assessment = self
            .assessment
            .as_deref()
            .map(|raw| assessment_text(raw).map_err(|e| errors.push(e)).ok())
            .map(Option::flatten);
        done(
            EpikriseDraft {
                kind: self.kind.unwrap_or(EpikriseKind::Epikrise),
                assessment,
            },
            errors,
        )
    }
}

/// The veileder's assessment, replacing the draft's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct EpikriseAssessmentInput {
    /// Free text up to 4000 characters, line breaks allowed; empty removes it.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4000)))]
    pub assessment: String,
    /// `epikrise` (default) or `gp_message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub kind: Option<EpikriseKind>,
}

/// The assessment as stored: trimmed, `None` when empty. Line breaks are
/// kept (it is a letter, not a label); other control characters are not.
pub fn assessment_text(raw: &str) -> Result<Option<String>, FieldError> {
    let sent = raw.chars().count();
    if sent > MAX_ASSESSMENT_CHARS {
        return Err(FieldError::new(
            "assessment",
            "length",
            format!("must be at most {MAX_ASSESSMENT_CHARS} characters, was {sent}"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            "assessment",
            "no_control_characters",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    let text = raw.trim().replace("\r\n", "\n");
    Ok((!text.is_empty()).then_some(text))
}

/// A sending as the veileder records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct EpikriseSendingInput {
    /// `epikrise` (default) or `gp_message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub kind: Option<EpikriseKind>,
    /// Sent to the GP, the referrer, NAV or someone else.
    pub recipient_kind: RecipientKind,
    /// The recipient's name, 1–200 characters.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub recipient_name: String,
    /// How it was sent.
    pub channel: SendChannel,
    /// The day it was sent, YYYY-MM-DD (2000-01-01 to tomorrow).
    pub sent_on: NaiveDate,
}

/// A valid sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Sending {
    pub kind: EpikriseKind,
    pub recipient_kind: RecipientKind,
    pub recipient_name: String,
    pub channel: SendChannel,
    pub sent_on: NaiveDate,
}

impl EpikriseSendingInput {
    pub fn parse(self, today: NaiveDate) -> Result<Sending, Vec<FieldError>> {
        let mut errors = Vec::new();
        let recipient_name = text_field("recipient_name", &self.recipient_name, 200, &mut errors);
        check_date("sent_on", self.sent_on, today, DATE_SLACK_DAYS, &mut errors);
        done(
            Sending {
                kind: self.kind.unwrap_or(EpikriseKind::Epikrise),
                recipient_kind: self.recipient_kind,
                recipient_name: recipient_name.unwrap_or_default(),
                channel: self.channel,
                sent_on: self.sent_on,
            },
            errors,
        )
    }
}

/// The kind of document a period may have now: an epikrise once the period
/// has ended (it sums up what was done), a message to the GP from the start.
pub fn may_draft(kind: EpikriseKind, period: PeriodStatus) -> Result<(), FieldError> {
    match kind {
        EpikriseKind::Epikrise if period.is_open() => Err(FieldError::new(
            "kind",
            "period_ended",
            format!(
                "an epikrise sums up a period that has ended; this one is {period} \
                 (a message to the GP, kind gp_message, can be drafted from the start)"
            ),
        )),
        _ => Ok(()),
    }
}

/// A goal as the document shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalLine {
    pub domain: GoalDomain,
    pub text: String,
    pub target: Option<String>,
    pub attainment: Option<Attainment>,
}

/// A measured test value at start or end.
#[derive(Debug, Clone, PartialEq)]
pub struct TestValue {
    /// In bokmål, e.g. "6 minutters gangtest".
    pub label: &'static str,
    pub loinc: Option<&'static str>,
    /// The LOINC display name, when coded.
    pub loinc_display: Option<&'static str>,
    pub timepoint: Timepoint,
    pub on: NaiveDate,
    pub value: f64,
    /// UCUM unit, e.g. `m`, `kg`, `s`; `1` for an answer on a scale.
    pub unit: &'static str,
}

/// What the participant took part in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Participation {
    pub conversations: Vec<(ConversationKind, NaiveDate)>,
    pub courses: Vec<(CourseKind, Option<String>, NaiveDate)>,
}

/// Everything a period's document says, before it is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct EpikriseContent {
    pub kind: EpikriseKind,
    pub participant_name: String,
    pub centre_name: String,
    pub period: u32,
    pub period_status: PeriodStatus,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub discontinue_reason: Option<DiscontinueReason>,
    pub referrer_type: Option<ReferrerType>,
    pub referral_reasons: Vec<ReferralReason>,
    pub goals: Vec<GoalLine>,
    pub tests: Vec<TestValue>,
    /// Only indicators with a value: a GP reads what was found, the
    /// veileder's outcome view lists what could not be computed and why.
    pub indicators: Vec<Indicator>,
    /// Whether the participant shares assessments with the centre (without
    /// it, tests are left out and the document says so).
    pub assessments_shared: bool,
    pub participation: Participation,
    pub onward_offers: Vec<OnwardOffer>,
    pub assessment: Option<String>,
}

/// One section of the document: a stable code, a bokmål title, and lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub code: &'static str,
    pub title: &'static str,
    pub lines: Vec<String>,
}

/// The section code of the veileder's assessment (the part that is edited).
pub const ASSESSMENT_SECTION: &str = "assessment";

fn day(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A number as a Norwegian reader writes it: decimal comma, no trailing zeros.
pub fn number_nb(n: f64) -> String {
    let rounded = (n * 10.0).round() / 10.0;
    let text = if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    };
    text.replace('.', ",")
}

fn unit_nb(unit: &str) -> &str {
    match unit {
        "1" => "",
        other => other,
    }
}

pub fn goal_domain_nb(d: GoalDomain) -> &'static str {
    match d {
        GoalDomain::Activity => "Fysisk aktivitet",
        GoalDomain::Diet => "Kosthold",
        GoalDomain::Tobacco => "Tobakk",
        GoalDomain::Sleep => "Søvn",
        GoalDomain::Mental => "Psykisk helse",
        GoalDomain::Alcohol => "Alkohol",
        GoalDomain::Other => "Annet",
    }
}

pub fn attainment_nb(a: Option<Attainment>) -> &'static str {
    match a {
        Some(Attainment::Fully) => "nådd",
        Some(Attainment::Partly) => "delvis nådd",
        Some(Attainment::Not) => "ikke nådd",
        None => "ikke vurdert",
    }
}

pub fn onward_offer_nb(o: OnwardOffer) -> &'static str {
    match o {
        OnwardOffer::VoluntaryOrganisation => "Frivillig organisasjon",
        OnwardOffer::SportsClub => "Idrettslag",
        OnwardOffer::MunicipalActivityOffer => "Kommunalt aktivitetstilbud",
        OnwardOffer::Physiotherapy => "Fysioterapi",
        OnwardOffer::HealthService => "Helsetjenesten",
        OnwardOffer::Nav => "NAV",
        OnwardOffer::Education => "Utdanning",
        OnwardOffer::PeerOffer => "Likepersontilbud",
        OnwardOffer::Other => "Annet tilbud",
    }
}

fn conversation_nb(k: ConversationKind) -> &'static str {
    match k {
        ConversationKind::Start => "Oppstartssamtale",
        ConversationKind::Interim => "Oppfølgingssamtale",
        ConversationKind::End => "Sluttsamtale",
    }
}

fn course_nb(k: CourseKind) -> &'static str {
    match k {
        CourseKind::BraMat => "Bra mat-kurs",
        CourseKind::TobaccoCessationCourse => "Røykesluttkurs",
        CourseKind::IndividualTobaccoGuidance => "Individuell tobakksveiledning",
        CourseKind::Kid => "KiD-kurs (depresjon)",
        CourseKind::Kib => "KiB-kurs (belastning)",
        CourseKind::Hverdagsglede => "Hverdagsglede",
        CourseKind::SleepCourse => "Søvnkurs",
        CourseKind::PhysicalActivityGroup => "Gruppetrening",
        CourseKind::ThemedSession => "Temamøte",
        CourseKind::ChildrenFamilies => "Tilbud for barn og familier",
        CourseKind::Elderly => "Tilbud for eldre",
        CourseKind::Peer => "Likepersontilbud",
        CourseKind::DiagnosisSpecific => "Diagnosespesifikt tilbud",
        CourseKind::Other => "Annet kurs",
    }
}

pub fn referrer_type_nb(r: ReferrerType) -> &'static str {
    match r {
        ReferrerType::Gp => "fastlege",
        ReferrerType::HealthStationSchoolHealth => "helsestasjon/skolehelsetjeneste",
        ReferrerType::Midwife => "jordmor",
        ReferrerType::MunicipalHealthOther => "annen kommunal helse- og omsorgstjeneste",
        ReferrerType::CoordinatingUnit => "koordinerende enhet",
        ReferrerType::SpecialistHealth => "spesialisthelsetjenesten",
        ReferrerType::Nav => "NAV",
        ReferrerType::OccupationalHealth => "bedriftshelsetjenesten",
        ReferrerType::DentalHealth => "tannhelsetjenesten",
        ReferrerType::Other => "annen henviser",
        ReferrerType::SelfContact => "tok kontakt selv",
    }
}

fn reason_nb(r: ReferralReason) -> &'static str {
    match r {
        ReferralReason::Overweight => "overvekt",
        ReferralReason::PhysicalInactivity => "fysisk inaktivitet",
        ReferralReason::Type2Diabetes => "diabetes type 2",
        ReferralReason::Musculoskeletal => "muskel- og skjelettplager",
        ReferralReason::Cardiovascular => "hjerte- og karsykdom",
        ReferralReason::Copd => "KOLS",
        ReferralReason::MentalHealth => "psykiske plager",
        ReferralReason::Tobacco => "tobakk",
        ReferralReason::Sleep => "søvnvansker",
        ReferralReason::Other => "annet",
    }
}

fn timepoint_nb(t: Timepoint) -> &'static str {
    match t.as_str() {
        "baseline" => "ved start",
        "week12" => "etter 12 uker",
        other => other,
    }
}

/// An indicator's value in words, with the definition it was computed by.
pub fn indicator_line(i: &Indicator) -> String {
    let value = match &i.value {
        // A share reads as a percentage in a letter.
        Some(Value::Number(n)) if i.unit == Some("share") => format!("{} %", number_nb(n * 100.0)),
        Some(Value::Number(n)) => {
            let unit = unit_nb(i.unit.unwrap_or("1"));
            if unit.is_empty() {
                number_nb(*n)
            } else {
                format!("{} {unit}", number_nb(*n))
            }
        }
        Some(Value::Flag(true)) => "ja".to_owned(),
        Some(Value::Flag(false)) => "nei".to_owned(),
        Some(Value::Category(c)) => (*c).to_owned(),
        None => "ikke beregnet".to_owned(),
    };
    format!(
        "{}: {value} (definisjon {} versjon {})",
        i.name, i.definition_id, i.definition_version
    )
}

pub fn test_line(t: &TestValue) -> String {
    let unit = unit_nb(t.unit);
    let value = if unit.is_empty() {
        number_nb(t.value)
    } else {
        format!("{} {unit}", number_nb(t.value))
    };
    format!(
        "{} {} ({}): {value}",
        t.label,
        timepoint_nb(t.timepoint),
        day(t.on)
    )
}

impl EpikriseContent {
    /// Whole weeks followed, from the start to the end (or the planned end).
    pub fn weeks_followed(&self) -> i64 {
        let end = self.ended_on.unwrap_or(self.planned_end);
        ((end - self.start_date).num_days().max(0) + 6) / 7
    }

    fn period_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} har fulgt oppfølgingsperiode {} ved {} fra {}.",
            self.participant_name,
            self.period,
            self.centre_name,
            day(self.start_date)
        )];
        match (self.period_status, self.ended_on) {
            (PeriodStatus::Completed, Some(end)) => lines.push(format!(
                "Perioden ble avsluttet {} etter {} uker.",
                day(end),
                self.weeks_followed()
            )),
            (PeriodStatus::Discontinued, Some(end)) => lines.push(format!(
                "Perioden ble avbrutt {}{}.",
                day(end),
                match self.discontinue_reason {
                    Some(DiscontinueReason::OwnChoice) => " etter eget ønske",
                    Some(DiscontinueReason::Health) => " av helsemessige grunner",
                    Some(DiscontinueReason::Moved) => " fordi deltakeren flyttet",
                    Some(DiscontinueReason::LostContact) => " fordi kontakten ble brutt",
                    Some(DiscontinueReason::Other) | None => "",
                }
            )),
            _ => lines.push(format!(
                "Perioden varer til {} (12 uker).",
                day(self.planned_end)
            )),
        }
        match self.referrer_type {
            Some(ReferrerType::SelfContact) => {
                lines.push("Deltakeren tok kontakt selv.".to_owned());
            }
            Some(r) => lines.push(format!("Henvist av {}.", referrer_type_nb(r))),
            None => {}
        }
        if !self.referral_reasons.is_empty() {
            let reasons: Vec<&str> = self
                .referral_reasons
                .iter()
                .map(|r| reason_nb(*r))
                .collect();
            lines.push(format!("Årsak: {}.", reasons.join(", ")));
        }
        lines
    }

    fn goal_lines(&self) -> Vec<String> {
        if self.goals.is_empty() {
            return vec!["Ingen mål registrert.".to_owned()];
        }
        self.goals
            .iter()
            .map(|g| {
                let target = g
                    .target
                    .as_deref()
                    .map(|t| format!(" (mål: {t})"))
                    .unwrap_or_default();
                match self.kind {
                    EpikriseKind::Epikrise => format!(
                        "{}: {}{target} – {}",
                        goal_domain_nb(g.domain),
                        g.text,
                        attainment_nb(g.attainment)
                    ),
                    EpikriseKind::GpMessage => {
                        format!("{}: {}{target}", goal_domain_nb(g.domain), g.text)
                    }
                }
            })
            .collect()
    }

    fn test_lines(&self) -> Vec<String> {
        if !self.assessments_shared {
            return vec![
                "Deltakeren deler ikke testresultater med frisklivssentralen; de er utelatt."
                    .to_owned(),
            ];
        }
        if self.tests.is_empty() {
            return vec!["Ingen tester registrert.".to_owned()];
        }
        self.tests.iter().map(test_line).collect()
    }

    fn indicator_lines(&self) -> Vec<String> {
        if self.indicators.is_empty() {
            return vec!["Ingen indikatorer kunne beregnes.".to_owned()];
        }
        self.indicators.iter().map(indicator_line).collect()
    }

    fn participation_lines(&self) -> Vec<String> {
        let p = &self.participation;
        let mut lines = vec![format!(
            "{} helsesamtaler, {} kurs eller gruppetilbud, {} uker i perioden.",
            p.conversations.len(),
            p.courses.len(),
            self.weeks_followed()
        )];
        lines.extend(
            p.conversations
                .iter()
                .map(|(kind, on)| format!("{} {}", conversation_nb(*kind), day(*on))),
        );
        lines.extend(p.courses.iter().map(|(kind, name, on)| {
            let name = name
                .as_deref()
                .map(|n| format!(" «{n}»"))
                .unwrap_or_default();
            format!("{}{name} fra {}", course_nb(*kind), day(*on))
        }));
        lines
    }

    fn onward_lines(&self) -> Vec<String> {
        if self.onward_offers.is_empty() {
            return vec!["Ingen videre tilbud registrert.".to_owned()];
        }
        self.onward_offers
            .iter()
            .map(|o| onward_offer_nb(*o).to_owned())
            .collect()
    }

    /// The veileder's assessment, one line per line of the text.
    pub fn assessment_lines(assessment: Option<&str>) -> Vec<String> {
        match assessment {
            Some(text) => text.lines().map(|l| l.trim_end().to_owned()).collect(),
            None => vec!["Ingen vurdering skrevet.".to_owned()],
        }
    }

    /// The document's sections in reading order.
    pub fn sections(&self) -> Vec<Section> {
        let section = |code, title, lines| Section { code, title, lines };
        let assessment = section(
            ASSESSMENT_SECTION,
            "Veileders vurdering",
            Self::assessment_lines(self.assessment.as_deref()),
        );
        match self.kind {
            EpikriseKind::Epikrise => vec![
                section("period", "Oppfølgingsperioden", self.period_lines()),
                section("goals", "Mål og måloppnåelse", self.goal_lines()),
                section("tests", "Tester ved start og slutt", self.test_lines()),
                section("indicators", "Indikatorer", self.indicator_lines()),
                section("participation", "Deltakelse", self.participation_lines()),
                section("onward", "Videre tilbud", self.onward_lines()),
                assessment,
            ],
            EpikriseKind::GpMessage => vec![
                section(
                    "period",
                    "Deltakelse ved frisklivssentralen",
                    self.period_lines(),
                ),
                section("goals", "Mål for perioden", self.goal_lines()),
                assessment,
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn content(kind: EpikriseKind) -> EpikriseContent {
        EpikriseContent {
            kind,
            participant_name: "Per".into(),
            centre_name: "Frisklivssentralen i Oslo".into(),
            period: 1,
            period_status: PeriodStatus::Completed,
            start_date: d("2026-03-02"),
            planned_end: d("2026-05-25"),
            ended_on: Some(d("2026-05-25")),
            discontinue_reason: None,
            referrer_type: Some(ReferrerType::SpecialistHealth),
            referral_reasons: vec![ReferralReason::Cardiovascular],
            goals: vec![GoalLine {
                domain: GoalDomain::Activity,
                text: "Gå til jobben".into(),
                target: Some("3 dager/uke".into()),
                attainment: Some(Attainment::Partly),
            }],
            tests: vec![TestValue {
                label: "6 minutters gangtest",
                loinc: Some("64098-7"),
                loinc_display: Some("Six minute walk test distance"),
                timepoint: Timepoint::Week12,
                on: d("2026-05-25"),
                value: 430.0,
                unit: "m",
            }],
            indicators: vec![Indicator {
                name: "six_minute_walk_change_m",
                definition_id: "fitness_change",
                definition_version: 1,
                value: Some(Value::Number(30.0)),
                unit: Some("m"),
                missing: None,
                inputs: vec![],
            }],
            assessments_shared: true,
            participation: Participation {
                conversations: vec![(ConversationKind::Start, d("2026-03-02"))],
                courses: vec![(
                    CourseKind::BraMat,
                    Some("Bra mat vår".into()),
                    d("2026-03-10"),
                )],
            },
            onward_offers: vec![OnwardOffer::SportsClub],
            assessment: Some("God fremgang.\r\nFortsetter i idrettslaget.".into()),
        }
    }

    #[test]
    fn an_epikrise_has_every_section_in_bokmal() {
        let sections = content(EpikriseKind::Epikrise).sections();
        let codes: Vec<_> = sections.iter().map(|s| s.code).collect();
        assert_eq!(
            codes,
            vec![
                "period",
                "goals",
                "tests",
                "indicators",
                "participation",
                "onward",
                "assessment"
            ]
        );
        let text = |code: &str| {
            sections
                .iter()
                .find(|s| s.code == code)
                .unwrap()
                .lines
                .clone()
        };
        assert_eq!(
            text("goals"),
            vec!["Fysisk aktivitet: Gå til jobben (mål: 3 dager/uke) – delvis nådd"]
        );
        assert_eq!(
            text("tests"),
            vec!["6 minutters gangtest etter 12 uker (25.05.2026): 430 m"]
        );
        assert_eq!(
            text("indicators"),
            vec!["six_minute_walk_change_m: 30 m (definisjon fitness_change versjon 1)"]
        );
        assert_eq!(text("onward"), vec!["Idrettslag"]);
        // 2 March to 25 May is 84 days: 12 weeks.
        assert_eq!(
            text("participation"),
            vec![
                "1 helsesamtaler, 1 kurs eller gruppetilbud, 12 uker i perioden.",
                "Oppstartssamtale 02.03.2026",
                "Bra mat-kurs «Bra mat vår» fra 10.03.2026",
            ]
        );
        assert_eq!(text("period")[2], "Henvist av spesialisthelsetjenesten.");
        assert_eq!(
            text("assessment"),
            vec!["God fremgang.", "Fortsetter i idrettslaget."]
        );
    }

    #[test]
    fn a_gp_message_is_short_and_judges_no_goal() {
        let mut c = content(EpikriseKind::GpMessage);
        c.period_status = PeriodStatus::Active;
        c.ended_on = None;
        c.assessment = None;
        let sections = c.sections();
        let codes: Vec<_> = sections.iter().map(|s| s.code).collect();
        assert_eq!(codes, vec!["period", "goals", "assessment"]);
        assert_eq!(
            sections[0].lines[1],
            "Perioden varer til 25.05.2026 (12 uker)."
        );
        assert_eq!(
            sections[1].lines,
            vec!["Fysisk aktivitet: Gå til jobben (mål: 3 dager/uke)"]
        );
        assert_eq!(sections[2].lines, vec!["Ingen vurdering skrevet."]);
    }

    #[test]
    fn tests_not_shared_are_said_to_be_left_out() {
        let mut c = content(EpikriseKind::Epikrise);
        c.assessments_shared = false;
        let tests = c
            .sections()
            .into_iter()
            .find(|s| s.code == "tests")
            .unwrap();
        assert!(tests.lines[0].contains("deler ikke testresultater"));
    }

    #[test]
    fn the_assessment_is_a_letter_of_at_most_4000_characters() {
        assert_eq!(
            assessment_text("  Linje 1\r\nLinje 2\n ")
                .unwrap()
                .as_deref(),
            Some("Linje 1\nLinje 2")
        );
        assert_eq!(assessment_text("   ").unwrap(), None);
        assert!(assessment_text(&"æ".repeat(4000)).is_ok());
        let e = assessment_text(&"æ".repeat(4001)).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("assessment", "length"));
        let e = assessment_text("bell\u{7}").unwrap_err();
        assert_eq!(e.rule, "no_control_characters");
        let draft = EpikriseDraftInput::default().parse().unwrap();
        assert_eq!(
            (draft.kind, draft.assessment),
            (EpikriseKind::Epikrise, None)
        );
        let cleared = EpikriseDraftInput {
            kind: Some(EpikriseKind::GpMessage),
            assessment: Some(" ".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(cleared.assessment, Some(None));
    }

    #[test]
    fn an_epikrise_waits_for_the_end_of_the_period() {
        let e = may_draft(EpikriseKind::Epikrise, PeriodStatus::Active).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("kind", "period_ended"));
        assert!(may_draft(EpikriseKind::Epikrise, PeriodStatus::Discontinued).is_ok());
        assert!(may_draft(EpikriseKind::GpMessage, PeriodStatus::Paused).is_ok());
    }

    #[test]
    fn a_sending_names_its_recipient_and_a_past_day() {
        let today = d("2026-11-25");
        let sending = |name: &str, on: &str| {
            EpikriseSendingInput {
                kind: None,
                recipient_kind: RecipientKind::Referrer,
                recipient_name: name.into(),
                channel: SendChannel::Helsenett,
                sent_on: d(on),
            }
            .parse(today)
        };
        let ok = sending(" Kari Lege ", "2026-11-26").unwrap();
        assert_eq!(
            (ok.kind, ok.recipient_name.as_str()),
            (EpikriseKind::Epikrise, "Kari Lege")
        );
        let e = sending("", "2026-11-27").unwrap_err();
        let rules: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            rules,
            vec![("recipient_name", "length"), ("sent_on", "not_future")]
        );
    }

    #[test]
    fn a_share_is_written_as_a_percentage() {
        let share = Indicator {
            name: "goal_attainment",
            definition_id: "goal_attainment",
            definition_version: 1,
            value: Some(Value::Number(0.5)),
            unit: Some("share"),
            missing: None,
            inputs: vec![],
        };
        assert_eq!(
            indicator_line(&share),
            "goal_attainment: 50 % (definisjon goal_attainment versjon 1)"
        );
    }

    #[test]
    fn numbers_are_written_the_norwegian_way() {
        assert_eq!(number_nb(64.6), "64,6");
        assert_eq!(number_nb(430.0), "430");
        assert_eq!(number_nb(-2.25), "-2,3");
    }
}
