//! Staff resources per centre, year and profession (SSB form 5-2-4: hours
//! per week, "timeverk"), recorded by the centre admin and reported in the
//! KOSTRA report. One row per (centre, year, profession); a year's list is
//! replaced as a whole.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Centres {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffResources {
    Table,
    Id,
    CentreId,
    Year,
    Profession,
    HoursPerWeek,
    Specified,
    RecordedBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffResources::Table)
                    .col(pk_uuid(StaffResources::Id))
                    .col(uuid(StaffResources::CentreId))
                    .col(integer(StaffResources::Year))
                    .col(string_len(StaffResources::Profession, 40))
                    .col(double(StaffResources::HoursPerWeek))
                    .col(string_len_null(StaffResources::Specified, 200))
                    .col(uuid_null(StaffResources::RecordedBy))
                    .col(timestamp_with_time_zone(StaffResources::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffResources::Table, StaffResources::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffResources::Table, StaffResources::RecordedBy)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("staff_resources_one_per_profession")
                    .table(StaffResources::Table)
                    .col(StaffResources::CentreId)
                    .col(StaffResources::Year)
                    .col(StaffResources::Profession)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffResources::Table).to_owned())
            .await
    }
}
