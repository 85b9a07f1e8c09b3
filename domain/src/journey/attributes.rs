//! The few participant attributes the indicators need: sex, education,
//! work or school, language and the rest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{dedup_sorted, done, text_field};
use crate::consent::BirthMonth;
use crate::identity::MunicipalityNumber;
use crate::validation::FieldError;

wire_enum!(
    /// Sex as the reference equations and KOSTRA use it.
    Sex {
        Male => "male",
        Female => "female",
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

/// The participant's fastlege, who receives the epikrise (veileder 5.9.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct GpInput {
    /// The GP's name, 1–200 characters.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub name: String,
    /// HPR number (Helsepersonellregisteret), 1–9 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(pattern = r"^[0-9]{1,9}$")))]
    pub hpr_number: Option<String>,
    /// The practice (legekontor), 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub practice: Option<String>,
}

/// A valid fastlege.
#[derive(Debug, Clone, PartialEq)]
pub struct Gp {
    pub name: String,
    pub hpr_number: Option<String>,
    pub practice: Option<String>,
}

impl GpInput {
    fn parse(&self, errors: &mut Vec<FieldError>) -> Option<Gp> {
        let before = errors.len();
        let name = text_field("gp.name", &self.name, 200, errors);
        let hpr_number = self.hpr_number.as_deref().and_then(|raw| {
            let digits = raw.trim();
            let ok = (1..=9).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
            if !ok {
                errors.push(FieldError::new(
                    "gp.hpr_number",
                    "format",
                    "must be the HPR number, 1–9 digits",
                ));
            }
            ok.then(|| digits.to_owned())
        });
        let practice = self
            .practice
            .as_deref()
            .and_then(|raw| text_field("gp.practice", raw, 200, errors));
        (errors.len() == before).then(|| Gp {
            name: name.unwrap_or_default(),
            hpr_number,
            practice,
        })
    }
}

/// The participant attributes the indicators need, and no more (data
/// minimisation, veileder 2831-2839), and the fastlege the epikrise goes
/// to. Fields left out are not changed.
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
    /// The participant's fastlege (replaces the one recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub gp: Option<GpInput>,
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
    pub gp: Option<Gp>,
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
        let gp = self.gp.as_ref().and_then(|gp| gp.parse(&mut errors));
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
                gp,
            },
            errors,
        )
    }
}
