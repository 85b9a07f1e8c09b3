//! The reminder scheduler (issue 15). Each tick claims the reminders due by
//! now, checks each at send time (already logged? quiet hours? too late for
//! its day? period ended? no device?) and sends it to the participant's
//! devices through a [`PushSender`].
//!
//! Exactly once: a claim inserts the (account, kind, local date) row of
//! `reminder_sends`, whose unique key lets one scheduler in however many
//! instances take an occurrence; on PostgreSQL the due schedule rows are
//! also locked `FOR UPDATE SKIP LOCKED`, so instances do not wait for each
//! other. A claim whose instance died before finishing it (status still
//! `claimed` after [`CLAIM_LEASE`]) is taken over and finished by the next
//! tick of any instance. The one window left is between the push service
//! accepting a message and the row being marked `sent`: a crash exactly
//! there sends that reminder again (at least once beats never).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use friskliv_domain::reminders::{
    Due, ReminderKind, ReminderSettings, next_due, notification_text, still_sendable,
};
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::db::entities::{device, diary_entry, reminder_schedule, reminder_send};
use crate::db::journey::{own_periods, status_of};
use crate::error::Result;
use crate::reminders::stored_settings;

/// A claim older than this whose status is still `claimed` belonged to an
/// instance that died; another instance finishes it.
pub const CLAIM_LEASE: Duration = Duration::minutes(2);
/// Occurrences claimed per transaction.
const CLAIM_BATCH: u64 = 500;

/// One notification to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub token: String,
    pub title: String,
    pub body: String,
    /// The diary kind and the app's deep link; no health data.
    pub data: BTreeMap<String, String>,
}

/// What the push service did with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Sent,
    /// The token is no longer valid (FCM `UNREGISTERED`): forget the device.
    TokenGone,
}

pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Delivered, String>> + Send + 'a>>;

/// Delivers notifications (FCM HTTP v1 in the server; a fake in tests). An
/// `Err` is a failure after the sender's own retries.
pub trait PushSender: Send + Sync {
    fn send<'a>(&'a self, notification: &'a Notification) -> SendFuture<'a>;
}

/// What one tick did, for the logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    pub due: u64,
    pub sent: u64,
    /// By reason: `already_logged`, `quiet_hours`, `too_late`,
    /// `period_ended`, `no_device`, `disabled`.
    pub skipped: BTreeMap<&'static str, u64>,
    pub failed: u64,
    pub tokens_removed: u64,
}

/// An occurrence this scheduler took.
struct Claimed {
    send_id: Uuid,
    account_id: Uuid,
    kind: ReminderKind,
    due: Due,
}

impl Store {
    /// Claims and sends every reminder due by `now`. Safe to run on every
    /// instance at once.
    pub async fn send_due_reminders(
        &self,
        sender: &dyn PushSender,
        now: DateTime<Utc>,
    ) -> Result<TickReport> {
        let mut report = TickReport::default();
        loop {
            let mut claimed = self.take_over_stale(now).await?;
            claimed.extend(self.claim_due(now).await?);
            if claimed.is_empty() {
                return Ok(report);
            }
            report.due += claimed.len() as u64;
            for occurrence in claimed {
                self.deliver(sender, occurrence, now, &mut report).await?;
            }
        }
    }

    /// Occurrences whose claiming instance died before finishing them.
    async fn take_over_stale(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>> {
        let stale = reminder_send::Entity::find()
            .filter(reminder_send::Column::Status.eq("claimed"))
            .filter(reminder_send::Column::ClaimedAt.lt(now - CLAIM_LEASE))
            .limit(CLAIM_BATCH)
            .all(&self.db)
            .await?;
        let mut taken = Vec::new();
        for row in stale {
            let turn = self.write_turn().await;
            // Atomic: of two instances taking over, one updates the row.
            let updated = reminder_send::Entity::update_many()
                .col_expr(
                    reminder_send::Column::ClaimedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(reminder_send::Column::Id.eq(row.id))
                .filter(reminder_send::Column::Status.eq("claimed"))
                .filter(reminder_send::Column::ClaimedAt.eq(row.claimed_at))
                .exec(&self.db)
                .await?;
            drop(turn);
            if updated.rows_affected == 1
                && let Ok(kind) = row.kind.parse()
            {
                taken.push(Claimed {
                    send_id: row.id,
                    account_id: row.account_id,
                    kind,
                    due: Due {
                        at: row.due_at,
                        local_date: row.local_date,
                    },
                });
            }
        }
        Ok(taken)
    }

    /// Takes the due schedule rows: records each occurrence as claimed (once
    /// per account, kind and day) and moves the row to its next occurrence.
    async fn claim_due(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>> {
        let (turn, txn) = self.write().await?;
        let mut query = reminder_schedule::Entity::find()
            .filter(reminder_schedule::Column::DueAt.lte(now))
            .order_by_asc(reminder_schedule::Column::DueAt)
            .limit(CLAIM_BATCH);
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let due = query.all(&txn).await?;
        let mut claimed = Vec::new();
        let mut settings_of: BTreeMap<Uuid, Option<ReminderSettings>> = BTreeMap::new();
        for row in due {
            let Ok(kind) = row.kind.parse::<ReminderKind>() else {
                reminder_schedule::Entity::delete_by_id(row.id)
                    .exec(&txn)
                    .await?;
                continue;
            };
            let send_id = Uuid::now_v7();
            let inserted = reminder_send::Entity::insert(reminder_send::ActiveModel {
                id: Set(send_id),
                account_id: Set(row.account_id),
                kind: Set(row.kind.clone()),
                local_date: Set(row.local_date),
                due_at: Set(row.due_at),
                status: Set("claimed".to_owned()),
                reason: Set(None),
                claimed_at: Set(now),
                finished_at: Set(None),
            })
            .on_conflict(
                OnConflict::columns([
                    reminder_send::Column::AccountId,
                    reminder_send::Column::Kind,
                    reminder_send::Column::LocalDate,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            if inserted == 1 {
                claimed.push(Claimed {
                    send_id,
                    account_id: row.account_id,
                    kind,
                    due: Due {
                        at: row.due_at,
                        local_date: row.local_date,
                    },
                });
            }
            if let std::collections::btree_map::Entry::Vacant(slot) =
                settings_of.entry(row.account_id)
            {
                slot.insert(stored_settings(&txn, row.account_id).await?);
            }
            let next = settings_of[&row.account_id].as_ref().and_then(|s| {
                s.reminders
                    .iter()
                    .find(|r| r.kind == kind)
                    .and_then(|r| next_due(r, s.time_zone, row.due_at.max(now - Duration::days(1))))
            });
            match next {
                Some(next) => {
                    let mut active: reminder_schedule::ActiveModel = row.into();
                    active.due_at = Set(next.at);
                    active.local_date = Set(next.local_date);
                    active.update(&txn).await?;
                }
                None => {
                    reminder_schedule::Entity::delete_by_id(row.id)
                        .exec(&txn)
                        .await?;
                }
            }
        }
        txn.commit().await?;
        drop(turn);
        Ok(claimed)
    }

    /// Checks one claimed occurrence and sends it, then records the outcome.
    async fn deliver(
        &self,
        sender: &dyn PushSender,
        occurrence: Claimed,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<()> {
        let skip = self.reason_to_skip(&occurrence, now).await?;
        let (status, reason) = match skip {
            Some(reason) => {
                *report.skipped.entry(reason).or_default() += 1;
                ("skipped", Some(reason))
            }
            None => {
                let devices = device::Entity::find()
                    .filter(device::Column::AccountId.eq(occurrence.account_id))
                    .all(&self.db)
                    .await?;
                let mut delivered = false;
                let mut failure = None;
                for device in devices {
                    let (title, body) =
                        notification_text(occurrence.kind, device.locale.as_deref());
                    let notification = Notification {
                        token: device.push_token.clone(),
                        title: title.to_owned(),
                        body: body.to_owned(),
                        data: BTreeMap::from([
                            ("kind".to_owned(), occurrence.kind.as_str().to_owned()),
                            (
                                "deep_link".to_owned(),
                                deep_link(occurrence.kind, occurrence.due),
                            ),
                        ]),
                    };
                    match sender.send(&notification).await {
                        Ok(Delivered::Sent) => delivered = true,
                        Ok(Delivered::TokenGone) => {
                            let turn = self.write_turn().await;
                            device::Entity::delete_by_id(device.id)
                                .exec(&self.db)
                                .await?;
                            drop(turn);
                            report.tokens_removed += 1;
                        }
                        Err(e) => failure = Some(e),
                    }
                }
                match (delivered, failure) {
                    (true, _) => {
                        report.sent += 1;
                        ("sent", None)
                    }
                    (false, Some(e)) => {
                        tracing::warn!(error = %e, kind = occurrence.kind.as_str(), "a reminder could not be sent");
                        report.failed += 1;
                        ("failed", Some("push_failed"))
                    }
                    (false, None) => {
                        *report.skipped.entry("no_device").or_default() += 1;
                        ("skipped", Some("no_device"))
                    }
                }
            }
        };
        let turn = self.write_turn().await;
        reminder_send::Entity::update_many()
            .col_expr(
                reminder_send::Column::Status,
                sea_orm::sea_query::Expr::value(status),
            )
            .col_expr(
                reminder_send::Column::Reason,
                sea_orm::sea_query::Expr::value(reason),
            )
            .col_expr(
                reminder_send::Column::FinishedAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .filter(reminder_send::Column::Id.eq(occurrence.send_id))
            .exec(&self.db)
            .await?;
        drop(turn);
        Ok(())
    }

    /// Why a due occurrence must not be sent now, if it must not.
    async fn reason_to_skip(
        &self,
        occurrence: &Claimed,
        now: DateTime<Utc>,
    ) -> Result<Option<&'static str>> {
        let Some(settings) = stored_settings(&self.db, occurrence.account_id).await? else {
            return Ok(Some("disabled"));
        };
        let Some(reminder) = settings
            .reminders
            .iter()
            .find(|r| r.kind == occurrence.kind && r.enabled)
        else {
            return Ok(Some("disabled"));
        };
        if now.with_timezone(&settings.time_zone).date_naive() != occurrence.due.local_date {
            return Ok(Some("too_late"));
        }
        if !still_sendable(&settings, occurrence.due, now) {
            return Ok(Some("quiet_hours"));
        }
        let periods = own_periods(&self.db, occurrence.account_id).await?;
        if !periods.is_empty() && !periods.iter().any(|p| status_of(p).is_open()) {
            return Ok(Some("period_ended"));
        }
        if reminder.only_if_not_logged
            && let Some(kind) = occurrence.kind.diary()
        {
            let logged = diary_entry::Entity::find()
                .filter(diary_entry::Column::ParticipantId.eq(occurrence.account_id))
                .filter(diary_entry::Column::Kind.eq(kind.as_str()))
                .filter(diary_entry::Column::DiaryDay.eq(occurrence.due.local_date))
                .filter(diary_entry::Column::Deleted.eq(false))
                .one(&self.db)
                .await?;
            if logged.is_some() {
                return Ok(Some("already_logged"));
            }
        }
        Ok(None)
    }
}

/// Where the app opens: the diary of the kind, on the day.
fn deep_link(kind: ReminderKind, due: Due) -> String {
    match kind.diary() {
        Some(diary) => format!("friskliv://diary/{}?day={}", diary.as_str(), due.local_date),
        None => "friskliv://check-in".to_owned(),
    }
}

/// Runs [`Store::send_due_reminders`] every `every`, for as long as the server runs.
pub async fn reminders_loop(
    store: Store,
    sender: std::sync::Arc<dyn PushSender>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match store.send_due_reminders(sender.as_ref(), Utc::now()).await {
            Ok(done) if done != TickReport::default() => tracing::info!(
                due = done.due,
                sent = done.sent,
                skipped = ?done.skipped,
                failed = done.failed,
                tokens_removed = done.tokens_removed,
                "reminders"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the reminder scheduler failed"),
        }
    }
}
