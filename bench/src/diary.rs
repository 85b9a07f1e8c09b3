//! The diary measurements: batch ingest (and the raw insert limit beside
//! it), single-entry PUT latency (closed loop and paced), the change feed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::diary::EntryKind;
use friskliv_store::db::entities::diary_entry;
use friskliv_store::db::{self as store, identity};
use friskliv_store::seed::{
    PlannedEntry, diary_inputs, diary_window, participant_rng, plan_participant,
};
use friskliv_tests::TestApp;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, TransactionTrait};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use tokio::time::MissedTickBehavior;
use uuid::Uuid;

use crate::stats::{Latency, quantile};
use crate::{BATCH, FEED_PAGE, LOOP_DEADLINE, Participant};

/// Entries from the seed-demo generator (seed 1, 12 weeks), only the kinds
/// the issue names, each with its own id.
pub fn entry_pool(n: usize, now: DateTime<Utc>) -> Vec<PlannedEntry> {
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

pub fn sync_body(entries: &[PlannedEntry]) -> Vec<u8> {
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

/// The rows the store would write for these entries, inserted 500 per
/// transaction with one multi-row INSERT each, for another participant.
pub async fn raw_insert(
    app: &TestApp,
    centre: Uuid,
    entries: &[PlannedEntry],
    now: DateTime<Utc>,
) -> anyhow::Result<(usize, Duration)> {
    let db = store::connect(&app.config.db_settings()).await?;
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

/// One item's result. Since the lean replies, an applied item carries only
/// its `version` and `change`; the entry comes back only on a conflict.
#[derive(Deserialize)]
struct SyncResult {
    index: usize,
    result: String,
    version: Option<i64>,
    change: Option<i64>,
    entry: Option<IgnoredAny>,
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

/// A sync of `expected` new entries: every item applied as version 1, with
/// its own change number, in order, and not echoed back.
fn check_sync(status: StatusCode, body: &[u8], expected: usize) -> anyhow::Result<()> {
    ensure!(
        status == StatusCode::OK,
        "sync: {status} {}",
        String::from_utf8_lossy(body)
    );
    let reply: SyncReply = serde_json::from_slice(body)?;
    ensure!(
        reply.results.len() == expected,
        "sync: {} results for {expected} items",
        reply.results.len()
    );
    let mut last_change = 0;
    for (i, r) in reply.results.iter().enumerate() {
        if r.result != "applied" {
            bail!("sync: item {i} was {}, not applied", r.result);
        }
        ensure!(r.index == i, "sync: result {i} has index {}", r.index);
        ensure!(
            r.version == Some(1),
            "sync: item {i} has version {:?}",
            r.version
        );
        let change = r.change.context("sync: an applied item without `change`")?;
        ensure!(
            change > last_change,
            "sync: change numbers not increasing ({last_change}, then {change})"
        );
        last_change = change;
        ensure!(r.entry.is_none(), "sync: an applied item was echoed");
    }
    Ok(())
}

pub async fn sync_ok(
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
pub async fn ingest(
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

#[derive(Deserialize)]
struct PutReply {
    result: String,
}

type Request = (reqwest::Url, Vec<u8>);

fn put_requests(app: &TestApp, entries: &[PlannedEntry]) -> Vec<Request> {
    entries
        .iter()
        .map(|e| {
            (
                app.url(&format!("/v1/me/diary/{}/{}", e.kind, e.entry_id)),
                serde_json::to_vec(&e.input).expect("json"),
            )
        })
        .collect()
}

/// One PUT of a new entry; `true` if it was applied.
async fn put_once(http: &reqwest::Client, token: &str, url: reqwest::Url, body: Vec<u8>) -> bool {
    let resp = match http
        .put(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
    {
        Ok(resp) => resp,
        Err(_) => return false,
    };
    let status = resp.status();
    match resp.bytes().await {
        Ok(body) => {
            status == StatusCode::OK
                && serde_json::from_slice::<PutReply>(&body).is_ok_and(|r| r.result == "applied")
        }
        Err(_) => false,
    }
}

/// `clients.len()` participants at once, each PUTting `per_client` new
/// entries back to back (a closed loop, no think time). The reply is
/// checked after its latency is taken.
pub async fn put_load(
    app: &TestApp,
    http: &reqwest::Client,
    clients: &[Participant],
    entries: &[PlannedEntry],
    per_client: usize,
) -> anyhow::Result<Latency> {
    let barrier = Arc::new(tokio::sync::Barrier::new(clients.len() + 1));
    let mut tasks = Vec::with_capacity(clients.len());
    for (i, client) in clients.iter().enumerate() {
        let requests = put_requests(app, &entries[i * per_client..(i + 1) * per_client]);
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
                let ok = put_once(&http, &token, url, body).await;
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

/// A request slower than this counts as slow (the PUT target).
const SLOW: Duration = Duration::from_millis(10);

/// The paced (open-loop) PUT run.
#[derive(Debug, Clone, Default)]
pub struct Paced {
    /// The measured requests (after the warm-up), latency from each send.
    pub latency: Latency,
    /// The first `warm_up` sends of each client: a cold start, reported
    /// apart (new HTTP connections; the database pool growing to its size).
    pub warm_up: Latency,
    /// Requests per second offered by the schedule.
    pub offered_rate: f64,
    /// Measured requests sent per second, first to last send.
    pub sent_rate: f64,
    /// How late the load generator sent, against the schedule (p99, max).
    pub late_p99: Duration,
    pub late_max: Duration,
    /// Measured requests over the target (10 ms).
    pub slow: usize,
    /// When those were sent: (ms after the measured part began, how many
    /// were sent in the 100 ms from there). Few windows mean stalls that hit
    /// everything in flight; many, a spread-out tail.
    pub slow_windows: Vec<(u64, usize)>,
}

/// One paced request: its tick number, when it was sent, how long it took.
struct PacedSample {
    tick: usize,
    sent: tokio::time::Instant,
    took: Duration,
    ok: bool,
}

/// `clients.len()` participants, each sending one PUT every `period` on its
/// own `tokio::time::interval` (phases spread evenly over one period), no
/// matter whether earlier replies have come back: each request runs in its
/// own task, so a slow reply does not hold back the next send. Latency is
/// taken from each request's send. Each client's first `warm_up` ticks are
/// reported apart; the next `per_client` are the measurement.
pub async fn put_paced(
    app: &TestApp,
    http: &reqwest::Client,
    clients: &[Participant],
    entries: &[PlannedEntry],
    warm_up: usize,
    per_client: usize,
    period: Duration,
) -> anyhow::Result<Paced> {
    let n = clients.len();
    let each = warm_up + per_client;
    let plans: Vec<Vec<Request>> = (0..n)
        .map(|i| put_requests(app, &entries[i * each..(i + 1) * each]))
        .collect();
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(n);
    for (i, (client, requests)) in clients.iter().zip(plans).enumerate() {
        let http = http.clone();
        let token = client.token.clone();
        let phase = period.mul_f64(i as f64 / n as f64);
        tasks.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(start + phase, period);
            // Behind schedule, catch up (an open loop keeps its rate).
            ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
            let mut inflight = Vec::with_capacity(requests.len());
            let mut late = Vec::with_capacity(requests.len());
            for (tick, (url, body)) in requests.into_iter().enumerate() {
                let scheduled = ticks.tick().await;
                late.push(scheduled.elapsed());
                if start.elapsed() > LOOP_DEADLINE {
                    break;
                }
                let http = http.clone();
                let token = token.clone();
                inflight.push(tokio::spawn(async move {
                    let sent = tokio::time::Instant::now();
                    let ok = put_once(&http, &token, url, body).await;
                    PacedSample {
                        tick,
                        sent,
                        took: sent.elapsed(),
                        ok,
                    }
                }));
            }
            let mut done = Vec::with_capacity(inflight.len());
            for request in inflight {
                done.push(request.await);
            }
            (done, late)
        }));
    }
    let mut measured = Vec::new();
    let mut warm = Vec::new();
    let mut errors = 0;
    let mut late = Vec::new();
    for task in tasks {
        let (done, l) = task.await?;
        for sample in done {
            match sample {
                Ok(s) if s.tick < warm_up => warm.push(s),
                Ok(s) => measured.push(s),
                Err(_) => errors += 1,
            }
        }
        late.extend(l);
    }
    let wall = start.elapsed();
    errors += measured.iter().chain(&warm).filter(|s| !s.ok).count();
    ensure!(errors == 0, "{errors} of {} paced PUTs failed", n * each);
    let began = measured.iter().map(|s| s.sent).min();
    let ended = measured.iter().map(|s| s.sent).max();
    let sent_rate = match (began, ended) {
        (Some(a), Some(b)) if b > a => (measured.len() - 1) as f64 / (b - a).as_secs_f64(),
        _ => 0.0,
    };
    let began = began.unwrap_or(start);
    let mut slow_windows: std::collections::BTreeMap<u64, usize> = Default::default();
    for s in measured.iter().filter(|s| s.took > SLOW) {
        let window = s.sent.saturating_duration_since(began).as_millis() as u64 / 100 * 100;
        *slow_windows.entry(window).or_default() += 1;
    }
    let warm_wall = warm
        .iter()
        .map(|s| s.sent + s.took)
        .max()
        .map_or(Duration::ZERO, |end| end.saturating_duration_since(start));
    let measured_wall = wall.saturating_sub(began.saturating_duration_since(start));
    late.sort_unstable();
    Ok(Paced {
        slow: slow_windows.values().sum(),
        slow_windows: slow_windows.into_iter().collect(),
        latency: Latency::from_samples(measured.iter().map(|s| s.took).collect(), 0, measured_wall),
        warm_up: Latency::from_samples(warm.iter().map(|s| s.took).collect(), 0, warm_wall),
        offered_rate: n as f64 / period.as_secs_f64(),
        sent_rate,
        late_p99: quantile(&late, 0.99),
        late_max: late.last().copied().unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct ChangePage {
    changes: Vec<IgnoredAny>,
    next_cursor: String,
    has_more: bool,
}

/// Pages the whole feed from the start; the client reads every page (to
/// find the cursor) as a phone must.
pub async fn change_feed(
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
