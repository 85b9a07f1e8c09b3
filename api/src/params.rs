//! `IdParam`: a UUID path parameter that is documented as `format: uuid` but
//! whose parse error is reported by the handler under the parameter's own
//! name (poem-openapi reports path errors under internal names like `param0`).

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, Type};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Implements `Type` for a parameter type with a hand-written schema whose
/// value is stored as parsed (the handler judges it); `register` names a type
/// whose schema the parameter borrows.
macro_rules! documented_param {
    ($ty:ty, $name:expr, $schema:expr $(, register: $registered:ty)?) => {
        impl Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                $schema
            }

            $(fn register(registry: &mut poem_openapi::registry::Registry) {
                <$registered as Type>::register(registry);
            })?

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }
    };
}

/// A parameter kept as the text the client sent, documented with `$schema`:
/// the handler judges it and names the parameter in its error.
macro_rules! text_param {
    ($(#[$doc:meta])* $ty:ident, $name:expr, $schema:expr $(, register: $registered:ty)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $ty(pub String);

        impl std::ops::Deref for $ty {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        documented_param!($ty, $name, $schema $(, register: $registered)?);

        impl ParseFromParameter for $ty {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Ok($ty(value.to_owned()))
            }
        }
    };
}

#[derive(Debug, Clone)]
pub struct IdParam(Result<Uuid, String>);

impl IdParam {
    /// The id, or a 400 naming `field`.
    pub fn get(&self, field: &str) -> ApiResult<Uuid> {
        self.0.clone().map_err(|raw| {
            ApiError::bad_request(
                field,
                "format",
                format!("must be a UUID such as 0192f0c4-3b9e-7d1a-8c55-2f1e9a7b6c3d, was {raw:?}"),
            )
        })
    }
}

documented_param!(
    IdParam,
    "string_uuid",
    MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "uuid")))
);

impl ParseFromParameter for IdParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        let shown: String = value.chars().take(40).collect();
        Ok(IdParam(value.parse::<Uuid>().map_err(|_| shown)))
    }
}

/// An integer parameter documented with the bounds its handler enforces
/// (with a 422 `range` naming the parameter): `MIN..=MAX`.
#[derive(Debug, Clone, Copy)]
pub struct Bounded<T, const MIN: i64, const MAX: i64>(pub T);

impl<T: Type + ParseFromParameter, const MIN: i64, const MAX: i64> Type for Bounded<T, MIN, MAX> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        format!("{}_{MIN}_{MAX}", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = match T::schema_ref() {
            MetaSchemaRef::Inline(schema) => *schema,
            MetaSchemaRef::Reference(_) => MetaSchema::new("integer"),
        };
        schema.minimum = Some(MIN as f64);
        schema.maximum = Some(MAX as f64);
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<T: Type + ParseFromParameter, const MIN: i64, const MAX: i64> ParseFromParameter
    for Bounded<T, MIN, MAX>
{
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        T::parse_from_parameter(value)
            .map(Bounded)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

/// The characters and length of the paging cursors this server issues.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]{1,200}$";

text_param!(
    /// A paging cursor from a previous page (`next_cursor`): documented with the
    /// shape this server issues. One of another shape is a 400 (`format`); one of
    /// the right shape that the server did not issue names no position: 404.
    CursorParam,
    "string_cursor",
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        pattern: Some(CURSOR_PATTERN.to_owned()),
        ..MetaSchema::new("string")
    }))
);

impl CursorParam {
    /// Whether the text has the shape of an issued cursor.
    pub fn well_formed(raw: &str) -> bool {
        (1..=200).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

text_param!(
    /// A follow-up period number in a path (1, 2, …), documented as such; the
    /// handler reports a malformed one under `period`.
    PeriodParam,
    "integer_period",
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        format: Some("uint32"),
        minimum: Some(1.0),
        maximum: Some(f64::from(u32::MAX)),
        ..MetaSchema::new("integer")
    }))
);

text_param!(
    /// A municipality number in a query (four digits, as the attributes
    /// take it); the store reports a malformed one under the parameter's name.
    MunicipalityParam,
    "string_municipality",
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        pattern: Some(r"^(0[1-9]|[1-9][0-9])[0-9]{2}$".to_owned()),
        ..MetaSchema::new("string")
    }))
);

text_param!(
    /// A diary kind in a path or query, documented as the `EntryKind` enum; the
    /// handler answers one that is not a kind (404 in a path, 422 in a query).
    KindParam,
    "EntryKind",
    <friskliv_domain::diary::EntryKind as Type>::schema_ref(),
    register: friskliv_domain::diary::EntryKind
);

// ---- reports (issue 12) ------------------------------------------------------------

// `json` (default) or `csv`, for the reports and outcome tables (no doc
// comment: the schema has no description).
#[derive(poem_openapi::Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

impl From<Format> for friskliv_store::reports::TableFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Json => friskliv_store::reports::TableFormat::Json,
            Format::Csv => friskliv_store::reports::TableFormat::Csv,
        }
    }
}

// ---- diary area: page sizes, diary kinds and paging cursors -----------------

/// Default and largest page of a diary listing.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_LIST_PAGE: u32 = 500;

/// `limit` between 1 and `max` (default `default`), or 422.
pub fn page_limit(raw: Option<u32>, default: u32, max: u32) -> ApiResult<u64> {
    let limit = raw.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(ApiError::validation(friskliv_domain::FieldError::new(
            "limit",
            "range",
            format!("must be between 1 and {max}"),
        )));
    }
    Ok(u64::from(limit))
}

/// A diary kind in a path: one that is not a kind names nothing (404).
pub fn parse_kind(raw: &str) -> ApiResult<friskliv_domain::diary::EntryKind> {
    raw.parse()
        .map_err(|message: String| ApiError::not_found_field("kind", "one_of", message))
}

fn bad_cursor() -> ApiError {
    ApiError::bad_request(
        "cursor",
        "format",
        "is not a cursor this server issued; start again without one",
    )
}

/// A cursor of the right shape that the server did not issue points at no
/// position: 404, so a client starts again without one.
pub fn unknown_cursor() -> ApiError {
    ApiError::not_found_field(
        "cursor",
        "unknown",
        "is not a cursor this server issued; start again without one",
    )
}

/// The text of a cursor if it has the shape this server issues (else 400).
fn cursor_text(raw: &str) -> ApiResult<String> {
    use base64::Engine;
    if !CursorParam::well_formed(raw) {
        return Err(bad_cursor());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| unknown_cursor())?;
    String::from_utf8(bytes).map_err(|_| unknown_cursor())
}

/// A diary listing's window and page: `limit` 1–500 (default 100) and the
/// cursor it continues from, each refused under its own name.
pub fn list_query(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    limit: Option<u32>,
    cursor: Option<&CursorParam>,
) -> ApiResult<friskliv_store::diary::ListQuery> {
    Ok(friskliv_store::diary::ListQuery {
        from,
        to,
        limit: page_limit(limit, DEFAULT_PAGE, MAX_LIST_PAGE)?,
        after: cursor.map(|c| decode_list_cursor(&c.0)).transpose()?,
    })
}

/// Where a diary listing continues (the store's `encode_list_cursor`
/// writes `d1|<day>|<entry id>`).
pub fn decode_list_cursor(raw: &str) -> ApiResult<friskliv_store::diary::ListPosition> {
    let text = cursor_text(raw)?;
    let mut parts = text.split('|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("d1"), Some(day), Some(id), None) => Ok(friskliv_store::diary::ListPosition {
            diary_day: day.parse().map_err(|_| unknown_cursor())?,
            entry_id: id.parse().map_err(|_| unknown_cursor())?,
        }),
        _ => Err(unknown_cursor()),
    }
}

/// The change a change-feed cursor continues after (the store's
/// `encode_change_cursor` writes `c1|<seq>`).
pub fn decode_change_cursor(raw: &str) -> ApiResult<i64> {
    cursor_text(raw)?
        .strip_prefix("c1|")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(unknown_cursor)
}

// ---- journey (issue 12) ----------------------------------------------------

/// The period number in a path: 1, 2, …
pub fn period_number(raw: &str) -> ApiResult<u32> {
    raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::bad_request(
            "period",
            "format",
            format!(
                "must be a period number 1, 2, …, was {:?}",
                raw.chars().take(20).collect::<String>()
            ),
        )
    })
}
