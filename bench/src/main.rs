//! `friskliv-bench`: a load generator for the diary paths, run against the
//! real server (the same `Application` that `friskliv serve` runs) on a
//! loopback port, on a fresh SQLite file and/or a fresh PostgreSQL database.
//!
//! 1. **Batch ingest**: one participant POSTs `/v1/me/sync` with 500 new
//!    entries per request, one request at a time; entries/s. Beside it the
//!    "raw insert limit": the same rows, 500 per transaction, inserted into
//!    `diary_entries` directly with sea-orm, and the ratio of the two.
//! 2. **Single-entry PUT** `/v1/me/diary/{kind}/{entry_id}`: 64 participants
//!    at once, each PUTting new entries back to back; latency percentiles
//!    and throughput (and, for context, one client alone).
//! 3. **Change feed**: a participant with 10 000 entries pages
//!    `/v1/me/changes?limit=1000` from the start until `has_more` is false.
//!
//! The entries are the `friskliv admin seed-demo` generator's (activity,
//! food, sleep and sitting; all valid, all new). Participants are enrolled
//! with real passkey ceremonies through the end-to-end harness. All traffic
//! stays on 127.0.0.1; every loop is bounded in count and in time.
//!
//! ```sh
//! cargo run --release -p friskliv-bench -- [--backend sqlite|postgres|both] [--quick]
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use clap::{Parser, ValueEnum};
use friskliv_api::seed::{
    PlannedEntry, diary_inputs, diary_window, participant_rng, plan_participant,
};
use friskliv_api::store::entities::diary_entry;
use friskliv_api::store::{self, identity};
use friskliv_domain::AccountRole;
use friskliv_domain::diary::EntryKind;
use friskliv_tests::{Backend, PasskeyDevice, TestApp};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, TransactionTrait};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use uuid::Uuid;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const BATCH: usize = 500;
const PUT_CLIENTS: usize = 64;
const FEED_PAGE: usize = 1000;
/// No load loop runs longer than this.
const LOOP_DEADLINE: Duration = Duration::from_secs(120);

#[derive(Parser, Debug)]
#[command(
    name = "friskliv-bench",
    about = "Measure batch ingest, PUT latency and the change feed against the real server"
)]
struct Args {
    /// Which database(s) to run against.
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
    /// Smaller runs (a smoke test of the harness, not for reporting).
    #[arg(long)]
    quick: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone, Copy)]
struct Sizes {
    ingest_batches: usize,
    puts_per_client: usize,
    single_client_puts: usize,
    feed_entries: usize,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        if quick {
            Sizes {
                ingest_batches: 6,
                puts_per_client: 10,
                single_client_puts: 50,
                feed_entries: 2_000,
            }
        } else {
            Sizes {
                ingest_batches: 40,
                puts_per_client: 100,
                single_client_puts: 500,
                feed_entries: 10_000,
            }
        }
    }

    fn ingest_entries(&self) -> usize {
        self.ingest_batches * BATCH
    }
}

/// Targets (from the issue).
const TARGET_INGEST_PER_S: f64 = 20_000.0;
const TARGET_INGEST_RATIO: f64 = 0.5;
const TARGET_PUT_P99_MS: f64 = 10.0;
const TARGET_FEED_MS: f64 = 1_000.0;

#[derive(Debug, Clone, Default)]
struct Latency {
    count: usize,
    errors: usize,
    wall: Duration,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn from_samples(mut samples: Vec<Duration>, errors: usize, wall: Duration) -> Self {
        samples.sort_unstable();
        let at = |q: f64| -> Duration {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1]
        };
        Latency {
            count: samples.len(),
            errors,
            wall,
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }

    fn throughput(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, Clone)]
struct Results {
    backend: Backend,
    ingest_entries: usize,
    ingest_wall: Duration,
    raw_entries: usize,
    raw_wall: Duration,
    put: Latency,
    put_single: Latency,
    feed_entries: usize,
    feed_pages: usize,
    feed_wall: Duration,
}

impl Results {
    fn ingest_rate(&self) -> f64 {
        self.ingest_entries as f64 / self.ingest_wall.as_secs_f64().max(1e-9)
    }

    fn raw_rate(&self) -> f64 {
        self.raw_entries as f64 / self.raw_wall.as_secs_f64().max(1e-9)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Before any thread exists: the harness reads the PostgreSQL server
    // from this variable.
    if std::env::var_os("FRISKLIV_TEST_POSTGRES_URL").is_none() {
        // SAFETY: single-threaded here; no runtime or other thread started yet.
        unsafe { std::env::set_var("FRISKLIV_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL) };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let sizes = Sizes::new(args.quick);
    let backends = match args.backend {
        BackendArg::Sqlite => vec![Backend::Sqlite],
        BackendArg::Postgres => vec![Backend::Postgres],
        BackendArg::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "friskliv-bench: {} mode, {cores} cores, backends {:?}",
        if args.quick { "quick" } else { "full" },
        backends
    );
    let now = Utc::now();
    let needed = sizes.ingest_entries()
        + PUT_CLIENTS * sizes.puts_per_client
        + sizes.single_client_puts
        + sizes.feed_entries;
    let started = Instant::now();
    let pool = entry_pool(needed, now);
    eprintln!(
        "generated {} entries in {:.1} s",
        pool.len(),
        started.elapsed().as_secs_f64()
    );
    let mut all = Vec::new();
    for backend in backends {
        all.push(bench_backend(backend, sizes, &pool, now).await?);
    }
    print_table(&all, sizes, args.quick, cores);
    Ok(())
}

/// Entries from the seed-demo generator (seed 1, 12 weeks), only the kinds
/// the issue names, each with its own id.
fn entry_pool(n: usize, now: DateTime<Utc>) -> Vec<PlannedEntry> {
    const WEEKS: u32 = 12;
    let (first_day, _) = diary_window(now, WEEKS);
    let mut out = Vec::with_capacity(n);
    for number in 1.. {
        let mut rng = participant_rng(1, number);
        let plan = plan_participant(&mut rng, number, WEEKS);
        for entry in diary_inputs(&mut rng, &plan, first_day, WEEKS) {
            if matches!(
                entry.kind,
                EntryKind::Activity | EntryKind::Food | EntryKind::Sleep | EntryKind::Sitting
            ) {
                out.push(entry);
                if out.len() == n {
                    return out;
                }
            }
        }
    }
    out
}

fn sync_body(entries: &[PlannedEntry]) -> Vec<u8> {
    let items: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "op": "upsert",
                "kind": e.kind.as_str(),
                "entry_id": e.entry_id,
                "entry": e.input,
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "items": items })).expect("json")
}

struct Participant {
    token: String,
}

/// A centre, its admin, and `n` participants enrolled with passkeys.
async fn enrol(app: &TestApp, n: usize) -> anyhow::Result<(Uuid, Vec<Participant>)> {
    let centre = app
        .create_centre("Benchmark frisklivssentral", "0301")
        .await;
    let admin_code = app.invite_staff(centre, "centre_admin").await;
    let admin = app
        .register_ok(&mut PasskeyDevice::new("admin"), &admin_code, "Bench admin")
        .await;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let invite = app.invite(&admin.token, centre, "participant").await;
        ensure!(
            invite.status == StatusCode::CREATED,
            "invite: {} {}",
            invite.status,
            invite.text
        );
        let code = invite.body["code"].as_str().context("invite code")?;
        let session = app
            .register_ok(
                &mut PasskeyDevice::new("phone"),
                code,
                &format!("Bench {i:03}"),
            )
            .await;
        out.push(Participant {
            token: session.token,
        });
    }
    Ok((centre, out))
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(2 * PUT_CLIENTS)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn bench_backend(
    backend: Backend,
    sizes: Sizes,
    pool: &[PlannedEntry],
    now: DateTime<Utc>,
) -> anyhow::Result<Results> {
    eprintln!("\n== {backend:?}");
    let app = TestApp::spawn_with(backend, |config| {
        // As `friskliv serve` runs by default, except the sign-in rate limit:
        // 66 participants register from one address.
        config.db_pool_size = 10;
        config.auth_rate_per_minute = 1_000_000;
    })
    .await
    .context("could not start the server (is FRISKLIV_TEST_POSTGRES_URL reachable?)")?;
    let http = http_client()?;

    let started = Instant::now();
    let (centre, participants) = enrol(&app, PUT_CLIENTS + 2).await?;
    eprintln!(
        "enrolled {} participants with passkeys in {:.1} s",
        participants.len(),
        started.elapsed().as_secs_f64()
    );
    let (ingest_p, rest) = participants.split_first().context("participants")?;
    let (feed_p, put_ps) = rest.split_first().context("participants")?;

    let (ingest_pool, rest) = pool.split_at(sizes.ingest_entries());
    let (put_pool, rest) = rest.split_at(PUT_CLIENTS * sizes.puts_per_client);
    let (single_pool, feed_pool) = rest.split_at(sizes.single_client_puts);

    // 1. Raw insert limit first (into an empty table: the fastest case),
    // then the same rows through the API.
    let (raw_entries, raw_wall) = raw_insert(&app, centre, ingest_pool, now).await?;
    eprintln!(
        "raw insert: {raw_entries} rows in {:.2} s",
        raw_wall.as_secs_f64()
    );
    let (ingest_entries, ingest_wall) = ingest(&app, &http, &ingest_p.token, ingest_pool).await?;
    eprintln!(
        "sync ingest: {ingest_entries} entries in {:.2} s",
        ingest_wall.as_secs_f64()
    );

    // 2. PUT latency: one client alone (context), then 64 at once.
    let put_single = put_load(&app, &http, &put_ps[..1], single_pool, single_pool.len()).await?;
    eprintln!(
        "PUT, 1 client: {} requests, p99 {:.2} ms",
        put_single.count,
        ms(put_single.p99)
    );
    let put = put_load(&app, &http, put_ps, put_pool, sizes.puts_per_client).await?;
    eprintln!(
        "PUT, {} clients: {} requests in {:.2} s, p99 {:.2} ms, max {:.2} ms",
        put_ps.len(),
        put.count,
        put.wall.as_secs_f64(),
        ms(put.p99),
        ms(put.max)
    );

    // 3. The change feed of a participant with `feed_entries` entries.
    for chunk in feed_pool.chunks(BATCH) {
        sync_ok(&app, &http, &feed_p.token, sync_body(chunk)).await?;
    }
    let (feed_entries, feed_pages, feed_wall) = change_feed(&app, &http, &feed_p.token).await?;
    ensure!(
        feed_entries == feed_pool.len(),
        "the change feed returned {feed_entries} of {} changes",
        feed_pool.len()
    );
    eprintln!(
        "change feed: {feed_entries} changes in {feed_pages} pages in {:.3} s",
        feed_wall.as_secs_f64()
    );

    drop(app); // stops the server and drops the database
    Ok(Results {
        backend,
        ingest_entries,
        ingest_wall,
        raw_entries,
        raw_wall,
        put,
        put_single,
        feed_entries,
        feed_pages,
        feed_wall,
    })
}

/// The rows the store would write for these entries, inserted 500 per
/// transaction with one multi-row INSERT each, for another participant.
async fn raw_insert(
    app: &TestApp,
    centre: Uuid,
    entries: &[PlannedEntry],
    now: DateTime<Utc>,
) -> anyhow::Result<(usize, Duration)> {
    let db = store::connect(&app.config).await?;
    let participant = identity::create_account(
        &db,
        Uuid::now_v7(),
        AccountRole::Participant,
        centre,
        "Raw insert",
        now,
    )
    .await?
    .id;
    let mut batches: Vec<Vec<diary_entry::ActiveModel>> = Vec::new();
    for (chunk_no, chunk) in entries.chunks(BATCH).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, planned) in chunk.iter().enumerate() {
            let entry = planned
                .input
                .clone()
                .parse(planned.kind, now)
                .map_err(|e| anyhow::anyhow!("invalid generated entry: {e:?}"))?;
            rows.push(
                diary_entry::Model {
                    participant_id: participant,
                    entry_id: planned.entry_id,
                    kind: planned.kind.as_str().to_owned(),
                    version: entry.version,
                    deleted: false,
                    diary_day: Some(entry.diary_day),
                    occurred_at: Some(entry.occurred_at.with_timezone(&Utc)),
                    recorded_at: Some(entry.recorded_at.map_or(now, |r| r.with_timezone(&Utc))),
                    content: Some(serde_json::to_string(&entry.content)?),
                    seq: (chunk_no * BATCH + i + 1) as i64,
                    updated_at: now,
                    proxy_by_account_id: None,
                }
                .into(),
            );
        }
        batches.push(rows);
    }
    let started = Instant::now();
    let mut written = 0;
    for rows in batches {
        let n = rows.len();
        let txn = db.begin().await?;
        diary_entry::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        written += n;
        if started.elapsed() > LOOP_DEADLINE {
            break;
        }
    }
    let wall = started.elapsed();
    db.close().await?;
    Ok((written, wall))
}

#[derive(Deserialize)]
struct SyncReply {
    results: Vec<SyncResult>,
}

#[derive(Deserialize)]
struct SyncResult {
    result: String,
}

async fn post_sync(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    body: Vec<u8>,
) -> anyhow::Result<(StatusCode, bytes::Bytes)> {
    let resp = http
        .post(app.url("/v1/me/sync"))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    Ok((status, resp.bytes().await?))
}

fn check_sync(status: StatusCode, body: &[u8], expected: usize) -> anyhow::Result<()> {
    ensure!(
        status == StatusCode::OK,
        "sync: {status} {}",
        String::from_utf8_lossy(body)
    );
    let reply: SyncReply = serde_json::from_slice(body)?;
    ensure!(reply.results.len() == expected, "sync: wrong result count");
    if let Some(bad) = reply.results.iter().find(|r| r.result != "applied") {
        bail!("sync: an item was {}, not applied", bad.result);
    }
    Ok(())
}

async fn sync_ok(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    let expected = serde_json::from_slice::<serde_json::Value>(&body)?["items"]
        .as_array()
        .map_or(0, Vec::len);
    let (status, reply) = post_sync(app, http, token, body).await?;
    check_sync(status, &reply, expected)
}

/// One participant's batches, one request at a time. Request bodies are
/// serialised and replies checked outside the timed part.
async fn ingest(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    entries: &[PlannedEntry],
) -> anyhow::Result<(usize, Duration)> {
    let bodies: Vec<(usize, Vec<u8>)> = entries
        .chunks(BATCH)
        .map(|c| (c.len(), sync_body(c)))
        .collect();
    let mut replies = Vec::with_capacity(bodies.len());
    let started = Instant::now();
    for (n, body) in bodies {
        let (status, reply) = post_sync(app, http, token, body).await?;
        replies.push((n, status, reply));
        if started.elapsed() > LOOP_DEADLINE {
            break;
        }
    }
    let wall = started.elapsed();
    let mut written = 0;
    for (n, status, reply) in &replies {
        check_sync(*status, reply, *n)?;
        written += n;
    }
    Ok((written, wall))
}

/// `clients.len()` participants at once, each PUTting `per_client` new
/// entries back to back (no think time).
async fn put_load(
    app: &TestApp,
    http: &reqwest::Client,
    clients: &[Participant],
    entries: &[PlannedEntry],
    per_client: usize,
) -> anyhow::Result<Latency> {
    let barrier = Arc::new(tokio::sync::Barrier::new(clients.len() + 1));
    let mut tasks = Vec::with_capacity(clients.len());
    for (i, client) in clients.iter().enumerate() {
        let requests: Vec<(String, Vec<u8>)> = entries[i * per_client..(i + 1) * per_client]
            .iter()
            .map(|e| {
                (
                    app.url(&format!("/v1/me/diary/{}/{}", e.kind, e.entry_id))
                        .to_string(),
                    serde_json::to_vec(&e.input).expect("json"),
                )
            })
            .collect();
        let http = http.clone();
        let token = client.token.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(requests.len());
            let mut errors = 0usize;
            barrier.wait().await;
            let started = Instant::now();
            for (url, body) in requests {
                let t0 = Instant::now();
                let ok = match http
                    .put(url)
                    .bearer_auth(&token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(resp) => {
                        let status = resp.status();
                        resp.bytes().await.is_ok() && status == StatusCode::OK
                    }
                    Err(_) => false,
                };
                samples.push(t0.elapsed());
                errors += usize::from(!ok);
                if started.elapsed() > LOOP_DEADLINE {
                    break;
                }
            }
            (samples, errors)
        }));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (s, e) = task.await?;
        samples.extend(s);
        errors += e;
    }
    let wall = started.elapsed();
    let latency = Latency::from_samples(samples, errors, wall);
    ensure!(
        latency.errors == 0,
        "{} of {} PUTs failed",
        latency.errors,
        latency.count
    );
    Ok(latency)
}

#[derive(Deserialize)]
struct ChangePage {
    changes: Vec<IgnoredAny>,
    next_cursor: String,
    has_more: bool,
}

/// Pages the whole feed from the start; the client reads every page (to
/// find the cursor) as a phone must.
async fn change_feed(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
) -> anyhow::Result<(usize, usize, Duration)> {
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let mut total = 0;
    let mut pages = 0;
    loop {
        let mut url = app.url("/v1/me/changes");
        url.query_pairs_mut()
            .append_pair("limit", &FEED_PAGE.to_string());
        if let Some(c) = &cursor {
            url.query_pairs_mut().append_pair("cursor", c);
        }
        let resp = http.get(url).bearer_auth(token).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        ensure!(
            status == StatusCode::OK,
            "changes: {status} {}",
            String::from_utf8_lossy(&body)
        );
        let page: ChangePage = serde_json::from_slice(&body)?;
        total += page.changes.len();
        pages += 1;
        if !page.has_more {
            break;
        }
        cursor = Some(page.next_cursor);
        ensure!(
            pages < 1000 && started.elapsed() < LOOP_DEADLINE,
            "the change feed did not end"
        );
    }
    Ok((total, pages, started.elapsed()))
}

/// A database URL without its password, for printing.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "meets" } else { "**misses**" }
}

fn print_table(all: &[Results], sizes: Sizes, quick: bool, cores: usize) {
    let names: Vec<&str> = all
        .iter()
        .map(|r| match r.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
        .collect();
    println!();
    println!(
        "friskliv-bench ({} mode) on {cores} cores, release build, server and load generator in one process on 127.0.0.1",
        if quick { "quick" } else { "full" }
    );
    if all.iter().any(|r| r.backend == Backend::Postgres) {
        let url = std::env::var("FRISKLIV_TEST_POSTGRES_URL").unwrap_or_default();
        println!("PostgreSQL server: {}", redacted(&url));
    }
    println!();
    print!("| measurement | target |");
    for name in &names {
        print!(" {name} |");
    }
    println!();
    print!("|---|---|");
    for _ in &names {
        print!("---|");
    }
    println!();
    let row = |label: String, target: &str, cell: &dyn Fn(&Results) -> String| {
        print!("| {label} | {target} |");
        for r in all {
            print!(" {} |", cell(r));
        }
        println!();
    };
    row(
        format!(
            "Batch ingest, POST /v1/me/sync, {} × {BATCH} entries (entries/s)",
            sizes.ingest_batches
        ),
        "≥ 20 000",
        &|r| {
            format!(
                "{:.0} ({})",
                r.ingest_rate(),
                verdict(r.ingest_rate() >= TARGET_INGEST_PER_S)
            )
        },
    );
    row(
        format!("Raw multi-row INSERT, {BATCH} rows/transaction (rows/s)"),
        "–",
        &|r| format!("{:.0}", r.raw_rate()),
    );
    row("Ingest ÷ raw".to_owned(), "≥ 0.5", &|r| {
        let ratio = r.ingest_rate() / r.raw_rate();
        format!("{ratio:.3} ({})", verdict(ratio >= TARGET_INGEST_RATIO))
    });
    row(
        format!(
            "PUT /v1/me/diary/{{kind}}/{{id}}, {PUT_CLIENTS} clients × {} (p50 / p95 / p99 ms)",
            sizes.puts_per_client
        ),
        "p99 < 10",
        &|r| {
            format!(
                "{:.1} / {:.1} / {:.1} ({})",
                ms(r.put.p50),
                ms(r.put.p95),
                ms(r.put.p99),
                verdict(ms(r.put.p99) < TARGET_PUT_P99_MS)
            )
        },
    );
    row(
        format!("PUT throughput, {PUT_CLIENTS} clients (requests/s)"),
        "–",
        &|r| format!("{:.0}", r.put.throughput()),
    );
    row(
        format!(
            "PUT, 1 client × {} (p50 / p99 ms; context)",
            sizes.single_client_puts
        ),
        "–",
        &|r| {
            format!(
                "{:.2} / {:.2} ({:.0} req/s)",
                ms(r.put_single.p50),
                ms(r.put_single.p99),
                r.put_single.throughput()
            )
        },
    );
    row(
        format!(
            "Change feed, {} entries, limit={FEED_PAGE} (total ms)",
            sizes.feed_entries
        ),
        "< 1 000",
        &|r| {
            format!(
                "{:.0} ({} changes in {} pages) ({})",
                ms(r.feed_wall),
                r.feed_entries,
                r.feed_pages,
                verdict(ms(r.feed_wall) < TARGET_FEED_MS)
            )
        },
    );
}
