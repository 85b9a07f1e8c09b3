//! The `friskliv` command: `serve` (default), `migrate`, `openapi`, and the
//! `admin` subcommands that bootstrap a centre before anyone can sign in.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use friskliv_domain::{AccountRole, CentreName, FieldError, InviteCode, MunicipalityNumber};
use uuid::Uuid;

use crate::config::Config;
use friskliv_store::db::entities::{centre, invite};
use friskliv_store::db::{self as store, identity};
use friskliv_store::identity::issue_invite;
use friskliv_store::seed::{self, SeedError, SeedOptions, SeedSummary};

#[derive(Parser, Debug)]
#[command(
    name = "friskliv",
    version,
    about = "Friskliv API server and administration"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP API (the default when no subcommand is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI specification (JSON) to stdout.
    Openapi,
    /// Administration that needs no signed-in user.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a centre (frisklivssentral) and print its id.
    CreateCentre {
        /// The centre's name, e.g. "Frisklivssentralen i Oslo".
        #[arg(long)]
        name: String,
        /// Four-digit municipality number (kommunenummer), e.g. 0301.
        #[arg(long)]
        municipality: String,
    },
    /// Issue a one-time staff invite code for a centre and print it.
    InviteStaff {
        /// The centre's id (from create-centre).
        #[arg(long)]
        centre: Uuid,
        /// centre_admin, veileder or evaluator.
        #[arg(long)]
        role: String,
    },
    /// Fill the database with synthetic participants and diaries (for demos
    /// and load tests). The content is deterministic for a seed; the dates
    /// end the day before the run day.
    SeedDemo {
        /// How many participants to create.
        #[arg(long)]
        participants: u32,
        /// How many weeks of diaries each participant gets.
        #[arg(long)]
        weeks: u32,
        /// The random seed: the same seed gives the same diaries.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// An existing centre's id; without it "Demo frisklivssentral" is created.
        #[arg(long)]
        centre: Option<Uuid>,
    },
    /// Print a centre's anonymous outcome table as CSV (disclosure control
    /// applied, as `GET /v1/exports/outcomes`); audited as the operator.
    OutcomeTables {
        #[arg(long)]
        centre: Uuid,
        /// First period start, YYYY-MM-DD.
        #[arg(long)]
        from: NaiveDate,
        /// Last period start, YYYY-MM-DD.
        #[arg(long)]
        to: NaiveDate,
        /// Comma-separated: year, centre, sex, age_band, referral_source.
        #[arg(long, default_value = "")]
        group_by: String,
    },
    /// List a centre's staff accounts (id, role, name) and the areas each
    /// evaluator is granted.
    ListStaff {
        #[arg(long)]
        centre: Uuid,
    },
    /// Let an evaluator export every centre of a municipality or county
    /// (beyond their own centre).
    GrantEvaluation(EvaluationGrant),
    /// Take back a municipality or county granted with grant-evaluation.
    RevokeEvaluation(EvaluationGrant),
    /// Write a research extract (as `POST /v1/exports/research`) into the
    /// export folder and print its report; audited as the operator.
    ResearchExtract {
        #[arg(long)]
        centre: Uuid,
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        /// csv, json or fhir.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Show any research extract job, whoever asked for it (the API shows a
    /// job to its requester only), and with --copy-to copy its file there;
    /// audited as the operator.
    ExportJob {
        #[arg(long)]
        job: Uuid,
        /// Where to copy the finished extract.
        #[arg(long)]
        copy_to: Option<std::path::PathBuf>,
    },
}

/// An evaluator and one area: exactly one of --municipality, --county.
#[derive(clap::Args, Debug)]
pub struct EvaluationGrant {
    /// The evaluator's account id (from list-staff).
    #[arg(long)]
    pub account: Uuid,
    /// Four-digit municipality number, e.g. 0301.
    #[arg(long, conflicts_with = "county", required_unless_present = "county")]
    pub municipality: Option<String>,
    /// Two-digit county number, e.g. 46.
    #[arg(long)]
    pub county: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("no centre with id {0}")]
    NoSuchCentre(Uuid),
    #[error("no evaluator account with id {0}")]
    NoSuchEvaluator(Uuid),
    #[error("no export job with id {0}")]
    NoSuchJob(Uuid),
    #[error("export job {0} is {1}: there is no file to copy")]
    NoFile(Uuid, String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<FieldError> for AdminError {
    fn from(err: FieldError) -> Self {
        AdminError::Invalid(err)
    }
}

impl From<SeedError> for AdminError {
    fn from(err: SeedError) -> Self {
        match err {
            SeedError::Invalid(err) => AdminError::Invalid(err),
            SeedError::NoSuchCentre(id) => AdminError::NoSuchCentre(id),
            other => AdminError::Other(other.into()),
        }
    }
}

impl From<sea_orm::DbErr> for AdminError {
    fn from(err: sea_orm::DbErr) -> Self {
        AdminError::Other(err.into())
    }
}

async fn open_migrated(config: &Config) -> Result<sea_orm::DatabaseConnection, AdminError> {
    let db = store::connect(&config.db_settings()).await?;
    store::migrate(&db).await?;
    Ok(db)
}

pub async fn create_centre(
    config: &Config,
    name: &str,
    municipality: &str,
) -> Result<centre::Model, AdminError> {
    let name = CentreName::parse(name).map_err(|e| e.at("--name"))?;
    let municipality =
        MunicipalityNumber::parse(municipality).map_err(|e| e.at("--municipality"))?;
    let db = open_migrated(config).await?;
    Ok(identity::create_centre(&db, &name, &municipality, Utc::now()).await?)
}

pub async fn invite_staff(
    config: &Config,
    centre_id: Uuid,
    role: &str,
) -> Result<(InviteCode, invite::Model), AdminError> {
    let role: AccountRole = role.parse().map_err(|e: FieldError| e.at("--role"))?;
    if !role.is_staff() {
        return Err(FieldError::new(
            "--role",
            "one_of",
            "must be centre_admin, veileder or evaluator (participants are invited by a veileder in the app)",
        )
        .into());
    }
    let db = open_migrated(config).await?;
    if identity::find_centre(&db, centre_id).await?.is_none() {
        return Err(AdminError::NoSuchCentre(centre_id));
    }
    Ok(issue_invite(&db, centre_id, role, None, None, Utc::now()).await?)
}

/// `friskliv admin seed-demo`: migrates the configured database and seeds
/// it as of `now` (the command passes the current time; see [`friskliv_store::seed`]).
pub async fn seed_demo(
    config: &Config,
    options: &SeedOptions,
    now: DateTime<Utc>,
) -> Result<SeedSummary, AdminError> {
    options.validate()?;
    let db = open_migrated(config).await?;
    let summary = seed::seed_demo(&db, options, now).await?;
    db.close().await?;
    Ok(summary)
}

fn group_by(raw: &str) -> Result<Vec<friskliv_domain::outcome_tables::Dimension>, AdminError> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse().map_err(|m: String| {
                AdminError::Invalid(FieldError::new("--group-by", "one_of", m))
            })
        })
        .collect()
}

async fn operator_audit(
    db: &sea_orm::DatabaseConnection,
    action: &str,
    centre: Uuid,
    parameters: serde_json::Value,
) -> Result<(), AdminError> {
    friskliv_store::db::reports::audit_operator(db, action, centre, parameters, Utc::now()).await?;
    Ok(())
}

/// `friskliv admin outcome-tables`: the table as CSV.
pub async fn outcome_tables(
    config: &Config,
    centre: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    dims: &str,
) -> Result<(String, u64), AdminError> {
    let dims = group_by(dims)?;
    let db = open_migrated(config).await?;
    let Some(found) = identity::find_centre(&db, centre).await? else {
        return Err(AdminError::NoSuchCentre(centre));
    };
    operator_audit(
        &db,
        "outcome_tables",
        centre,
        serde_json::json!({"from": from, "to": to,
            "group_by": dims.iter().map(|d| d.as_str()).collect::<Vec<_>>(), "format": "csv"}),
    )
    .await?;
    let today = friskliv_store::clock::today(Utc::now());
    let (table, fingerprints) = friskliv_store::facts::outcome_table(
        &db,
        &std::collections::BTreeMap::from([(found.id, found.municipality_number)]),
        from,
        to,
        dims,
        today,
    )
    .await?;
    Ok((
        friskliv_store::facts::table_csv(&table),
        fingerprints.len() as u64,
    ))
}

/// `friskliv admin research-extract`: writes the file, returns its path and report.
pub async fn research_extract(
    config: &Config,
    centre: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    format: &str,
) -> Result<(std::path::PathBuf, friskliv_store::jobs::Report), AdminError> {
    let Some(format) = friskliv_store::jobs::ResearchFormat::parse(format) else {
        return Err(FieldError::new("--format", "one_of", "must be csv, json or fhir").into());
    };
    let db = open_migrated(config).await?;
    if identity::find_centre(&db, centre).await?.is_none() {
        return Err(AdminError::NoSuchCentre(centre));
    }
    operator_audit(
        &db,
        "research_extract",
        centre,
        serde_json::json!({"from": from, "to": to, "format": format.as_str()}),
    )
    .await?;
    let job = Uuid::now_v7();
    let request = friskliv_store::jobs::ResearchRequest {
        centre_id: centre,
        from,
        to,
        format,
    };
    let today = friskliv_store::clock::today(Utc::now());
    let report =
        friskliv_store::jobs::run_research(&db, &config.export_dir, job, &request, today).await?;
    Ok((
        friskliv_store::jobs::file_of(&config.export_dir, job, format),
        report,
    ))
}

/// `friskliv admin export-job`: the job as JSON and, with `copy_to`, its
/// file copied there.
pub async fn export_job(
    config: &Config,
    job_id: Uuid,
    copy_to: Option<&std::path::Path>,
) -> Result<serde_json::Value, AdminError> {
    use sea_orm::EntityTrait;
    let db = open_migrated(config).await?;
    let Some(job) = friskliv_store::db::entities::export_job::Entity::find_by_id(job_id)
        .one(&db)
        .await?
    else {
        return Err(AdminError::NoSuchJob(job_id));
    };
    let summary = serde_json::json!({
        "id": job.id, "status": job.status, "format": job.format,
        "centre_id": job.centre_id, "requested_by": job.requested_by,
        "parameters": serde_json::from_str::<serde_json::Value>(&job.parameters).unwrap_or_default(),
        "rows_written": job.rows_written,
        "report": job.report.as_deref().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()),
        "created_at": job.created_at, "finished_at": job.finished_at,
    });
    if let Some(target) = copy_to {
        if job.status != "done" {
            return Err(AdminError::NoFile(job.id, job.status));
        }
        let format = friskliv_store::jobs::ResearchFormat::parse(&job.format)
            .ok_or_else(|| anyhow::anyhow!("stored export format {:?}", job.format))?;
        operator_audit(
            &db,
            "research_download",
            job.centre_id,
            serde_json::json!({ "job": job.id }),
        )
        .await?;
        std::fs::copy(
            friskliv_store::jobs::file_of(&config.export_dir, job.id, format),
            target,
        )
        .map_err(|e| anyhow::anyhow!("copying the extract to {}: {e}", target.display()))?;
    }
    Ok(summary)
}

fn area_of(grant: &EvaluationGrant) -> Result<friskliv_domain::EvaluationArea, AdminError> {
    use friskliv_domain::EvaluationArea;
    let as_flag = |e: FieldError| FieldError::new(format!("--{}", e.field), e.rule, e.message);
    Ok(
        match (grant.municipality.as_deref(), grant.county.as_deref()) {
            (Some(m), None) => EvaluationArea::parse("municipality", m).map_err(as_flag)?,
            (None, Some(c)) => EvaluationArea::parse("county", c).map_err(as_flag)?,
            _ => {
                return Err(FieldError::new(
                    "--municipality",
                    "one_of",
                    "give exactly one of --municipality and --county",
                )
                .into());
            }
        },
    )
}

/// `friskliv admin grant-evaluation`; returns whether the grant is new.
pub async fn grant_evaluation(
    config: &Config,
    grant: &EvaluationGrant,
) -> Result<bool, AdminError> {
    let (account, area) = (grant.account, area_of(grant)?);
    let db = open_migrated(config).await?;
    let is_evaluator = identity::find_account(&db, account)
        .await?
        .is_some_and(|a| a.role == AccountRole::Evaluator.as_str());
    if !is_evaluator {
        return Err(AdminError::NoSuchEvaluator(account));
    }
    Ok(friskliv_store::db::reports::grant_area(&db, account, &area, Utc::now()).await?)
}

/// `friskliv admin revoke-evaluation`; returns whether a grant was removed.
pub async fn revoke_evaluation(
    config: &Config,
    grant: &EvaluationGrant,
) -> Result<bool, AdminError> {
    let (account, area) = (grant.account, area_of(grant)?);
    let db = open_migrated(config).await?;
    Ok(friskliv_store::db::reports::revoke_area(&db, account, &area).await?)
}

/// One line per staff account of a centre: id, role, name, granted areas.
pub async fn list_staff(config: &Config, centre: Uuid) -> Result<Vec<String>, AdminError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let db = open_migrated(config).await?;
    if identity::find_centre(&db, centre).await?.is_none() {
        return Err(AdminError::NoSuchCentre(centre));
    }
    let staff = friskliv_store::db::entities::account::Entity::find()
        .filter(friskliv_store::db::entities::account::Column::CentreId.eq(centre))
        .filter(friskliv_store::db::entities::account::Column::Role.is_in([
            AccountRole::CentreAdmin.as_str(),
            AccountRole::Veileder.as_str(),
            AccountRole::Evaluator.as_str(),
        ]))
        .order_by_asc(friskliv_store::db::entities::account::Column::CreatedAt)
        .all(&db)
        .await?;
    let mut lines = Vec::new();
    for a in staff {
        let areas = friskliv_store::db::reports::evaluation_areas(&db, a.id).await?;
        let areas: Vec<String> = areas
            .iter()
            .map(|g| format!("{} {}", g.kind(), g.code()))
            .collect();
        lines.push(format!(
            "{}\t{}\t{}\t{}",
            a.id,
            a.role,
            a.display_name,
            areas.join(", ")
        ));
    }
    Ok(lines)
}
