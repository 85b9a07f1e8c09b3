//! The one refusal type. A use case that does not do what was asked says
//! why with a [`Refusal`]; `api/src/error.rs` maps it to problem+json once.
//! Anything else that goes wrong is an [`Error::Internal`]: logged there,
//! answered with a generic 500.

use friskliv_domain::FieldError;

/// Why a use case refused: each variant is one kind of answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No valid session (401), with a problem code.
    Unauthenticated { code: &'static str, detail: String },
    /// Signed in, but this role or centre may not (403).
    Forbidden(String),
    /// Names nothing the caller may know of (404).
    NotFound(String),
    /// A field names nothing the server knows (404, naming the field).
    NotFoundField(FieldError),
    /// Conflicts with the current state (409); `current` is the state
    /// (`null` when there is nothing to show).
    Conflict {
        code: &'static str,
        detail: String,
        current: serde_json::Value,
    },
    /// A field's value conflicts with what is stored (409, naming the field).
    ConflictField(FieldError),
    /// It existed and is gone for good (410).
    Gone { code: &'static str, detail: String },
    /// A field names something gone for good (410, naming the field).
    GoneField(FieldError),
    /// Readable, but values break rules (422), every one named.
    Invalid(Vec<FieldError>),
    /// Unreadable input (400), naming the field.
    Unreadable(FieldError),
}

impl Refusal {
    pub fn not_found(what: impl Into<String>) -> Self {
        Refusal::NotFound(what.into())
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Refusal::Forbidden(why.into())
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Refusal::Conflict {
            code,
            detail: detail.into(),
            current: serde_json::Value::Null,
        }
    }

    pub fn conflict_with(
        code: &'static str,
        detail: impl Into<String>,
        current: serde_json::Value,
    ) -> Self {
        Refusal::Conflict {
            code,
            detail: detail.into(),
            current,
        }
    }

    pub fn invalid(err: FieldError) -> Self {
        Refusal::Invalid(vec![err])
    }

    /// A value the request was right to send but that breaks a rule only
    /// stored data can check: naming nothing stored is 404 (`exists`),
    /// contradicting what is stored 409.
    pub fn against_stored(err: FieldError) -> Self {
        if err.rule == "exists" {
            Refusal::NotFoundField(err)
        } else {
            Refusal::ConflictField(err)
        }
    }
}

/// What a use case returns instead of its result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Refused(refusal)
    }
}

impl From<FieldError> for Error {
    fn from(err: FieldError) -> Self {
        Error::Refused(Refusal::Invalid(vec![err]))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Decodes a stored text column into its domain type; a value that does not
/// parse is a broken row, not the caller's fault.
pub fn stored_enum<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T> {
    raw.parse()
        .map_err(|_| Error::internal(format!("stored {what} {raw:?}")))
}

pub fn stored_opt<T: std::str::FromStr>(what: &str, raw: Option<&str>) -> Result<Option<T>> {
    raw.map(|r| stored_enum(what, r)).transpose()
}

/// Decodes a stored JSON column.
pub fn stored_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| Error::internal(format!("stored {what}: {e}")))
}
