//! From stored rows to the domain's period facts: parse the stored JSON of
//! diary entries, quit attempts and assessments back into domain types and
//! pick, per timepoint and instrument, the measurement the indicators use
//! (the latest of that timepoint).

use chrono::{DateTime, NaiveDate};
use friskliv_domain::assessment::{AssessmentValues, Timepoint, UseStatus};
use friskliv_domain::diary::{EntryContent, EntryData, QuitAttempt};
use friskliv_domain::disclosure::{csv_cell, csv_statistic};
use friskliv_domain::indicators::TreadmillTest;
use friskliv_domain::journey::Attainment;
use friskliv_domain::outcome_tables::{
    COUNTS, OutcomeTables, PeriodRecord, Row, STATISTICS, Table,
};
use friskliv_domain::outcomes::period_outcomes;
use friskliv_domain::outcomes::{
    Dated, PeriodFacts, QuitFacts, TimepointFacts, TobaccoReport, WorkSchoolReport,
};
use friskliv_domain::releases::Fingerprint;
use friskliv_domain::summary::SummaryEntry;

use crate::db::entities::{assessment, period};
use crate::db::journey::OutcomeRows;
use crate::db::sharing::birth_month_of;

fn per_day(status: UseStatus, amount: Option<f64>) -> Option<f64> {
    amount.or(match status {
        UseStatus::Former | UseStatus::Never => Some(0.0),
        UseStatus::Daily | UseStatus::Occasional => None,
    })
}

fn timepoint_facts(rows: &[assessment::Model], timepoint: Timepoint) -> TimepointFacts {
    let mut chosen: Vec<&assessment::Model> = rows
        .iter()
        .filter(|a| a.timepoint == timepoint.as_str())
        .collect();
    // Oldest first, so a later measurement of the same instrument wins.
    chosen.sort_by_key(|a| (a.assessed_on, a.created_at, a.id));
    let mut facts = TimepointFacts::default();
    for a in chosen {
        let Ok(values) = serde_json::from_str::<AssessmentValues>(&a.values) else {
            tracing::warn!(assessment = %a.id, "stored assessment values do not parse");
            continue;
        };
        let on = a.assessed_on;
        match values {
            AssessmentValues::SixMinuteWalk(w) => {
                facts.six_minute_walk_m = Some(Dated {
                    on,
                    value: w.distance_m,
                });
            }
            AssessmentValues::TreadmillSubmax(t) => {
                facts.treadmill = Some(Dated {
                    on,
                    value: TreadmillTest {
                        protocol: t.protocol,
                        duration_s: t.duration_s as f64,
                    },
                });
            }
            AssessmentValues::Body(b) => {
                if let Some(w) = b.weight_kg {
                    facts.weight_kg = Some(Dated { on, value: w });
                }
                if let Some(h) = b.height_cm {
                    facts.height_cm = Some(Dated { on, value: h });
                }
            }
            AssessmentValues::SelfRatedHealth(s) => {
                facts.self_rated_health =
                    u8::try_from(s.answer).ok().map(|value| Dated { on, value });
            }
            AssessmentValues::TobaccoStatus(t) => {
                facts.tobacco = Some(Dated {
                    on,
                    value: TobaccoReport {
                        cigarettes_per_day: per_day(t.cigarettes, t.cigarettes_per_day),
                        snus_portions_per_day: per_day(t.snus, t.snus_portions_per_day),
                        abstinent_last_7_days: t.abstinent_last_7_days,
                        at_most_5_since_grace: t.at_most_5_since_grace,
                    },
                });
            }
            AssessmentValues::WorkSchool(w) => {
                facts.work_school = Some(Dated {
                    on,
                    value: WorkSchoolReport {
                        participates: w.participates(),
                        sick_leave_percent: w.sick_leave_percent.and_then(|p| u8::try_from(p).ok()),
                    },
                });
            }
            AssessmentValues::ActivityLevel(l) => {
                facts.activity_days_per_week = u8::try_from(l.days_per_week_30_min_moderate)
                    .ok()
                    .map(|value| Dated { on, value });
                if let Some(hours) = l.sitting_hours_per_day {
                    facts.sitting_hours_per_day = Some(Dated { on, value: hours });
                }
            }
            AssessmentValues::QualityOfLife(q) => {
                facts.quality_of_life =
                    u8::try_from(q.rating).ok().map(|value| Dated { on, value });
            }
            AssessmentValues::CoopWonca(c) => {
                let charts = [
                    c.physical_fitness,
                    c.feelings,
                    c.daily_activities,
                    c.social_activities,
                    c.change_in_health,
                    c.overall_health,
                ]
                .map(|v| u8::try_from(v).unwrap_or_default());
                facts.coop_wonca = Some(Dated { on, value: charts });
            }
            AssessmentValues::Medication(m) => {
                facts.regular_medicines = u32::try_from(m.regular_medicines)
                    .ok()
                    .map(|value| Dated { on, value });
            }
            AssessmentValues::HealthServices(h) => {
                facts.gp_visits_last_3_months = u32::try_from(h.gp_visits_last_3_months)
                    .ok()
                    .map(|value| Dated { on, value });
            }
        }
    }
    facts
}

/// The quit attempt the period is judged by: the one with the latest quit
/// date on or before `until`.
fn quit_facts(raw: &[String], until: NaiveDate) -> Option<QuitFacts> {
    raw.iter()
        .filter_map(|json| {
            let content: EntryContent = serde_json::from_str(json).ok()?;
            match content.data {
                EntryData::QuitAttempt(q) => Some(q),
                _ => None,
            }
        })
        .filter(|q: &QuitAttempt| q.target_quit_date <= until)
        .max_by_key(|q| q.target_quit_date)
        .map(|q| QuitFacts {
            quit_date: q.target_quit_date,
            prices: q.product_prices(),
            products: q.products,
        })
}

pub fn summary_entries(rows: &[(NaiveDate, String)]) -> Vec<SummaryEntry> {
    rows.iter()
        .filter_map(|(diary_day, content)| {
            let content: EntryContent = serde_json::from_str(content).ok()?;
            Some(SummaryEntry {
                diary_day: *diary_day,
                occurred_at: DateTime::parse_from_rfc3339(&content.occurred_at).ok()?,
                data: content.data,
            })
        })
        .collect()
}

pub fn period_facts(period: &period::Model, rows: OutcomeRows, as_of: NaiveDate) -> PeriodFacts {
    let profile = rows.profile.as_ref();
    let until = period.ended_on.unwrap_or(as_of).max(as_of);
    PeriodFacts {
        period_start: period.start_date,
        period_end: period.ended_on,
        as_of,
        sex: profile.and_then(|p| p.sex.as_deref()?.parse().ok()),
        birth: birth_month_of(profile),
        height_cm: profile.and_then(|p| p.height_cm),
        baseline: timepoint_facts(&rows.assessments, Timepoint::Baseline),
        week12: timepoint_facts(&rows.assessments, Timepoint::Week12),
        followup_6m: timepoint_facts(&rows.assessments, Timepoint::Followup6m),
        followup_12m: timepoint_facts(&rows.assessments, Timepoint::Followup12m),
        diary: summary_entries(&rows.diary),
        quit: quit_facts(&rows.quit_attempts, until),
        goals: rows
            .goals
            .iter()
            .map(|g| {
                g.attainment
                    .as_deref()
                    .and_then(|a| a.parse::<Attainment>().ok())
            })
            .collect(),
        diary_visible: rows.diary_visible,
        assessments_visible: rows.assessments_visible,
    }
}

/// Computes the anonymous outcome table of the periods started in
/// `[from, to]` at `centres` (id → municipality number), with disclosure
/// control applied. Returns the table and a fingerprint of every period it
/// counted, sorted (`friskliv_domain::releases`): their number is the
/// periods read.
///
/// Reading and computing overlap: two pages are read at once (on two
/// connections) while a blocking thread computes the outcomes of the pages
/// read before, so both cores work; memory holds at most four pages.
pub async fn outcome_table(
    db: &sea_orm::DatabaseConnection,
    centres: &std::collections::BTreeMap<uuid::Uuid, String>,
    from: NaiveDate,
    to: NaiveDate,
    dims: Vec<friskliv_domain::outcome_tables::Dimension>,
    today: NaiveDate,
) -> Result<(Table, Vec<Fingerprint>), sea_orm::DbErr> {
    use crate::db::reports::{PERIODS_PER_PAGE, load_page, period_ids};
    use futures_util::StreamExt;

    let (pages_out, mut pages_in) =
        tokio::sync::mpsc::channel::<Vec<crate::db::reports::PeriodWithRows>>(1);
    let municipalities = centres.clone();
    let computing = tokio::task::spawn_blocking(move || {
        let mut tables = OutcomeTables::new(dims);
        let mut fingerprints = Vec::new();
        while let Some(page) = pages_in.blocking_recv() {
            for p in page {
                let id = p.period.id;
                let record = period_record(p, &municipalities, today);
                fingerprints.push(fingerprint(id, &record));
                tables.add(&record);
            }
        }
        fingerprints.sort_unstable();
        (tables.finish(), fingerprints)
    });
    let centre_ids: Vec<uuid::Uuid> = centres.keys().copied().collect();
    let ids = period_ids(db, &centre_ids, from, to).await?;
    let chunks: Vec<Vec<uuid::Uuid>> = ids.chunks(PERIODS_PER_PAGE).map(<[_]>::to_vec).collect();
    let mut pages = futures_util::stream::iter(chunks)
        .map(|chunk| {
            let db = db.clone();
            async move { load_page(&db, &chunk, None, today).await }
        })
        .buffered(2);
    while let Some(page) = pages.next().await {
        let page = page?;
        if pages_out.send(page).await.is_err() {
            break;
        }
    }
    drop(pages_out);
    computing
        .await
        .map_err(|e| sea_orm::DbErr::Custom(format!("outcome table computation: {e}")))
}

/// 8 bytes of the period id's hash, then 8 of the hash of everything the
/// table counted of the period, so a later table can tell which periods
/// changed without keeping them.
fn fingerprint(period_id: uuid::Uuid, record: &PeriodRecord) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let id = Sha256::digest(period_id.as_bytes());
    let counted = Sha256::digest(format!("{record:?}").as_bytes());
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&id[..8]);
    out[8..].copy_from_slice(&counted[..8]);
    out
}

fn period_record(
    p: crate::db::reports::PeriodWithRows,
    municipalities: &std::collections::BTreeMap<uuid::Uuid, String>,
    today: NaiveDate,
) -> PeriodRecord {
    let crate::db::reports::PeriodWithRows {
        period,
        referrer,
        rows,
    } = p;
    let profile = rows.profile.as_ref();
    PeriodRecord {
        participant: period.participant_id,
        year: chrono::Datelike::year(&period.start_date),
        centre: period.centre_id.to_string(),
        municipality: municipalities
            .get(&period.centre_id)
            .cloned()
            .unwrap_or_default(),
        sex: profile.and_then(|x| x.sex.as_deref()?.parse().ok()),
        age: birth_month_of(profile).map(|b| b.age_on(period.start_date)),
        referral_source: referrer.as_deref().and_then(|r| r.parse().ok()),
        completed: period.status == "completed",
        started_on: period.start_date,
        ended_on: period.ended_on,
        outcomes: period_outcomes(&period_facts(&period, rows, today)),
    }
}

/// The table as CSV: one line per group and a `total` line; suppressed
/// cells are `:` as SSB prints them.
pub fn table_csv(table: &Table) -> String {
    let mut header: Vec<String> = table
        .group_by
        .iter()
        .map(|d| d.as_str().to_owned())
        .collect();
    header.extend(COUNTS.iter().map(|m| (*m).to_owned()));
    header.extend(STATISTICS.iter().map(|m| (*m).to_owned()));
    let mut out = header.join(",");
    out.push('\n');
    for row in &table.rows {
        let group: Vec<String> = table
            .group_by
            .iter()
            .map(|d| crate::csv::field(&row.group[d.as_str()]))
            .collect();
        csv_line(&mut out, &group, row);
    }
    let total: Vec<String> = table.group_by.iter().map(|_| "total".to_owned()).collect();
    csv_line(&mut out, &total, &table.total);
    out
}

fn csv_line(out: &mut String, group: &[String], row: &Row) {
    let mut fields: Vec<String> = group.to_vec();
    fields.extend(COUNTS.iter().map(|m| csv_cell(&row.counts[m])));
    fields.extend(
        STATISTICS
            .iter()
            .map(|m| csv_statistic(&row.statistics[m], 3)),
    );
    out.push_str(&fields.join(","));
    out.push('\n');
}
