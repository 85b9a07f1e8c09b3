//! Health conversations (helsesamtale): start, interim and end.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DATE_SLACK_DAYS, check_date, done};
use crate::validation::FieldError;

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
