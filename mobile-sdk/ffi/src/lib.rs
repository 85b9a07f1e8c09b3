//! The uniffi facade of `friskliv-sdk`: one object, [`FrisklivClient`],
//! whose methods are the SDK's, with dates and ids as text. The records,
//! enums and the error are the SDK's and the domain's own (derived behind
//! their `uniffi` features), so Kotlin, Swift and Python see exactly the
//! types the rules are written for. Async methods run on a tokio runtime
//! the bindings drive; the app calls them from a coroutine / `async` task.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use friskliv_domain::consent::ConsentScope;
use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use friskliv_domain::reminders::{DeviceInput, RemindersInput};
use friskliv_sdk::{
    AccessLogEntry, Account, CachedDocument, Ceremony, Conflict, Consent, Friskliv, LocalEntry,
    Result, SdkError, SessionStorage, SyncReport,
};

uniffi::setup_scaffolding!("friskliv");

/// The participant's app: open one per signed-in phone user and keep it
/// for the app's lifetime. Safe to share between threads.
#[derive(uniffi::Object)]
pub struct FrisklivClient {
    inner: Friskliv,
}

fn day(field: &str, text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        t.parse().map_err(|_| SdkError::Validation {
            detail: format!("{field}: must be a date, YYYY-MM-DD"),
            errors: vec![friskliv_sdk::FieldProblem {
                field: field.to_owned(),
                rule: "date".to_owned(),
                message: "must be a date, YYYY-MM-DD".to_owned(),
            }],
        })
    })
    .transpose()
}

#[uniffi::export(async_runtime = "tokio")]
impl FrisklivClient {
    /// Opens the local store at `database_path` (created and migrated on
    /// first use) for the server at `base_url`. `sessions` keeps the
    /// session token in the platform's secure storage.
    #[uniffi::constructor]
    pub fn new(
        base_url: String,
        database_path: String,
        sessions: Arc<dyn SessionStorage>,
    ) -> Result<Arc<Self>> {
        let inner = Friskliv::open(&base_url, &PathBuf::from(database_path), sessions)?;
        Ok(Arc::new(FrisklivClient { inner }))
    }

    pub fn is_signed_in(&self) -> bool {
        self.inner.is_signed_in()
    }

    pub async fn start_registration(
        &self,
        invite_code: String,
        display_name: Option<String>,
        passkey_name: Option<String>,
    ) -> Result<Ceremony> {
        self.inner
            .start_registration(&invite_code, display_name, passkey_name)
            .await
    }

    pub async fn finish_registration(
        &self,
        ceremony_id: String,
        credential_json: String,
    ) -> Result<Account> {
        self.inner
            .finish_registration(&ceremony_id, &credential_json)
            .await
    }

    pub async fn start_sign_in(&self) -> Result<Ceremony> {
        self.inner.start_sign_in().await
    }

    pub async fn finish_sign_in(
        &self,
        ceremony_id: String,
        credential_json: String,
    ) -> Result<Account> {
        self.inner
            .finish_sign_in(&ceremony_id, &credential_json)
            .await
    }

    pub async fn account(&self) -> Result<Account> {
        self.inner.account().await
    }

    pub async fn sign_out(&self) -> Result<()> {
        self.inner.sign_out().await
    }

    pub async fn start_erasure(&self) -> Result<Ceremony> {
        self.inner.start_erasure().await
    }

    pub async fn finish_erasure(&self, ceremony_id: String, credential_json: String) -> Result<()> {
        self.inner
            .finish_erasure(&ceremony_id, &credential_json)
            .await
    }

    /// See `Friskliv::save_entry`: the SDK sets `version`.
    pub fn save_entry(
        &self,
        kind: EntryKind,
        entry_id: Option<String>,
        entry: DiaryEntryInput,
    ) -> Result<LocalEntry> {
        self.inner.save_entry(kind, entry_id.as_deref(), entry)
    }

    pub fn delete_entry(&self, entry_id: String) -> Result<()> {
        self.inner.delete_entry(&entry_id)
    }

    pub fn entry(&self, entry_id: String) -> Result<Option<LocalEntry>> {
        self.inner.entry(&entry_id)
    }

    /// `from` / `to`: YYYY-MM-DD, both optional.
    pub fn entries(
        &self,
        kind: EntryKind,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<Vec<LocalEntry>> {
        self.inner.entries(kind, day("from", from)?, day("to", to)?)
    }

    /// Every entry of one diary day (YYYY-MM-DD).
    pub fn day(&self, day_text: String) -> Result<Vec<LocalEntry>> {
        let date = day("day", Some(day_text))?.expect("given");
        self.inner.day(date)
    }

    pub fn pending_count(&self) -> Result<u64> {
        self.inner.pending_count()
    }

    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.inner.conflicts()
    }

    pub fn reapply_conflict(&self, conflict_id: i64) -> Result<Option<LocalEntry>> {
        self.inner.reapply_conflict(conflict_id)
    }

    pub fn dismiss_conflict(&self, conflict_id: i64) -> Result<()> {
        self.inner.dismiss_conflict(conflict_id)
    }

    pub async fn sync(&self) -> Result<SyncReport> {
        self.inner.sync().await
    }

    pub async fn progress(&self) -> Result<CachedDocument> {
        self.inner.progress().await
    }

    pub async fn periods(&self) -> Result<String> {
        self.inner.periods().await
    }

    pub async fn period_outcomes(&self, period: u32) -> Result<String> {
        self.inner.period_outcomes(period).await
    }

    pub async fn goals(&self) -> Result<String> {
        self.inner.goals().await
    }

    pub async fn create_goal(&self, goal_json: String) -> Result<String> {
        self.inner.create_goal(&goal_json).await
    }

    pub async fn assessments(&self) -> Result<String> {
        self.inner.assessments().await
    }

    pub async fn submit_assessment(&self, questionnaire_json: String) -> Result<String> {
        self.inner.submit_assessment(&questionnaire_json).await
    }

    pub async fn export_my_data(&self) -> Result<String> {
        self.inner.export_my_data().await
    }

    pub async fn consents(&self) -> Result<Vec<Consent>> {
        self.inner.consents().await
    }

    pub async fn grant_consent(&self, scope: ConsentScope) -> Result<Consent> {
        self.inner.grant_consent(scope).await
    }

    pub async fn withdraw_consent(&self, consent_id: String) -> Result<Consent> {
        self.inner.withdraw_consent(&consent_id).await
    }

    pub async fn set_epikrise_objection(&self, objects: bool) -> Result<()> {
        self.inner.set_epikrise_objection(objects).await
    }

    pub async fn access_log(&self) -> Result<Vec<AccessLogEntry>> {
        self.inner.access_log().await
    }

    /// This phone's FCM registration token, for reminders.
    pub async fn register_device(&self, device_id: String, device: DeviceInput) -> Result<()> {
        self.inner.register_device(&device_id, device).await
    }

    pub async fn reminders(&self) -> Result<String> {
        self.inner.reminders().await
    }

    pub async fn set_reminders(&self, settings: RemindersInput) -> Result<String> {
        self.inner.set_reminders(settings).await
    }
}

/// Parses a diary kind's wire name, refused as the server refuses it
/// (field `kind`, rule `one_of`).
#[uniffi::export]
pub fn parse_entry_kind(kind: String) -> Result<EntryKind> {
    Friskliv::parse_kind(&kind)
}
