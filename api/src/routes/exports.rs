//! Anonymous outcome tables for evaluators (DOMAIN.md §7): grouped counts
//! and means over follow-up periods, disclosure-controlled in the domain
//! before they leave. Periods are read page by page, so memory holds one
//! page of diaries and the groups, however many periods there are. Every
//! request, allowed or refused, writes an `export_audit` row.

use chrono::{NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::outcome_tables::{COUNTS, Dimension, Row, STATISTICS};
use friskliv_domain::releases::{Release, ReleaseRefusal, ReleaseYear, may_release};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::participants::actor_of;
use super::reports::Format;
use crate::auth::{BearerAuth, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::params::Bounded;
use crate::state::AppState;
use friskliv_store::clock;
use friskliv_store::db::reports;
use friskliv_store::facts::{outcome_table, table_csv};

pub struct ExportsApi;

/// A count, or `null` with `suppressed` set when it could identify someone.
#[derive(Object)]
pub struct CountCell {
    pub measure: String,
    #[oai(skip_serializing_if_is_none)]
    pub count: Option<u64>,
    /// `none`, `primary` (1–4) or `secondary` (protects a primary cell from recomputation).
    pub suppressed: String,
}

#[derive(Object)]
pub struct StatisticCell {
    pub measure: String,
    /// Null when suppressed (fewer than 5 people) or when nothing was measured.
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<f64>,
    pub suppressed: bool,
}

#[derive(Object)]
pub struct GroupValue {
    pub dimension: String,
    pub value: String,
}

#[derive(Object)]
pub struct TableRow {
    /// Empty for the total row.
    pub group: Vec<GroupValue>,
    pub counts: Vec<CountCell>,
    pub statistics: Vec<StatisticCell>,
}

/// Outcome tables with disclosure control applied.
#[derive(Object)]
pub struct OutcomeTablesView {
    /// The calendar year: periods that started in it.
    pub year: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every centre counted.
    pub centres: Vec<Uuid>,
    /// The municipality asked for, when the scope is a municipality.
    #[oai(skip_serializing_if_is_none)]
    pub municipality: Option<String>,
    /// The county asked for, when the scope is a county.
    #[oai(skip_serializing_if_is_none)]
    pub county: Option<String>,
    pub group_by: Vec<String>,
    pub rows: Vec<TableRow>,
    pub total: TableRow,
    /// The indicator definitions used (id@version).
    pub definitions: Vec<String>,
}

#[derive(ApiResponse)]
pub enum OutcomeTablesResponse {
    #[oai(status = 200)]
    Json(Json<OutcomeTablesView>),
    /// One line per group plus `total`; suppressed cells are `:` as SSB shows them.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

fn suppression_name(cell: &friskliv_domain::disclosure::Cell) -> String {
    serde_json::to_value(cell.suppression)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn row_view(row: &Row) -> TableRow {
    TableRow {
        group: row
            .group
            .iter()
            .map(|(d, v)| GroupValue {
                dimension: (*d).to_owned(),
                value: v.clone(),
            })
            .collect(),
        counts: COUNTS
            .iter()
            .map(|m| {
                let cell = &row.counts[m];
                CountCell {
                    measure: (*m).to_owned(),
                    count: cell.shown(),
                    suppressed: suppression_name(cell),
                }
            })
            .collect(),
        statistics: STATISTICS
            .iter()
            .map(|m| {
                let s = &row.statistics[m];
                StatisticCell {
                    measure: (*m).to_owned(),
                    value: s.value,
                    suppressed: s.suppressed,
                }
            })
            .collect(),
    }
}

fn parse_group_by(raw: Option<&str>) -> ApiResult<Vec<Dimension>> {
    let mut dims = Vec::new();
    for part in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let dim: Dimension = part
            .parse()
            .map_err(|m: String| ApiError::validation(FieldError::new("group_by", "one_of", m)))?;
        if dims.contains(&dim) {
            return Err(ApiError::validation(FieldError::new(
                "group_by",
                "unique",
                format!("{dim} is given twice"),
            )));
        }
        dims.push(dim);
    }
    Ok(dims)
}

/// The scope a request names: at most one of a centre, a municipality or a
/// county; none means the caller's own centre.
fn requested_scope(
    actor: &friskliv_store::db::sharing::Actor,
    centre_id: Option<Uuid>,
    municipality: Option<&str>,
    county: Option<&str>,
) -> ApiResult<Option<reports::ExportScope>> {
    use friskliv_domain::EvaluationArea;
    use reports::ExportScope;
    let named = [
        ("centre_id", centre_id.is_some()),
        ("municipality", municipality.is_some()),
        ("county", county.is_some()),
    ];
    if let Some((extra, _)) = named.iter().filter(|(_, given)| *given).nth(1) {
        return Err(ApiError::validation(FieldError::new(
            *extra,
            "exclusive",
            "give at most one of centre_id, municipality and county",
        )));
    }
    Ok(if let Some(m) = municipality {
        Some(ExportScope::Area(
            EvaluationArea::parse("municipality", m).map_err(ApiError::validation)?,
        ))
    } else if let Some(c) = county {
        Some(ExportScope::Area(
            EvaluationArea::parse("county", c).map_err(ApiError::validation)?,
        ))
    } else {
        centre_id.or(actor.centre_id).map(ExportScope::Centre)
    })
}

/// Why a table is refused given the requester's earlier tables of the year.
fn release_refused(refusal: ReleaseRefusal) -> ApiError {
    match refusal {
        ReleaseRefusal::OverlappingScope => ApiError::conflict(
            "overlapping-release",
            "you already have a table for this year over centres that overlap these without being the same; \
             the difference of the two would show the centres in one and not the other. Ask for the same scope \
             (use group_by=centre or municipality for a breakdown) or a scope that shares no centre with it",
        ),
        ReleaseRefusal::LinkedBreakdown(dimension) => ApiError::conflict(
            "linked-breakdown",
            format!(
                "you already have a table for this year and scope broken down by {dimension} together with \
                 other dimensions (or by a place dimension it sums to); together with this one it would \
                 reveal cells that are suppressed. Ask for the same breakdown, or one without {dimension}"
            ),
        ),
        ReleaseRefusal::SmallChange(n) => ApiError::conflict(
            "small-difference",
            format!(
                "since your last table for this year and scope, the data of {n} follow-up period(s) changed; \
                 a new table would show what changed for fewer than 5 people. Ask again when at least 5 have changed"
            ),
        ),
    }
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ExportsApi {
    /// Anonymous outcome tables (evaluators and centre admins)
    ///
    /// Counts and means over the follow-up periods that started in one
    /// calendar year that has ended (`year`, or `from=YYYY-01-01&to=YYYY-12-31`),
    /// grouped by `group_by` (comma-separated: `year`, `centre`,
    /// `municipality`, `sex`, `age_band`, `referral_source`). Counts 1–4 and
    /// statistics from fewer than 5 people are suppressed, plus secondary
    /// suppression where the published total would reveal them. The scope is
    /// the caller's own centre, or one `centre_id`, `municipality` or
    /// `county` an evaluator has been granted. So that two tables cannot be
    /// subtracted to single someone out, a requester's tables for a year
    /// have equal or disjoint scopes, breakdowns that share no dimension, and
    /// differ in none or at least 5 periods (409 otherwise).
    #[oai(
        path = "/v1/exports/outcomes",
        method = "get",
        operation_id = "getOutcomeTables"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn outcomes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The calendar year, e.g. 2025 (it must have ended).
        year: Query<Option<Bounded<i32, 2000, 9999>>>,
        /// Instead of `year`: its first day, YYYY-01-01.
        from: Query<Option<NaiveDate>>,
        /// Instead of `year`: its last day, YYYY-12-31.
        to: Query<Option<NaiveDate>>,
        /// Comma-separated dimensions; none gives the total only.
        group_by: Query<Option<String>>,
        /// `json` (default) or `csv`.
        format: Query<Option<Format>>,
        /// The centre (default: the caller's own).
        centre_id: Query<Option<Uuid>>,
        /// Every centre of this municipality (four digits), if granted.
        municipality: Query<Option<String>>,
        /// Every centre of this county (two digits), if granted.
        county: Query<Option<String>>,
    ) -> ApiResult<OutcomeTablesResponse> {
        let principal = authenticate(&state, &auth).await?;
        let now = Utc::now();
        let window =
            ReleaseYear::from_request(year.0.map(|y| y.0), from.0, to.0, clock::today(now))
                .map_err(ApiError::validation)?;
        let (from, to) = (window.first_day(), window.last_day());
        let dims = parse_group_by(group_by.0.as_deref())?;
        let format = format.0.unwrap_or(Format::Json);
        let actor = actor_of(&principal);
        let scope = requested_scope(
            &actor,
            centre_id.0,
            municipality.0.as_deref(),
            county.0.as_deref(),
        )?;
        let centres = match &scope {
            Some(scope) => reports::centres_in_scope(&state.db, &actor, scope).await?,
            None => None,
        };
        let parameters = serde_json::json!({
            "scope": scope.as_ref().map(reports::ExportScope::describe),
            "year": window.year(),
            "group_by": dims.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
            "format": if format == Format::Csv { "csv" } else { "json" },
        });
        let audit_centre = scope.as_ref().and_then(reports::ExportScope::centre);
        let (Some(scope), Some(centres)) = (scope, centres) else {
            reports::audit(
                &state.db,
                &actor,
                "outcome_tables",
                audit_centre,
                parameters,
                false,
                now,
            )
            .await?;
            return Err(ApiError::forbidden(
                "only evaluators and centre admins of the centre, and evaluators granted its municipality or county, see its outcome tables",
            ));
        };
        let (table, fingerprints) = outcome_table(
            &state.db,
            &centres,
            from,
            to,
            dims.clone(),
            clock::today(now),
        )
        .await?;
        let release = Release {
            centres: centres.keys().copied().collect(),
            group_by: dims.clone(),
            fingerprints,
        };
        // The check and the record are one step, so two tables asked for at
        // once are judged against each other.
        let turn = state.write_turn().await;
        let txn = friskliv_store::db::begin_write(&state.db).await?;
        let earlier = reports::releases_of(&txn, actor.account_id, window.year()).await?;
        let verdict = may_release(&earlier, &release);
        let mut parameters = parameters;
        if let Err(refusal) = &verdict {
            parameters["refused"] = serde_json::json!(format!("{refusal:?}"));
        } else {
            reports::record_release(&txn, actor.account_id, window.year(), &release, now).await?;
        }
        reports::audit(
            &txn,
            &actor,
            "outcome_tables",
            audit_centre,
            parameters,
            verdict.is_ok(),
            now,
        )
        .await?;
        txn.commit().await?;
        drop(turn);
        verdict.map_err(release_refused)?;
        let definitions = friskliv_domain::outcome_tables::DEFINITIONS_USED
            .iter()
            .map(|d| format!("{}@{}", d.id, d.version))
            .collect();
        Ok(match format {
            Format::Json => OutcomeTablesResponse::Json(Json(OutcomeTablesView {
                year: window.year(),
                from,
                to,
                centres: centres.keys().copied().collect(),
                municipality: match &scope {
                    reports::ExportScope::Area(friskliv_domain::EvaluationArea::Municipality(
                        m,
                    )) => Some(m.as_str().to_owned()),
                    _ => None,
                },
                county: match &scope {
                    reports::ExportScope::Area(friskliv_domain::EvaluationArea::County(c)) => {
                        Some(c.as_str().to_owned())
                    }
                    _ => None,
                },
                group_by: dims.iter().map(|d| d.as_str().to_owned()).collect(),
                rows: table.rows.iter().map(row_view).collect(),
                total: row_view(&table.total),
                definitions,
            })),
            Format::Csv => OutcomeTablesResponse::Csv(
                Binary(table_csv(&table).into_bytes()),
                format!("attachment; filename=\"outcomes-{}.csv\"", window.year()),
            ),
        })
    }
}

// ---- research extract ------------------------------------------------------------

/// Ask for a record-level research extract.
#[derive(Object, serde::Deserialize)]
pub struct ResearchExportRequest {
    /// The centre (default: the caller's own).
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub centre_id: Option<Uuid>,
    /// The calendar year whose periods (by start) are included; it must have ended.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub year: Option<i32>,
    /// Instead of `year`: its first day, YYYY-01-01.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Instead of `year`: its last day, YYYY-12-31.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// `csv`, `json` or `fhir` (a FHIR R4 Bundle).
    pub format: String,
}

/// A research extract job.
#[derive(Object)]
pub struct ExportJobView {
    pub id: Uuid,
    /// `queued`, `running`, `done`, `failed` or `expired` (the file was
    /// deleted after the retention period; the record stays).
    pub status: String,
    pub format: String,
    pub centre_id: Uuid,
    pub rows_written: i64,
    /// Rows written, and how many rows were generalised (age band `all`) or
    /// dropped so every quasi-identifier class holds ≥ 5 people — a number
    /// when 0 or ≥ 5, else "fewer than 5".
    #[oai(skip_serializing_if_is_none)]
    pub report: Option<serde_json::Value>,
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
    /// Where to download the file once `done`.
    pub download: String,
    pub created_at: chrono::DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub finished_at: Option<chrono::DateTime<Utc>>,
    /// When a finished extract's file is deleted.
    #[oai(skip_serializing_if_is_none)]
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

fn job_view(
    j: friskliv_store::db::entities::export_job::Model,
    retention: chrono::Duration,
) -> ExportJobView {
    ExportJobView {
        expires_at: j
            .finished_at
            .filter(|_| j.status == "done")
            .map(|f| f + retention),
        download: format!("/v1/exports/jobs/{}/download", j.id),
        id: j.id,
        status: j.status,
        format: j.format,
        centre_id: j.centre_id,
        rows_written: j.rows_written,
        report: j.report.and_then(|r| serde_json::from_str(&r).ok()),
        error: j.error,
        created_at: j.created_at,
        finished_at: j.finished_at,
    }
}

#[derive(ApiResponse)]
pub enum JobAccepted {
    /// Queued; poll the job.
    #[oai(status = 202)]
    Accepted(Json<ExportJobView>),
}

#[derive(ApiResponse)]
pub enum Download {
    /// The extract, streamed.
    #[oai(status = 200, content_type = "application/octet-stream")]
    File(
        Binary<poem::Body>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Content-Disposition")] String,
    ),
}

pub struct ResearchApi;

async fn own_job(
    state: &AppState,
    actor: &friskliv_store::db::sharing::Actor,
    id: Uuid,
) -> ApiResult<friskliv_store::db::entities::export_job::Model> {
    match reports::requested_job(&state.db, actor, id).await? {
        Some(job) => Ok(job),
        None => {
            // Someone else's (or no) job: refused, and audited like every
            // refused export request.
            reports::audit(
                &state.db,
                actor,
                "research_job",
                None,
                serde_json::json!({ "job": id }),
                false,
                Utc::now(),
            )
            .await?;
            Err(ApiError::not_found("export job"))
        }
    }
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ResearchApi {
    /// Start a research extract (evaluators and centre admins of the centre)
    ///
    /// Only participants with an active `research` consent appear; each
    /// gets a pseudonym keyed for this extract alone; dates are days from
    /// the period start; age band, sex, centre and year form classes of at
    /// least 5 (generalised or dropped, as the job reports).
    #[oai(
        path = "/v1/exports/research",
        method = "post",
        operation_id = "startResearchExport"
    )]
    async fn start(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: crate::body::JsonBody<ResearchExportRequest>,
    ) -> ApiResult<JobAccepted> {
        use sea_orm::ActiveModelTrait;
        let principal = authenticate(&state, &auth).await?;
        let actor = actor_of(&principal);
        let body = body.0;
        let Some(format) = friskliv_store::jobs::ResearchFormat::parse(&body.format) else {
            return Err(ApiError::validation(FieldError::new(
                "format",
                "one_of",
                "must be one of csv, json, fhir",
            )));
        };
        let now = Utc::now();
        let window = ReleaseYear::from_request(body.year, body.from, body.to, clock::today(now))
            .map_err(ApiError::validation)?;
        let (from, to) = (window.first_day(), window.last_day());
        let centre = body.centre_id.or(actor.centre_id);
        let allowed = match centre {
            Some(c) => reports::may_report_on(&state.db, &actor, c).await?,
            None => false,
        };
        let parameters = serde_json::json!({
            "year": window.year(), "format": format.as_str(),
        });
        reports::audit(
            &state.db,
            &actor,
            "research_extract",
            centre,
            parameters.clone(),
            allowed,
            now,
        )
        .await?;
        let Some(centre) = centre.filter(|_| allowed) else {
            return Err(ApiError::forbidden(
                "only evaluators and centre admins of the centre, and evaluators granted its municipality or county, may export its data",
            ));
        };
        let id = Uuid::now_v7();
        let job = friskliv_store::db::entities::export_job::ActiveModel {
            id: sea_orm::Set(id),
            requested_by: sea_orm::Set(Some(actor.account_id)),
            centre_id: sea_orm::Set(centre),
            format: sea_orm::Set(format.as_str().to_owned()),
            parameters: sea_orm::Set(parameters.to_string()),
            status: sea_orm::Set("queued".to_owned()),
            rows_written: sea_orm::Set(0),
            report: sea_orm::Set(None),
            error: sea_orm::Set(None),
            created_at: sea_orm::Set(now),
            finished_at: sea_orm::Set(None),
        }
        .insert(&state.db)
        .await?;
        tokio::spawn(friskliv_store::jobs::run_job(
            state.db.clone(),
            state.config.export_dir.clone(),
            id,
            friskliv_store::jobs::ResearchRequest {
                centre_id: centre,
                from,
                to,
                format,
            },
        ));
        Ok(JobAccepted::Accepted(Json(job_view(
            job,
            state.config.export_retention,
        ))))
    }

    /// A research extract job's status and report
    #[oai(
        path = "/v1/exports/jobs/:job_id",
        method = "get",
        operation_id = "getExportJob"
    )]
    async fn job(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        job_id: poem_openapi::param::Path<crate::params::IdParam>,
    ) -> ApiResult<Json<ExportJobView>> {
        let principal = authenticate(&state, &auth).await?;
        let job = own_job(&state, &actor_of(&principal), job_id.get("job_id")?).await?;
        Ok(Json(job_view(job, state.config.export_retention)))
    }

    /// Download a finished research extract (streamed)
    #[oai(
        path = "/v1/exports/jobs/:job_id/download",
        method = "get",
        operation_id = "downloadExport"
    )]
    async fn download(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        job_id: poem_openapi::param::Path<crate::params::IdParam>,
    ) -> ApiResult<Download> {
        let principal = authenticate(&state, &auth).await?;
        let actor = actor_of(&principal);
        let job = own_job(&state, &actor, job_id.get("job_id")?).await?;
        if job.status == "expired" {
            return Err(ApiError::gone(
                "export-expired",
                format!(
                    "the file was deleted {} days after the job finished; start a new extract",
                    state.config.export_retention.num_days()
                ),
            ));
        }
        if job.status != "done" {
            return Err(ApiError::conflict(
                "export-not-ready",
                format!("the job is {}; download when it is done", job.status),
            ));
        }
        let format = friskliv_store::jobs::ResearchFormat::parse(&job.format)
            .ok_or_else(|| ApiError::internal("stored export format"))?;
        reports::audit(
            &state.db,
            &actor,
            "research_download",
            Some(job.centre_id),
            serde_json::json!({ "job": job.id }),
            true,
            Utc::now(),
        )
        .await?;
        let path = friskliv_store::jobs::file_of(&state.config.export_dir, job.id, format);
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|_| ApiError::not_found("export file (it may have been cleaned up)"))?;
        Ok(Download::File(
            Binary(poem::Body::from_async_read(file)),
            format.content_type().to_owned(),
            format!(
                "attachment; filename=\"{}\"",
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("export")
            ),
        ))
    }
}
