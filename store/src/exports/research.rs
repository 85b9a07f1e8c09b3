//! The research extract: jobs started by evaluators and centre admins, their
//! status, and the download of a finished file. Every request, allowed or
//! refused, writes an `export_audit` row.

use chrono::{NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::releases::ReleaseYear;
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::entities::export_job;
use crate::db::reports as queries;
use crate::error::{Error, Refusal, Result, stored_json};
use crate::jobs::{self, ResearchFormat, ResearchRequest};
use crate::{Principal, Store};

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

/// A finished extract to stream: the open file, its media type and name.
pub struct ExportDownload {
    pub file: std::fs::File,
    pub content_type: &'static str,
    pub file_name: String,
}

fn job_view(j: export_job::Model, retention: chrono::Duration) -> Result<ExportJobView> {
    let report = j
        .report
        .as_deref()
        .map(|r| stored_json("export job report", r))
        .transpose()?;
    Ok(ExportJobView {
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
        report,
        error: j.error,
        created_at: j.created_at,
        finished_at: j.finished_at,
    })
}

impl Store {
    /// The caller's own job, while they may still export its centre.
    /// Someone else's (or no) job is refused as missing, and audited like
    /// every refused export request.
    async fn own_job(&self, principal: &Principal, id: Uuid) -> Result<export_job::Model> {
        let actor = principal.actor();
        match queries::requested_job(&self.db, &actor, id).await? {
            Some(job) => Ok(job),
            None => {
                queries::audit(
                    &self.db,
                    &actor,
                    "research_job",
                    None,
                    serde_json::json!({ "job": id }),
                    false,
                    self.clock.now(),
                )
                .await?;
                Err(Refusal::not_found("export job").into())
            }
        }
    }

    /// `POST /v1/exports/research`: queues an extract of one ended year of
    /// a centre the caller may export, and starts it in the background.
    pub async fn start_research_export(
        &self,
        principal: &Principal,
        request: &ResearchExportRequest,
    ) -> Result<ExportJobView> {
        let actor = principal.actor();
        let Some(format) = ResearchFormat::parse(&request.format) else {
            return Err(
                FieldError::new("format", "one_of", "must be one of csv, json, fhir").into(),
            );
        };
        let now = self.clock.now();
        let window = ReleaseYear::from_request(
            request.year,
            request.from,
            request.to,
            crate::clock::today(now),
        )?;
        let (from, to) = (window.first_day(), window.last_day());
        let centre = request.centre_id.or(actor.centre_id);
        let allowed = match centre {
            Some(c) => queries::may_report_on(&self.db, &actor, c).await?,
            None => false,
        };
        let parameters = serde_json::json!({
            "year": window.year(), "format": format.as_str(),
        });
        queries::audit(
            &self.db,
            &actor,
            "research_extract",
            centre,
            parameters.clone(),
            allowed,
            now,
        )
        .await?;
        let Some(centre) = centre.filter(|_| allowed) else {
            return Err(Refusal::forbidden(
                "only evaluators and centre admins of the centre, and evaluators granted its municipality or county, may export its data",
            )
            .into());
        };
        let job = queries::create_export_job(
            &self.db,
            actor.account_id,
            centre,
            format.as_str(),
            &parameters,
            now,
        )
        .await?;
        tokio::spawn(jobs::run_job(
            self.db.clone(),
            self.settings.export_dir.clone(),
            job.id,
            ResearchRequest {
                centre_id: centre,
                from,
                to,
                format,
            },
        ));
        job_view(job, self.settings.export_retention)
    }

    /// `GET /v1/exports/jobs/{j}`: the caller's own job.
    pub async fn export_job(&self, principal: &Principal, id: Uuid) -> Result<ExportJobView> {
        let job = self.own_job(principal, id).await?;
        job_view(job, self.settings.export_retention)
    }

    /// `GET /v1/exports/jobs/{j}/download`: the file of the caller's own
    /// finished job; audited.
    pub async fn download_export(&self, principal: &Principal, id: Uuid) -> Result<ExportDownload> {
        let job = self.own_job(principal, id).await?;
        if job.status == "expired" {
            return Err(Refusal::Gone {
                code: "export-expired",
                detail: format!(
                    "the file was deleted {} days after the job finished; start a new extract",
                    self.settings.export_retention.num_days()
                ),
            }
            .into());
        }
        if job.status != "done" {
            return Err(Refusal::conflict(
                "export-not-ready",
                format!("the job is {}; download when it is done", job.status),
            )
            .into());
        }
        let format = ResearchFormat::parse(&job.format)
            .ok_or_else(|| Error::internal("stored export format"))?;
        queries::audit(
            &self.db,
            &principal.actor(),
            "research_download",
            Some(job.centre_id),
            serde_json::json!({ "job": job.id }),
            true,
            self.clock.now(),
        )
        .await?;
        let path = jobs::file_of(&self.settings.export_dir, job.id, format);
        let file = std::fs::File::open(&path)
            .map_err(|_| Refusal::not_found("export file (it may have been cleaned up)"))?;
        Ok(ExportDownload {
            file,
            content_type: format.content_type(),
            file_name: path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("export")
                .to_owned(),
        })
    }
}

/// Any job as the operator sees it (`friskliv admin export-job`).
pub(crate) fn job_summary(job: &export_job::Model) -> serde_json::Value {
    serde_json::json!({
        "id": job.id, "status": job.status, "format": job.format,
        "centre_id": job.centre_id, "requested_by": job.requested_by,
        "parameters": serde_json::from_str::<serde_json::Value>(&job.parameters).unwrap_or_default(),
        "rows_written": job.rows_written,
        "report": job.report.as_deref().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()),
        "created_at": job.created_at, "finished_at": job.finished_at,
    })
}
