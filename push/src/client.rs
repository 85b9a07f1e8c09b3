//! `messages:send` with retries and the classification of FCM's answers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};
use url::Url;

use crate::token::{TokenError, TokenSource};
use crate::{Delivery, FcmConfig, PushError, PushMessage, RetryPolicy, credentials};

const DEFAULT_SEND_BASE: &str = "https://fcm.googleapis.com";

/// The FCM HTTP v1 client. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct FcmClient {
    inner: Arc<Inner>,
}

struct Inner {
    tokens: TokenSource,
    http: reqwest::Client,
    send_url: Url,
    android_channel_id: Option<String>,
    retry: RetryPolicy,
}

impl fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FcmClient")
            .field("project_id", &self.project_id())
            .field("send_url", &self.inner.send_url.as_str())
            .finish_non_exhaustive()
    }
}

/// The result of one attempt.
enum Attempt {
    Done(Result<Delivery, PushError>),
    Retry {
        detail: String,
        retry_after: Option<Duration>,
    },
    /// 401 to this access token.
    Unauthorized {
        token: Arc<str>,
        detail: String,
    },
}

impl FcmClient {
    /// Reads and checks the service account (a bad file is a
    /// [`PushError::Credentials`] here). Sends nothing.
    pub fn new(config: FcmConfig) -> Result<Self, PushError> {
        crate::jwt_crypto::install();
        let account = credentials::load(&config.credentials_path)?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| PushError::Credentials(format!("cannot build the HTTP client: {e}")))?;
        let base = config
            .send_base_url
            .map(|u| u.to_string())
            .unwrap_or_else(|| DEFAULT_SEND_BASE.to_owned());
        let send_url = format!(
            "{}/v1/projects/{}/messages:send",
            base.trim_end_matches('/'),
            account.project_id
        );
        let send_url = Url::parse(&send_url).map_err(|e| {
            PushError::Credentials(format!("cannot build the send URL {send_url}: {e}"))
        })?;
        let mut retry = config.retry;
        retry.max_attempts = retry.max_attempts.max(1);
        Ok(Self {
            inner: Arc::new(Inner {
                tokens: TokenSource::new(account, config.token_url, http.clone()),
                http,
                send_url,
                android_channel_id: config.android_channel_id,
                retry,
            }),
        })
    }

    /// The FCM project, from the service account.
    pub fn project_id(&self) -> &str {
        self.inner.tokens.project_id()
    }

    /// Sends one message: retries 429/5xx and network failures within the
    /// [`RetryPolicy`], refreshes the access token once on a 401.
    pub async fn send(&self, message: &PushMessage) -> Result<Delivery, PushError> {
        let policy = &self.inner.retry;
        let deadline = Instant::now() + policy.max_total;
        let body = self.body(message);
        let mut attempts = 0;
        let mut refreshed = false;
        loop {
            attempts += 1;
            match self.attempt(&body).await {
                Attempt::Done(result) => return result,
                Attempt::Unauthorized { token, detail } => {
                    if refreshed {
                        return Err(PushError::Failed {
                            status: 401,
                            detail: format!("{detail} (also with a fresh access token)"),
                        });
                    }
                    tracing::info!("FCM answered 401: fetching a new access token");
                    self.inner.tokens.invalidate(&token);
                    refreshed = true;
                    // The refresh-and-retry is not one of the backoff attempts.
                    attempts -= 1;
                }
                Attempt::Retry {
                    detail,
                    retry_after,
                } => {
                    let wait = backoff(policy, attempts).max(retry_after.unwrap_or_default());
                    if attempts >= policy.max_attempts {
                        return Err(PushError::RetryLater {
                            detail: format!("{detail} (gave up after {attempts} attempts)"),
                            retry_after,
                        });
                    }
                    if Instant::now() + wait > deadline {
                        return Err(PushError::RetryLater {
                            detail: format!(
                                "{detail} (gave up after {attempts} attempts: waiting {wait:?} \
                                 more would pass the {:?} limit)",
                                policy.max_total
                            ),
                            retry_after,
                        });
                    }
                    tracing::debug!(?wait, attempts, "FCM asked to retry: {detail}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// The v1 request body: a notification shown by the OS on both platforms,
    /// normal priority (a reminder is not time-critical: Android may delay it
    /// in Doze, APNs priority 5 lets iOS deliver it with power in mind).
    fn body(&self, message: &PushMessage) -> Value {
        let mut android_notification = serde_json::Map::new();
        if let Some(channel) = &self.inner.android_channel_id {
            android_notification.insert("channel_id".into(), channel.clone().into());
        }
        json!({
            "message": {
                "token": message.token,
                "notification": { "title": message.title, "body": message.body },
                "data": message.data,
                "android": { "priority": "normal", "notification": android_notification },
                "apns": {
                    "headers": { "apns-priority": "5", "apns-push-type": "alert" },
                    "payload": { "aps": { "sound": "default" } }
                }
            }
        })
    }

    async fn attempt(&self, body: &Value) -> Attempt {
        let token = match self.inner.tokens.get().await {
            Ok(token) => token,
            Err(TokenError::Retryable {
                detail,
                retry_after,
            }) => {
                return Attempt::Retry {
                    detail,
                    retry_after,
                };
            }
            Err(TokenError::Refused(detail)) => {
                return Attempt::Done(Err(PushError::Credentials(detail)));
            }
        };
        let response = match self
            .inner
            .http
            .post(self.inner.send_url.clone())
            .bearer_auth(&token)
            .json(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => {
                return Attempt::Retry {
                    detail: format!("FCM unreachable: {e}"),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => {
                return Attempt::Retry {
                    detail: format!("FCM answer {status} cut off: {e}"),
                    retry_after,
                };
            }
        };
        classify(status, retry_after, &text, token)
    }
}

fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
    token: Arc<str>,
) -> Attempt {
    let json: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if status.is_success() {
        return match json.get("name").and_then(Value::as_str) {
            Some(name) => Attempt::Done(Ok(Delivery::Sent {
                name: name.to_owned(),
            })),
            None => Attempt::Done(Err(PushError::Failed {
                status: status.as_u16(),
                detail: format!("FCM accepted the message but answered without a name: {text}"),
            })),
        };
    }
    let error = FcmErrorBody::parse(&json, text);
    let detail = error.describe(status);
    if error.code.as_deref() == Some("UNREGISTERED") {
        return Attempt::Done(Ok(Delivery::TokenGone));
    }
    if error.code.as_deref() == Some("INVALID_ARGUMENT") && error.names_the_token() {
        return Attempt::Done(Ok(Delivery::TokenGone));
    }
    if status == StatusCode::UNAUTHORIZED && error.code.as_deref() != Some("THIRD_PARTY_AUTH_ERROR")
    {
        return Attempt::Unauthorized { token, detail };
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Attempt::Retry {
            detail,
            retry_after,
        };
    }
    Attempt::Done(Err(PushError::Failed {
        status: status.as_u16(),
        detail,
    }))
}

/// The parts of a Google API error body (`{"error": {"code", "message",
/// "status", "details": [...]}}`) the client acts on.
struct FcmErrorBody {
    /// `details[].errorCode` of the `google.firebase.fcm.v1.FcmError` detail.
    code: Option<String>,
    status: Option<String>,
    message: String,
    /// `details[].fieldViolations[].field` of a `google.rpc.BadRequest`.
    fields: Vec<String>,
}

impl FcmErrorBody {
    fn parse(json: &Value, text: &str) -> Self {
        let error = json.get("error");
        let details = error
            .and_then(|e| e.get("details"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let code = details
            .iter()
            .find_map(|d| d.get("errorCode").and_then(Value::as_str))
            .map(str::to_owned);
        let fields = details
            .iter()
            .filter_map(|d| d.get("fieldViolations").and_then(Value::as_array))
            .flatten()
            .filter_map(|v| v.get("field").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let message = match error.and_then(|e| e.get("message")).and_then(Value::as_str) {
            Some(m) => m.to_owned(),
            None => text.chars().take(300).collect(),
        };
        let status = error
            .and_then(|e| e.get("status"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            code,
            status,
            message,
            fields,
        }
    }

    /// An `INVALID_ARGUMENT` about the registration token (the token is
    /// malformed or not FCM's), not about the rest of the message.
    fn names_the_token(&self) -> bool {
        self.fields.iter().any(|f| f == "message.token")
            || self.message.to_lowercase().contains("registration token")
    }

    fn describe(&self, status: StatusCode) -> String {
        let code = self
            .code
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or("no error code");
        format!("HTTP {status}, {code}: {}", self.message)
    }
}

/// `Retry-After` in seconds (the HTTP-date form is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The wait after the `failed`-th failed attempt (1-based).
fn backoff(policy: &RetryPolicy, failed: u32) -> Duration {
    let factor = 2u32.saturating_pow(failed.saturating_sub(1));
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: u16, body: Value) -> Attempt {
        let status = StatusCode::from_u16(status).unwrap();
        classify(status, None, &body.to_string(), "access".into())
    }

    fn error(code: u16, status: &str, message: &str, details: Value) -> Value {
        json!({ "error": { "code": code, "status": status, "message": message, "details": details } })
    }

    fn fcm(code: &str) -> Value {
        json!({ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code })
    }

    #[test]
    fn answers_are_classified() {
        let gone = |a: &Attempt| matches!(a, Attempt::Done(Ok(Delivery::TokenGone)));
        let failed = |a: &Attempt, s: u16| matches!(a, Attempt::Done(Err(PushError::Failed { status, .. })) if *status == s);

        assert!(gone(&outcome(
            404,
            error(404, "NOT_FOUND", "gone", json!([fcm("UNREGISTERED")]))
        )));
        // INVALID_ARGUMENT about the token, by field or by message.
        let by_field = json!([fcm("INVALID_ARGUMENT"), {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{ "field": "message.token", "description": "bad" }]
        }]);
        assert!(gone(&outcome(
            400,
            error(400, "INVALID_ARGUMENT", "bad", by_field)
        )));
        let by_message = "The registration token is not a valid FCM registration token";
        assert!(gone(&outcome(
            400,
            error(
                400,
                "INVALID_ARGUMENT",
                by_message,
                json!([fcm("INVALID_ARGUMENT")])
            )
        )));
        // INVALID_ARGUMENT about the payload keeps the device.
        let payload = error(
            400,
            "INVALID_ARGUMENT",
            "Unknown name \"x\"",
            json!([fcm("INVALID_ARGUMENT")]),
        );
        assert!(failed(&outcome(400, payload), 400));
        // A 404 without UNREGISTERED (wrong project, wrong URL) keeps it too.
        assert!(failed(
            &outcome(404, error(404, "NOT_FOUND", "no such project", json!([]))),
            404
        ));
        assert!(failed(&outcome(404, Value::Null), 404));
        // The APNs certificate, not our token: no refresh.
        let apns = error(
            401,
            "UNAUTHENTICATED",
            "apns",
            json!([fcm("THIRD_PARTY_AUTH_ERROR")]),
        );
        assert!(failed(&outcome(401, apns), 401));
        assert!(matches!(
            outcome(401, error(401, "UNAUTHENTICATED", "x", json!([]))),
            Attempt::Unauthorized { .. }
        ));
        assert!(failed(
            &outcome(
                403,
                error(
                    403,
                    "PERMISSION_DENIED",
                    "x",
                    json!([fcm("SENDER_ID_MISMATCH")])
                )
            ),
            403
        ));
        for status in [429, 500, 502, 503] {
            assert!(
                matches!(outcome(status, Value::Null), Attempt::Retry { .. }),
                "{status}"
            );
        }
        assert!(failed(&outcome(200, json!({})), 200));
        assert!(matches!(
            outcome(200, json!({ "name": "n" })),
            Attempt::Done(Ok(Delivery::Sent { .. }))
        ));
    }

    #[test]
    fn failures_carry_fcm_code_and_message() {
        match outcome(
            403,
            error(
                403,
                "PERMISSION_DENIED",
                "SenderId mismatch",
                json!([fcm("SENDER_ID_MISMATCH")]),
            ),
        ) {
            Attempt::Done(Err(PushError::Failed { detail, .. })) => {
                assert!(detail.contains("SENDER_ID_MISMATCH"), "{detail}");
                assert!(detail.contains("SenderId mismatch"), "{detail}");
            }
            _ => panic!("expected Failed"),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            max_total: Duration::from_secs(60),
        };
        let waits: Vec<_> = (1..=5).map(|n| backoff(&policy, n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(backoff(&policy, 40), Duration::from_millis(500));
    }

    #[test]
    fn retry_after_is_seconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
