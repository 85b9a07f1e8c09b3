//! What the SDK stories share: a phone (the SDK on its own SQLite file with
//! an in-memory "keychain"), signed in with a software passkey through the
//! SDK's own ceremony calls, against the real server of `friskliv-tests`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use friskliv_sdk::friskliv_domain::diary::{Activity, ActivityType, DiaryEntryInput, Intensity};
use friskliv_sdk::{Friskliv, SessionStorage};
use friskliv_tests::{PasskeyDevice, Session, TestApp};
use serde_json::{Value, json};
use uuid::Uuid;

/// The phone's secure storage (Keystore / Keychain) in memory.
#[derive(Default)]
pub struct Keychain(pub Mutex<Option<String>>);

impl SessionStorage for Keychain {
    fn load_token(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn store_token(&self, token: Option<String>) {
        *self.0.lock().unwrap() = token;
    }
}

pub struct Phone {
    pub sdk: Friskliv,
    pub keychain: Arc<Keychain>,
    pub passkeys: PasskeyDevice,
    pub db_path: PathBuf,
}

/// A temporary folder that lives as long as the story.
pub fn folder() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

impl Phone {
    pub fn open(app: &TestApp, dir: &Path, name: &str) -> Phone {
        let keychain = Arc::new(Keychain::default());
        let db_path = dir.join(format!("{name}.sqlite"));
        let sdk = Friskliv::open(app.base.as_str(), &db_path, keychain.clone()).expect("SDK opens");
        Phone {
            sdk,
            keychain,
            passkeys: PasskeyDevice::new(name),
            db_path,
        }
    }

    /// First registration with a participant invite, through the SDK.
    pub async fn register(&mut self, invite_code: &str) {
        let ceremony = self
            .sdk
            .start_registration(
                invite_code,
                Some("Kari Deltaker".into()),
                Some("Telefon".into()),
            )
            .await
            .expect("registration starts");
        let credential = self
            .passkeys
            .create(&platform_options(&ceremony.options_json));
        let account = self
            .sdk
            .finish_registration(&ceremony.ceremony_id, &credential.to_string())
            .await
            .expect("registered");
        assert_eq!(account.role, "participant");
        assert!(self.sdk.is_signed_in());
        assert!(
            self.keychain.0.lock().unwrap().is_some(),
            "the token went to the keychain"
        );
    }

    /// Sign-in with a passkey this phone's platform holds.
    pub async fn sign_in(&mut self) {
        let ceremony = self.sdk.start_sign_in().await.expect("sign-in starts");
        let credential = self.passkeys.get(&platform_options(&ceremony.options_json));
        self.sdk
            .finish_sign_in(&ceremony.ceremony_id, &credential.to_string())
            .await
            .expect("signed in");
    }

    /// Logs a walk (`entry_id`: `None` for a new one, or the walk to edit).
    pub fn walk(
        &self,
        entry_id: Option<&str>,
        day: &str,
        minutes: i64,
    ) -> friskliv_sdk::LocalEntry {
        self.sdk
            .save_entry(
                friskliv_sdk::friskliv_domain::diary::EntryKind::Activity,
                entry_id,
                walk(day, minutes),
            )
            .expect("a valid walk is saved")
    }

    pub fn token(&self) -> String {
        self.keychain.0.lock().unwrap().clone().expect("signed in")
    }
}

/// The platform APIs take the inner options; the browser shape (which
/// SoftPasskey reads) wraps them in `publicKey`.
pub fn platform_options(options_json: &str) -> Value {
    let inner: Value = serde_json::from_str(options_json).expect("options are JSON");
    assert!(
        inner.get("challenge").is_some(),
        "the options the platforms take: {inner}"
    );
    json!({ "publicKey": inner })
}

/// A centre, a signed-in veileder and a participant invite code.
pub struct Centre {
    pub id: Uuid,
    pub veileder: Session,
}

impl Centre {
    pub async fn new(app: &TestApp) -> Centre {
        let id = app
            .create_centre("Frisklivssentralen i Bergen", "4601")
            .await;
        let veileder = app.staff(id, "veileder", "Vera Veileder").await;
        Centre { id, veileder }
    }

    pub async fn invite_participant(&self, app: &TestApp) -> String {
        let invite = app
            .invite(&self.veileder.token, self.id, "participant")
            .await;
        invite.body["code"]
            .as_str()
            .expect("invite code")
            .to_owned()
    }
}

/// A centre, and a participant registered through the SDK on a new phone.
pub async fn enrolled(app: &TestApp, dir: &Path, name: &str) -> (Centre, Phone) {
    let centre = Centre::new(app).await;
    let mut phone = Phone::open(app, dir, name);
    phone.register(&centre.invite_participant(app).await).await;
    (centre, phone)
}

/// The same participant on a second device: its own store and session,
/// signed in with the passkey the platform synced from `first`.
pub async fn second_device(app: &TestApp, dir: &Path, first: &mut Phone, name: &str) -> Phone {
    let mut second = Phone::open(app, dir, name);
    std::mem::swap(&mut first.passkeys, &mut second.passkeys);
    second.sign_in().await;
    std::mem::swap(&mut first.passkeys, &mut second.passkeys);
    second
}

/// A walk on `day` (YYYY-MM-DD) at 07:30 Oslo summer time.
pub fn walk(day: &str, minutes: i64) -> DiaryEntryInput {
    DiaryEntryInput {
        version: 0,
        occurred_at: format!("{day}T07:30:00+02:00"),
        time_zone: Some("Europe/Oslo".into()),
        recorded_at: None,
        source: None,
        note: None,
        activity: Some(Activity {
            activity_type: ActivityType::Walking,
            duration_minutes: minutes,
            intensity: Some(Intensity::Moderate),
            borg_rpe: None,
            steps: None,
            distance_km: None,
        }),
        food: None,
        sleep: None,
        tobacco: None,
        sitting: None,
        quit_attempt: None,
    }
}

/// An entry from its wire JSON (what a phone screen would fill in).
pub fn entry(json: Value) -> DiaryEntryInput {
    serde_json::from_value(json).expect("a DiaryEntryInput")
}

/// Every live entry the server holds for the participant, by id, from the
/// change feed (each entry's latest state), with tombstones counted apart.
pub async fn server_entries(app: &TestApp, token: &str) -> (Vec<Value>, usize) {
    let mut cursor: Option<String> = None;
    let mut live = Vec::new();
    let mut tombstones = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/me/changes?limit=1000&cursor={c}"),
            None => "/v1/me/changes?limit=1000".to_owned(),
        };
        let page = app.get(&path, Some(token)).await;
        assert_eq!(page.status, reqwest::StatusCode::OK, "{:?}", page.body);
        for change in page.body["changes"].as_array().unwrap() {
            if change["deleted"].as_bool().unwrap() {
                tombstones += 1;
            } else {
                live.push(change.clone());
            }
        }
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if !page.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    (live, tombstones)
}

/// The phone's live entries (all kinds) as (id, version), sorted.
pub fn local_versions(phone: &Phone) -> Vec<(String, i64)> {
    let mut all = Vec::new();
    for kind in friskliv_sdk::friskliv_domain::diary::EntryKind::ALL {
        for e in phone.sdk.entries(*kind, None, None).unwrap() {
            all.push((e.entry_id, e.version));
        }
    }
    all.sort();
    all
}

/// The server's live entries as (id, version), sorted.
pub async fn server_versions(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let (live, _) = server_entries(app, token).await;
    let mut all: Vec<(String, i64)> = live
        .iter()
        .map(|e| {
            (
                e["entry_id"].as_str().unwrap().to_owned(),
                e["version"].as_i64().unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}
