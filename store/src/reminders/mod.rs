//! A participant's devices (their FCM tokens) and reminder settings, and the
//! durable schedule those settings make (issue 15). The scheduler that sends
//! them is `jobs::reminders`.

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::reminders::{
    Device, QuietHoursInput, ReminderInput, ReminderSettings, RemindersInput, next_due,
};
use poem_openapi::Object;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::db::entities::{device, reminder_schedule, reminder_setting};
use crate::diary::participant_id;
use crate::error::{Refusal, Result, stored_json};
use crate::identity::Principal;

/// A registered phone (its token is not shown again).
#[derive(Debug, Clone, Object)]
pub struct DeviceView {
    pub device_id: Uuid,
    /// `android` or `ios`.
    pub platform: String,
    pub app_version: Option<String>,
    pub locale: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// When a reminder is next due.
#[derive(Debug, Clone, Object)]
pub struct NextReminder {
    pub kind: String,
    pub due_at: DateTime<Utc>,
    /// The participant's local day it is for.
    pub local_date: NaiveDate,
}

/// `GET/PUT /v1/me/reminders`.
#[derive(Debug, Clone, Object)]
pub struct RemindersView {
    pub time_zone: String,
    pub quiet_hours: Option<QuietHoursInput>,
    pub reminders: Vec<ReminderInput>,
    /// `true` until the participant (or their first device) stored settings:
    /// these are the defaults.
    pub defaults: bool,
    /// The enabled reminders' next occurrences, soonest first.
    pub next: Vec<NextReminder>,
}

fn device_view(row: device::Model) -> DeviceView {
    DeviceView {
        device_id: row.id,
        platform: row.platform,
        app_version: row.app_version,
        locale: row.locale,
        registered_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The stored settings of an account, if any.
pub(crate) async fn stored_settings(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Option<ReminderSettings>> {
    let Some(row) = reminder_setting::Entity::find_by_id(account_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let input: RemindersInput = stored_json("reminder settings", &row.settings)?;
    input.parse().map(Some).map_err(|e| {
        crate::Error::internal(format!("stored reminder settings break a rule: {e:?}"))
    })
}

/// Replaces the account's schedule with each enabled reminder's next
/// occurrence after `now`.
pub(crate) async fn reschedule(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    reminder_schedule::Entity::delete_many()
        .filter(reminder_schedule::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    for reminder in &settings.reminders {
        if let Some(due) = next_due(reminder, settings.time_zone, now) {
            reminder_schedule::ActiveModel {
                id: Set(Uuid::now_v7()),
                account_id: Set(account_id),
                kind: Set(reminder.kind.as_str().to_owned()),
                due_at: Set(due.at),
                local_date: Set(due.local_date),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

async fn save_settings(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    let json = serde_json::to_string(&settings.to_input()).map_err(crate::Error::internal)?;
    reminder_setting::Entity::insert(reminder_setting::ActiveModel {
        account_id: Set(account_id),
        settings: Set(json),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(reminder_setting::Column::AccountId)
            .update_columns([
                reminder_setting::Column::Settings,
                reminder_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    reschedule(db, account_id, settings, now).await
}

impl Store {
    /// `PUT /v1/me/devices/{device_id}`: registers the phone or replaces its
    /// token. A token registered to another account (a phone handed on)
    /// moves here. The first device stores the default reminders. Returns
    /// whether the device is new.
    pub async fn put_device(
        &self,
        principal: &Principal,
        device_id: Uuid,
        device: Device,
    ) -> Result<(DeviceView, bool)> {
        let account_id = participant_id(principal)?;
        let now = self.clock.now();
        let (turn, txn) = self.write().await?;
        // One token, one account; one device id, one account.
        device::Entity::delete_many()
            .filter(device::Column::PushToken.eq(device.push_token.clone()))
            .filter(device::Column::Id.ne(device_id))
            .exec(&txn)
            .await?;
        let existing = device::Entity::find_by_id(device_id).one(&txn).await?;
        let created = existing.as_ref().is_none_or(|d| d.account_id != account_id);
        if existing
            .as_ref()
            .is_some_and(|d| d.account_id != account_id)
        {
            device::Entity::delete_by_id(device_id).exec(&txn).await?;
        }
        let row = device::ActiveModel {
            id: Set(device_id),
            account_id: Set(account_id),
            platform: Set(device.platform.as_str().to_owned()),
            push_token: Set(device.push_token),
            app_version: Set(device.app_version),
            locale: Set(device.locale),
            created_at: Set(match &existing {
                Some(d) if !created => d.created_at,
                _ => now,
            }),
            updated_at: Set(now),
        };
        let saved = if created {
            row.insert(&txn).await?
        } else {
            row.update(&txn).await?
        };
        if stored_settings(&txn, account_id).await?.is_none() {
            let zone = friskliv_domain::diary::DEFAULT_TIME_ZONE;
            save_settings(&txn, account_id, &ReminderSettings::defaults(zone), now).await?;
        }
        txn.commit().await?;
        drop(turn);
        Ok((device_view(saved), created))
    }

    /// `GET /v1/me/devices`.
    pub async fn devices(&self, principal: &Principal) -> Result<Vec<DeviceView>> {
        let account_id = participant_id(principal)?;
        let rows = device::Entity::find()
            .filter(device::Column::AccountId.eq(account_id))
            .order_by_asc(device::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(device_view).collect())
    }

    /// `DELETE /v1/me/devices/{device_id}` (signing out of a phone): its
    /// token gets no more reminders.
    pub async fn delete_device(&self, principal: &Principal, device_id: Uuid) -> Result<()> {
        let account_id = participant_id(principal)?;
        let turn = self.write_turn().await;
        let deleted = device::Entity::delete_many()
            .filter(device::Column::Id.eq(device_id))
            .filter(device::Column::AccountId.eq(account_id))
            .exec(&self.db)
            .await?;
        drop(turn);
        if deleted.rows_affected == 0 {
            return Err(Refusal::not_found("no such device of yours").into());
        }
        Ok(())
    }

    /// `GET /v1/me/reminders`: the stored settings, or the defaults.
    pub async fn reminders(&self, principal: &Principal) -> Result<RemindersView> {
        let account_id = participant_id(principal)?;
        let stored = stored_settings(&self.db, account_id).await?;
        let defaults = stored.is_none();
        let settings = stored.unwrap_or_else(|| {
            ReminderSettings::defaults(friskliv_domain::diary::DEFAULT_TIME_ZONE)
        });
        self.reminders_view(account_id, &settings, defaults).await
    }

    /// `PUT /v1/me/reminders`: replaces the settings and the schedule.
    pub async fn put_reminders(
        &self,
        principal: &Principal,
        settings: ReminderSettings,
    ) -> Result<RemindersView> {
        let account_id = participant_id(principal)?;
        let now = self.clock.now();
        let (turn, txn) = self.write().await?;
        save_settings(&txn, account_id, &settings, now).await?;
        txn.commit().await?;
        drop(turn);
        self.reminders_view(account_id, &settings, false).await
    }

    async fn reminders_view(
        &self,
        account_id: Uuid,
        settings: &ReminderSettings,
        defaults: bool,
    ) -> Result<RemindersView> {
        let next = if defaults {
            let now = self.clock.now();
            let mut next: Vec<NextReminder> = settings
                .reminders
                .iter()
                .filter_map(|r| {
                    next_due(r, settings.time_zone, now).map(|due| NextReminder {
                        kind: r.kind.as_str().to_owned(),
                        due_at: due.at,
                        local_date: due.local_date,
                    })
                })
                .collect();
            next.sort_by_key(|n| n.due_at);
            next
        } else {
            reminder_schedule::Entity::find()
                .filter(reminder_schedule::Column::AccountId.eq(account_id))
                .order_by_asc(reminder_schedule::Column::DueAt)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|row| NextReminder {
                    kind: row.kind,
                    due_at: row.due_at,
                    local_date: row.local_date,
                })
                .collect()
        };
        let input = settings.to_input();
        Ok(RemindersView {
            time_zone: input.time_zone,
            quiet_hours: input.quiet_hours,
            reminders: input.reminders,
            defaults,
            next,
        })
    }
}

/// Whether the grant's participant has reminders on: a registered phone and
/// a scheduled reminder. Under the `summaries` consent a veileder sees this
/// one fact, not the times, kinds or devices.
pub(crate) async fn reminders_on(
    db: &impl ConnectionTrait,
    grant: &crate::db::sharing::Grant,
) -> std::result::Result<bool, sea_orm::DbErr> {
    grant.require(friskliv_domain::consent::ConsentScope::Summaries)?;
    let scheduled = reminder_schedule::Entity::find()
        .filter(reminder_schedule::Column::AccountId.eq(grant.participant_id))
        .one(db)
        .await?
        .is_some();
    let phone = device::Entity::find()
        .filter(device::Column::AccountId.eq(grant.participant_id))
        .one(db)
        .await?
        .is_some();
    Ok(scheduled && phone)
}
