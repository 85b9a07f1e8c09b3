//! Feedback to the GP and the referrer (issue 13): the participant's
//! fastlege on their profile, the referrer's name on the referral, and the
//! epikrise (or a self-referral's message to the GP) per period and kind,
//! with every sending recorded. New columns are nullable and without
//! foreign keys, one per statement, because SQLite can add no other kind;
//! the new tables declare their keys at creation.

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
enum Periods {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParticipantProfiles {
    Table,
    GpName,
    GpHprNumber,
    GpPractice,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    ReferrerName,
    ReferrerOrganisation,
}

#[derive(DeriveIden)]
enum Epikrises {
    Table,
    Id,
    PeriodId,
    ParticipantId,
    CentreId,
    Kind,
    Status,
    Assessment,
    Document,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EpikriseSendings {
    Table,
    Id,
    EpikriseId,
    RecipientKind,
    RecipientName,
    Channel,
    SentOn,
    SentBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(ParticipantProfiles::GpName, 200),
            string_len_null(ParticipantProfiles::GpHprNumber, 9),
            string_len_null(ParticipantProfiles::GpPractice, 200),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ParticipantProfiles::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            string_len_null(Referrals::ReferrerName, 200),
            string_len_null(Referrals::ReferrerOrganisation, 200),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Referrals::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Epikrises::Table)
                    .col(pk_uuid(Epikrises::Id))
                    .col(uuid(Epikrises::PeriodId))
                    .col(uuid(Epikrises::ParticipantId))
                    .col(uuid(Epikrises::CentreId))
                    .col(string_len(Epikrises::Kind, 20))
                    .col(string_len(Epikrises::Status, 10))
                    .col(text_null(Epikrises::Assessment))
                    .col(text(Epikrises::Document))
                    .col(uuid_null(Epikrises::CreatedBy))
                    .col(timestamp_with_time_zone(Epikrises::CreatedAt))
                    .col(timestamp_with_time_zone(Epikrises::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Epikrises::Table, Epikrises::PeriodId)
                            .to(Periods::Table, Periods::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Epikrises::Table, Epikrises::ParticipantId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Epikrises::Table, Epikrises::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Epikrises::Table, Epikrises::CreatedBy)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One document of each kind per period: redrafting replaces it.
        manager
            .create_index(
                Index::create()
                    .name("epikrises_one_per_period_and_kind")
                    .table(Epikrises::Table)
                    .col(Epikrises::PeriodId)
                    .col(Epikrises::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("epikrises_by_centre")
                    .table(Epikrises::Table)
                    .col(Epikrises::CentreId)
                    .col(Epikrises::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EpikriseSendings::Table)
                    .col(pk_uuid(EpikriseSendings::Id))
                    .col(uuid(EpikriseSendings::EpikriseId))
                    .col(string_len(EpikriseSendings::RecipientKind, 20))
                    .col(string_len(EpikriseSendings::RecipientName, 200))
                    .col(string_len(EpikriseSendings::Channel, 20))
                    .col(date(EpikriseSendings::SentOn))
                    .col(uuid_null(EpikriseSendings::SentBy))
                    .col(timestamp_with_time_zone(EpikriseSendings::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EpikriseSendings::Table, EpikriseSendings::EpikriseId)
                            .to(Epikrises::Table, Epikrises::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EpikriseSendings::Table, EpikriseSendings::SentBy)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("epikrise_sendings_by_epikrise")
                    .table(EpikriseSendings::Table)
                    .col(EpikriseSendings::EpikriseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EpikriseSendings::Table.into_iden(),
            Epikrises::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Referrals::ReferrerName.into_iden(),
            Referrals::ReferrerOrganisation.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Referrals::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            ParticipantProfiles::GpName.into_iden(),
            ParticipantProfiles::GpHprNumber.into_iden(),
            ParticipantProfiles::GpPractice.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ParticipantProfiles::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
