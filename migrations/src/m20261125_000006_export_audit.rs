//! The audit trail of anonymised exports and reports: who asked for what,
//! with which parameters. (Reads of one participant's data are in
//! `access_log`; exports name no participant.)

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
enum ExportAudit {
    Table,
    Id,
    ActorAccountId,
    ActorRole,
    Action,
    CentreId,
    Parameters,
    Allowed,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExportAudit::Table)
                    .col(pk_uuid(ExportAudit::Id))
                    .col(uuid_null(ExportAudit::ActorAccountId))
                    .col(string_len(ExportAudit::ActorRole, 20))
                    .col(string_len(ExportAudit::Action, 40))
                    .col(uuid_null(ExportAudit::CentreId))
                    .col(text(ExportAudit::Parameters))
                    .col(boolean(ExportAudit::Allowed))
                    .col(timestamp_with_time_zone(ExportAudit::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExportAudit::Table, ExportAudit::ActorAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExportAudit::Table, ExportAudit::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_export_audit_centre_at")
                    .table(ExportAudit::Table)
                    .col(ExportAudit::CentreId)
                    .col(ExportAudit::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExportAudit::Table).to_owned())
            .await
    }
}
