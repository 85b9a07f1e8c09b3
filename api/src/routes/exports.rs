//! Anonymous outcome tables for evaluators (DOMAIN.md §7): grouped counts
//! and means over follow-up periods, disclosure-controlled in the domain
//! before they leave. Periods are read page by page, so memory holds one
//! page of diaries and the groups, however many periods there are. Every
//! request, allowed or refused, writes an `export_audit` row.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::params::{Bounded, Format, IdParam};
use crate::state::AppState;
use friskliv_store::exports::{
    ExportJobView, OutcomeTablesQuery, OutcomeTablesView, ResearchExportRequest,
};

pub struct ExportsApi;

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
        let format = format.0.unwrap_or(Format::Json);
        let query = OutcomeTablesQuery {
            year: year.0.map(|y| y.0),
            from: from.0,
            to: to.0,
            group_by: group_by.0.as_deref(),
            format: Some(format.into()),
            centre_id: centre_id.0,
            municipality: municipality.0.as_deref(),
            county: county.0.as_deref(),
        };
        let release = state.store.outcome_tables(&principal, &query).await?;
        Ok(match format {
            Format::Json => OutcomeTablesResponse::Json(Json(release.view)),
            Format::Csv => OutcomeTablesResponse::Csv(
                Binary(release.csv().into_bytes()),
                format!(
                    "attachment; filename=\"outcomes-{}.csv\"",
                    release.view.year
                ),
            ),
        })
    }
}

// ---- research extract ------------------------------------------------------------

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
        body: JsonBody<ResearchExportRequest>,
    ) -> ApiResult<JobAccepted> {
        let principal = authenticate(&state, &auth).await?;
        let job = state.store.start_research_export(&principal, &body).await?;
        Ok(JobAccepted::Accepted(Json(job)))
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
        job_id: Path<IdParam>,
    ) -> ApiResult<Json<ExportJobView>> {
        let principal = authenticate(&state, &auth).await?;
        let job = state
            .store
            .export_job(&principal, job_id.get("job_id")?)
            .await?;
        Ok(Json(job))
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
        job_id: Path<IdParam>,
    ) -> ApiResult<Download> {
        let principal = authenticate(&state, &auth).await?;
        let download = state
            .store
            .download_export(&principal, job_id.get("job_id")?)
            .await?;
        let file = tokio::fs::File::from_std(download.file);
        Ok(Download::File(
            Binary(poem::Body::from_async_read(file)),
            download.content_type.to_owned(),
            format!("attachment; filename=\"{}\"", download.file_name),
        ))
    }
}
