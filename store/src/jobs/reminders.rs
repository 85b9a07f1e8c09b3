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
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
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
/// Occurrences claimed per transaction (small: on SQLite the claim holds
/// the one write turn the diary's writes also wait for).
const CLAIM_BATCH: u64 = 100;
/// Notifications in flight at once.
const SENDS_AT_ONCE: usize = 16;
/// The scheduler's pace at a peak: a national evening peak of 30 000 is sent
/// in 30 s, and the server keeps most of its CPU for the diary meanwhile
/// (docs/PERFORMANCE.md).
const SENDS_PER_SECOND: f64 = 1000.0;

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

/// What became of a claimed occurrence.
struct Outcome {
    send_id: Uuid,
    status: &'static str,
    reason: Option<&'static str>,
    /// Devices whose token the push service no longer knows.
    gone_devices: Vec<Uuid>,
}

impl Outcome {
    fn skipped(occurrence: &Claimed, reason: &'static str) -> Self {
        Outcome {
            send_id: occurrence.send_id,
            status: "skipped",
            reason: Some(reason),
            gone_devices: Vec::new(),
        }
    }
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
            let batch_started = std::time::Instant::now();
            report.due += claimed.len() as u64;
            // Boxed, so the spawned scheduler's future stays `Send` for
            // every lifetime (a closure over the borrowed batch is not).
            let sends: Vec<Pin<Box<dyn Future<Output = Result<Outcome>> + Send + '_>>> = claimed
                .iter()
                .map(|occurrence| {
                    Box::pin(self.deliver(sender, occurrence, now))
                        as Pin<Box<dyn Future<Output = Result<Outcome>> + Send + '_>>
                })
                .collect();
            let outcomes: Vec<Result<Outcome>> = futures_util::stream::iter(sends)
                .buffer_unordered(SENDS_AT_ONCE)
                .collect()
                .await;
            let outcomes = outcomes.into_iter().collect::<Result<Vec<_>>>()?;
            self.record(&outcomes, now, &mut report).await?;
            let fair_share =
                std::time::Duration::from_secs_f64(claimed.len() as f64 / SENDS_PER_SECOND);
            if let Some(rest) = fair_share.checked_sub(batch_started.elapsed()) {
                tokio::time::sleep(rest).await;
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
                .col_expr(reminder_send::Column::ClaimedAt, Expr::value(now))
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

    /// Checks one claimed occurrence and sends it to the participant's
    /// devices. Only reads: the outcome is written with the batch's.
    async fn deliver(
        &self,
        sender: &dyn PushSender,
        occurrence: &Claimed,
        now: DateTime<Utc>,
    ) -> Result<Outcome> {
        if let Some(reason) = self.reason_to_skip(occurrence, now).await? {
            return Ok(Outcome::skipped(occurrence, reason));
        }
        let devices = device::Entity::find()
            .filter(device::Column::AccountId.eq(occurrence.account_id))
            .all(&self.db)
            .await?;
        let mut outcome = Outcome::skipped(occurrence, "no_device");
        let mut failure = None;
        for device in devices {
            let (title, body) = notification_text(occurrence.kind, device.locale.as_deref());
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
                Ok(Delivered::Sent) => {
                    outcome.status = "sent";
                    outcome.reason = None;
                }
                Ok(Delivered::TokenGone) => outcome.gone_devices.push(device.id),
                Err(e) => failure = Some(e),
            }
        }
        if let (Some(e), false) = (failure, outcome.status == "sent") {
            tracing::warn!(error = %e, kind = occurrence.kind.as_str(), "a reminder could not be sent");
            outcome.status = "failed";
            outcome.reason = Some("push_failed");
        }
        Ok(outcome)
    }

    /// Writes a batch's outcomes: one statement per status and reason, and
    /// one for the devices whose tokens are gone.
    async fn record(
        &self,
        outcomes: &[Outcome],
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<()> {
        let mut by_status: BTreeMap<(&'static str, Option<&'static str>), Vec<Uuid>> =
            BTreeMap::new();
        let mut gone = Vec::new();
        for outcome in outcomes {
            by_status
                .entry((outcome.status, outcome.reason))
                .or_default()
                .push(outcome.send_id);
            gone.extend(outcome.gone_devices.iter().copied());
            match (outcome.status, outcome.reason) {
                ("sent", _) => report.sent += 1,
                ("failed", _) => report.failed += 1,
                (_, Some(reason)) => *report.skipped.entry(reason).or_default() += 1,
                _ => {}
            }
        }
        report.tokens_removed += gone.len() as u64;
        let (turn, txn) = self.write().await?;
        for ((status, reason), ids) in by_status {
            for ids in ids.chunks(500) {
                reminder_send::Entity::update_many()
                    .col_expr(reminder_send::Column::Status, Expr::value(status))
                    .col_expr(reminder_send::Column::Reason, Expr::value(reason))
                    .col_expr(reminder_send::Column::FinishedAt, Expr::value(Some(now)))
                    .filter(reminder_send::Column::Id.is_in(ids.iter().copied()))
                    .exec(&txn)
                    .await?;
            }
        }
        if !gone.is_empty() {
            device::Entity::delete_many()
                .filter(device::Column::Id.is_in(gone))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
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
