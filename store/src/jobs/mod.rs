//! Background jobs. The research extract (DOMAIN.md §7): record-level rows
//! for participants with `research` consent only, under a keyed-hash
//! pseudonym whose key exists only while the job runs (so two extracts
//! cannot be linked, and nobody can go back from a pseudonym), dates as days
//! from the period start, and quasi-identifiers (age band, sex, centre,
//! year) in classes of at least five: a smaller class first loses its age
//! band; if the coarser class is still small, its rows are dropped — and the
//! job reports both. Rows are written to a file as they are computed, so
//! memory stays flat; the file is downloaded as a stream.

pub mod reminders;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Utc};
use friskliv_domain::consent::ConsentScope;
use friskliv_domain::disclosure::MIN_GROUP;
use friskliv_domain::outcome_tables::age_band;
use friskliv_domain::outcomes::{Indicator, Value, period_outcomes};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use crate::db::entities::{consent, export_job, participant_profile, period};
use crate::db::reports::each_period_with_rows;
use crate::db::sharing::birth_month_of;
use crate::facts::period_facts;

/// The file formats of a research extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResearchFormat {
    Csv,
    Json,
    /// A FHIR R4 Bundle (collection) of Observations, QuestionnaireResponses
    /// and Consents.
    Fhir,
}

impl ResearchFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ResearchFormat::Csv => "csv",
            ResearchFormat::Json => "json",
            ResearchFormat::Fhir => "fhir",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "csv" => Some(ResearchFormat::Csv),
            "json" => Some(ResearchFormat::Json),
            "fhir" => Some(ResearchFormat::Fhir),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ResearchFormat::Csv => "text/csv; charset=utf-8",
            ResearchFormat::Json => "application/json",
            ResearchFormat::Fhir => "application/fhir+json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ResearchFormat::Csv => "csv",
            ResearchFormat::Json | ResearchFormat::Fhir => "json",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResearchRequest {
    pub centre_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub format: ResearchFormat,
}

pub fn file_of(dir: &Path, job: Uuid, format: ResearchFormat) -> PathBuf {
    dir.join(format!("research-{job}.{}", format.extension()))
}

type Class = (String, String, i32);

/// What the job had to do to keep everyone in a class of ≥ 5.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub periods_considered: u64,
    pub age_band_generalised: u64,
    pub dropped: u64,
    pub dropped_classes: Vec<String>,
    pub rows: u64,
}

impl Report {
    /// What the requester is told: no exact count below 5 (a class of 1–4
    /// dropped, with the rows they hold, would point at those people) and
    /// no names of dropped classes. The audit row keeps the whole report.
    pub fn for_requester(&self) -> serde_json::Value {
        let coarse = |n: u64| {
            if n == 0 || n >= MIN_GROUP {
                json!(n)
            } else {
                json!("fewer than 5")
            }
        };
        json!({
            "rows": self.rows,
            "age_band_generalised": coarse(self.age_band_generalised),
            "dropped": coarse(self.dropped),
        })
    }
}

fn pseudonym(key: &[u8], participant: Uuid) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(participant.as_bytes());
    let digest = mac.finalize().into_bytes();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn value_json(v: &Option<Value>) -> serde_json::Value {
    v.as_ref()
        .map(|v| serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
        .unwrap_or(serde_json::Value::Null)
}

fn csv_value(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Flag(b)) => b.to_string(),
        Some(Value::Category(c)) => crate::csv::field(c),
    }
}

/// One extract row, before formatting.
struct Record<'a> {
    pseudonym: &'a str,
    period: i32,
    centre: &'a str,
    year: i32,
    age_band: &'a str,
    sex: &'a str,
    status: &'a str,
    end_day: Option<i64>,
    start: NaiveDate,
    indicators: &'a [Indicator],
}

const CSV_FIXED_COLUMNS: &str = "pseudonym,period,centre,year,age_band,sex,status,end_day";

/// The measurements behind the main indicators, with their days.
const MEASUREMENT_COLUMNS: &str = "baseline_six_minute_walk_m,baseline_six_minute_walk_day,\
week12_six_minute_walk_m,week12_six_minute_walk_day,baseline_self_rated_health,\
baseline_self_rated_health_day,week12_self_rated_health,week12_self_rated_health_day";

fn measurements(r: &Record) -> Vec<String> {
    let mut out = Vec::new();
    for (indicator, inputs) in [
        ("six_minute_walk_change_m", ["baseline_m", "week12_m"]),
        (
            "self_rated_health_change",
            ["baseline_answer", "week12_answer"],
        ),
    ] {
        let found = r.indicators.iter().find(|i| i.name == indicator);
        for name in inputs {
            let input = found.and_then(|i| i.inputs.iter().find(|x| x.name == name));
            out.push(csv_value(&input.and_then(|x| x.value.clone())));
            out.push(
                day_of(r.start, input.and_then(|x| x.on))
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            );
        }
    }
    out
}

fn day_of(start: NaiveDate, on: Option<NaiveDate>) -> Option<i64> {
    on.map(|d| (d - start).num_days())
}

fn json_row(r: &Record) -> serde_json::Value {
    json!({
        "pseudonym": r.pseudonym, "period": r.period, "centre": r.centre, "year": r.year,
        "age_band": r.age_band, "sex": r.sex, "status": r.status, "end_day": r.end_day,
        "indicators": r.indicators.iter().map(|i| json!({
            "name": i.name, "definition": format!("{}@{}", i.definition_id, i.definition_version),
            "value": value_json(&i.value), "unit": i.unit,
            "missing": i.missing,
            "inputs": i.inputs.iter().map(|x| json!({
                "name": x.name, "value": value_json(&x.value), "day": day_of(r.start, x.on),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

const DAY_EXTENSION: &str = "urn:friskliv:fhir:days-from-period-start";

fn subject(system: &str, pseudonym: &str) -> serde_json::Value {
    json!({"identifier": {"system": system, "value": pseudonym}})
}

fn day_extension(day: Option<i64>) -> serde_json::Value {
    match day {
        Some(d) => json!([{"url": DAY_EXTENSION, "valueInteger": d}]),
        None => json!([]),
    }
}

/// FHIR resources for one row: the 6MWT as LOINC-coded Observations, the
/// self-rated health answers as QuestionnaireResponses, every indicator as
/// an Observation coded by its definition.
fn fhir_resources(r: &Record, system: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let who = subject(system, r.pseudonym);
    let find = |name: &str| r.indicators.iter().find(|i| i.name == name);
    if let Some(walk) = find("six_minute_walk_change_m") {
        for input in &walk.inputs {
            if let Some(Value::Number(m)) = input.value {
                out.push(json!({
                    "resourceType": "Observation",
                    "extension": day_extension(day_of(r.start, input.on)),
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": friskliv_domain::assessment::LOINC_SIX_MINUTE_WALK,
                                          "display": "Six minute walk test distance"}],
                             "text": input.name},
                    "subject": who,
                    "valueQuantity": {"value": m, "unit": "m", "system": "http://unitsofmeasure.org", "code": "m"},
                }));
            }
        }
    }
    if let Some(srh) = find("self_rated_health_change") {
        for input in &srh.inputs {
            if let Some(Value::Number(answer)) = input.value {
                out.push(json!({
                    "resourceType": "QuestionnaireResponse",
                    "extension": day_extension(day_of(r.start, input.on)),
                    "questionnaire": "urn:friskliv:questionnaire:self_rated_health",
                    "status": "completed",
                    "subject": who,
                    "item": [{"linkId": "self_rated_health", "text": input.name,
                              "answer": [{"valueInteger": answer as i64}]}],
                }));
            }
        }
    }
    for i in r.indicators {
        let mut obs = json!({
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "urn:friskliv:indicator", "code": i.name,
                                  "version": i.definition_version.to_string()}],
                     "text": format!("{}@{}", i.definition_id, i.definition_version)},
            "subject": who,
        });
        match &i.value {
            Some(Value::Number(n)) => {
                obs["valueQuantity"] = json!({"value": n, "unit": i.unit.unwrap_or("1")});
            }
            Some(Value::Flag(b)) => obs["valueBoolean"] = json!(b),
            Some(Value::Category(c)) => obs["valueString"] = json!(c),
            None => {
                obs["dataAbsentReason"] = json!({"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "unknown"}],
                    "text": i.missing.map(|m| serde_json::to_value(m).unwrap_or_default())});
            }
        }
        out.push(obs);
    }
    out
}

fn consent_resource(pseudonym: &str, system: &str) -> serde_json::Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": subject(system, pseudonym),
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
    })
}

/// Participants with an active `research` consent for the centre.
async fn consenting(db: &impl ConnectionTrait, centre: Uuid) -> Result<BTreeSet<Uuid>, DbErr> {
    let ids: Vec<Uuid> = consent::Entity::find()
        .select_only()
        .column(consent::Column::ParticipantId)
        .filter(consent::Column::CentreId.eq(centre))
        .filter(consent::Column::Scope.eq(ConsentScope::Research.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// The quasi-identifier class of every consenting period, counted.
async fn class_counts(
    db: &impl ConnectionTrait,
    request: &ResearchRequest,
    consenting: &BTreeSet<Uuid>,
) -> Result<(BTreeMap<Class, u64>, u64), DbErr> {
    let periods: Vec<(Uuid, NaiveDate)> = period::Entity::find()
        .select_only()
        .column(period::Column::ParticipantId)
        .column(period::Column::StartDate)
        .filter(period::Column::CentreId.eq(request.centre_id))
        .filter(period::Column::StartDate.gte(request.from))
        .filter(period::Column::StartDate.lte(request.to))
        .into_tuple()
        .all(db)
        .await?;
    let mut profiles: BTreeMap<Uuid, (String, Option<friskliv_domain::consent::BirthMonth>)> =
        BTreeMap::new();
    let ids: Vec<Uuid> = consenting.iter().copied().collect();
    for chunk in ids.chunks(500) {
        for p in participant_profile::Entity::find()
            .filter(participant_profile::Column::AccountId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            let birth = birth_month_of(Some(&p));
            profiles.insert(
                p.account_id,
                (p.sex.unwrap_or_else(|| "unknown".into()), birth),
            );
        }
    }
    let mut counts = BTreeMap::new();
    let mut considered = 0;
    for (participant, start) in periods {
        if !consenting.contains(&participant) {
            continue;
        }
        considered += 1;
        let (sex, birth) = profiles
            .get(&participant)
            .cloned()
            .unwrap_or_else(|| ("unknown".into(), None));
        let band = age_band(birth.map(|b| b.age_on(start))).to_owned();
        *counts.entry((band, sex, start.year())).or_default() += 1;
    }
    Ok((counts, considered))
}

/// How each fine class is released: as is, with the age band generalised
/// to `all`, or not at all.
fn release_plan(
    counts: &BTreeMap<Class, u64>,
    report: &mut Report,
) -> BTreeMap<Class, Option<String>> {
    let mut coarse: BTreeMap<(String, i32), u64> = BTreeMap::new();
    for ((_, sex, year), n) in counts.iter().filter(|(_, n)| **n < MIN_GROUP) {
        *coarse.entry((sex.clone(), *year)).or_default() += n;
    }
    counts
        .iter()
        .map(|(class, n)| {
            let release = if *n >= MIN_GROUP {
                Some(class.0.clone())
            } else if coarse[&(class.1.clone(), class.2)] >= MIN_GROUP {
                report.age_band_generalised += n;
                Some("all".to_owned())
            } else {
                report.dropped += n;
                report.dropped_classes.push(format!(
                    "age_band={} sex={} year={}",
                    class.0, class.1, class.2
                ));
                None
            };
            (class.clone(), release)
        })
        .collect()
}

/// Runs one extract into its file and returns the report.
pub async fn run_research(
    db: &DatabaseConnection,
    dir: &Path,
    job: Uuid,
    request: &ResearchRequest,
    today: NaiveDate,
) -> anyhow::Result<Report> {
    let consenting = consenting(db, request.centre_id).await?;
    let (counts, considered) = class_counts(db, request, &consenting).await?;
    let mut report = Report {
        periods_considered: considered,
        ..Report::default()
    };
    let plan = release_plan(&counts, &mut report);
    std::fs::create_dir_all(dir)?;
    let path = file_of(dir, job, request.format);
    let partial = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let system = format!("urn:friskliv:research-export:{job}");
    let centre = request.centre_id.to_string();
    let mut header_written = false;
    let mut rows = 0u64;
    let mut consents_written: BTreeSet<String> = BTreeSet::new();
    let mut io_error: Option<std::io::Error> = None;
    match request.format {
        ResearchFormat::Csv => {}
        ResearchFormat::Json => write!(
            out,
            "{{\"export\":{},\"created_at\":{},\"rows\":[",
            json!(job),
            json!(Utc::now())
        )?,
        ResearchFormat::Fhir => write!(
            out,
            "{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"timestamp\":{},\"entry\":[",
            json!(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        )?,
    }
    each_period_with_rows(
        db,
        &[request.centre_id],
        Some(&consenting),
        request.from,
        request.to,
        today,
        |p, _, rows_in| {
            if io_error.is_some() {
                return;
            }
            let birth = birth_month_of(rows_in.profile.as_ref());
            let sex = rows_in
                .profile
                .as_ref()
                .and_then(|x| x.sex.clone())
                .unwrap_or_else(|| "unknown".into());
            let fine: Class = (
                age_band(birth.map(|b| b.age_on(p.start_date))).to_owned(),
                sex.clone(),
                p.start_date.year(),
            );
            let Some(Some(band)) = plan.get(&fine) else {
                return;
            };
            let outcomes = period_outcomes(&period_facts(p, rows_in, today));
            let name = pseudonym(&key, p.participant_id);
            let record = Record {
                pseudonym: &name,
                period: p.seq,
                centre: &centre,
                year: fine.2,
                age_band: band,
                sex: &sex,
                status: &p.status,
                end_day: day_of(p.start_date, p.ended_on),
                start: p.start_date,
                indicators: &outcomes.indicators,
            };
            let written = match request.format {
                ResearchFormat::Csv => (|| {
                    if !header_written {
                        let names: Vec<&str> = outcomes.indicators.iter().map(|i| i.name).collect();
                        writeln!(
                            out,
                            "{CSV_FIXED_COLUMNS},{MEASUREMENT_COLUMNS},{}",
                            names.join(",")
                        )?;
                        header_written = true;
                    }
                    let values: Vec<String> = outcomes
                        .indicators
                        .iter()
                        .map(|i| csv_value(&i.value))
                        .collect();
                    writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{},{}",
                        record.pseudonym,
                        record.period,
                        record.centre,
                        record.year,
                        crate::csv::field(record.age_band),
                        crate::csv::field(record.sex),
                        crate::csv::field(record.status),
                        record.end_day.map(|d| d.to_string()).unwrap_or_default(),
                        measurements(&record).join(","),
                        values.join(",")
                    )
                })(),
                ResearchFormat::Json => {
                    let sep = if rows == 0 { "" } else { "," };
                    write!(out, "{sep}{}", json_row(&record))
                }
                ResearchFormat::Fhir => (|| {
                    let mut resources = fhir_resources(&record, &system);
                    if consents_written.insert(name.clone()) {
                        resources.push(consent_resource(&name, &system));
                    }
                    for resource in resources {
                        let sep = if rows == 0 && !header_written {
                            ""
                        } else {
                            ","
                        };
                        header_written = true;
                        write!(out, "{sep}{}", json!({ "resource": resource }))?;
                    }
                    Ok(())
                })(),
            };
            match written {
                Ok(()) => rows += 1,
                Err(e) => io_error = Some(e),
            }
        },
    )
    .await?;
    if let Some(e) = io_error {
        return Err(e.into());
    }
    report.rows = rows;
    match request.format {
        ResearchFormat::Csv => {
            if !header_written {
                writeln!(out, "{CSV_FIXED_COLUMNS},{MEASUREMENT_COLUMNS}")?;
            }
        }
        ResearchFormat::Json => write!(out, "],\"report\":{}}}", report.for_requester())?,
        ResearchFormat::Fhir => write!(out, "]}}")?,
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&partial, &path)?;
    Ok(report)
}

/// Runs a queued job and records how it ended.
pub async fn run_job(db: DatabaseConnection, dir: PathBuf, job: Uuid, request: ResearchRequest) {
    let set_status = |status: &'static str| export_job::ActiveModel {
        id: Set(job),
        status: Set(status.to_owned()),
        ..Default::default()
    };
    if let Err(e) = set_status("running").update(&db).await {
        tracing::error!(error = %e, %job, "research job could not start");
        return;
    }
    let today = crate::clock::today(Utc::now());
    let result = run_research(&db, &dir, job, &request, today).await;
    let mut done = set_status(if result.is_ok() { "done" } else { "failed" });
    done.finished_at = Set(Some(Utc::now()));
    match &result {
        Ok(report) => {
            done.rows_written = Set(i64::try_from(report.rows).unwrap_or(i64::MAX));
            done.report = Set(Some(report.for_requester().to_string()));
            if let Err(e) = crate::db::reports::audit_job_report(
                &db,
                job,
                request.centre_id,
                json!(report),
                Utc::now(),
            )
            .await
            {
                tracing::error!(error = %e, %job, "research job report not audited");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, %job, "research job failed");
            done.error = Set(Some("the extract could not be written".to_owned()));
        }
    }
    if let Err(e) = done.update(&db).await {
        tracing::error!(error = %e, %job, "research job status not saved");
    }
}

/// What one housekeeping pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Housekeeping {
    /// Finished jobs whose file was deleted and that are now `expired`.
    pub expired: u64,
    /// Jobs queued or running for longer than [`STALLED_AFTER_HOURS`]
    /// (their server stopped mid-job), now `failed`.
    pub stalled: u64,
    /// Files in the export folder past the retention with no live job:
    /// operator extracts and partial files.
    pub stray_files: u64,
}

/// A job not finished this long after it was asked for has lost its server.
pub const STALLED_AFTER_HOURS: i64 = 6;

/// Deletes research extract files once `retention` has passed since their
/// job finished (the job stays, `expired`, as the record of what was
/// exported), fails jobs whose server stopped mid-job, and removes stray
/// files older than `retention`. Safe to run from several servers at once.
pub async fn housekeeping(
    db: &DatabaseConnection,
    dir: &Path,
    now: chrono::DateTime<Utc>,
    retention: chrono::Duration,
) -> Result<Housekeeping, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut done = Housekeeping::default();
    let cutoff = now - retention;
    let finished = export_job::Entity::find()
        .filter(export_job::Column::Status.is_in(["done", "failed"]))
        .filter(export_job::Column::FinishedAt.lt(cutoff))
        .all(db)
        .await?;
    for job in finished {
        if let Some(format) = ResearchFormat::parse(&job.format) {
            remove_if_present(&file_of(dir, job.id, format));
        }
        export_job::ActiveModel {
            id: Set(job.id),
            status: Set("expired".to_owned()),
            ..Default::default()
        }
        .update(db)
        .await?;
        done.expired += 1;
    }
    let stalled = export_job::Entity::update_many()
        .col_expr(
            export_job::Column::Status,
            sea_orm::sea_query::Expr::value("failed"),
        )
        .col_expr(
            export_job::Column::Error,
            sea_orm::sea_query::Expr::value(
                "the server stopped during the job; start a new extract",
            ),
        )
        .col_expr(
            export_job::Column::FinishedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(export_job::Column::Status.is_in(["queued", "running"]))
        .filter(
            export_job::Column::CreatedAt.lt(now - chrono::Duration::hours(STALLED_AFTER_HOURS)),
        )
        .exec(db)
        .await?;
    done.stalled = stalled.rows_affected;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(done);
    };
    let cutoff = std::time::SystemTime::from(cutoff);
    for entry in entries.flatten() {
        // Only files this server writes (`research-<job id>.<format>` and
        // their `.partial` forerunners): the folder may be shared.
        let ours = entry.file_name().to_str().is_some_and(|name| {
            name.strip_prefix("research-")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(id, ext)| {
                    Uuid::parse_str(id).is_ok() && ["csv", "json", "partial"].contains(&ext)
                })
        });
        if !ours {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < cutoff);
        if old && entry.file_type().is_ok_and(|t| t.is_file()) {
            remove_if_present(&entry.path());
            done.stray_files += 1;
        }
    }
    Ok(done)
}

fn remove_if_present(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::error!(error = %e, path = %path.display(), "export file not removed"),
    }
}

/// Runs [`housekeeping`] now and then every hour, for as long as the server runs.
pub async fn housekeeping_loop(db: DatabaseConnection, dir: PathBuf, retention: chrono::Duration) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match housekeeping(&db, &dir, Utc::now(), retention).await {
            Ok(done) if done != Housekeeping::default() => tracing::info!(
                expired = done.expired,
                stalled = done.stalled,
                stray_files = done.stray_files,
                "export housekeeping"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "export housekeeping failed"),
        }
    }
}
