//! The one shape every refused input takes: which field, which rule, and a
//! sentence a person can act on. The API maps it to RFC 9457 problem details.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON-pointer-like path of the offending field, e.g. `display_name`.
    pub field: String,
    /// Stable machine-readable rule id, e.g. `length`, `format`, `one_of`.
    pub rule: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }

    /// The same error reported under another field name, for when a value
    /// type is reused by several request fields.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.rule)
    }
}

impl std::error::Error for FieldError {}

/// Trims and checks a free-text label: bounded length in characters and no
/// control characters (they break CSV exports and terminal output).
pub(crate) fn bounded_text(
    field: &'static str,
    raw: &str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars < min_chars || chars > max_chars {
        return Err(FieldError::new(
            field,
            "length",
            format!("must be {min_chars} to {max_chars} characters after trimming, was {chars}"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "no_control_characters",
            "must not contain control characters such as line breaks or tabs",
        ));
    }
    Ok(trimmed.to_owned())
}
