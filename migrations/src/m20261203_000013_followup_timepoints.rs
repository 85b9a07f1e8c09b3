//! Follow-up at 6 and 12 months (issue 13): the assessments' timepoint
//! column grows to hold `followup_6m` / `followup_12m` (PostgreSQL enforces
//! the old 10 characters; SQLite does not), and every stored `followup`
//! becomes the nearer of the two, counted from its period's end (or planned
//! end): 274 days (9 months) or more is the 12-month one, as
//! `friskliv_domain::assessment::FOLLOWUP_12M_FROM_DAYS` decides for new
//! ones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let days_after_end = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE assessments ALTER COLUMN timepoint TYPE varchar(20)",
                )
                .await?;
                "assessed_on - p.period_end"
            }
            _ => "julianday(assessed_on) - julianday(p.period_end)",
        };
        db.execute_unprepared(&format!(
            "UPDATE assessments SET timepoint = CASE \
               WHEN (SELECT {days_after_end} FROM \
                       (SELECT COALESCE(ended_on, planned_end) AS period_end FROM periods \
                        WHERE periods.id = assessments.period_id) AS p) >= 274 \
               THEN 'followup_12m' ELSE 'followup_6m' END \
             WHERE timepoint = 'followup'"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE assessments SET timepoint = 'followup' \
                 WHERE timepoint IN ('followup_6m', 'followup_12m')",
            )
            .await?;
        Ok(())
    }
}
