//! The participant's screens beyond the diary: progress (kept for offline
//! display), periods and outcomes, goals, questionnaires, consents and the
//! access log, the data export.
//!
//! Consents and the access log are typed records (the app acts on them);
//! the other screens are the server's JSON documents as the spec defines
//! them (`openapi/openapi.json`), so a server release that adds a figure
//! reaches the app without an SDK release.

use chrono::{DateTime, Utc};
use friskliv_domain::consent::ConsentScope;
use friskliv_domain::reminders::{DeviceInput, RemindersInput};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::Friskliv;
use crate::error::{Result, SdkError};
use crate::store::{DEVICE_KEY, now_text};

/// A server document and when this phone fetched it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CachedDocument {
    /// The JSON as the API returns it (see the schema named in the call).
    pub json: String,
    /// RFC 3339, UTC.
    pub fetched_at: String,
    /// `true`: the server could not be reached and this is the last copy.
    pub from_cache: bool,
}

/// One grant or withdrawal of consent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Consent {
    pub id: String,
    pub centre_id: String,
    pub scope: ConsentScope,
    /// `in_app`, `oral` or `guardian`.
    pub method: String,
    /// In force now.
    pub active: bool,
    pub granted_at: String,
    #[serde(default)]
    pub withdrawn_at: Option<String>,
}

/// Someone at a centre read or wrote the participant's data, or was refused.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AccessLogEntry {
    pub id: String,
    pub at: String,
    #[serde(default)]
    pub actor_name: Option<String>,
    pub actor_role: String,
    /// e.g. `read_summary`, `read_entries`, `write_entry`.
    pub action: String,
    pub resource: String,
    pub allowed: bool,
}

const PROGRESS_KEY: &str = "progress";

impl Friskliv {
    /// `GET /v1/me/progress` (schema `Progress`): week k of 12, weekly
    /// aggregates, indicators so far, smoke-free streak, money saved. Kept
    /// on the phone: offline, the last copy is returned with its fetch time.
    pub async fn progress(&self) -> Result<CachedDocument> {
        match self
            .call::<Value>(Method::GET, "v1/me/progress", None)
            .await
        {
            Ok(progress) => {
                let now = self.now();
                let json = progress.to_string();
                self.store.put_cached(PROGRESS_KEY, &json, now)?;
                Ok(CachedDocument {
                    json,
                    fetched_at: now_text(now),
                    from_cache: false,
                })
            }
            Err(SdkError::Offline { detail }) => match self.store.cached(PROGRESS_KEY)? {
                Some((json, fetched_at)) => Ok(CachedDocument {
                    json,
                    fetched_at,
                    from_cache: true,
                }),
                None => Err(SdkError::Offline { detail }),
            },
            Err(e) => Err(e),
        }
    }

    /// The JSON document at a `/v1/me/…` path.
    async fn document(&self, path: &str) -> Result<String> {
        let value: Value = self.call(Method::GET, path, None).await?;
        Ok(value.to_string())
    }

    /// `GET /v1/me/periods` (schema `MyPeriods`).
    pub async fn periods(&self) -> Result<String> {
        self.document("v1/me/periods").await
    }

    /// `GET /v1/me/periods/{period}/outcomes`: the period's indicators.
    pub async fn period_outcomes(&self, period: u32) -> Result<String> {
        self.document(&format!("v1/me/periods/{period}/outcomes"))
            .await
    }

    /// `GET /v1/me/goals`.
    pub async fn goals(&self) -> Result<String> {
        self.document("v1/me/goals").await
    }

    /// `POST /v1/me/goals` with a `GoalInput` as JSON; returns the goal.
    pub async fn create_goal(&self, goal_json: &str) -> Result<String> {
        let body = json_object("goal", goal_json)?;
        let goal: Value = self.call(Method::POST, "v1/me/goals", Some(&body)).await?;
        Ok(goal.to_string())
    }

    /// `GET /v1/me/assessments`: the participant's own questionnaires.
    pub async fn assessments(&self) -> Result<String> {
        self.document("v1/me/assessments").await
    }

    /// `POST /v1/me/assessments` with a `QuestionnaireInput` as JSON.
    pub async fn submit_assessment(&self, questionnaire_json: &str) -> Result<String> {
        let body = json_object("questionnaire", questionnaire_json)?;
        let created: Value = self
            .call(Method::POST, "v1/me/assessments", Some(&body))
            .await?;
        Ok(created.to_string())
    }

    /// `GET /v1/me/export`: everything the server holds about the
    /// participant, as one JSON document (schema `MyDataExport`).
    pub async fn export_my_data(&self) -> Result<String> {
        self.document("v1/me/export").await
    }

    /// Every grant and withdrawal, oldest first.
    pub async fn consents(&self) -> Result<Vec<Consent>> {
        let history: Value = self.call(Method::GET, "v1/me/consents", None).await?;
        serde_json::from_value(history["consents"].clone())
            .map_err(|e| SdkError::unreadable("consents", e))
    }

    /// Shares `scope` with the centre that enrolled the participant.
    pub async fn grant_consent(&self, scope: ConsentScope) -> Result<Consent> {
        let consent: Value = self
            .call(
                Method::POST,
                "v1/me/consents",
                Some(&json!({ "scope": scope.as_str() })),
            )
            .await?;
        serde_json::from_value(consent).map_err(|e| SdkError::unreadable("consent", e))
    }

    /// Withdraws a consent; the centre's next request is refused.
    pub async fn withdraw_consent(&self, consent_id: &str) -> Result<Consent> {
        let consent: Value = self
            .call(
                Method::DELETE,
                &format!("v1/me/consents/{consent_id}"),
                None,
            )
            .await?;
        serde_json::from_value(consent).map_err(|e| SdkError::unreadable("consent", e))
    }

    /// Objects (or stops objecting) to an epikrise to the GP and referrer.
    pub async fn set_epikrise_objection(&self, objects: bool) -> Result<()> {
        let _: Value = self
            .call(
                Method::PUT,
                "v1/me/epikrise-objection",
                Some(&json!({ "objects": objects })),
            )
            .await?;
        Ok(())
    }

    /// Who at a centre read or wrote the participant's data, newest first.
    pub async fn access_log(&self) -> Result<Vec<AccessLogEntry>> {
        let page: Value = self.call(Method::GET, "v1/me/access-log", None).await?;
        serde_json::from_value(page["entries"].clone())
            .map_err(|e| SdkError::unreadable("access log", e))
    }

    /// Registers this phone for reminders (`PUT /v1/me/devices/{device_id}`)
    /// with its FCM registration token; call it at start and whenever the
    /// platform hands out a new token. `device_id` is this installation's
    /// UUID (kept by the app). The first device gets the default reminders.
    pub async fn register_device(&self, device_id: &str, device: DeviceInput) -> Result<()> {
        let id = uuid::Uuid::parse_str(device_id)
            .map_err(|_| SdkError::field("device_id", "uuid", "must be a UUID"))?;
        device.clone().parse().map_err(SdkError::validation)?;
        let body = serde_json::to_value(&device).map_err(|e| SdkError::unreadable("device", e))?;
        let _: Value = self
            .call(Method::PUT, &format!("v1/me/devices/{id}"), Some(&body))
            .await?;
        self.store
            .put_cached(DEVICE_KEY, &id.to_string(), self.now())
    }

    /// `GET /v1/me/reminders` (schema `RemindersView`): the settings (or
    /// the defaults) and when each reminder is next due.
    pub async fn reminders(&self) -> Result<String> {
        self.document("v1/me/reminders").await
    }

    /// Replaces the reminder settings (validated here with the server's
    /// rules first); returns the server's `RemindersView` JSON. Send the
    /// phone's zone in `time_zone` again when it changes.
    pub async fn set_reminders(&self, settings: RemindersInput) -> Result<String> {
        settings.clone().parse().map_err(SdkError::validation)?;
        let body =
            serde_json::to_value(&settings).map_err(|e| SdkError::unreadable("reminders", e))?;
        let view: Value = self
            .call(Method::PUT, "v1/me/reminders", Some(&body))
            .await?;
        Ok(view.to_string())
    }

    /// When this phone last fetched progress, if ever.
    pub fn progress_fetched_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .store
            .cached(PROGRESS_KEY)?
            .and_then(|(_, at)| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc)))
    }
}

fn json_object(field: &str, raw: &str) -> Result<Value> {
    serde_json::from_str::<Value>(raw)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| SdkError::field(field, "json", "must be a JSON object"))
}
