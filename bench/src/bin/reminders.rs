//! `friskliv-reminder-bench`: the reminder scheduler at national scale
//! (issue 15), against the real server (release build, loopback) and the
//! fake FCM of `friskliv-push` on 127.0.0.1, on SQLite and/or PostgreSQL.
//!
//! 30 000 participants, each with a phone and three reminders a day (sleep
//! 08:00, food 12:00, activity 20:00, Europe/Oslo), are written straight to
//! the database. Then:
//!
//! 1. **Quiet tick**: the scheduler's cost per tick when nothing is due
//!    (90 000 scheduled rows); median and max of 50 ticks.
//! 2. **Evening peak**: every activity reminder falls due at 20:00; the
//!    server's own store sends them all through the FCM HTTP v1 client
//!    (`friskliv-api`'s sender: OAuth2 token, JSON v1 messages) while 16
//!    participants keep PUTting diary entries (one every 50 ms each). Wall
//!    time until all 30 000 are sent, sends/s, and the PUTs' p50/p99.
//!
//! ```sh
//! cargo run --release -p friskliv-bench --bin friskliv-reminder-bench -- [--backend sqlite|postgres|both] [--participants N]
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{NaiveTime, TimeZone, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::reminders::ReminderSettings;
use friskliv_push::fake::FakeFcm;
use friskliv_store::db::entities::{account, device, reminder_schedule, reminder_setting};
use friskliv_tests::{Backend, PasskeyDevice, TestApp};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PUT_CLIENTS: usize = 16;
const PUT_PERIOD: Duration = Duration::from_millis(50);
const TARGET_PEAK_S: f64 = 60.0;
const TARGET_PUT_P99_MS: f64 = 20.0;
const CHUNK: usize = 500;

struct Figures {
    backend: Backend,
    participants: usize,
    seed_s: f64,
    quiet_tick_median_ms: f64,
    quiet_tick_max_ms: f64,
    peak_s: f64,
    sent: u64,
    puts: usize,
    put_p50_ms: f64,
    put_p99_ms: f64,
    alone_p50_ms: f64,
    alone_p99_ms: f64,
}

/// 16 participants each PUTting a diary entry every 50 ms until stopped.
struct PutLoad {
    stop: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>,
}

impl PutLoad {
    async fn finish(self) -> anyhow::Result<Vec<Duration>> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut all = Vec::new();
        for task in self.tasks {
            all.extend(task.await?);
        }
        Ok(all)
    }
}

fn put_load(app: &TestApp, tokens: &[String]) -> PutLoad {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for token in tokens {
        let token = token.clone();
        let http = app.http.clone();
        let base = app.base.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut tick = tokio::time::interval(PUT_PERIOD);
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                let body = json!({"version": 1, "occurred_at": format!("2026-11-{:02}T07:30:00+01:00", 1 + i % 28),
                    "activity": {"activity_type": "walking", "duration_minutes": 30, "intensity": "moderate"}});
                let url = base.join(&format!("/v1/me/diary/activity/{}", Uuid::now_v7())).unwrap();
                let t = Instant::now();
                let reply = http.put(url).bearer_auth(&token).json(&body).send().await;
                latencies.push(t.elapsed());
                if let Ok(r) = reply {
                    let _ = r.bytes().await;
                }
                i += 1;
            }
            latencies
        }));
    }
    PutLoad { stop, tasks }
}

/// Writes `n` participants with a device, the three daily reminders and
/// their schedule, the activity reminder due at `peak`.
async fn seed(app: &TestApp, n: usize, peak: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let db = app.db().await;
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let now = Utc::now();
    let zone = chrono_tz::Europe::Oslo;
    let mut settings = ReminderSettings::defaults(zone);
    settings.quiet_hours = None;
    for r in &mut settings.reminders {
        r.enabled = matches!(r.kind.as_str(), "sleep" | "food" | "activity");
        r.only_if_not_logged = false;
    }
    let settings_json = serde_json::to_string(&settings.to_input())?;
    let peak_day = peak.with_timezone(&zone).date_naive();
    let due_of = |kind: &str| -> (chrono::DateTime<Utc>, chrono::NaiveDate) {
        let time = match kind {
            "sleep" => NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            _ => NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        };
        let day = peak_day + chrono::Days::new(1);
        (
            zone.from_local_datetime(&day.and_time(time))
                .unwrap()
                .with_timezone(&Utc),
            day,
        )
    };
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    for chunk in ids.chunks(CHUNK) {
        let txn = db.begin().await?;
        account::Entity::insert_many(chunk.iter().enumerate().map(|(i, id)| {
            account::ActiveModel {
                id: Set(*id),
                role: Set(AccountRole::Participant.as_str().to_owned()),
                centre_id: Set(Some(centre)),
                display_name: Set(format!("Deltaker {i}")),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        device::Entity::insert_many(chunk.iter().map(|id| device::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(*id),
            platform: Set("android".to_owned()),
            push_token: Set(format!("fcm-{id}")),
            app_version: Set(Some("1.0.0".to_owned())),
            locale: Set(Some("nb-NO".to_owned())),
            created_at: Set(now),
            updated_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
        reminder_setting::Entity::insert_many(chunk.iter().map(|id| {
            reminder_setting::ActiveModel {
                account_id: Set(*id),
                settings: Set(settings_json.clone()),
                updated_at: Set(now),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        reminder_schedule::Entity::insert_many(chunk.iter().flat_map(|id| {
            ["sleep", "food", "activity"].map(|kind| {
                let (due_at, local_date) = if kind == "activity" {
                    (peak, peak_day)
                } else {
                    due_of(kind)
                };
                reminder_schedule::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    account_id: Set(*id),
                    kind: Set(kind.to_owned()),
                    due_at: Set(due_at),
                    local_date: Set(local_date),
                }
            })
        }))
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn run(backend: Backend, n: usize) -> anyhow::Result<Figures> {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir()?;
    let credentials = fake.write_service_account(dir.path());
    let (base, token_url) = (fake.base_url(), fake.token_url());
    let app = TestApp::spawn_with(backend, |config| {
        config.fcm_credentials = Some(credentials);
        config.fcm_token_url = Some(token_url);
        config.fcm_send_url = Some(base);
        // The bench drives the scheduler itself.
        config.reminder_tick = Duration::from_secs(3600);
    })
    .await
    .context("the server starts")?;
    let sender = friskliv_api::push::sender(&app.config)?.context("push is on")?;

    // The evening peak is "now" for the scheduler: today 20:00 in Oslo.
    let zone = chrono_tz::Europe::Oslo;
    let today = Utc::now().with_timezone(&zone).date_naive();
    let peak = zone
        .from_local_datetime(&today.and_time(NaiveTime::from_hms_opt(20, 0, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc);
    let started = Instant::now();
    seed(&app, n, peak).await?;
    let seed_s = started.elapsed().as_secs_f64();
    eprintln!("{backend:?}: {n} participants seeded in {seed_s:.1} s");

    // 1. Ticks with nothing due (an hour before the peak).
    let mut quiet = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let report = app
            .store
            .send_due_reminders(sender.as_ref(), peak - chrono::Duration::hours(1))
            .await?;
        quiet.push(t.elapsed());
        ensure!(
            report.due == 0,
            "nothing is due before the peak: {report:?}"
        );
    }
    quiet.sort();

    // 2. The peak, with diary PUTs going on.
    let centre = app.create_centre("PUT-sentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Vera").await;
    let mut tokens = Vec::new();
    for i in 0..PUT_CLIENTS {
        let invite = app.invite(&veileder.token, centre, "participant").await;
        let s = app
            .register_ok(
                &mut PasskeyDevice::new(&format!("put{i}")),
                invite.body["code"].as_str().unwrap(),
                "Deltaker",
            )
            .await;
        tokens.push(s.token);
    }
    // The same PUT load alone first, for the machine's own figure.
    let baseline = put_load(&app, &tokens);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut alone = baseline.finish().await?;
    alone.sort();
    let load = put_load(&app, &tokens);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let report = app
        .store
        .send_due_reminders(sender.as_ref(), peak + chrono::Duration::seconds(1))
        .await?;
    let peak_s = started.elapsed().as_secs_f64();
    let mut puts = load.finish().await?;
    puts.sort();
    ensure!(report.sent as usize == n, "all {n} sent: {report:?}");
    ensure!(
        fake.count() == n,
        "the fake received {} of {n}",
        fake.count()
    );
    Ok(Figures {
        backend,
        participants: n,
        seed_s,
        quiet_tick_median_ms: ms(percentile(&quiet, 0.5)),
        quiet_tick_max_ms: ms(*quiet.last().unwrap()),
        peak_s,
        sent: report.sent,
        puts: puts.len(),
        put_p50_ms: ms(percentile(&puts, 0.5)),
        put_p99_ms: ms(percentile(&puts, 0.99)),
        alone_p50_ms: ms(percentile(&alone, 0.5)),
        alone_p99_ms: ms(percentile(&alone, 0.99)),
    })
}

fn main() -> anyhow::Result<()> {
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    let mut participants = 30_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--backend" => match args.next().as_deref() {
                Some("sqlite") => backends = vec![Backend::Sqlite],
                Some("postgres") => backends = vec![Backend::Postgres],
                Some("both") => {}
                other => anyhow::bail!("--backend sqlite|postgres|both, got {other:?}"),
            },
            "--participants" => participants = args.next().context("--participants N")?.parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if std::env::var_os("FRISKLIV_TEST_POSTGRES_URL").is_none() {
        // SAFETY: single-threaded here; no runtime or other thread started yet.
        unsafe { std::env::set_var("FRISKLIV_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL) };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut all = Vec::new();
    for backend in backends {
        all.push(runtime.block_on(run(backend, participants))?);
    }
    println!(
        "| {} participants × 3 reminders | {} |",
        all[0].participants,
        all.iter()
            .map(|f| format!("{:?}", f.backend))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(all.len()));
    let row = |name: &str, cell: &dyn Fn(&Figures) -> String| {
        println!(
            "| {name} | {} |",
            all.iter().map(cell).collect::<Vec<_>>().join(" | ")
        );
    };
    row("Seeding (s)", &|f| format!("{:.1}", f.seed_s));
    row("Tick with nothing due: median / max (ms)", &|f| {
        format!("{:.2} / {:.2}", f.quiet_tick_median_ms, f.quiet_tick_max_ms)
    });
    row(
        "Evening peak: all due at 20:00 sent in (s; target < 60)",
        &|f| {
            format!(
                "{:.1} {}",
                f.peak_s,
                if f.peak_s < TARGET_PEAK_S {
                    "✅"
                } else {
                    "❌"
                }
            )
        },
    );
    row("… sends/s to the fake FCM", &|f| {
        format!("{:.0}", f.sent as f64 / f.peak_s)
    });
    row(
        "Diary PUT alone (the same load, no reminders): p50 / p99 (ms)",
        &|f| format!("{:.1} / {:.1}", f.alone_p50_ms, f.alone_p99_ms),
    );
    row(
        "Diary PUT meanwhile: p50 / p99 (ms; target p99 < 20), requests",
        &|f| {
            format!(
                "{:.1} / {:.1} {}, {}",
                f.put_p50_ms,
                f.put_p99_ms,
                if f.put_p99_ms < TARGET_PUT_P99_MS {
                    "✅"
                } else {
                    "❌"
                },
                f.puts
            )
        },
    );
    Ok(())
}
