//! The `friskliv` command: `serve` (default), `migrate`, `openapi`, and the
//! `admin` subcommands that bootstrap a centre before anyone can sign in.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use friskliv_domain::{AccountRole, CentreName, FieldError, InviteCode, MunicipalityNumber};
use uuid::Uuid;

use crate::config::Config;
use friskliv_store::jobs::{Report, ResearchFormat};
use friskliv_store::operator::{self, CentreCreated, StaffInvite};
use friskliv_store::seed::{SeedError, SeedOptions, SeedSummary};
use friskliv_store::{Clock, Refusal, Settings, Store};

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

impl From<friskliv_store::Error> for AdminError {
    fn from(err: friskliv_store::Error) -> Self {
        match err {
            friskliv_store::Error::Refused(Refusal::Invalid(mut errors)) if !errors.is_empty() => {
                AdminError::Invalid(errors.remove(0))
            }
            friskliv_store::Error::Db(err) => AdminError::Other(err.into()),
            friskliv_store::Error::Internal(cause) => AdminError::Other(anyhow::anyhow!(cause)),
            refused => AdminError::Other(refused.into()),
        }
    }
}

/// A use case's "not found" as the command's own error.
fn missing(err: friskliv_store::Error, as_missing: AdminError) -> AdminError {
    match err {
        friskliv_store::Error::Refused(Refusal::NotFound(_)) => as_missing,
        other => other.into(),
    }
}

/// The store over the configured database, migrated, with `clock`.
async fn open_migrated(config: &Config, clock: Clock) -> Result<Store, AdminError> {
    let settings = Settings {
        export_dir: config.export_dir.clone(),
        export_retention: config.export_retention,
    };
    Ok(operator::open_migrated(&config.db_settings(), clock, settings).await?)
}

pub async fn create_centre(
    config: &Config,
    name: &str,
    municipality: &str,
) -> Result<CentreCreated, AdminError> {
    let name = CentreName::parse(name).map_err(|e| e.at("--name"))?;
    let municipality =
        MunicipalityNumber::parse(municipality).map_err(|e| e.at("--municipality"))?;
    let store = open_migrated(config, Clock::System).await?;
    Ok(store.create_centre(&name, &municipality).await?)
}

pub async fn invite_staff(
    config: &Config,
    centre_id: Uuid,
    role: &str,
) -> Result<(InviteCode, StaffInvite), AdminError> {
    let role: AccountRole = role.parse().map_err(|e: FieldError| e.at("--role"))?;
    if !role.is_staff() {
        return Err(FieldError::new(
            "--role",
            "one_of",
            "must be centre_admin, veileder or evaluator (participants are invited by a veileder in the app)",
        )
        .into());
    }
    let store = open_migrated(config, Clock::System).await?;
    store
        .invite_staff(centre_id, role)
        .await
        .map_err(|e| missing(e, AdminError::NoSuchCentre(centre_id)))
}

/// `friskliv admin seed-demo`: migrates the configured database and seeds
/// it as of `now` (the command passes the current time; see [`friskliv_store::seed`]).
pub async fn seed_demo(
    config: &Config,
    options: &SeedOptions,
    now: DateTime<Utc>,
) -> Result<SeedSummary, AdminError> {
    options.validate()?;
    let store = open_migrated(config, Clock::Fixed(now)).await?;
    let summary = store.seed_demo(options).await.map_err(|e| {
        missing(
            e,
            AdminError::NoSuchCentre(options.centre.unwrap_or_default()),
        )
    })?;
    store.close().await?;
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

/// `friskliv admin outcome-tables`: the table as CSV.
pub async fn outcome_tables(
    config: &Config,
    centre: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    dims: &str,
) -> Result<(String, u64), AdminError> {
    let dims = group_by(dims)?;
    let store = open_migrated(config, Clock::System).await?;
    store
        .operator_outcome_tables(centre, from, to, dims)
        .await
        .map_err(|e| missing(e, AdminError::NoSuchCentre(centre)))
}

/// `friskliv admin research-extract`: writes the file, returns its path and report.
pub async fn research_extract(
    config: &Config,
    centre: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    format: &str,
) -> Result<(std::path::PathBuf, Report), AdminError> {
    let Some(format) = ResearchFormat::parse(format) else {
        return Err(FieldError::new("--format", "one_of", "must be csv, json or fhir").into());
    };
    let store = open_migrated(config, Clock::System).await?;
    store
        .operator_research_extract(centre, from, to, format)
        .await
        .map_err(|e| missing(e, AdminError::NoSuchCentre(centre)))
}

/// `friskliv admin export-job`: the job as JSON and, with `copy_to`, its
/// file copied there.
pub async fn export_job(
    config: &Config,
    job_id: Uuid,
    copy_to: Option<&std::path::Path>,
) -> Result<serde_json::Value, AdminError> {
    let store = open_migrated(config, Clock::System).await?;
    store
        .operator_export_job(job_id, copy_to)
        .await
        .map_err(|err| match err {
            friskliv_store::Error::Refused(Refusal::NotFound(_)) => AdminError::NoSuchJob(job_id),
            friskliv_store::Error::Refused(Refusal::Conflict { current, .. }) => {
                AdminError::NoFile(job_id, current.as_str().unwrap_or_default().to_owned())
            }
            other => other.into(),
        })
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
    let store = open_migrated(config, Clock::System).await?;
    store
        .grant_evaluation(account, &area)
        .await
        .map_err(|e| missing(e, AdminError::NoSuchEvaluator(account)))
}

/// `friskliv admin revoke-evaluation`; returns whether a grant was removed.
pub async fn revoke_evaluation(
    config: &Config,
    grant: &EvaluationGrant,
) -> Result<bool, AdminError> {
    let (account, area) = (grant.account, area_of(grant)?);
    let store = open_migrated(config, Clock::System).await?;
    Ok(store.revoke_evaluation(account, &area).await?)
}

/// One line per staff account of a centre: id, role, name, granted areas.
pub async fn list_staff(config: &Config, centre: Uuid) -> Result<Vec<String>, AdminError> {
    let store = open_migrated(config, Clock::System).await?;
    let staff = store
        .list_staff(centre)
        .await
        .map_err(|e| missing(e, AdminError::NoSuchCentre(centre)))?;
    Ok(staff
        .into_iter()
        .map(|a| {
            let areas: Vec<String> = a
                .areas
                .iter()
                .map(|g| format!("{} {}", g.kind(), g.code()))
                .collect();
            format!(
                "{}\t{}\t{}\t{}",
                a.id,
                a.role,
                a.display_name,
                areas.join(", ")
            )
        })
        .collect())
}
