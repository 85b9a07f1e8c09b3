//! The consent and sharing measurements: a veileder reading one
//! participant's weekly summary, and a centre's caseload of 500.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use friskliv_domain::diary::EntryKind;
use friskliv_store::db::{self as store, diary, identity, sharing};
use friskliv_store::seed::{
    Adherence, PlannedEntry, diary_inputs, diary_window, generate_diary, participant_rng,
    plan_participant,
};
use friskliv_tests::{PasskeyDevice, Session, TestApp};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::diary::{sync_body, sync_ok};
use crate::stats::{Latency, mean_ms};
use crate::{BATCH, LOOP_DEADLINE};

/// Requests before each timed series (connections, caches); not counted.
const WARM_UP: usize = 5;
/// Concurrent veiledere reading summaries.
pub const SUMMARY_CONCURRENCY: usize = 8;

/// A new centre and a veileder there, registered with a passkey as staff
/// are (`friskliv admin invite-staff`, then the ceremony).
pub(crate) async fn centre_with_veileder(
    app: &TestApp,
    name: &str,
) -> anyhow::Result<(Uuid, Session)> {
    let centre = app.create_centre(name, "0301").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("veileder"), &code, "Bench veileder")
        .await;
    Ok((centre, veileder))
}

/// `clients` callers at once, each sending `per_client` GETs of `url` back
/// to back. Returns the latency, the samples in the order each client took
/// them (client after client), and every reply body (checked afterwards).
pub(crate) async fn get_many(
    http: &reqwest::Client,
    url: &reqwest::Url,
    token: &str,
    clients: usize,
    per_client: usize,
) -> anyhow::Result<(Latency, Vec<Duration>, Vec<bytes::Bytes>)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.clone(), token.to_owned());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_client);
            let mut bodies = Vec::with_capacity(per_client);
            barrier.wait().await;
            let started = Instant::now();
            for _ in 0..per_client {
                let t0 = Instant::now();
                let resp = http.get(url.clone()).bearer_auth(&token).send().await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                samples.push(t0.elapsed());
                ensure!(
                    status == StatusCode::OK,
                    "GET {url}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                bodies.push(body);
                if started.elapsed() > LOOP_DEADLINE {
                    break;
                }
            }
            anyhow::Ok((samples, bodies))
        }));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut bodies = Vec::new();
    for task in tasks {
        let (s, b) = task.await??;
        samples.extend(s);
        bodies.extend(b);
    }
    let wall = started.elapsed();
    Ok((
        Latency::from_samples(samples.clone(), 0, wall),
        samples,
        bodies,
    ))
}

// ---- the weekly summary ----------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct SummaryResults {
    pub entries: usize,
    pub days: usize,
    /// weeks=12 (the default), sequential and 8 at once.
    pub w12_seq: Latency,
    pub w12_conc: Latency,
    /// weeks=53, sequential and 8 at once.
    pub w53_seq: Latency,
    pub w53_conc: Latency,
    /// Who and where, for the outcome measurements on the same year.
    pub centre: Uuid,
    pub veileder_token: String,
    pub participant_token: String,
    pub participant_id: Uuid,
}

/// A year of one participant's diaries (seed 2, the 52 weeks ending
/// yesterday), `target` entries: the diaries of the seed-demo generator's
/// daily loggers (~3 000 entries a year each) merged, then thinned evenly
/// to `target`, so every part of the year keeps its share. Quit attempts
/// are left out: the summary ignores them.
pub fn year_of_entries(now: DateTime<Utc>, target: usize) -> Vec<PlannedEntry> {
    const WEEKS: u32 = 52;
    let (first_day, _) = diary_window(now, WEEKS);
    let mut merged = Vec::with_capacity(2 * target);
    for number in 1.. {
        let mut rng = participant_rng(2, number);
        let plan = plan_participant(&mut rng, number, WEEKS);
        if plan.adherence != Adherence::Daily {
            continue;
        }
        merged.extend(
            diary_inputs(&mut rng, &plan, first_day, WEEKS)
                .into_iter()
                .filter(|e| e.kind != EntryKind::QuitAttempt),
        );
        if merged.len() >= target {
            break;
        }
    }
    // Each diary is in day order; keeping entry k when k·target/len steps
    // up thins each one evenly.
    let len = merged.len();
    merged
        .into_iter()
        .enumerate()
        .filter(|(k, _)| (k + 1) * target / len > k * target / len)
        .map(|(_, e)| e)
        .collect()
}

#[derive(Deserialize)]
struct SummaryReply {
    participant_id: Uuid,
    first_day: NaiveDate,
    weeks: Vec<SummaryWeek>,
}

#[derive(Deserialize)]
struct SummaryWeek {
    week: u32,
    days_logged: u32,
}

fn check_summary(
    body: &[u8],
    participant: Uuid,
    first_day: NaiveDate,
    weeks: u32,
    days_logged: usize,
) -> anyhow::Result<()> {
    let reply: SummaryReply = serde_json::from_slice(body).context("summary reply")?;
    ensure!(reply.participant_id == participant, "summary of another");
    ensure!(
        reply.first_day == first_day,
        "summary starts on {}, not on the first diary day {first_day}",
        reply.first_day
    );
    ensure!(
        reply.weeks.len() == weeks as usize,
        "summary has {} weeks, not {weeks}",
        reply.weeks.len()
    );
    ensure!(
        reply
            .weeks
            .iter()
            .enumerate()
            .all(|(i, w)| w.week as usize == i + 1),
        "summary weeks out of order"
    );
    let logged: u32 = reply.weeks.iter().map(|w| w.days_logged).sum();
    ensure!(
        logged as usize == days_logged,
        "summary counts {logged} days logged, the diary has {days_logged}"
    );
    Ok(())
}

/// One participant with a year of diaries (loaded through `/v1/me/sync`,
/// 500 per request) who consented to `summaries` and `entries`; a veileder
/// of the centre reads the summary, weeks=12 and weeks=53, one request at a
/// time and 8 at once.
pub async fn summary(
    app: &TestApp,
    http: &reqwest::Client,
    entries: &[PlannedEntry],
    requests: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<SummaryResults> {
    let (centre, veileder) = centre_with_veileder(app, "Benchmark oppsummering").await?;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    ensure!(
        invite.status == StatusCode::CREATED,
        "invite: {} {}",
        invite.status,
        invite.text
    );
    let participant = app
        .register_ok(
            &mut PasskeyDevice::new("phone"),
            invite.body["code"].as_str().context("invite code")?,
            "Bench year",
        )
        .await;
    let participant_id: Uuid = participant.account_id.parse()?;
    for scope in ["summaries", "entries"] {
        let reply = app
            .post(
                "/v1/me/consents",
                Some(&participant.token),
                json!({ "scope": scope }),
            )
            .await;
        ensure!(
            reply.status == StatusCode::CREATED,
            "consent to {scope}: {} {}",
            reply.status,
            reply.text
        );
    }
    for chunk in entries.chunks(BATCH) {
        sync_ok(app, http, &participant.token, sync_body(chunk)).await?;
    }

    // What the summaries must show: days with an entry, per the server's
    // own diary-day rule.
    let mut days = BTreeSet::new();
    for e in entries {
        let parsed = e
            .input
            .clone()
            .parse(e.kind, now)
            .map_err(|err| anyhow::anyhow!("invalid generated entry: {err:?}"))?;
        days.insert(parsed.diary_day);
    }
    let first_day = *days.first().context("no entries")?;
    let days_within = |weeks: u32| {
        let last = first_day + TimeDelta::days(7 * i64::from(weeks) - 1);
        days.range(first_day..=last).count()
    };

    let mut results = SummaryResults {
        entries: entries.len(),
        days: days.len(),
        centre,
        veileder_token: veileder.token.clone(),
        participant_token: participant.token.clone(),
        participant_id,
        ..SummaryResults::default()
    };
    let per_client = requests.div_ceil(SUMMARY_CONCURRENCY);
    for weeks in [12u32, 53] {
        let mut url = app.url(&format!(
            "/v1/centres/{centre}/participants/{participant_id}/summary"
        ));
        if weeks != 12 {
            url.query_pairs_mut()
                .append_pair("weeks", &weeks.to_string());
        }
        let expected_days = days_within(weeks);
        let check = |bodies: &[bytes::Bytes]| -> anyhow::Result<()> {
            for body in bodies {
                check_summary(body, participant_id, first_day, weeks, expected_days)?;
            }
            Ok(())
        };
        let (_, _, warm) = get_many(http, &url, &veileder.token, 1, WARM_UP).await?;
        check(&warm)?;
        let (seq, _, bodies) = get_many(http, &url, &veileder.token, 1, requests).await?;
        check(&bodies)?;
        let (conc, _, bodies) =
            get_many(http, &url, &veileder.token, SUMMARY_CONCURRENCY, per_client).await?;
        check(&bodies)?;
        eprintln!(
            "summary weeks={weeks} ({expected_days} days logged): sequential p95 {:.2} ms; {SUMMARY_CONCURRENCY} at once p95 {:.2} ms, {:.0} req/s",
            crate::stats::ms(seq.p95),
            crate::stats::ms(conc.p95),
            conc.throughput()
        );
        if weeks == 12 {
            results.w12_seq = seq;
            results.w12_conc = conc;
        } else {
            results.w53_seq = seq;
            results.w53_conc = conc;
        }
    }
    Ok(results)
}

// ---- the caseload ----------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct CaseloadResults {
    pub participants: usize,
    pub consented: usize,
    pub with_last_day: usize,
    pub entries: usize,
    pub latency: Latency,
    /// Mean of the first and of the last ten requests (the access log grows
    /// by one row per participant shown per request).
    pub first10_ms: f64,
    pub last10_ms: f64,
    pub setup: Duration,
}

#[derive(Deserialize)]
struct CaseloadReply {
    participants: Vec<CaseloadRow>,
}

#[derive(Deserialize)]
struct CaseloadRow {
    consent_scopes: Vec<String>,
    last_logged_day: Option<NaiveDate>,
    epikrise_objection: bool,
}

/// A centre with `n` participants, created straight in the database:
/// every one with four weeks of seed-demo diaries (seed 3), every second
/// one consenting to `summaries`, every fourth also to `entries`, every
/// tenth objecting to an epikrise. A veileder of the centre then reads the
/// caseload over HTTP, one request at a time.
pub async fn caseload(
    app: &TestApp,
    http: &reqwest::Client,
    n: usize,
    requests: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<CaseloadResults> {
    const WEEKS: u32 = 4;
    let started = Instant::now();
    let (centre, veileder) = centre_with_veileder(app, "Benchmark caseload").await?;
    let db = store::connect(&app.config.db_settings()).await?;
    let (first_day, _) = diary_window(now, WEEKS);
    let mut results = CaseloadResults {
        participants: n,
        ..CaseloadResults::default()
    };
    let mut objections = 0;
    for i in 0..n {
        let number = u32::try_from(i + 1)?;
        let mut rng = participant_rng(3, number);
        let plan = plan_participant(&mut rng, number, WEEKS);
        let writes = generate_diary(&mut rng, &plan, first_day, WEEKS, now)?;
        let id = identity::create_account(
            &db,
            Uuid::now_v7(),
            AccountRole::Participant,
            centre,
            &format!("Deltaker {i:03}"),
            now,
        )
        .await?
        .id;
        for chunk in writes.chunks(BATCH) {
            diary::apply(&db, id, chunk, now, None).await?;
        }
        results.entries += writes.len();
        let mut scopes = Vec::new();
        if i % 2 == 0 {
            scopes.push(ConsentScope::Summaries);
            results.consented += 1;
            results.with_last_day += usize::from(!writes.is_empty());
        }
        if i % 4 == 0 {
            scopes.push(ConsentScope::Entries);
        }
        for scope in scopes {
            sharing::grant_consent(&db, id, centre, scope, ConsentMethod::InApp, id, now).await?;
        }
        if i % 10 == 0 {
            sharing::set_epikrise_objection(&db, id, true, now).await?;
            objections += 1;
        }
    }
    db.close().await?;
    results.setup = started.elapsed();
    eprintln!(
        "caseload: {n} participants, {} entries, {} consenting to summaries, set up in {:.1} s",
        results.entries,
        results.consented,
        results.setup.as_secs_f64()
    );

    let check = |bodies: &[bytes::Bytes]| -> anyhow::Result<()> {
        for body in bodies {
            let reply: CaseloadReply = serde_json::from_slice(body).context("caseload reply")?;
            let rows = &reply.participants;
            ensure!(rows.len() == n, "caseload of {} not {n}", rows.len());
            let summaries = rows
                .iter()
                .filter(|r| r.consent_scopes.iter().any(|s| s == "summaries"))
                .count();
            ensure!(
                summaries == results.consented,
                "{summaries} share summaries, not {}",
                results.consented
            );
            let days = rows.iter().filter(|r| r.last_logged_day.is_some()).count();
            ensure!(
                days == results.with_last_day,
                "{days} show a last logged day, not {}",
                results.with_last_day
            );
            let objecting = rows.iter().filter(|r| r.epikrise_objection).count();
            ensure!(objecting == objections, "{objecting} objections");
        }
        Ok(())
    };
    // One page of the largest size holds the whole caseload of 500.
    let url = app.url(&format!("/v1/centres/{centre}/participants?limit=500"));
    let (_, _, warm) = get_many(http, &url, &veileder.token, 1, WARM_UP).await?;
    check(&warm)?;
    let (latency, in_order, bodies) = get_many(http, &url, &veileder.token, 1, requests).await?;
    check(&bodies)?;
    results.first10_ms = mean_ms(&in_order[..in_order.len().min(10)]);
    results.last10_ms = mean_ms(&in_order[in_order.len().saturating_sub(10)..]);
    results.latency = latency;
    let tenths: Vec<String> = in_order
        .chunks(in_order.len().div_ceil(10).max(1))
        .map(|c| format!("{:.1}", mean_ms(c)))
        .collect();
    eprintln!(
        "caseload: mean ms per tenth of the run: {}",
        tenths.join(" ")
    );
    eprintln!(
        "caseload of {n}: {} requests, p95 {:.2} ms (first ten {:.1} ms, last ten {:.1} ms on average)",
        results.latency.count,
        crate::stats::ms(results.latency.p95),
        results.first10_ms,
        results.last10_ms
    );
    Ok(results)
}
