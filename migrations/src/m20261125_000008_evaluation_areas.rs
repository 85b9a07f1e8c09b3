//! Evaluators granted a whole municipality or county (beyond their own
//! centre): the operator grants them with `friskliv admin grant-evaluation`.
//! One row per (evaluator, area); revoking deletes the row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EvaluationAreas {
    Table,
    Id,
    AccountId,
    Kind,
    Code,
    GrantedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EvaluationAreas::Table)
                    .col(pk_uuid(EvaluationAreas::Id))
                    .col(uuid(EvaluationAreas::AccountId))
                    .col(string_len(EvaluationAreas::Kind, 20))
                    .col(string_len(EvaluationAreas::Code, 4))
                    .col(timestamp_with_time_zone(EvaluationAreas::GrantedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationAreas::Table, EvaluationAreas::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evaluation_areas_one_grant")
                    .table(EvaluationAreas::Table)
                    .col(EvaluationAreas::AccountId)
                    .col(EvaluationAreas::Kind)
                    .col(EvaluationAreas::Code)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EvaluationAreas::Table).to_owned())
            .await
    }
}
