//! The results as a Markdown table, one column per backend.

use friskliv_tests::Backend;

use crate::sharing::SUMMARY_CONCURRENCY;
use crate::stats::{Latency, ms};
use crate::{
    BATCH, FEED_PAGE, PUT_CLIENTS, PUT_PERIOD, Results, Sizes, TARGET_CASELOAD_P95_MS,
    TARGET_FEED_MS, TARGET_INGEST_PER_S, TARGET_INGEST_RATIO, TARGET_OUTCOMES_P95_MS,
    TARGET_PUT_P99_MS, TARGET_SUMMARY_P95_MS,
};

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

fn verdict(ok: bool) -> &'static str {
    if ok { "meets" } else { "**misses**" }
}

fn percentiles(l: &Latency) -> String {
    format!("{:.1} / {:.1} / {:.1}", ms(l.p50), ms(l.p95), ms(l.p99))
}

/// p50 / p95 / p99 with the verdict on p95.
fn p95_cell(l: &Latency, target_ms: f64) -> String {
    format!(
        "{} ({}; max {:.1}, {:.0} req/s)",
        percentiles(l),
        verdict(ms(l.p95) < target_ms),
        ms(l.max),
        l.throughput()
    )
}

pub fn print_table(all: &[Results], sizes: Sizes, quick: bool, cores: usize) {
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
            "PUT, {PUT_CLIENTS} clients paced, 1 per {} ms each × {} after {} warm-up (p50 / p95 / p99 ms)",
            PUT_PERIOD.as_millis(),
            sizes.paced_per_client,
            sizes.paced_warm_up
        ),
        "p99 < 10",
        &|r| {
            let l = &r.paced.latency;
            format!(
                "{} ({}; max {:.1})",
                percentiles(l),
                verdict(ms(l.p99) < TARGET_PUT_P99_MS),
                ms(l.max)
            )
        },
    );
    row(
        format!(
            "PUT paced, warm-up: first {} sends of each client (p50 / p95 / p99 ms)",
            sizes.paced_warm_up
        ),
        "–",
        &|r| {
            format!(
                "{} (max {:.1})",
                percentiles(&r.paced.warm_up),
                ms(r.paced.warm_up.max)
            )
        },
    );
    row(
        "PUT paced: offered / sent rate (req/s); sends late by p99 / max (ms); requests over 10 ms (in how many 100 ms windows)".to_owned(),
        "–",
        &|r| {
            format!(
                "{:.0} / {:.0}; {:.1} / {:.1}; {} ({})",
                r.paced.offered_rate,
                r.paced.sent_rate,
                ms(r.paced.late_p99),
                ms(r.paced.late_max),
                r.paced.slow,
                r.paced.slow_windows.len()
            )
        },
    );
    row(
        format!(
            "PUT, {PUT_CLIENTS} clients closed loop × {} (p50 / p95 / p99 ms)",
            sizes.puts_per_client
        ),
        "p99 < 10",
        &|r| {
            format!(
                "{} ({}; max {:.1})",
                percentiles(&r.put),
                verdict(ms(r.put.p99) < TARGET_PUT_P99_MS),
                ms(r.put.max)
            )
        },
    );
    row(
        format!("PUT closed-loop throughput, {PUT_CLIENTS} clients (requests/s)"),
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
    let year = |r: &Results| format!("{} entries, {} days", r.summary.entries, r.summary.days);
    if let Some(first) = all.first() {
        let y = year(first);
        let n = sizes.summary_requests;
        row(
            format!("Summary weeks=12, {y}, {n} sequential (p50 / p95 / p99 ms)"),
            "p95 < 20",
            &|r| p95_cell(&r.summary.w12_seq, TARGET_SUMMARY_P95_MS),
        );
        row(
            format!("Summary weeks=12, {SUMMARY_CONCURRENCY} at once, {n} in all"),
            "p95 < 20",
            &|r| p95_cell(&r.summary.w12_conc, TARGET_SUMMARY_P95_MS),
        );
        row(
            format!("Summary weeks=53, {y}, {n} sequential"),
            "p95 < 20",
            &|r| p95_cell(&r.summary.w53_seq, TARGET_SUMMARY_P95_MS),
        );
        row(
            format!("Summary weeks=53, {SUMMARY_CONCURRENCY} at once, {n} in all"),
            "p95 < 20",
            &|r| p95_cell(&r.summary.w53_conc, TARGET_SUMMARY_P95_MS),
        );
        for (label, pick) in [
            (
                format!("Progress (`/v1/me/progress`), {y}, {n} sequential"),
                (|r: &Results| &r.outcomes.progress_seq) as fn(&Results) -> &Latency,
            ),
            (
                format!("Progress, {SUMMARY_CONCURRENCY} at once, {n} in all"),
                |r| &r.outcomes.progress_conc,
            ),
            (
                format!("Period outcomes (`…/periods/1/outcomes`), {y}, {n} sequential"),
                |r| &r.outcomes.outcomes_seq,
            ),
            (
                format!("Period outcomes, {SUMMARY_CONCURRENCY} at once, {n} in all"),
                |r| &r.outcomes.outcomes_conc,
            ),
        ] {
            row(label, "p95 < 20", &|r| {
                p95_cell(pick(r), TARGET_OUTCOMES_P95_MS)
            });
        }
        let c = &first.caseload;
        row(
            format!(
                "Caseload of {} ({} sharing summaries, {} entries), {} sequential (p50 / p95 / p99 ms)",
                c.participants, c.consented, c.entries, sizes.caseload_requests
            ),
            "p95 < 50",
            &|r| p95_cell(&r.caseload.latency, TARGET_CASELOAD_P95_MS),
        );
        row(
            "Caseload: mean of the first / last 10 requests (ms)".to_owned(),
            "–",
            &|r| format!("{:.1} / {:.1}", r.caseload.first10_ms, r.caseload.last10_ms),
        );
    }
}
