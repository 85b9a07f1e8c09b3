//! `friskliv-sdk-bench`: the phone SDK against the real server (release
//! build, loopback), on SQLite and/or PostgreSQL, each figure beside the
//! server's own batch-ingest figure measured in the same run:
//!
//! 1. **Server batch ingest** (the reference): one participant POSTs
//!    `/v1/me/sync` with 500 new entries per request, ready-made bodies,
//!    one request at a time; entries/s.
//! 2. **Local write latency**: the SDK saves 10 000 entries to its store
//!    (validation, the entry and its outbox item in one SQLite transaction,
//!    synchronous=FULL); p50/p99/max.
//! 3. **Upload**: `push()` of that 10 000-entry outbox (20 batches of 500,
//!    each acknowledged in the store); entries/s and the ratio to (1). Beside
//!    it the whole `sync()` (push, then the change feed, which carries the
//!    phone's own writes back).
//! 4. **First download**: a new, empty device of the same participant
//!    syncs all 10 000 entries; entries/s and the ratio to (1).
//! 5. **Store size** per 1 000 entries (the file after a checkpoint), on
//!    the phone that logged them (its emptied outbox's pages stay in the
//!    file) and on the new device that only downloaded them.
//!
//! ```sh
//! cargo run --release -p friskliv-bench --bin friskliv-sdk-bench -- [--backend sqlite|postgres|both] [--entries N]
//! ```

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use friskliv_sdk::{Friskliv, SessionStorage};
use friskliv_tests::{Backend, PasskeyDevice, TestApp};
use serde_json::{Value, json};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const BATCH: usize = 500;
const TARGET_RATIO: f64 = 0.7;
const TARGET_WRITE_P99_MS: f64 = 2.0;

#[derive(Default)]
struct Keychain(Mutex<Option<String>>);

impl SessionStorage for Keychain {
    fn load_token(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn store_token(&self, token: Option<String>) {
        *self.0.lock().unwrap() = token;
    }
}

/// The i-th entry: one of the five daily diaries on one of 365 days.
fn entry_json(i: usize) -> Value {
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
        + chrono::Days::new((i / 5 % 365) as u64);
    let minute = i % 60;
    match i % 5 {
        0 => json!({"version": 1, "occurred_at": format!("{day}T07:{minute:02}:00+01:00"),
            "activity": {"activity_type": "walking", "duration_minutes": 20 + i % 40, "intensity": "moderate", "steps": 3000 + i % 500}}),
        1 => json!({"version": 1, "occurred_at": format!("{day}T12:{minute:02}:00+01:00"),
            "food": {"meal": "lunch", "description": "Grovbrød med makrell", "veg_fruit_portions": i % 6, "whole_grain": true}}),
        2 => json!({"version": 1, "occurred_at": format!("{day}T06:{minute:02}:00+01:00"),
            "sleep": {"into_bed_at": format!("{day}T00:10:00+01:00"), "tried_to_sleep_at": format!("{day}T00:20:00+01:00"),
                "minutes_to_fall_asleep": 15, "awakenings": 1, "minutes_awake_after_onset": 10,
                "out_of_bed_at": format!("{day}T06:{minute:02}:00+01:00"), "quality": 1 + i % 5}}),
        3 => json!({"version": 1, "occurred_at": format!("{day}T21:{minute:02}:00+01:00"),
            "tobacco": {"cigarettes": i % 3, "snus_portions": i % 4, "e_cigarette": false, "cessation_medication": "none"}}),
        _ => {
            json!({"version": 1, "occurred_at": format!("{day}T22:{minute:02}:00+01:00"), "sitting": {"hours": 6.5}})
        }
    }
}

fn kind_of(i: usize) -> EntryKind {
    [
        EntryKind::Activity,
        EntryKind::Food,
        EntryKind::Sleep,
        EntryKind::Tobacco,
        EntryKind::Sitting,
    ][i % 5]
}

struct Figures {
    backend: Backend,
    entries: usize,
    ingest_per_s: f64,
    write_p50_ms: f64,
    write_p99_ms: f64,
    write_max_ms: f64,
    upload_per_s: f64,
    upload_sync_per_s: f64,
    download_per_s: f64,
    bytes_per_1000: f64,
    tablet_bytes_per_1000: f64,
}

async fn participant(
    app: &TestApp,
    centre: uuid::Uuid,
    veileder: &str,
    name: &str,
) -> anyhow::Result<(String, String)> {
    let invite = app.invite(veileder, centre, "participant").await;
    let code = invite.body["code"].as_str().context("invite")?.to_owned();
    let session = app
        .register_ok(&mut PasskeyDevice::new(name), &code, name)
        .await;
    Ok((session.token, code))
}

async fn run(backend: Backend, entries: usize) -> anyhow::Result<Figures> {
    let app = TestApp::spawn(backend).await.context("the server starts")?;
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Vera").await;

    // 1. The server's own batch ingest, ready-made bodies.
    let (ingest_token, _) = participant(&app, centre, &veileder.token, "ingest").await?;
    let bodies: Vec<Vec<u8>> = (0..entries)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|chunk| {
            let items: Vec<Value> = chunk
                .iter()
                .map(|&i| json!({"op": "upsert", "kind": kind_of(i).as_str(), "entry_id": uuid::Uuid::now_v7(), "entry": entry_json(i)}))
                .collect();
            serde_json::to_vec(&json!({ "items": items })).unwrap()
        })
        .collect();
    let started = Instant::now();
    for body in bodies {
        let reply = app
            .http
            .post(app.url("/v1/me/sync"))
            .bearer_auth(&ingest_token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        ensure!(reply.status().is_success(), "ingest: {}", reply.status());
        let _ = reply.bytes().await?;
    }
    let ingest_per_s = entries as f64 / started.elapsed().as_secs_f64();

    // 2. Local writes on a phone, then 3. its upload.
    let dir = tempfile::tempdir()?;
    let keychain = Arc::new(Keychain::default());
    let mut device = PasskeyDevice::new("phone");
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let code = invite.body["code"].as_str().context("invite")?;
    let session = app.register_ok(&mut device, code, "Kari").await;
    *keychain.0.lock().unwrap() = Some(session.token.clone());
    let phone = Friskliv::open(
        app.base.as_str(),
        &dir.path().join("phone.sqlite"),
        keychain.clone(),
    )?;
    let inputs: Vec<DiaryEntryInput> = (0..entries)
        .map(|i| serde_json::from_value(entry_json(i)).unwrap())
        .collect();
    let mut latencies = Vec::with_capacity(entries);
    for (i, input) in inputs.into_iter().enumerate() {
        let t = Instant::now();
        phone.save_entry(kind_of(i), None, input)?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let started = Instant::now();
    let report = phone.push().await?;
    let upload = started.elapsed();
    ensure!(
        report.pushed as usize == entries && report.pending == 0,
        "upload: {report:?}"
    );
    // The rest of that sync: the change feed, which carries the phone's own
    // writes back (already acknowledged, so only read).
    let started = Instant::now();
    phone.sync().await?;
    let upload_sync = upload + started.elapsed();

    // 4. A new device's first download.
    let tablet_keychain = Arc::new(Keychain::default());
    *tablet_keychain.0.lock().unwrap() = Some(session.token.clone());
    let tablet = Friskliv::open(
        app.base.as_str(),
        &dir.path().join("tablet.sqlite"),
        tablet_keychain,
    )?;
    let started = Instant::now();
    let report = tablet.sync().await?;
    let download = started.elapsed();
    ensure!(report.pulled as usize == entries, "download: {report:?}");

    // 5. The store's size, WAL checkpointed into the file.
    drop(phone);
    drop(tablet);
    let bytes = store_size(&dir.path().join("phone.sqlite"))?;
    let tablet_bytes = store_size(&dir.path().join("tablet.sqlite"))?;
    Ok(Figures {
        backend,
        entries,
        ingest_per_s,
        write_p50_ms: ms(pct(0.50)),
        write_p99_ms: ms(pct(0.99)),
        write_max_ms: ms(*latencies.last().unwrap()),
        upload_per_s: entries as f64 / upload.as_secs_f64(),
        upload_sync_per_s: entries as f64 / upload_sync.as_secs_f64(),
        download_per_s: entries as f64 / download.as_secs_f64(),
        bytes_per_1000: bytes as f64 / (entries as f64 / 1000.0),
        tablet_bytes_per_1000: tablet_bytes as f64 / (entries as f64 / 1000.0),
    })
}

fn store_size(path: &Path) -> anyhow::Result<u64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    Ok(std::fs::metadata(path)?.len())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mark(ok: bool) -> &'static str {
    if ok { "✅" } else { "❌" }
}

fn main() -> anyhow::Result<()> {
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    let mut entries = 10_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--backend" => match args.next().as_deref() {
                Some("sqlite") => backends = vec![Backend::Sqlite],
                Some("postgres") => backends = vec![Backend::Postgres],
                Some("both") => {}
                other => anyhow::bail!("--backend sqlite|postgres|both, got {other:?}"),
            },
            "--entries" => entries = args.next().context("--entries N")?.parse()?,
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
        all.push(runtime.block_on(run(backend, entries))?);
    }
    println!(
        "| {} entries | {} |",
        all[0].entries,
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
    row("Server batch ingest (entries/s, reference)", &|f| {
        format!("{:.0}", f.ingest_per_s)
    });
    row("SDK upload of the outbox (entries/s)", &|f| {
        format!("{:.0}", f.upload_per_s)
    });
    row("… ratio to server ingest (target ≥ 0.7)", &|f| {
        let r = f.upload_per_s / f.ingest_per_s;
        format!("{r:.2} {}", mark(r >= TARGET_RATIO))
    });
    row(
        "… the whole sync() that uploads them, feed included (entries/s)",
        &|f| {
            format!(
                "{:.0} (ratio {:.2})",
                f.upload_sync_per_s,
                f.upload_sync_per_s / f.ingest_per_s
            )
        },
    );
    row("SDK first download (entries/s)", &|f| {
        format!("{:.0}", f.download_per_s)
    });
    row("… ratio to server ingest (target ≥ 0.7)", &|f| {
        let r = f.download_per_s / f.ingest_per_s;
        format!("{r:.2} {}", mark(r >= TARGET_RATIO))
    });
    row("Local write p50 / p99 / max (ms; target p99 < 2)", &|f| {
        format!(
            "{:.3} / {:.3} / {:.1} {}",
            f.write_p50_ms,
            f.write_p99_ms,
            f.write_max_ms,
            mark(f.write_p99_ms < TARGET_WRITE_P99_MS)
        )
    });
    row(
        "Store size per 1 000 entries, KiB (the phone that logged them / the new device)",
        &|f| {
            format!(
                "{:.0} / {:.0}",
                f.bytes_per_1000 / 1024.0,
                f.tablet_bytes_per_1000 / 1024.0
            )
        },
    );
    Ok(())
}
