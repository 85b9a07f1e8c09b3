//! The Friskliv schema. One file per migration, applied in order at start-up
//! (and by `friskliv migrate`). Foreign keys are declared when a table is
//! created because SQLite cannot add them afterwards.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_identity;
mod m20261124_000002_diaries;
mod m20261124_000003_sharing;
mod m20261124_000004_one_active_consent;
mod m20261125_000005_journey;
mod m20261125_000006_export_audit;
mod m20261125_000007_export_jobs;
mod m20261125_000008_evaluation_areas;
mod m20261203_000009_privacy_review;
mod m20261203_000011_staff_resources;
mod m20261203_000012_epikrise;
mod m20261203_000013_followup_timepoints;
mod m20261204_000014_reminders;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_identity::Migration),
            Box::new(m20261124_000002_diaries::Migration),
            Box::new(m20261124_000003_sharing::Migration),
            Box::new(m20261124_000004_one_active_consent::Migration),
            Box::new(m20261125_000005_journey::Migration),
            Box::new(m20261125_000006_export_audit::Migration),
            Box::new(m20261125_000007_export_jobs::Migration),
            Box::new(m20261125_000008_evaluation_areas::Migration),
            Box::new(m20261203_000009_privacy_review::Migration),
            Box::new(m20261203_000011_staff_resources::Migration),
            Box::new(m20261203_000012_epikrise::Migration),
            Box::new(m20261203_000013_followup_timepoints::Migration),
            Box::new(m20261204_000014_reminders::Migration),
        ]
    }
}
