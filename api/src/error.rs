//! The one API error type. Every refusal, from a handler, from request
//! parsing inside poem-openapi, or from poem itself (unknown route, wrong
//! method, body too large), leaves as RFC 9457 `application/problem+json`
//! naming the field and the rule where there is one. Internal failures are
//! logged with their cause and answered with a generic 500: nothing leaks.

use friskliv_domain::FieldError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// RFC 9457 problem details.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct Problem {
    /// A URN naming the kind of problem, stable for clients to branch on.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a person to read.
    pub detail: String,
    /// The fields that broke a rule, when the problem is about input; always
    /// present, empty when the problem is not about a field.
    pub errors: Vec<FieldProblem>,
    /// For a version conflict: the entry as the server holds it, so the
    /// client can merge or adopt it.
    #[oai(skip_serializing_if_is_none)]
    pub current: Option<serde_json::Value>,
}

/// One field of the request that broke one rule.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// The field, e.g. `display_name` or `credential`.
    pub field: String,
    /// The rule it broke, e.g. `length`, `format`, `one_of`, `required`.
    pub rule: String,
    pub message: String,
}

impl From<FieldError> for FieldProblem {
    fn from(err: FieldError) -> Self {
        FieldProblem {
            field: err.field,
            rule: err.rule.to_owned(),
            message: err.message,
        }
    }
}

#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, a wrong type, a missing
    /// field or a bad parameter.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid session: the bearer token is missing, unknown, expired or
    /// revoked, or a passkey was not accepted.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// Signed in, but this role or centre may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource (or not one the caller may know about).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state (e.g. an invite already
    /// used, the last passkey).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// It existed, but is gone for good (e.g. an export file past its
    /// retention); ask for it anew.
    #[oai(status = 410, content_type = "application/problem+json")]
    Gone(Json<Problem>),
    /// The request body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The request body is not JSON.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed, but a value breaks a rule; `errors` names each field.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many attempts from this address; retry after the given seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// Something failed on the server. The cause is logged, never returned.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is not reachable.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

fn problem(
    status: StatusCode,
    code: &str,
    title: &str,
    detail: impl Into<String>,
) -> Json<Problem> {
    Json(Problem {
        problem_type: format!("urn:friskliv:problem:{code}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: Vec::new(),
        current: None,
    })
}

const BEARER_CHALLENGE: &str = "Bearer realm=\"friskliv\"";

impl ApiError {
    pub fn bad_request(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut body = problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read",
            format!("{field}: {message}"),
        );
        body.0.errors.push(FieldProblem {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message,
        });
        ApiError::BadRequest(body)
    }

    pub fn validation(err: FieldError) -> Self {
        Self::validation_many(vec![err])
    }

    pub fn validation_many(errs: Vec<FieldError>) -> Self {
        let detail = errs
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut body = problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "A value breaks a rule",
            detail,
        );
        body.0.errors = errs.into_iter().map(FieldProblem::from).collect();
        ApiError::Unprocessable(body)
    }

    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Unauthorized(
            problem(
                StatusCode::UNAUTHORIZED,
                code,
                "Not signed in",
                detail.into(),
            ),
            BEARER_CHALLENGE.to_owned(),
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::Forbidden(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed",
            detail.into(),
        ))
    }

    /// 404 for a path segment that names nothing, e.g. an unknown diary kind.
    pub fn not_found_field(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut body = problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("{field}: {message}"),
        );
        body.0.errors.push(FieldProblem {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message,
        });
        ApiError::NotFound(body)
    }

    /// 409 for a value that is well-formed but conflicts with what is
    /// stored (e.g. a date before the period's start), naming the field.
    pub fn conflict_field(err: FieldError) -> Self {
        let mut body = problem(
            StatusCode::CONFLICT,
            "conflict",
            "Conflicts with the current state",
            format!("{}: {}", err.field, err.message),
        );
        body.0.errors.push(FieldProblem::from(err));
        ApiError::Conflict(body)
    }

    /// 409 carrying the server's current state of the resource.
    pub fn conflict_with(
        code: &str,
        detail: impl Into<String>,
        current: serde_json::Value,
    ) -> Self {
        let mut body = problem(
            StatusCode::CONFLICT,
            code,
            "Conflicts with the current state",
            detail.into(),
        );
        body.0.current = Some(current);
        ApiError::Conflict(body)
    }

    /// The problem document of an error, e.g. for a per-item result.
    pub fn into_problem(self) -> Problem {
        match self {
            ApiError::BadRequest(p)
            | ApiError::Unauthorized(p, _)
            | ApiError::Forbidden(p)
            | ApiError::NotFound(p)
            | ApiError::Conflict(p)
            | ApiError::Gone(p)
            | ApiError::PayloadTooLarge(p)
            | ApiError::UnsupportedMediaType(p)
            | ApiError::Unprocessable(p)
            | ApiError::TooManyRequests(p, _)
            | ApiError::Internal(p)
            | ApiError::Unavailable(p) => p.0,
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("no such {what}"),
        ))
    }

    /// 410 for a value that named something that is gone for good.
    pub fn gone_field(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut body = problem(
            StatusCode::GONE,
            "gone",
            "Gone",
            format!("{field}: {message}"),
        );
        body.0.errors.push(FieldProblem {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message,
        });
        ApiError::Gone(body)
    }

    pub fn gone(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Gone(problem(StatusCode::GONE, code, "Gone", detail.into()))
    }

    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Conflict(problem(
            StatusCode::CONFLICT,
            code,
            "Conflicts with the current state",
            detail.into(),
        ))
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        ApiError::TooManyRequests(
            problem(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many attempts",
                format!("too many attempts from this address; try again in {retry_after_secs} s"),
            ),
            retry_after_secs,
        )
    }

    pub fn unavailable() -> Self {
        ApiError::Unavailable(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the database is not reachable".to_owned(),
        ))
    }

    /// Logs the cause with the request's span and answers with nothing of it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed to handle the request; it has been logged".to_owned(),
        ))
    }

    /// Turns errors raised while extracting a request (authentication,
    /// parameters, body) or by poem itself into problems.
    pub fn from_request_error(err: poem::Error) -> Self {
        use poem_openapi::error::{
            AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
            ParseRequestPayloadError,
        };
        if err.is::<AuthorizationError>() {
            return ApiError::unauthorized(
                "missing-token",
                "send `Authorization: Bearer <token>` from a passkey login",
            );
        }
        if let Some(e) = err.downcast_ref::<ParseParamError>() {
            return ApiError::bad_request(e.name, "format", e.reason.clone());
        }
        if let Some(e) = err.downcast_ref::<ParsePathError>() {
            return ApiError::bad_request(e.name, "format", e.reason.clone());
        }
        if let Some(e) = err.downcast_ref::<crate::body::BodyError>() {
            return ApiError::bad_request(&e.field, e.rule, e.message.clone());
        }
        if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
            let field = field_named_in(&e.reason).unwrap_or_else(|| "body".to_owned());
            return ApiError::bad_request(&field, "type", e.reason.clone());
        }
        if err.is::<ContentTypeError>() {
            return ApiError::UnsupportedMediaType(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as `Content-Type: application/json`".to_owned(),
            ));
        }
        from_status(err.status())
    }
}

/// poem-openapi's parse messages name the field in backticks or quotes
/// (e.g. "failed to parse \"string\": field `display_name` ...").
fn field_named_in(reason: &str) -> Option<String> {
    let start = reason.find('`')? + 1;
    let len = reason[start..].find('`')?;
    let field = &reason[start..start + len];
    (!field.is_empty() && field.len() < 80).then(|| field.to_owned())
}

/// A problem for a bare status, for errors raised outside our handlers.
pub fn from_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::UNAUTHORIZED => ApiError::unauthorized("missing-token", "sign in first"),
        StatusCode::FORBIDDEN => ApiError::forbidden("not allowed"),
        StatusCode::NOT_FOUND => ApiError::NotFound(problem(
            status,
            "not-found",
            "Not found",
            "no such resource".to_owned(),
        )),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(problem(
            status,
            "payload-too-large",
            "Request body too large",
            "the request body is larger than the server accepts".to_owned(),
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(problem(
            status,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as `Content-Type: application/json`".to_owned(),
        )),
        StatusCode::TOO_MANY_REQUESTS => ApiError::too_many_requests(60),
        s if s.is_client_error() => ApiError::BadRequest(problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read",
            s.canonical_reason().unwrap_or("bad request").to_owned(),
        )),
        _ => ApiError::internal(format!("unexpected status {status}")),
    }
}

/// Every error that leaves a handler or an extractor passes here: our own
/// problems go out as they are; poem's and poem-openapi's (unknown route,
/// wrong method, unreadable body, missing token, body limit, …) become
/// problem+json too.
pub async fn catch_all(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let mut resp = match status {
        StatusCode::METHOD_NOT_ALLOWED => Json(Problem {
            problem_type: "urn:friskliv:problem:method-not-allowed".to_owned(),
            title: "Method not allowed".to_owned(),
            status: status.as_u16(),
            detail: "this path does not accept that HTTP method".to_owned(),
            errors: Vec::new(),
            current: None,
        })
        .with_status(status)
        .into_response(),
        _ => ApiError::from_request_error(err).into_response(),
    };
    resp.headers_mut().insert(
        poem::http::header::CONTENT_TYPE,
        poem::http::HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    resp
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(err)
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => ApiError::internal(db),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(err: FieldError) -> Self {
        ApiError::validation(err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every refusal of a use case, answered once here.
impl From<friskliv_store::Error> for ApiError {
    fn from(err: friskliv_store::Error) -> Self {
        use friskliv_store::Refusal;
        match err {
            friskliv_store::Error::Db(db) => ApiError::internal(db),
            friskliv_store::Error::Internal(cause) => ApiError::internal(cause),
            friskliv_store::Error::Refused(refusal) => match refusal {
                Refusal::Unauthenticated { code, detail } => ApiError::unauthorized(code, detail),
                Refusal::Forbidden(why) => ApiError::forbidden(why),
                Refusal::NotFound(what) => ApiError::not_found(&what),
                Refusal::NotFoundField(e) => ApiError::not_found_field(&e.field, e.rule, e.message),
                Refusal::Conflict {
                    code,
                    detail,
                    current,
                } if current.is_null() => ApiError::conflict(code, detail),
                Refusal::Conflict {
                    code,
                    detail,
                    current,
                } => ApiError::conflict_with(code, detail, current),
                Refusal::ConflictField(e) => ApiError::conflict_field(e),
                Refusal::Gone { code, detail } => ApiError::gone(code, detail),
                Refusal::GoneField(e) => ApiError::gone_field(&e.field, e.rule, e.message),
                Refusal::Invalid(errors) => ApiError::validation_many(errors),
                Refusal::Unreadable(e) => ApiError::bad_request(&e.field, e.rule, e.message),
            },
        }
    }
}
