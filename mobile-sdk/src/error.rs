//! One error type for everything the SDK does, so an app has one `when`
//! (Kotlin) or `switch` (Swift) to write: each variant says what the app
//! should do next, and carries the server's `detail` for the person.

use serde::{Deserialize, Serialize};

/// One field that broke one rule, as the server names it in problem+json
/// and as the local validation (the same domain rules) names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FieldProblem {
    pub field: String,
    pub rule: String,
    pub message: String,
}

impl From<friskliv_domain::FieldError> for FieldProblem {
    fn from(e: friskliv_domain::FieldError) -> Self {
        FieldProblem {
            field: e.field,
            rule: e.rule.to_owned(),
            message: e.message,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum SdkError {
    /// The server could not be reached; local writes are kept and queued.
    #[error("offline: {detail}")]
    Offline { detail: String },
    /// No session, or it ended: sign in again (the stored token is cleared).
    #[error("sign in again: {detail}")]
    Unauthorised { detail: String },
    /// Signed in, but this is not allowed for this account.
    #[error("not allowed: {detail}")]
    Forbidden { detail: String },
    /// The input broke a rule; each field is named. Refused locally before
    /// anything is written or queued, or by the server with the same names.
    #[error("invalid: {detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldProblem>,
    },
    /// Not there (or not yours): an unknown id, a withdrawn consent, an
    /// expired ceremony.
    #[error("not found: {detail}")]
    NotFound { detail: String },
    /// The request clashes with the server's state, e.g. a stale version.
    /// `problem_type` is the server's stable URN to branch on.
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        problem_type: String,
    },
    /// Too many attempts: wait `retry_after_seconds` (when the server said).
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_seconds: Option<u64>,
    },
    /// The server failed (5xx) or answered something this SDK cannot read.
    #[error("server error {status}: {detail}")]
    Server { status: u16, detail: String },
    /// The phone's own database failed (disk full, file removed).
    #[error("local store: {detail}")]
    Storage { detail: String },
}

pub type Result<T> = std::result::Result<T, SdkError>;

impl SdkError {
    pub(crate) fn validation(errors: Vec<friskliv_domain::FieldError>) -> Self {
        let errors: Vec<FieldProblem> = errors.into_iter().map(FieldProblem::from).collect();
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        SdkError::Validation { detail, errors }
    }

    pub(crate) fn field(field: &str, rule: &str, message: &str) -> Self {
        SdkError::Validation {
            detail: format!("{field}: {message}"),
            errors: vec![FieldProblem {
                field: field.to_owned(),
                rule: rule.to_owned(),
                message: message.to_owned(),
            }],
        }
    }

    pub(crate) fn unreadable(what: &str, e: impl std::fmt::Display) -> Self {
        SdkError::Server {
            status: 200,
            detail: format!("the server's {what} could not be read: {e}"),
        }
    }
}

impl From<rusqlite::Error> for SdkError {
    fn from(e: rusqlite::Error) -> Self {
        SdkError::Storage {
            detail: e.to_string(),
        }
    }
}

impl From<serde_json::Error> for SdkError {
    fn from(e: serde_json::Error) -> Self {
        SdkError::Storage {
            detail: format!("a stored record could not be read: {e}"),
        }
    }
}

/// RFC 9457 problem details as the server sends them.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Problem {
    #[serde(rename = "type", default)]
    pub problem_type: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
}

impl Problem {
    /// The error an HTTP status and its problem body mean for the app.
    pub(crate) fn into_error(self, status: u16, retry_after: Option<u64>) -> SdkError {
        let detail = self.detail;
        match status {
            401 => SdkError::Unauthorised { detail },
            403 => SdkError::Forbidden { detail },
            404 | 410 => SdkError::NotFound { detail },
            409 => SdkError::Conflict {
                detail,
                problem_type: self.problem_type,
            },
            429 => SdkError::RateLimited {
                detail,
                retry_after_seconds: retry_after,
            },
            400 | 413 | 415 | 422 => SdkError::Validation {
                detail,
                errors: self.errors,
            },
            _ => SdkError::Server { status, detail },
        }
    }
}
