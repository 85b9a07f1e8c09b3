//! The `/v1` API over HTTP: one request function that turns every answer
//! into the value or an [`SdkError`], and the wire shapes the SDK reads.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::error::{Problem, Result, SdkError};

/// Requests give up after this; the phone is then treated as offline.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub(crate) struct Api {
    base: Url,
    http: reqwest::Client,
}

impl Api {
    pub(crate) fn new(base_url: &str) -> Result<Self> {
        let mut base = Url::parse(base_url)
            .map_err(|_| SdkError::field("base_url", "url", "must be an http(s) URL"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(SdkError::field("base_url", "url", "must be an http(s) URL"));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("friskliv-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SdkError::Server {
                status: 0,
                detail: format!("HTTP client: {e}"),
            })?;
        Ok(Api { base, http })
    }

    /// Sends one request; a 2xx body is read as `T` (`()` for 204).
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<T> {
        let body = body.map(|b| serde_json::to_vec(b).expect("a Value serialises"));
        self.send_bytes(method, path, token, body).await
    }

    /// The same with a body already serialised (the sync batch, built from
    /// the outbox's stored JSON without parsing it again).
    pub(crate) async fn send_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| SdkError::field("path", "url", &e.to_string()))?;
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().await.map_err(offline)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let bytes = response.bytes().await.map_err(offline)?;
        if status.is_success() {
            let bytes: &[u8] = if status == StatusCode::NO_CONTENT || bytes.is_empty() {
                b"null"
            } else {
                &bytes
            };
            return serde_json::from_slice(bytes).map_err(|e| SdkError::unreadable(path, e));
        }
        let problem: Problem = serde_json::from_slice(&bytes).unwrap_or(Problem {
            problem_type: String::new(),
            detail: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            errors: Vec::new(),
        });
        Err(problem.into_error(status.as_u16(), retry_after))
    }
}

fn offline(e: reqwest::Error) -> SdkError {
    if e.is_decode() {
        return SdkError::unreadable("answer", e);
    }
    SdkError::Offline {
        detail: e.to_string(),
    }
}

/// `POST /v1/auth/*/start`.
#[derive(Debug, Deserialize)]
pub(crate) struct CeremonyStart {
    pub ceremony_id: String,
    pub options: Value,
}

/// `POST /v1/auth/*/finish`.
#[derive(Debug, Deserialize)]
pub(crate) struct NewSession {
    pub token: String,
    pub expires_at: String,
    pub account: Value,
}

/// One item's answer in `POST /v1/me/sync`.
#[derive(Debug, Deserialize)]
pub(crate) struct SyncItemResult {
    pub index: u32,
    pub result: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub change: Option<i64>,
    #[serde(default)]
    pub entry: Option<Value>,
    #[serde(default)]
    pub problem: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SyncResponse {
    pub results: Vec<SyncItemResult>,
}

/// `GET /v1/me/changes`. The changes stay raw JSON until the store reads
/// what it needs of each.
#[derive(Debug, Deserialize)]
pub(crate) struct ChangePage {
    pub changes: Vec<Box<serde_json::value::RawValue>>,
    pub next_cursor: String,
    pub has_more: bool,
}
