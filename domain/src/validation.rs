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
/// control characters anywhere (they break CSV exports and terminal
/// output), surrounding line breaks included. The
/// minimum counts the trimmed text (spaces alone are no label); the maximum
/// counts the text as sent, as the spec's `maxLength` does.
pub(crate) fn bounded_text(
    field: &'static str,
    raw: &str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let (sent, kept) = (raw.chars().count(), trimmed.chars().count());
    if kept < min_chars || sent > max_chars {
        return Err(FieldError::new(
            field,
            "length",
            format!(
                "must be {min_chars} to {max_chars} characters, was {}",
                if kept < min_chars { kept } else { sent }
            ),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "no_control_characters",
            "must not contain control characters such as line breaks or tabs",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_count_the_maximum_as_sent_and_refuse_any_control_character() {
        assert_eq!(bounded_text("f", "  Gå  ", 1, 6).unwrap(), "Gå");
        // Spaces count towards the maximum (as the spec's maxLength does)…
        assert_eq!(
            bounded_text("f", &format!("{} ", "a".repeat(6)), 1, 6)
                .unwrap_err()
                .rule,
            "length"
        );
        // …but not towards the minimum.
        assert_eq!(bounded_text("f", "   ", 1, 6).unwrap_err().rule, "length");
        // A trailing line break is a control character too.
        assert_eq!(
            bounded_text("f", "text\n", 1, 10).unwrap_err().rule,
            "no_control_characters"
        );
    }
}
