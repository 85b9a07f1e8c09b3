//! `friskliv-bench`: a load generator run against the real server (the same
//! `Application` that `friskliv serve` runs) on a loopback port, on a fresh
//! SQLite file and/or a fresh PostgreSQL database.
//!
//! Diaries (issue 3):
//!
//! 1. **Batch ingest**: one participant POSTs `/v1/me/sync` with 500 new
//!    entries per request, one request at a time; entries/s. Beside it the
//!    "raw insert limit": the same rows, 500 per transaction, inserted into
//!    `diary_entries` directly with sea-orm, and the ratio of the two.
//! 2. **Single-entry PUT** `/v1/me/diary/{kind}/{entry_id}` by 64
//!    participants: *paced* (each sends one PUT every 50 ms whatever the
//!    replies do, ~1 280 requests/s offered; the first second is a warm-up
//!    reported apart) and *closed loop* (each sends the next PUT as soon as
//!    the last returns: the saturation throughput); latency percentiles,
//!    and one client alone for context.
//! 3. **Change feed**: a participant with 10 000 entries pages
//!    `/v1/me/changes?limit=1000` from the start until `has_more` is false.
//!
//! Consent and sharing (issue 4):
//!
//! 4. **Summary**: a veileder reads `GET /v1/centres/{c}/participants/{p}/summary`
//!    (weeks=12 and weeks=53) of a participant with a year of diaries who
//!    consented; 200 requests one at a time, and 200 by 8 callers at once.
//! 5. **Caseload**: a veileder reads `GET /v1/centres/{c}/participants?limit=500` of a
//!    centre with 500 participants, half of them consenting to summaries;
//!    100 requests one at a time.
//!
//! The entries are the `friskliv admin seed-demo` generator's (all valid).
//! Participants who make requests are enrolled with real passkey ceremonies
//! through the end-to-end harness; the caseload's 500 are created straight
//! in the database. All traffic stays on 127.0.0.1; every loop is bounded in
//! count and in time.
//!
//! ```sh
//! cargo run --release -p friskliv-bench -- [--backend sqlite|postgres|both] [--quick]
//! ```

mod diary;
mod outcomes;
mod report;
mod sharing;
mod stats;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{DateTime, Utc};
use clap::{Parser, ValueEnum};
use friskliv_store::seed::PlannedEntry;
use friskliv_tests::{Backend, PasskeyDevice, TestApp};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::diary::Paced;
use crate::sharing::{CaseloadResults, SummaryResults};
use crate::stats::{Latency, ms};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const BATCH: usize = 500;
const PUT_CLIENTS: usize = 64;
/// Each paced client sends one PUT this often (64 clients: 1 280/s).
const PUT_PERIOD: Duration = Duration::from_millis(50);
const FEED_PAGE: usize = 1000;
/// No load loop runs longer than this.
const LOOP_DEADLINE: Duration = Duration::from_secs(120);

#[derive(Parser, Debug)]
#[command(
    name = "friskliv-bench",
    about = "Measure batch ingest, PUT latency, the change feed, summaries and the caseload against the real server"
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
    paced_warm_up: usize,
    paced_per_client: usize,
    single_client_puts: usize,
    feed_entries: usize,
    year_entries: usize,
    summary_requests: usize,
    caseload_participants: usize,
    caseload_requests: usize,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        if quick {
            Sizes {
                ingest_batches: 6,
                puts_per_client: 10,
                paced_warm_up: 5,
                paced_per_client: 10,
                single_client_puts: 50,
                feed_entries: 2_000,
                year_entries: 1_000,
                summary_requests: 40,
                caseload_participants: 50,
                caseload_requests: 20,
            }
        } else {
            Sizes {
                ingest_batches: 40,
                puts_per_client: 100,
                paced_warm_up: 20,
                paced_per_client: 100,
                single_client_puts: 500,
                feed_entries: 10_000,
                year_entries: 4_000,
                summary_requests: 200,
                caseload_participants: 500,
                caseload_requests: 100,
            }
        }
    }

    fn ingest_entries(&self) -> usize {
        self.ingest_batches * BATCH
    }
}

/// Targets (from the issues).
const TARGET_INGEST_PER_S: f64 = 20_000.0;
const TARGET_INGEST_RATIO: f64 = 0.5;
const TARGET_PUT_P99_MS: f64 = 10.0;
const TARGET_FEED_MS: f64 = 1_000.0;
const TARGET_SUMMARY_P95_MS: f64 = 20.0;
const TARGET_CASELOAD_P95_MS: f64 = 50.0;
const TARGET_OUTCOMES_P95_MS: f64 = 20.0;

#[derive(Debug, Clone)]
struct Results {
    backend: Backend,
    ingest_entries: usize,
    ingest_wall: Duration,
    raw_entries: usize,
    raw_wall: Duration,
    put: Latency,
    paced: Paced,
    put_single: Latency,
    feed_entries: usize,
    feed_pages: usize,
    feed_wall: Duration,
    summary: SummaryResults,
    caseload: CaseloadResults,
    outcomes: outcomes::OutcomeResults,
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
        + PUT_CLIENTS * (sizes.puts_per_client + sizes.paced_warm_up + sizes.paced_per_client)
        + sizes.single_client_puts
        + sizes.feed_entries;
    let started = Instant::now();
    let pool = diary::entry_pool(needed, now);
    let year = sharing::year_of_entries(now, sizes.year_entries);
    eprintln!(
        "generated {} + {} entries in {:.1} s",
        pool.len(),
        year.len(),
        started.elapsed().as_secs_f64()
    );
    let mut all = Vec::new();
    for backend in backends {
        let started = Instant::now();
        all.push(bench_backend(backend, sizes, &pool, &year, now).await?);
        eprintln!(
            "{backend:?} done in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    report::print_table(&all, sizes, args.quick, cores);
    Ok(())
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
        .pool_max_idle_per_host(4 * PUT_CLIENTS)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn bench_backend(
    backend: Backend,
    sizes: Sizes,
    pool: &[PlannedEntry],
    year: &[PlannedEntry],
    now: DateTime<Utc>,
) -> anyhow::Result<Results> {
    eprintln!("\n== {backend:?}");
    let app = TestApp::spawn_with(backend, |config| {
        // As `friskliv serve` runs by default, except the sign-in rate limit:
        // ~70 accounts register from one address.
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
    let (paced_pool, rest) =
        rest.split_at(PUT_CLIENTS * (sizes.paced_warm_up + sizes.paced_per_client));
    let (single_pool, feed_pool) = rest.split_at(sizes.single_client_puts);

    // 1. Raw insert limit first (into an empty table: the fastest case),
    // then the same rows through the API.
    let (raw_entries, raw_wall) = diary::raw_insert(&app, centre, ingest_pool, now).await?;
    eprintln!(
        "raw insert: {raw_entries} rows in {:.2} s",
        raw_wall.as_secs_f64()
    );
    let (ingest_entries, ingest_wall) =
        diary::ingest(&app, &http, &ingest_p.token, ingest_pool).await?;
    eprintln!(
        "sync ingest: {ingest_entries} entries in {:.2} s",
        ingest_wall.as_secs_f64()
    );

    // 2. PUT latency: one client alone (context), then 64 paced, then 64
    // in a closed loop.
    let put_single =
        diary::put_load(&app, &http, &put_ps[..1], single_pool, single_pool.len()).await?;
    eprintln!(
        "PUT, 1 client: {} requests, p99 {:.2} ms",
        put_single.count,
        ms(put_single.p99)
    );
    let paced = diary::put_paced(
        &app,
        &http,
        put_ps,
        paced_pool,
        sizes.paced_warm_up,
        sizes.paced_per_client,
        PUT_PERIOD,
    )
    .await?;
    eprintln!(
        "PUT paced, warm-up ({} per client): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sizes.paced_warm_up,
        ms(paced.warm_up.p50),
        ms(paced.warm_up.p99),
        ms(paced.warm_up.max)
    );
    eprintln!(
        "PUT, {} clients paced every {} ms: {} requests, {:.0}/s sent, p99 {:.2} ms, max {:.2} ms, sends late by p99 {:.2} ms; {} over 10 ms, sent in {} distinct 100 ms windows",
        put_ps.len(),
        PUT_PERIOD.as_millis(),
        paced.latency.count,
        paced.sent_rate,
        ms(paced.latency.p99),
        ms(paced.latency.max),
        ms(paced.late_p99),
        paced.slow,
        paced.slow_windows.len()
    );
    if !paced.slow_windows.is_empty() {
        let windows: Vec<String> = paced
            .slow_windows
            .iter()
            .take(12)
            .map(|(at, n)| format!("{at} ms: {n}"))
            .collect();
        eprintln!("  slow PUTs by send time: {}", windows.join(", "));
    }
    let put = diary::put_load(&app, &http, put_ps, put_pool, sizes.puts_per_client).await?;
    eprintln!(
        "PUT, {} clients closed loop: {} requests in {:.2} s, p99 {:.2} ms, max {:.2} ms",
        put_ps.len(),
        put.count,
        put.wall.as_secs_f64(),
        ms(put.p99),
        ms(put.max)
    );

    // 3. The change feed of a participant with `feed_entries` entries.
    for chunk in feed_pool.chunks(BATCH) {
        diary::sync_ok(&app, &http, &feed_p.token, diary::sync_body(chunk)).await?;
    }
    let (feed_entries, feed_pages, feed_wall) =
        diary::change_feed(&app, &http, &feed_p.token).await?;
    ensure!(
        feed_entries == feed_pool.len(),
        "the change feed returned {feed_entries} of {} changes",
        feed_pool.len()
    );
    eprintln!(
        "change feed: {feed_entries} changes in {feed_pages} pages in {:.3} s",
        feed_wall.as_secs_f64()
    );

    // 4. A veileder reads a year of one participant's diaries as summaries.
    let summary = sharing::summary(&app, &http, year, sizes.summary_requests, now).await?;

    // 5. Issue 5: progress and a period's outcomes on the same year.
    let outcomes = outcomes::measure(&app, &http, &summary, sizes.summary_requests).await?;

    // 6. The caseload of a centre of 500 (last: it adds 500 access-log
    // rows per request).
    let caseload = sharing::caseload(
        &app,
        &http,
        sizes.caseload_participants,
        sizes.caseload_requests,
        now,
    )
    .await?;

    drop(app); // stops the server and drops the database
    Ok(Results {
        backend,
        ingest_entries,
        ingest_wall,
        raw_entries,
        raw_wall,
        put,
        paced,
        put_single,
        feed_entries,
        feed_pages,
        feed_wall,
        summary,
        caseload,
        outcomes,
    })
}
