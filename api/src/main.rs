use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use friskliv_api::cli::{AdminCommand, AdminError, Cli, Command};
use friskliv_api::startup::{DOCS_PATH, SPEC_PATH, shutdown_signal};
use friskliv_api::{Application, Config, cli, openapi_json, telemetry};
use friskliv_store::seed::SeedOptions;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Cli::parse();
    telemetry::init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let outcome = match args.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Openapi => {
            print!("{}", openapi_json());
            Ok(())
        }
        Command::Admin(admin) => return run_admin(config, admin).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let database = redacted_database(&config.database_url);
    let app = Application::build(config).await?;
    let addr = app.local_addr();
    println!("Friskliv API listening on http://{addr}");
    println!("API docs:  http://{addr}{DOCS_PATH}  (spec: http://{addr}{SPEC_PATH})");
    println!("Database:  {database}");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    friskliv_store::operator::migrate(&config.db_settings())
        .await
        .map_err(|err| match err {
            friskliv_store::Error::Db(db) => anyhow::Error::from(db),
            other => other.into(),
        })?;
    println!(
        "Migrations applied to {}",
        redacted_database(&config.database_url)
    );
    Ok(())
}

async fn run_admin(config: Config, command: AdminCommand) -> ExitCode {
    let result = match command {
        AdminCommand::CreateCentre { name, municipality } => {
            cli::create_centre(&config, &name, &municipality)
                .await
                .map(|centre| {
                    println!(
                        "Created centre \"{}\" (municipality {})",
                        centre.name, centre.municipality_number
                    );
                    println!("centre_id: {}", centre.id);
                    println!(
                        "Next: friskliv admin invite-staff --centre {} --role centre_admin",
                        centre.id
                    );
                })
        }
        AdminCommand::InviteStaff { centre, role } => cli::invite_staff(&config, centre, &role)
            .await
            .map(|(code, invite)| {
                println!(
                    "One-time {} invite for centre {}",
                    invite.role, invite.centre_id
                );
                println!("code: {}", code.display_grouped());
                println!("expires_at: {}", invite.expires_at.to_rfc3339());
                println!("Give the code to the person; it works once and is not shown again.");
            }),
        AdminCommand::SeedDemo {
            participants,
            weeks,
            seed,
            centre,
        } => {
            let options = SeedOptions {
                participants,
                weeks,
                seed,
                centre,
            };
            match options.validate() {
                Err(err) => Err(AdminError::Invalid(err)),
                Ok(()) => {
                    println!(
                        "Seeding {participants} participants with {weeks} weeks of diaries (seed {seed}) into {}",
                        redacted_database(&config.database_url)
                    );
                    cli::seed_demo(&config, &options, Utc::now())
                        .await
                        .map(|summary| println!("{summary}"))
                }
            }
        }
        AdminCommand::OutcomeTables {
            centre,
            from,
            to,
            group_by,
        } => cli::outcome_tables(&config, centre, from, to, &group_by)
            .await
            .map(|(csv, periods)| {
                print!("{csv}");
                eprintln!("{periods} periods read");
            }),
        AdminCommand::ListStaff { centre } => cli::list_staff(&config, centre).await.map(|lines| {
            println!("account\trole\tname\tgranted areas");
            for line in lines {
                println!("{line}");
            }
        }),
        AdminCommand::GrantEvaluation(grant) => {
            cli::grant_evaluation(&config, &grant).await.map(|new| {
                println!(
                    "{}",
                    if new {
                        "Granted."
                    } else {
                        "Already granted; nothing changed."
                    }
                )
            })
        }
        AdminCommand::RevokeEvaluation(grant) => {
            cli::revoke_evaluation(&config, &grant)
                .await
                .map(|removed| {
                    println!(
                        "{}",
                        if removed {
                            "Revoked."
                        } else {
                            "No such grant; nothing changed."
                        }
                    )
                })
        }
        AdminCommand::ResearchExtract {
            centre,
            from,
            to,
            format,
        } => cli::research_extract(&config, centre, from, to, &format)
            .await
            .map(|(path, report)| {
                println!("file: {}", path.display());
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            }),
        AdminCommand::ExportJob { job, copy_to } => {
            cli::export_job(&config, job, copy_to.as_deref())
                .await
                .map(|summary| {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&summary).unwrap_or_default()
                    );
                    if let Some(target) = &copy_to {
                        println!("copied to {}", target.display());
                    }
                })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(AdminError::Invalid(err)) => {
            eprintln!("error: {}: {} ({})", err.field, err.message, err.rule);
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The database URL without a password, for printing.
fn redacted_database(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
