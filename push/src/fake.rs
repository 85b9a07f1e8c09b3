//! A fake FCM for tests (feature `fake`): Google's OAuth2 token endpoint and
//! FCM's `messages:send` on 127.0.0.1, strict about what the real ones check.
//!
//! - The token endpoint verifies the JWT assertion with the service account's
//!   public key (RS256, `iss`, `aud`, `scope`, `iat`/`exp` at most an hour
//!   apart, not expired) and issues access tokens living
//!   [`set_token_lifetime`](FakeFcm::set_token_lifetime) seconds.
//! - `messages:send` checks the project, the bearer token (401 for one it did
//!   not issue or [revoked](FakeFcm::revoke_access_tokens)) and the message
//!   against the v1 JSON shape (400 `INVALID_ARGUMENT` for an unknown field, a
//!   missing token, a non-string title, body or data value, a reserved data
//!   key, a bad android priority or APNs header), then records it.
//! - Per device token it can be scripted to answer `UNREGISTERED`,
//!   `INVALID_ARGUMENT` for the token, or 503 with `Retry-After` the first k
//!   times.
//!
//! ```no_run
//! # async fn demo() {
//! use friskliv_push::{FcmClient, PushMessage, fake::FakeFcm};
//! let fake = FakeFcm::start().await;
//! let dir = tempfile::tempdir().unwrap();
//! let client = FcmClient::new(fake.config(dir.path())).unwrap();
//! // ... code under test sends through `client` ...
//! let got = fake.wait_for(1, std::time::Duration::from_secs(5)).await.unwrap();
//! assert_eq!(got[0].title, "Time for a walk");
//! # }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use poem::listener::TcpAcceptor;
use poem::{Body, EndpointExt, Request, Response, Route, Server, handler, http::StatusCode, post};
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, oneshot};
use url::Url;

pub use crate::token::Claims;
use crate::token::{GRANT_TYPE, SCOPE};
use crate::{FcmConfig, RetryPolicy};

/// The fixture service account (TEST ONLY; see `fixtures/README.md`).
pub const FIXTURE_SERVICE_ACCOUNT: &str = include_str!("../fixtures/test-service-account.json");
/// The fixture service account's public key.
pub const FIXTURE_PUBLIC_KEY: &str = include_str!("../fixtures/test-public-key.pem");
/// The fixture's project id.
pub const FIXTURE_PROJECT_ID: &str = "friskliv-test";
/// The fixture's `client_email`.
pub const FIXTURE_CLIENT_EMAIL: &str = "fcm-sender@friskliv-test.iam.gserviceaccount.com";

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    /// The `name` the fake answered (`projects/{p}/messages/{n}`).
    pub name: String,
    pub token: String,
    pub title: String,
    pub body: String,
    pub data: BTreeMap<String, String>,
    /// `android.notification.channel_id`, if set.
    pub android_channel_id: Option<String>,
    /// The access token it came with.
    pub access_token: String,
    /// The whole `message` object as sent.
    pub json: Value,
}

/// A request the fake refused, and why (for diagnosing a failing test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `"token"` or `"send"`.
    pub endpoint: &'static str,
    pub status: u16,
    pub reason: String,
}

/// The fake FCM. Stops when dropped.
pub struct FakeFcm {
    shared: Arc<Shared>,
    base_url: Url,
    shutdown: Option<oneshot::Sender<()>>,
}

struct Shared {
    key: DecodingKey,
    client_email: String,
    project_id: String,
    audience: String,
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    token_lifetime: u64,
    retry_after: u64,
    valid_tokens: HashSet<String>,
    tokens_issued: usize,
    assertions: Vec<Claims>,
    unregistered: HashSet<String>,
    invalid: HashSet<String>,
    unavailable: HashMap<String, u32>,
    send_requests: usize,
    accepted: Vec<ReceivedMessage>,
    rejected: Vec<Rejection>,
}

impl FakeFcm {
    /// A fake for the fixture service account ([`FIXTURE_PUBLIC_KEY`]); use
    /// [`write_service_account`](Self::write_service_account) or
    /// [`config`](Self::config) for the client's side.
    pub async fn start() -> Self {
        Self::start_with_key(FIXTURE_PUBLIC_KEY, FIXTURE_CLIENT_EMAIL, FIXTURE_PROJECT_ID).await
    }

    /// A fake for another service account: the JWT must verify with
    /// `public_key_pem`, come from `client_email` and have the fake's
    /// [`token_url`](Self::token_url) as audience (write it as the file's
    /// `token_uri`); messages must be for `project_id`.
    pub async fn start_with_key(
        public_key_pem: &str,
        client_email: &str,
        project_id: &str,
    ) -> Self {
        crate::jwt_crypto::install();
        let key = DecodingKey::from_rsa_pem(public_key_pem.as_bytes())
            .expect("fake FCM: the public key is not an RSA public key in PEM");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake FCM: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake FCM: no local address");
        let base_url = Url::parse(&format!("http://{addr}/")).expect("fake FCM: base URL");
        let shared = Arc::new(Shared {
            key,
            client_email: client_email.to_owned(),
            project_id: project_id.to_owned(),
            audience: base_url.join("token").expect("token URL").to_string(),
            state: Mutex::new(State {
                token_lifetime: 3600,
                retry_after: 1,
                valid_tokens: HashSet::new(),
                tokens_issued: 0,
                assertions: Vec::new(),
                unregistered: HashSet::new(),
                invalid: HashSet::new(),
                unavailable: HashMap::new(),
                send_requests: 0,
                accepted: Vec::new(),
                rejected: Vec::new(),
            }),
            changed: Notify::new(),
        });
        let app = Route::new()
            .at("/token", post(token_endpoint))
            .at("/v1/*rest", post(send_endpoint))
            .data(shared.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).expect("fake FCM: acceptor");
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    app,
                    async move {
                        let _ = stopped.await;
                    },
                    Some(Duration::from_secs(1)),
                )
                .await;
        });
        Self {
            shared,
            base_url,
            shutdown: Some(shutdown),
        }
    }

    /// The send base URL (`FcmConfig::send_base_url`).
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// The token endpoint, also the audience the assertion must name.
    pub fn token_url(&self) -> Url {
        Url::parse(&self.shared.audience).expect("token URL")
    }

    /// Writes the fixture service account with `token_uri` pointing at this
    /// fake to `dir/service-account.json` and returns the path. (Only for a
    /// fake started with [`start`](Self::start).)
    pub fn write_service_account(&self, dir: &Path) -> PathBuf {
        let mut account: Value =
            serde_json::from_str(FIXTURE_SERVICE_ACCOUNT).expect("fixture service account");
        account["token_uri"] = Value::String(self.shared.audience.clone());
        let path = dir.join("service-account.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&account).expect("JSON"))
            .expect("fake FCM: cannot write the service account");
        path
    }

    /// A client config for this fake: the service account written to `dir`,
    /// both URLs pointing here, and [`Self::test_retry_policy`].
    pub fn config(&self, dir: &Path) -> FcmConfig {
        let mut config = FcmConfig::new(self.write_service_account(dir));
        config.token_url = Some(self.token_url());
        config.send_base_url = Some(self.base_url());
        config.retry = Self::test_retry_policy();
        config.request_timeout = Duration::from_secs(10);
        config
    }

    /// Short backoffs for tests (a 503 from the fake still waits its
    /// `Retry-After`).
    pub fn test_retry_policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            max_total: Duration::from_secs(20),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// `expires_in` of the access tokens issued from now on (default 3600).
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.state().token_lifetime = seconds;
    }

    /// The `Retry-After` of scripted 503 answers (default 1 second).
    pub fn set_retry_after(&self, seconds: u64) {
        self.state().retry_after = seconds;
    }

    /// Answer 404 `UNREGISTERED` for this device token (the app was
    /// uninstalled).
    pub fn unregister(&self, device_token: &str) {
        self.state().unregistered.insert(device_token.to_owned());
    }

    /// Answer 400 `INVALID_ARGUMENT` naming `message.token` for this device
    /// token (not a valid FCM registration token).
    pub fn reject_token_as_invalid(&self, device_token: &str) {
        self.state().invalid.insert(device_token.to_owned());
    }

    /// Answer 503 `UNAVAILABLE` with `Retry-After` to the next `times` sends
    /// to this device token.
    pub fn unavailable(&self, device_token: &str, times: u32) {
        self.state()
            .unavailable
            .insert(device_token.to_owned(), times);
    }

    /// Stop accepting every access token issued so far (sends with them get
    /// 401 until the client fetches a new one).
    pub fn revoke_access_tokens(&self) {
        self.state().valid_tokens.clear();
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.state().accepted.clone()
    }

    /// How many messages were accepted.
    pub fn count(&self) -> usize {
        self.state().accepted.len()
    }

    /// How many `messages:send` requests arrived (accepted or not).
    pub fn send_requests(&self) -> usize {
        self.state().send_requests
    }

    /// How many access tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.state().tokens_issued
    }

    /// The claims of every assertion the token endpoint accepted.
    pub fn assertions(&self) -> Vec<Claims> {
        self.state().assertions.clone()
    }

    /// Every request refused, and why.
    pub fn rejections(&self) -> Vec<Rejection> {
        self.state().rejected.clone()
    }

    /// Waits until at least `n` messages were accepted, at most `timeout`;
    /// returns them, or a description of what arrived instead.
    pub async fn wait_for(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedMessage>, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.state();
                if state.accepted.len() >= n {
                    return Ok(state.accepted.clone());
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let state = self.state();
                return Err(format!(
                    "fake FCM: waited {timeout:?} for {n} messages, got {}; {} send requests; \
                     refused: {:?}",
                    state.accepted.len(),
                    state.send_requests,
                    state.rejected
                ));
            }
        }
    }
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refuse(
        &self,
        endpoint: &'static str,
        status: StatusCode,
        reason: &str,
        body: Value,
    ) -> Response {
        self.state().rejected.push(Rejection {
            endpoint,
            status: status.as_u16(),
            reason: reason.to_owned(),
        });
        self.changed.notify_waiters();
        json_response(status, &body)
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=UTF-8")
        .body(Body::from_string(body.to_string()))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[handler]
async fn token_endpoint(req: &Request, body: String) -> Response {
    let shared = req.data::<Arc<Shared>>().expect("fake FCM state").clone();
    let refuse = |reason: String| {
        shared.refuse(
            "token",
            StatusCode::BAD_REQUEST,
            &reason,
            json!({ "error": "invalid_grant", "error_description": reason }),
        )
    };
    let form_encoded = req
        .content_type()
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return refuse(format!(
            "content type {:?}, expected application/x-www-form-urlencoded",
            req.content_type()
        ));
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if form.get("grant_type").map(String::as_str) != Some(GRANT_TYPE) {
        return refuse(format!(
            "grant_type {:?}, expected {GRANT_TYPE}",
            form.get("grant_type")
        ));
    }
    let Some(assertion) = form.get("assertion") else {
        return refuse("no assertion".into());
    };
    match jsonwebtoken::decode_header(assertion) {
        Ok(h) if h.alg == Algorithm::RS256 && h.typ.as_deref() == Some("JWT") => {}
        Ok(h) => {
            return refuse(format!(
                "JWT header alg {:?} typ {:?}, expected RS256 JWT",
                h.alg, h.typ
            ));
        }
        Err(e) => return refuse(format!("assertion is not a JWT: {e}")),
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&shared.audience]);
    validation.set_issuer(&[&shared.client_email]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    validation.leeway = 60;
    let claims = match jsonwebtoken::decode::<Claims>(assertion, &shared.key, &validation) {
        Ok(data) => data.claims,
        Err(e) => return refuse(format!("assertion rejected: {e}")),
    };
    if !claims.scope.split(' ').any(|s| s == SCOPE) {
        return refuse(format!("scope {:?} lacks {SCOPE}", claims.scope));
    }
    if claims.exp <= claims.iat || claims.exp - claims.iat > 3600 {
        return refuse(format!(
            "exp - iat = {}, must be 1..=3600",
            claims.exp as i64 - claims.iat as i64
        ));
    }
    if claims.iat > now() + 60 {
        return refuse("iat is in the future".into());
    }
    let (access_token, expires_in) = {
        let mut state = shared.state();
        state.tokens_issued += 1;
        let token = format!("fake-access-token-{}", state.tokens_issued);
        state.valid_tokens.insert(token.clone());
        state.assertions.push(claims);
        (token, state.token_lifetime)
    };
    shared.changed.notify_waiters();
    json_response(
        StatusCode::OK,
        &json!({ "access_token": access_token, "expires_in": expires_in, "token_type": "Bearer" }),
    )
}

fn google_error(code: StatusCode, status: &str, message: &str, details: Value) -> Value {
    json!({ "error": { "code": code.as_u16(), "message": message, "status": status, "details": details } })
}

fn fcm_error(code: &str) -> Value {
    json!({ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code })
}

fn bad_request(field: &str, description: &str) -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{ "field": field, "description": description }]
    })
}

#[handler]
async fn send_endpoint(req: &Request, body: String) -> Response {
    let shared = req.data::<Arc<Shared>>().expect("fake FCM state").clone();
    shared.state().send_requests += 1;
    let expected_path = format!("/v1/projects/{}/messages:send", shared.project_id);
    if req.uri().path() != expected_path {
        let reason = format!("path {}, expected {expected_path}", req.uri().path());
        return shared.refuse(
            "send",
            StatusCode::NOT_FOUND,
            &reason,
            google_error(StatusCode::NOT_FOUND, "NOT_FOUND", &reason, json!([])),
        );
    }
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let authorised = bearer
        .as_ref()
        .is_some_and(|t| shared.state().valid_tokens.contains(t));
    let Some(access_token) = bearer.filter(|_| authorised) else {
        return shared.refuse(
            "send",
            StatusCode::UNAUTHORIZED,
            "no valid bearer token",
            google_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, \
                 login cookie or other valid authentication credential.",
                json!([]),
            ),
        );
    };
    let invalid = |reason: String, field: &str| {
        shared.refuse(
            "send",
            StatusCode::BAD_REQUEST,
            &reason,
            google_error(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                &reason,
                json!([fcm_error("INVALID_ARGUMENT"), bad_request(field, &reason)]),
            ),
        )
    };
    if !req
        .content_type()
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return invalid(
            format!(
                "content type {:?}, expected application/json",
                req.content_type()
            ),
            "",
        );
    }
    let json: Value = match serde_json::from_str(&body) {
        Ok(json) => json,
        Err(e) => return invalid(format!("Invalid JSON payload received. {e}"), ""),
    };
    let mut received = match check_request(&json) {
        Ok(received) => received,
        Err((field, reason)) => return invalid(reason, &field),
    };
    let token = received.token.clone();
    let mut state = shared.state();
    if state.unregistered.contains(&token) {
        drop(state);
        return shared.refuse(
            "send",
            StatusCode::NOT_FOUND,
            "scripted: UNREGISTERED",
            google_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "Requested entity was not found.",
                json!([fcm_error("UNREGISTERED")]),
            ),
        );
    }
    if state.invalid.contains(&token) {
        drop(state);
        let message = "The registration token is not a valid FCM registration token";
        return shared.refuse(
            "send",
            StatusCode::BAD_REQUEST,
            "scripted: invalid token",
            google_error(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                message,
                json!([
                    fcm_error("INVALID_ARGUMENT"),
                    bad_request("message.token", message)
                ]),
            ),
        );
    }
    if let Some(left) = state.unavailable.get_mut(&token).filter(|left| **left > 0) {
        *left -= 1;
        let retry_after = state.retry_after;
        drop(state);
        let mut response = shared.refuse(
            "send",
            StatusCode::SERVICE_UNAVAILABLE,
            "scripted: UNAVAILABLE",
            google_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "The service is currently unavailable.",
                json!([fcm_error("UNAVAILABLE")]),
            ),
        );
        response.headers_mut().insert(
            "retry-after",
            retry_after.to_string().parse().expect("header value"),
        );
        return response;
    }
    let name = format!(
        "projects/{}/messages/0:{}",
        shared.project_id,
        state.accepted.len() + 1
    );
    received.name = name.clone();
    received.access_token = access_token;
    state.accepted.push(received);
    drop(state);
    shared.changed.notify_waiters();
    json_response(StatusCode::OK, &json!({ "name": name }))
}

type ShapeError = (String, String);

fn shape(field: &str, reason: impl Into<String>) -> ShapeError {
    (field.to_owned(), reason.into())
}

const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
    "token",
    "topic",
    "condition",
];
const NOTIFICATION_FIELDS: &[&str] = &["title", "body", "image"];
const ANDROID_FIELDS: &[&str] = &[
    "collapse_key",
    "priority",
    "ttl",
    "restricted_package_name",
    "data",
    "notification",
    "fcm_options",
    "direct_boot_ok",
    "bandwidth_constrained_ok",
    "restricted_satellite_ok",
];
const ANDROID_NOTIFICATION_FIELDS: &[&str] = &[
    "title",
    "body",
    "icon",
    "color",
    "sound",
    "tag",
    "click_action",
    "body_loc_key",
    "body_loc_args",
    "title_loc_key",
    "title_loc_args",
    "channel_id",
    "ticker",
    "sticky",
    "event_time",
    "local_only",
    "notification_priority",
    "default_sound",
    "default_vibrate_timings",
    "default_light_settings",
    "vibrate_timings",
    "visibility",
    "notification_count",
    "light_settings",
    "image",
    "bypass_proxy_notification",
    "proxy",
];
const APNS_FIELDS: &[&str] = &["headers", "payload", "fcm_options", "live_activity_token"];
const APS_FIELDS: &[&str] = &[
    "alert",
    "badge",
    "sound",
    "thread-id",
    "category",
    "content-available",
    "mutable-content",
    "target-content-id",
    "interruption-level",
    "relevance-score",
    "filter-criteria",
    "stale-date",
    "content-state",
    "timestamp",
    "event",
    "dismissal-date",
    "attributes-type",
    "attributes",
];
const APNS_PUSH_TYPES: &[&str] = &[
    "alert",
    "background",
    "location",
    "voip",
    "complication",
    "fileprovider",
    "mdm",
    "liveactivity",
    "pushtotalk",
];

fn object<'a>(value: &'a Value, field: &str) -> Result<&'a Map<String, Value>, ShapeError> {
    value
        .as_object()
        .ok_or_else(|| shape(field, format!("`{field}` must be an object")))
}

fn known_fields(map: &Map<String, Value>, field: &str, known: &[&str]) -> Result<(), ShapeError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(shape(
            field,
            format!("Invalid JSON payload received. Unknown name \"{unknown}\" at '{field}'"),
        )),
        None => Ok(()),
    }
}

fn string_map(value: &Value, field: &str) -> Result<BTreeMap<String, String>, ShapeError> {
    object(value, field)?
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(shape(field, format!("`{field}.{k}` must be a string"))),
        })
        .collect()
}

/// Checks a `messages:send` body against the v1 API; returns the message.
fn check_request(json: &Value) -> Result<ReceivedMessage, ShapeError> {
    let top = object(json, "")?;
    known_fields(top, "", &["message", "validate_only"])?;
    let message = top
        .get("message")
        .ok_or_else(|| shape("message", "`message` is required"))?;
    let m = object(message, "message")?;
    known_fields(m, "message", MESSAGE_FIELDS)?;
    if m.contains_key("topic") || m.contains_key("condition") {
        return Err(shape("message", "the fake serves only `token` targets"));
    }
    let token = match m.get("token") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        _ => {
            return Err(shape(
                "message",
                "`message.token` must be a non-empty string",
            ));
        }
    };

    let notification = object(
        m.get("notification")
            .ok_or_else(|| shape("message.notification", "`message.notification` is required"))?,
        "message.notification",
    )?;
    known_fields(notification, "message.notification", NOTIFICATION_FIELDS)?;
    let text = |name: &str| match notification.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(shape(
            "message.notification",
            format!("`message.notification.{name}` must be a string"),
        )),
    };
    let (title, body) = (text("title")?, text("body")?);

    let data = match m.get("data") {
        Some(value) => string_map(value, "message.data")?,
        None => BTreeMap::new(),
    };
    if let Some(key) = data.keys().find(|k| {
        let k = k.to_lowercase();
        ["from", "notification", "message_type"].contains(&k.as_str())
            || k.starts_with("google")
            || k.starts_with("gcm")
    }) {
        return Err(shape(
            "message.data",
            format!("`message.data` key \"{key}\" is reserved"),
        ));
    }

    let mut android_channel_id = None;
    if let Some(android) = m.get("android") {
        let android = object(android, "message.android")?;
        known_fields(android, "message.android", ANDROID_FIELDS)?;
        if let Some(priority) = android.get("priority")
            && !["normal", "high", "NORMAL", "HIGH"].contains(&priority.as_str().unwrap_or(""))
        {
            return Err(shape(
                "message.android.priority",
                format!("`message.android.priority` {priority}, expected \"normal\" or \"high\""),
            ));
        }
        if let Some(n) = android.get("notification") {
            let n = object(n, "message.android.notification")?;
            known_fields(
                n,
                "message.android.notification",
                ANDROID_NOTIFICATION_FIELDS,
            )?;
            match n.get("channel_id") {
                None => {}
                Some(Value::String(c)) if !c.is_empty() => android_channel_id = Some(c.clone()),
                Some(_) => {
                    return Err(shape(
                        "message.android.notification.channel_id",
                        "`channel_id` must be a non-empty string",
                    ));
                }
            }
        }
        if let Some(d) = android.get("data") {
            string_map(d, "message.android.data")?;
        }
    }

    if let Some(apns) = m.get("apns") {
        let apns = object(apns, "message.apns")?;
        known_fields(apns, "message.apns", APNS_FIELDS)?;
        let headers = match apns.get("headers") {
            Some(h) => string_map(h, "message.apns.headers")?,
            None => BTreeMap::new(),
        };
        let priority = headers.get("apns-priority").map(String::as_str);
        if priority.is_some_and(|p| p != "5" && p != "10") {
            return Err(shape(
                "message.apns.headers",
                "`apns-priority` must be \"5\" or \"10\"",
            ));
        }
        let push_type = headers.get("apns-push-type").map(String::as_str);
        if push_type.is_some_and(|t| !APNS_PUSH_TYPES.contains(&t)) {
            return Err(shape("message.apns.headers", "unknown `apns-push-type`"));
        }
        let aps = match apns.get("payload") {
            Some(payload) => {
                let payload = object(payload, "message.apns.payload")?;
                match payload.get("aps") {
                    Some(aps) => Some(object(aps, "message.apns.payload.aps")?),
                    None => None,
                }
            }
            None => None,
        };
        if let Some(aps) = aps {
            known_fields(aps, "message.apns.payload.aps", APS_FIELDS)?;
            if aps
                .get("sound")
                .is_some_and(|s| !s.is_string() && !s.is_object())
            {
                return Err(shape(
                    "message.apns.payload.aps",
                    "`aps.sound` must be a string or a dictionary",
                ));
            }
        }
        if push_type == Some("background") {
            let content_available = aps.and_then(|a| a.get("content-available")) == Some(&json!(1));
            if priority != Some("5") || !content_available {
                return Err(shape(
                    "message.apns",
                    "a background push needs apns-priority 5 and aps.content-available 1",
                ));
            }
        }
    }

    Ok(ReceivedMessage {
        name: String::new(),
        token,
        title,
        body,
        data,
        android_channel_id,
        access_token: String::new(),
        json: message.clone(),
    })
}
