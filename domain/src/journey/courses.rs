//! Courses and group offers attended.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DATE_SLACK_DAYS, check_date, done, text_field};
use crate::validation::FieldError;

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
