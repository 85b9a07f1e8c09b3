//! Headers on every response, errors, the spec and `/docs` included:
//!
//! - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`
//!   everywhere;
//! - `Cache-Control: no-store` on every `/v1` response except the public
//!   spec: nearly all of them carry health data or tokens, and a rule by path
//!   cannot forget a new operation;
//! - `Strict-Transport-Security` when the configured origin is https;
//! - `Allow` on 405 (RFC 9110 §15.5.6), listing the methods the path has in
//!   the spec (HEAD wherever GET is: poem answers HEAD with the GET handler).

use std::sync::Arc;

use poem::http::header::{
    ALLOW, CACHE_CONTROL, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
};
use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

/// One year; without `includeSubDomains`, since a municipality's other
/// hosts under the same domain are not ours to pin to HTTPS.
pub const HSTS_VALUE: &str = "max-age=31536000";

/// Which methods each path of the API answers, from the spec's paths.
#[derive(Debug, Default)]
pub struct AllowIndex {
    routes: Vec<(Vec<Segment>, String)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Static(String),
    Param,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') || s.starts_with(':') {
                Segment::Param
            } else {
                Segment::Static(s.to_owned())
            }
        })
        .collect()
}

impl AllowIndex {
    /// From an OpenAPI document's `paths`, plus routes served outside it.
    pub fn from_spec(spec: &serde_json::Value, extra: &[(&str, &[&str])]) -> Self {
        let mut routes = Vec::new();
        if let Some(paths) = spec["paths"].as_object() {
            for (template, ops) in paths {
                let methods: Vec<String> = ops
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                    .unwrap_or_default();
                routes.push((segments(template), allow_value(methods)));
            }
        }
        for (template, methods) in extra {
            let methods = methods.iter().map(|m| (*m).to_owned()).collect();
            routes.push((segments(template), allow_value(methods)));
        }
        AllowIndex { routes }
    }

    /// The `Allow` value for a request path: of the templates that match, the
    /// one the router prefers (a static segment beats a parameter, left to
    /// right).
    pub fn allow_for(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == parts.len()
                    && template.iter().zip(&parts).all(|(seg, part)| match seg {
                        Segment::Static(s) => s == part,
                        Segment::Param => !part.is_empty(),
                    })
            })
            .max_by(|(a, _), (b, _)| {
                let rank = |t: &Vec<Segment>| -> Vec<bool> {
                    t.iter().map(|s| matches!(s, Segment::Static(_))).collect()
                };
                rank(a).cmp(&rank(b))
            })
            .map(|(_, allow)| allow.as_str())
    }
}

fn allow_value(mut methods: Vec<String>) -> String {
    if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
        methods.push("HEAD".to_owned());
    }
    const ORDER: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    methods.sort_by_key(|m| ORDER.iter().position(|o| o == m).unwrap_or(ORDER.len()));
    methods.dedup();
    methods.join(", ")
}

pub struct ResponseHeaders {
    pub hsts: bool,
    pub public_paths: Vec<&'static str>,
    pub allow: Arc<AllowIndex>,
}

impl<E: Endpoint> Middleware<E> for ResponseHeaders {
    type Output = ResponseHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ResponseHeadersEndpoint {
            inner,
            hsts: self.hsts,
            public_paths: self.public_paths.clone(),
            allow: self.allow.clone(),
        }
    }
}

pub struct ResponseHeadersEndpoint<E> {
    inner: E,
    hsts: bool,
    public_paths: Vec<&'static str>,
    allow: Arc<AllowIndex>,
}

impl<E: Endpoint> Endpoint for ResponseHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let path = req.uri().path().to_owned();
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => err.into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        let personal = (path == "/v1" || path.starts_with("/v1/"))
            && !self.public_paths.iter().any(|p| *p == path);
        if personal {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if self.hsts {
            headers.insert(
                STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS_VALUE),
            );
        }
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(value) = self
                .allow
                .allow_for(&path)
                .and_then(|allow| HeaderValue::from_str(allow).ok())
        {
            response.headers_mut().insert(ALLOW, value);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_most_specific_matching_path() {
        let spec = serde_json::json!({"paths": {
            "/v1/me": {"get": {}, "delete": {}},
            "/v1/me/diary/{kind}/{entry_id}": {"get": {}, "put": {}, "delete": {}},
            "/v1/me/diary/sync/{entry_id}": {"post": {}},
            "/v1/auth/logout": {"post": {}},
        }});
        let index = AllowIndex::from_spec(&spec, &[("/v1/openapi.json", &["GET"])]);
        assert_eq!(index.allow_for("/v1/me"), Some("GET, HEAD, DELETE"));
        assert_eq!(
            index.allow_for("/v1/me/diary/food/0193"),
            Some("GET, HEAD, PUT, DELETE")
        );
        assert_eq!(index.allow_for("/v1/me/diary/sync/0193"), Some("POST"));
        assert_eq!(index.allow_for("/v1/auth/logout"), Some("POST"));
        assert_eq!(index.allow_for("/v1/openapi.json"), Some("GET, HEAD"));
        assert_eq!(index.allow_for("/v1/nothing"), None);
        assert_eq!(index.allow_for("/v1/me/diary/food"), None);
    }
}
