//! FCM HTTP v1 client for Friskliv's reminders.
//!
//! [`FcmClient`] signs an RS256 JWT with a Google service account, exchanges
//! it for an OAuth2 access token (cached, one refresh at a time), and posts
//! `projects/{project}/messages:send`. Every send ends in a typed outcome the
//! caller acts on: [`Delivery::Sent`], [`Delivery::TokenGone`] (remove the
//! device), [`PushError::RetryLater`] (FCM overloaded or unreachable after
//! bounded retries), [`PushError::Failed`] (FCM refused the message) or
//! [`PushError::Credentials`] (the service account is unusable).
//!
//! The scheduler takes a [`Sender`], so tests and a "push off" setup can plug
//! in something other than FCM. With the `fake` feature, [`fake::FakeFcm`] is
//! a fake FCM on 127.0.0.1 for tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

mod client;
mod credentials;
#[cfg(feature = "fake")]
pub mod fake;
mod jwt_crypto;
mod token;

pub use client::FcmClient;

/// How the client is set up. Build one with [`FcmConfig::new`] and adjust the
/// public fields.
#[derive(Debug, Clone)]
pub struct FcmConfig {
    /// A Google service-account JSON file (as downloaded from the Firebase
    /// console). The FCM project id is taken from it.
    pub credentials_path: PathBuf,
    /// Where to fetch OAuth2 tokens; default: the file's `token_uri`. The JWT
    /// audience is always the file's `token_uri`, as Google requires.
    pub token_url: Option<Url>,
    /// The FCM API base URL; default `https://fcm.googleapis.com`.
    pub send_base_url: Option<Url>,
    /// Android notification channel for the reminders
    /// (`android.notification.channel_id`); `None` lets the app's default
    /// channel show them.
    pub android_channel_id: Option<String>,
    /// Retries of 429/5xx answers and network failures.
    pub retry: RetryPolicy,
    /// Timeout of each HTTP request (token or send).
    pub request_timeout: Duration,
}

impl FcmConfig {
    /// Defaults for everything but the credentials file.
    pub fn new(credentials_path: impl Into<PathBuf>) -> Self {
        Self {
            credentials_path: credentials_path.into(),
            token_url: None,
            send_base_url: None,
            android_channel_id: None,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Bounded exponential backoff for answers FCM says to retry (429, 5xx) and
/// for network failures. A `Retry-After` (seconds) is a lower bound on the
/// wait. When the next wait would pass `max_total` or the attempts are used
/// up, the send ends in [`PushError::RetryLater`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each.
    pub initial_backoff: Duration,
    /// The longest computed wait (a longer `Retry-After` still counts).
    pub max_backoff: Duration,
    /// The longest one `send` may spend, waits included.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_total: Duration::from_secs(60),
        }
    }
}

/// One notification to one device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushMessage {
    /// The FCM registration token of the device.
    pub token: String,
    pub title: String,
    pub body: String,
    /// Key/value data for the app (FCM requires string values).
    pub data: BTreeMap<String, String>,
}

/// What became of a message FCM answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted; `name` is FCM's message id
    /// (`projects/{project}/messages/{id}`).
    Sent { name: String },
    /// The token is no longer valid (`UNREGISTERED`, or `INVALID_ARGUMENT`
    /// naming the token): remove the device.
    TokenGone,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The service account is unusable: the file is missing, not JSON, lacks
    /// a field or holds no usable key (from [`FcmClient::new`]), or Google's
    /// token endpoint refused it (from a send). Retrying will not help.
    #[error("FCM credentials: {0}")]
    Credentials(String),
    /// FCM was overloaded or unreachable through every allowed attempt. Try
    /// again later, not before `retry_after` if given.
    #[error("FCM unavailable, retry later: {detail}")]
    RetryLater {
        detail: String,
        retry_after: Option<Duration>,
    },
    /// FCM refused the message (`status` is the HTTP status; `detail` has
    /// FCM's error code and message).
    #[error("FCM refused the message ({status}): {detail}")]
    Failed { status: u16, detail: String },
}

/// The future [`Sender::send`] returns.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Delivery, PushError>> + Send + 'a>>;

/// Something that delivers a [`PushMessage`]: [`FcmClient`], or a stand-in in
/// tests or when push is switched off.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, message: &'a PushMessage) -> SendFuture<'a>;
}

impl Sender for FcmClient {
    fn send<'a>(&'a self, message: &'a PushMessage) -> SendFuture<'a> {
        Box::pin(FcmClient::send(self, message))
    }
}
