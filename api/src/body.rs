//! `JsonBody<T>`: a JSON request body whose schema comes from poem-openapi
//! (`T: Object`) but which is parsed by serde with the path of the failing
//! field tracked, so a 400 names the exact field (`items[3].duration`) and
//! a number is never silently accepted where a string is expected.

use std::ops::Deref;

use poem::error::ResponseError;
use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::impl_apirequest_for_payload;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A body that is not the JSON the operation expects.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BodyError {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

impl ResponseError for BodyError {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(mime)
            if mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        parse(&data).map(JsonBody).map_err(Into::into)
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned);

pub fn parse<T: DeserializeOwned>(data: &[u8]) -> std::result::Result<T, BodyError> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let value = serde_path_to_error::deserialize(&mut de).map_err(located)?;
    de.end().map_err(|e| BodyError {
        field: "body".to_owned(),
        rule: "json",
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Reads an already-parsed JSON value (e.g. one item of a batch) as `T`,
/// naming the failing field the same way as [`parse`].
pub fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
) -> std::result::Result<T, BodyError> {
    serde_path_to_error::deserialize(value).map_err(located)
}

fn located(err: serde_path_to_error::Error<serde_json::Error>) -> BodyError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    let (field, rule) = if let Some(missing) = missing_field(&message) {
        let field = if path == "." {
            missing
        } else {
            format!("{path}.{missing}")
        };
        (field, "required")
    } else if inner.is_syntax() || inner.is_eof() {
        ("body".to_owned(), "json")
    } else if path == "." {
        ("body".to_owned(), "type")
    } else {
        (path, "type")
    };
    BodyError {
        field,
        rule,
        message,
    }
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        minutes: u32,
    }

    #[test]
    fn names_the_failing_field() {
        let err = parse::<Outer>(br#"{"name": 5, "items": []}"#).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("name", "type"));
        let err = parse::<Outer>(br#"{"name": "x", "items": [{"minutes": 1}, {"minutes": -1}]}"#)
            .unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("items[1].minutes", "type"));
        let err = parse::<Outer>(br#"{"items": []}"#).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("name", "required"));
        let err = parse::<Outer>(br#"{"name": "x", "items": [{}]}"#).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("items[0].minutes", "required")
        );
        let err = parse::<Outer>(br#"{"name": "x""#).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("body", "json"));
        let err = parse::<Outer>(b"").unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("body", "json"));
        assert!(parse::<Outer>(br#"{"name": "x", "items": []} x"#).is_err());
    }
}

/// A JSON body documented as `S` but read as `T`: for requests whose parts
/// are judged one by one (a sync batch), so that one malformed item is
/// refused on its own instead of failing the whole request.
#[derive(Debug, Clone)]
pub struct JsonBodyAs<S, T>(pub T, std::marker::PhantomData<S>);

impl<S: Type, T: Send> Payload for JsonBodyAs<S, T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        JsonBody::<S>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        S::schema_ref()
    }

    fn register(registry: &mut Registry) {
        S::register(registry);
    }
}

impl<S: Type, T: DeserializeOwned + Send> ParsePayload for JsonBodyAs<S, T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        parse(&data)
            .map(|value| JsonBodyAs(value, std::marker::PhantomData))
            .map_err(Into::into)
    }
}

impl_apirequest_for_payload!(JsonBodyAs<S, T>, S: Type, T: DeserializeOwned + Send);

/// A JSON response streamed from a [`poem::Body`] (e.g. an export too big to
/// hold in memory), documented with the schema of `T`, the document it
/// streams. `T` is only the schema: the handler writes the JSON itself.
pub struct JsonStream<T> {
    body: poem::Body,
    _schema: std::marker::PhantomData<fn() -> T>,
}

impl<T> JsonStream<T> {
    pub fn new(body: poem::Body) -> Self {
        JsonStream {
            body,
            _schema: std::marker::PhantomData,
        }
    }
}

impl<T: Type> Payload for JsonStream<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> poem::IntoResponse for JsonStream<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.body)
    }
}
