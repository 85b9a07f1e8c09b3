//! Research extract jobs: requested, run in the background, downloaded.
//! The file lives in the export folder; the row says who asked for what
//! and what the job dropped to keep participants anonymous.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Centres {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ExportJobs {
    Table,
    Id,
    RequestedBy,
    CentreId,
    Format,
    Parameters,
    Status,
    RowsWritten,
    Report,
    Error,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExportJobs::Table)
                    .col(pk_uuid(ExportJobs::Id))
                    .col(uuid_null(ExportJobs::RequestedBy))
                    .col(uuid(ExportJobs::CentreId))
                    .col(string_len(ExportJobs::Format, 10))
                    .col(text(ExportJobs::Parameters))
                    .col(string_len(ExportJobs::Status, 20))
                    .col(big_integer(ExportJobs::RowsWritten).default(0))
                    .col(text_null(ExportJobs::Report))
                    .col(text_null(ExportJobs::Error))
                    .col(timestamp_with_time_zone(ExportJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(ExportJobs::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExportJobs::Table, ExportJobs::RequestedBy)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExportJobs::Table, ExportJobs::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExportJobs::Table).to_owned())
            .await
    }
}
