//! [`Friskliv`]: the session, sign-in with the platform's passkeys, and the
//! diary written locally first.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::diary::{DiaryEntryInput, EntryKind, EntrySource};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api;
use crate::error::{Result, SdkError};
use crate::store::{self, Conflict, LocalEntry};

/// Where the app keeps the session token: Android Keystore-backed
/// storage, the iOS Keychain. The SDK never writes the token to its SQLite
/// file; it asks for it when it needs it and hands over new ones here.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait SessionStorage: Send + Sync {
    /// The stored token, if any.
    fn load_token(&self) -> Option<String>;
    /// Store `token`, or forget the stored one when `None` (signed out,
    /// session ended, account erased).
    fn store_token(&self, token: Option<String>);
}

/// A WebAuthn ceremony the platform's passkey API performs.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Ceremony {
    /// Pass back to the matching `finish_*` call.
    pub ceremony_id: String,
    /// The `publicKey` options as JSON, exactly as Android Credential
    /// Manager (`CreatePublicKeyCredentialRequest` / `GetPublicKeyCredentialOption`)
    /// and iOS `ASAuthorizationPlatformPublicKeyCredentialProvider` take them.
    pub options_json: String,
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Account {
    pub account_id: String,
    pub role: String,
    pub display_name: String,
    pub centre_id: Option<String>,
    pub centre_name: Option<String>,
    /// RFC 3339: when the session ends unless the app is used again.
    pub session_expires_at: String,
}

/// Which clock the SDK reads; tests and the crash harness pass their own.
type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// One participant's app: the local store, the server and the session.
pub struct Friskliv {
    pub(crate) api: api::Api,
    pub(crate) store: Arc<store::LocalStore>,
    sessions: Arc<dyn SessionStorage>,
    token: Mutex<Option<String>>,
    pub(crate) sync_turn: tokio::sync::Mutex<()>,
    clock: Clock,
}

impl Friskliv {
    /// Opens (creating and migrating) the local store at `database_path`
    /// and talks to the server at `base_url`, e.g. `https://friskliv.oslo.kommune.no`.
    pub fn open(
        base_url: &str,
        database_path: &Path,
        sessions: Arc<dyn SessionStorage>,
    ) -> Result<Self> {
        Ok(Friskliv {
            api: api::Api::new(base_url)?,
            store: Arc::new(store::LocalStore::open(database_path)?),
            token: Mutex::new(sessions.load_token()),
            sessions,
            sync_turn: tokio::sync::Mutex::new(()),
            clock: Arc::new(Utc::now),
        })
    }

    /// The same, with a clock of the caller's (tests).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn is_signed_in(&self) -> bool {
        self.token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    pub(crate) fn token(&self) -> Result<String> {
        self.token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| SdkError::Unauthorised {
                detail: "not signed in".to_owned(),
            })
    }

    fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token.clone();
        self.sessions.store_token(token);
    }

    /// A 401 ends the session here too, so the app shows sign-in.
    pub(crate) fn authorised<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(SdkError::Unauthorised { .. }) = &result {
            self.set_token(None);
        }
        result
    }

    pub(crate) async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let token = self.token()?;
        self.authorised(self.api.send(method, path, Some(&token), body).await)
    }

    // ---- Sign-in -------------------------------------------------------

    /// Starts registering a passkey with a one-time invite code: a new
    /// participant's invite, or a recovery invite that adds a passkey to an
    /// existing account. Give `options_json` to the platform's create call.
    pub async fn start_registration(
        &self,
        invite_code: &str,
        display_name: Option<String>,
        passkey_name: Option<String>,
    ) -> Result<Ceremony> {
        let body = json!({
            "invite_code": invite_code,
            "display_name": display_name,
            "passkey_name": passkey_name,
        });
        let start: api::CeremonyStart = self
            .api
            .send(Method::POST, "v1/auth/register/start", None, Some(&body))
            .await?;
        Ok(ceremony(start))
    }

    /// Finishes registration with the platform's credential JSON; signs in.
    pub async fn finish_registration(
        &self,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<Account> {
        self.finish("v1/auth/register/finish", ceremony_id, credential_json)
            .await
    }

    /// Starts a passkey sign-in (discoverable: the platform offers the
    /// phone's passkeys). Give `options_json` to the platform's get call.
    pub async fn start_sign_in(&self) -> Result<Ceremony> {
        let start: api::CeremonyStart = self
            .api
            .send(Method::POST, "v1/auth/login/start", None, Some(&json!({})))
            .await?;
        Ok(ceremony(start))
    }

    pub async fn finish_sign_in(
        &self,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<Account> {
        self.finish("v1/auth/login/finish", ceremony_id, credential_json)
            .await
    }

    async fn finish(
        &self,
        path: &str,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<Account> {
        let credential = credential(credential_json)?;
        let session: api::NewSession = self
            .api
            .send(
                Method::POST,
                path,
                None,
                Some(&json!({ "ceremony_id": ceremony_id, "credential": credential })),
            )
            .await?;
        let _ = session.expires_at;
        let account = account(&session.account)?;
        self.store.bind_account(&account.account_id)?;
        self.set_token(Some(session.token));
        Ok(account)
    }

    /// The signed-in account.
    pub async fn account(&self) -> Result<Account> {
        let me: Value = self.call(Method::GET, "v1/me", None).await?;
        account(&me)
    }

    /// Ends the session on the server and forgets the token. The diary
    /// stays on the phone (the same participant signs in again).
    pub async fn sign_out(&self) -> Result<()> {
        // Signing out of a phone stops its reminders (a device this phone
        // registered); offline, nothing is signed out yet.
        if let Some((device_id, _)) = self.store.cached(store::DEVICE_KEY)? {
            let removed: Result<Value> = self
                .call(Method::DELETE, &format!("v1/me/devices/{device_id}"), None)
                .await;
            match removed {
                Ok(_) | Err(SdkError::NotFound { .. }) | Err(SdkError::Unauthorised { .. }) => {}
                Err(e) => return Err(e),
            }
            self.store.forget_cached(store::DEVICE_KEY)?;
        }
        let result: Result<Value> = self
            .call(Method::POST, "v1/auth/logout", Some(&json!({})))
            .await;
        self.set_token(None);
        match result {
            Ok(_) | Err(SdkError::Unauthorised { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Starts erasing the account: the participant confirms with a passkey.
    pub async fn start_erasure(&self) -> Result<Ceremony> {
        let start: api::CeremonyStart = self
            .call(Method::POST, "v1/me/erasure/start", Some(&json!({})))
            .await?;
        Ok(ceremony(start))
    }

    /// Erases the account and all its data on the server, then everything
    /// on this phone. Irreversible; offer [`Friskliv::export_my_data`] first.
    pub async fn finish_erasure(&self, ceremony_id: &str, credential_json: &str) -> Result<()> {
        let credential = credential(credential_json)?;
        let _: Value = self
            .call(
                Method::DELETE,
                "v1/me",
                Some(&json!({ "ceremony_id": ceremony_id, "credential": credential })),
            )
            .await?;
        self.set_token(None);
        self.store.wipe()
    }

    // ---- The diary (local first) ---------------------------------------

    /// Writes a diary entry on this phone and queues it for the server.
    /// `entry_id`: `None` for a new entry (the SDK makes its UUID), or the
    /// entry to edit. The SDK sets `version` (whatever `entry` says) and, if
    /// absent, `recorded_at`. Refused with the server's field and rule,
    /// writing nothing, when the entry breaks one of the diary's rules.
    pub fn save_entry(
        &self,
        kind: EntryKind,
        entry_id: Option<&str>,
        mut entry: DiaryEntryInput,
    ) -> Result<LocalEntry> {
        let entry_id = match entry_id {
            Some(id) => uuid::Uuid::parse_str(id)
                .map_err(|_| SdkError::field("entry_id", "uuid", "must be a UUID"))?
                .to_string(),
            None => store::new_entry_id(),
        };
        let now = self.now();
        if entry.recorded_at.is_none() {
            entry.recorded_at = Some(store::now_text(now));
        }
        // An edit of a veileder's entry on the phone is the participant's own.
        if entry.source == Some(EntrySource::Proxy) {
            entry.source = None;
        }
        self.store.save(kind, &entry_id, now, |version| {
            entry.version = version;
            let valid = entry
                .clone()
                .parse(kind, now)
                .map_err(SdkError::validation)?;
            Ok((entry, valid.diary_day))
        })
    }

    /// Parses a kind's wire name (`activity`, `food`, `sleep`, `tobacco`,
    /// `sitting`, `quit_attempt`), refused as the server refuses it.
    pub fn parse_kind(kind: &str) -> Result<EntryKind> {
        kind.parse()
            .map_err(|message: String| SdkError::field("kind", "one_of", &message))
    }

    /// Deletes an entry on this phone; the deletion is queued.
    pub fn delete_entry(&self, entry_id: &str) -> Result<()> {
        self.store.delete(entry_id, self.now())
    }

    pub fn entry(&self, entry_id: &str) -> Result<Option<LocalEntry>> {
        self.store.entry(entry_id)
    }

    /// One diary's entries, by diary day, optionally from/to a day.
    pub fn entries(
        &self,
        kind: EntryKind,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<LocalEntry>> {
        self.store.entries(kind, from, to)
    }

    /// Every entry of one diary day (the day view).
    pub fn day(&self, day: NaiveDate) -> Result<Vec<LocalEntry>> {
        self.store.day(day)
    }

    /// Writes waiting for the server.
    pub fn pending_count(&self) -> Result<u64> {
        self.store.pending_count()
    }

    /// Local edits the server did not take, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.store.conflicts()
    }

    /// Writes a kept local edit again, over the server's version (queued for
    /// the next sync), and forgets the conflict.
    pub fn reapply_conflict(&self, conflict_id: i64) -> Result<Option<LocalEntry>> {
        let conflict = self.store.take_conflict(conflict_id)?;
        match conflict.local {
            Some(entry) => self
                .save_entry(conflict.kind, Some(&conflict.entry_id), entry)
                .map(Some),
            None => match self.store.entry(&conflict.entry_id)? {
                Some(_) => self.delete_entry(&conflict.entry_id).map(|()| None),
                None => Ok(None),
            },
        }
    }

    /// Forgets a kept conflict: the server's version stays.
    pub fn dismiss_conflict(&self, conflict_id: i64) -> Result<()> {
        self.store.take_conflict(conflict_id).map(|_| ())
    }
}

fn ceremony(start: api::CeremonyStart) -> Ceremony {
    // The server wraps the options as `{"publicKey": {...}}` (the browser's
    // shape); the platforms take the inner object.
    let options = start
        .options
        .get("publicKey")
        .cloned()
        .unwrap_or(start.options);
    Ceremony {
        ceremony_id: start.ceremony_id,
        options_json: options.to_string(),
    }
}

fn credential(credential_json: &str) -> Result<Value> {
    serde_json::from_str::<Value>(credential_json)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            SdkError::field(
                "credential",
                "json",
                "must be the platform's credential as a JSON object",
            )
        })
}

fn account(me: &Value) -> Result<Account> {
    let text = |key: &str| me[key].as_str().map(str::to_owned);
    Ok(Account {
        account_id: text("id").ok_or_else(|| SdkError::unreadable("account", "no id"))?,
        role: text("role").unwrap_or_default(),
        display_name: text("display_name").unwrap_or_default(),
        centre_id: text("centre_id"),
        centre_name: text("centre_name"),
        session_expires_at: text("session_expires_at").unwrap_or_default(),
    })
}
