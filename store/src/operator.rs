//! The operator's commands (`friskliv admin …`), as use cases: they need
//! no signed-in user; the exports among them are audited as the operator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::outcome_tables::Dimension;
use friskliv_domain::{AccountRole, CentreName, EvaluationArea, InviteCode, MunicipalityNumber};
use uuid::Uuid;

use crate::db::{self, identity, reports};
use crate::error::{Error, Refusal, Result};
use crate::exports::research::job_summary;
use crate::jobs::{self, ResearchFormat, ResearchRequest};
use crate::seed::{self, SeedError, SeedOptions, SeedSummary};
use crate::{Clock, DbSettings, Settings, Store};

/// Connects to the database and applies pending migrations.
pub async fn migrate(db_settings: &DbSettings) -> Result<()> {
    let db = db::connect(db_settings).await?;
    db::migrate(&db).await?;
    Ok(())
}

/// The store over the migrated database, for one command.
pub async fn open_migrated(
    db_settings: &DbSettings,
    clock: Clock,
    settings: Settings,
) -> Result<Store> {
    let db = db::connect(db_settings).await?;
    db::migrate(&db).await?;
    Ok(Store::new(db, clock, settings))
}

/// A centre just created.
#[derive(Debug, Clone)]
pub struct CentreCreated {
    pub id: Uuid,
    pub name: String,
    pub municipality_number: String,
    pub created_at: DateTime<Utc>,
}

/// A staff invite just issued (its code is returned beside it, once).
#[derive(Debug, Clone)]
pub struct StaffInvite {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

/// A staff account of a centre with the areas it is granted.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: Uuid,
    pub role: String,
    pub display_name: String,
    pub areas: Vec<EvaluationArea>,
}

fn no_centre() -> Error {
    Refusal::not_found("centre").into()
}

impl Store {
    /// Closes the connection (the command is done).
    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }

    async fn operator_audit(
        &self,
        action: &str,
        centre: Uuid,
        parameters: serde_json::Value,
    ) -> Result<()> {
        reports::audit_operator(&self.db, action, centre, parameters, self.clock.now()).await?;
        Ok(())
    }

    /// `friskliv admin create-centre`.
    pub async fn create_centre(
        &self,
        name: &CentreName,
        municipality: &MunicipalityNumber,
    ) -> Result<CentreCreated> {
        let centre =
            identity::create_centre(&self.db, name, municipality, self.clock.now()).await?;
        Ok(CentreCreated {
            id: centre.id,
            name: centre.name,
            municipality_number: centre.municipality_number,
            created_at: centre.created_at,
        })
    }

    /// `friskliv admin invite-staff`: a one-time staff invite at a centre
    /// (refused as not found when there is no such centre).
    pub async fn invite_staff(
        &self,
        centre_id: Uuid,
        role: AccountRole,
    ) -> Result<(InviteCode, StaffInvite)> {
        if identity::find_centre(&self.db, centre_id).await?.is_none() {
            return Err(no_centre());
        }
        let (code, invite) =
            crate::identity::issue_invite(&self.db, centre_id, role, None, None, self.clock.now())
                .await?;
        Ok((
            code,
            StaffInvite {
                id: invite.id,
                centre_id: invite.centre_id,
                role: invite.role,
                expires_at: invite.expires_at,
            },
        ))
    }

    /// `friskliv admin seed-demo`: demo data as of the store's clock (see
    /// [`crate::seed`]); an unknown centre is refused as not found.
    pub async fn seed_demo(&self, options: &SeedOptions) -> Result<SeedSummary> {
        seed::seed_demo(&self.db, options, self.clock.now())
            .await
            .map_err(|err| match err {
                SeedError::Invalid(err) => Refusal::invalid(err).into(),
                SeedError::NoSuchCentre(_) => no_centre(),
                SeedError::Db(err) => Error::Db(err),
                other => Error::internal(other),
            })
    }

    /// `friskliv admin outcome-tables`: a centre's table as CSV (disclosure
    /// control applied) and the number of periods read; audited.
    pub async fn operator_outcome_tables(
        &self,
        centre: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        dims: Vec<Dimension>,
    ) -> Result<(String, u64)> {
        let Some(found) = identity::find_centre(&self.db, centre).await? else {
            return Err(no_centre());
        };
        self.operator_audit(
            "outcome_tables",
            centre,
            serde_json::json!({"from": from, "to": to,
                "group_by": dims.iter().map(|d| d.as_str()).collect::<Vec<_>>(), "format": "csv"}),
        )
        .await?;
        let (table, fingerprints) = crate::facts::outcome_table(
            &self.db,
            &BTreeMap::from([(found.id, found.municipality_number)]),
            from,
            to,
            dims,
            self.clock.today(),
        )
        .await?;
        Ok((crate::facts::table_csv(&table), fingerprints.len() as u64))
    }

    /// `friskliv admin research-extract`: writes the extract into the
    /// export folder and returns its path and report; audited.
    pub async fn operator_research_extract(
        &self,
        centre: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        format: ResearchFormat,
    ) -> Result<(PathBuf, jobs::Report)> {
        if identity::find_centre(&self.db, centre).await?.is_none() {
            return Err(no_centre());
        }
        self.operator_audit(
            "research_extract",
            centre,
            serde_json::json!({"from": from, "to": to, "format": format.as_str()}),
        )
        .await?;
        let job = Uuid::now_v7();
        let request = ResearchRequest {
            centre_id: centre,
            from,
            to,
            format,
        };
        let dir = &self.settings.export_dir;
        let report = jobs::run_research(&self.db, dir, job, &request, self.clock.today())
            .await
            .map_err(|e| Error::Internal(format!("{e:#}")))?;
        Ok((jobs::file_of(dir, job, format), report))
    }

    /// `friskliv admin export-job`: any job, whoever asked for it, as JSON;
    /// with `copy_to`, its file copied there (audited). No such job is
    /// refused as not found; a job with no file yet as a conflict whose
    /// `current` is the job's status.
    pub async fn operator_export_job(
        &self,
        job_id: Uuid,
        copy_to: Option<&Path>,
    ) -> Result<serde_json::Value> {
        let Some(job) = reports::find_export_job(&self.db, job_id).await? else {
            return Err(Refusal::not_found("export job").into());
        };
        let summary = job_summary(&job);
        if let Some(target) = copy_to {
            if job.status != "done" {
                return Err(Refusal::conflict_with(
                    "export-not-ready",
                    format!("the job is {}; there is no file to copy", job.status),
                    serde_json::json!(job.status),
                )
                .into());
            }
            let format = ResearchFormat::parse(&job.format)
                .ok_or_else(|| Error::internal(format!("stored export format {:?}", job.format)))?;
            self.operator_audit(
                "research_download",
                job.centre_id,
                serde_json::json!({ "job": job.id }),
            )
            .await?;
            std::fs::copy(
                jobs::file_of(&self.settings.export_dir, job.id, format),
                target,
            )
            .map_err(|e| {
                Error::internal(format!("copying the extract to {}: {e}", target.display()))
            })?;
        }
        Ok(summary)
    }

    /// `friskliv admin grant-evaluation`: whether the grant is new; an
    /// account that is not an evaluator is refused as not found.
    pub async fn grant_evaluation(&self, account: Uuid, area: &EvaluationArea) -> Result<bool> {
        let is_evaluator = identity::find_account(&self.db, account)
            .await?
            .is_some_and(|a| a.role == AccountRole::Evaluator.as_str());
        if !is_evaluator {
            return Err(Refusal::not_found("evaluator account").into());
        }
        Ok(reports::grant_area(&self.db, account, area, self.clock.now()).await?)
    }

    /// `friskliv admin revoke-evaluation`: whether a grant was removed.
    pub async fn revoke_evaluation(&self, account: Uuid, area: &EvaluationArea) -> Result<bool> {
        Ok(reports::revoke_area(&self.db, account, area).await?)
    }

    /// `friskliv admin list-staff`: a centre's staff accounts, oldest first,
    /// with the areas each is granted.
    pub async fn list_staff(&self, centre: Uuid) -> Result<Vec<StaffMember>> {
        if identity::find_centre(&self.db, centre).await?.is_none() {
            return Err(no_centre());
        }
        let mut staff = Vec::new();
        for a in reports::staff_of(&self.db, centre).await? {
            staff.push(StaffMember {
                areas: reports::evaluation_areas(&self.db, a.id).await?,
                id: a.id,
                role: a.role,
                display_name: a.display_name,
            });
        }
        Ok(staff)
    }
}
