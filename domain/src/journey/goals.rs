//! Goals in the participant's own words and how far they were reached.

use serde::{Deserialize, Serialize};

use super::{done, text_field};
use crate::validation::FieldError;

wire_enum!(
    /// How far a goal was reached, set at the end conversation.
    Attainment {
        Not => "not",
        Partly => "partly",
        Fully => "fully",
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
