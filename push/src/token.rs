//! OAuth2 access tokens for the service account (RFC 7523 JWT bearer grant),
//! cached until shortly before they expire, refreshed by one caller at a time.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::credentials::ServiceAccount;

pub(crate) const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime of the signed assertion (Google's maximum).
const ASSERTION_LIFETIME_SECS: u64 = 3600;
/// A token is replaced this long before FCM would stop accepting it.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The claims of the JWT assertion Google's token endpoint expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The service account's `client_email`.
    pub iss: String,
    /// `https://www.googleapis.com/auth/firebase.messaging`.
    pub scope: String,
    /// The service account's `token_uri`.
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expiry (Unix seconds), an hour after `iat`.
    pub exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

pub(crate) enum TokenError {
    /// The endpoint was unreachable or overloaded (429/5xx): retry.
    Retryable {
        detail: String,
        retry_after: Option<Duration>,
    },
    /// The endpoint refused the service account (or answered nonsense).
    Refused(String),
}

struct Cached {
    token: Arc<str>,
    refresh_at: Instant,
}

pub(crate) struct TokenSource {
    account: ServiceAccount,
    endpoint: Url,
    http: reqwest::Client,
    cache: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

impl TokenSource {
    pub fn new(account: ServiceAccount, endpoint: Option<Url>, http: reqwest::Client) -> Self {
        let endpoint = endpoint.unwrap_or_else(|| account.token_uri.clone());
        Self {
            account,
            endpoint,
            http,
            cache: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub fn project_id(&self) -> &str {
        &self.account.project_id
    }

    fn cached(&self) -> Option<Arc<str>> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// A valid access token: the cached one, or a new one. Concurrent callers
    /// wait for a single refresh.
    pub async fn get(&self) -> Result<Arc<str>, TokenError> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let (token, expires_in) = self.fetch().await?;
        let token: Arc<str> = token.into();
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + expires_in.saturating_sub(REFRESH_MARGIN),
        });
        Ok(token)
    }

    /// Forget `used` (FCM answered 401 to it), unless another caller has
    /// already replaced it.
    pub fn invalidate(&self, used: &str) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().is_some_and(|c| &*c.token == used) {
            *cache = None;
        }
    }

    fn assertion(&self) -> Result<String, TokenError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            iss: self.account.client_email.clone(),
            scope: SCOPE.to_owned(),
            aud: self.account.token_uri.to_string(),
            iat,
            exp: iat + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&self.account.header(), &claims, &self.account.key)
            .map_err(|e| TokenError::Refused(format!("cannot sign the JWT assertion: {e}")))
    }

    async fn fetch(&self) -> Result<(String, Duration), TokenError> {
        let assertion = self.assertion()?;
        tracing::debug!(endpoint = %self.endpoint, "fetching an FCM access token");
        let response = self
            .http
            .post(self.endpoint.clone())
            .form(&[
                ("grant_type", GRANT_TYPE),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| TokenError::Retryable {
                detail: format!("token endpoint unreachable: {e}"),
                retry_after: None,
            })?;
        let status = response.status();
        let retry_after = crate::client::retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            let parsed: TokenResponse = serde_json::from_str(&body).map_err(|e| {
                TokenError::Refused(format!("token endpoint answered {status} with {e}"))
            })?;
            let expires_in = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
            return Ok((parsed.access_token, expires_in));
        }
        let detail = format!("token endpoint answered {status}: {}", oauth_error(&body));
        if status.as_u16() == 429 || status.is_server_error() {
            Err(TokenError::Retryable {
                detail,
                retry_after,
            })
        } else {
            Err(TokenError::Refused(detail))
        }
    }
}

/// `error: error_description` of an OAuth2 error body, or the body.
fn oauth_error(body: &str) -> String {
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_str::<OAuthError>(body) {
        Ok(e) => match e.error_description {
            Some(d) => format!("{}: {d}", e.error),
            None => e.error,
        },
        Err(_) => body.chars().take(300).collect(),
    }
}
