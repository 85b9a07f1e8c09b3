//! Push reminders (issue 15): a participant's devices with their FCM
//! tokens, their reminder settings, the durable schedule (each reminder's
//! next due instant in UTC) and the sends, whose (account, kind, local date)
//! key lets a reminder go out once however many instances or retries try.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    AccountId,
    Platform,
    PushToken,
    AppVersion,
    Locale,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderSettings {
    Table,
    AccountId,
    Settings,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderSchedule {
    Table,
    Id,
    AccountId,
    Kind,
    DueAt,
    LocalDate,
}

#[derive(DeriveIden)]
enum ReminderSends {
    Table,
    Id,
    AccountId,
    Kind,
    LocalDate,
    DueAt,
    Status,
    Reason,
    ClaimedAt,
    FinishedAt,
}

fn account_fk<T: IntoIden + 'static, C: IntoIden + 'static>(
    table: T,
    col: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Accounts::Table, Accounts::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(pk_uuid(Devices::Id))
                    .col(uuid(Devices::AccountId))
                    .col(string_len(Devices::Platform, 16))
                    .col(string_len(Devices::PushToken, 4096))
                    .col(string_len_null(Devices::AppVersion, 40))
                    .col(string_len_null(Devices::Locale, 35))
                    .col(timestamp_with_time_zone(Devices::CreatedAt))
                    .col(timestamp_with_time_zone(Devices::UpdatedAt))
                    .foreign_key(&mut account_fk(Devices::Table, Devices::AccountId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("devices_one_account_per_token")
                    .table(Devices::Table)
                    .col(Devices::PushToken)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("devices_by_account")
                    .table(Devices::Table)
                    .col(Devices::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderSettings::Table)
                    .col(pk_uuid(ReminderSettings::AccountId))
                    .col(text(ReminderSettings::Settings))
                    .col(timestamp_with_time_zone(ReminderSettings::UpdatedAt))
                    .foreign_key(&mut account_fk(
                        ReminderSettings::Table,
                        ReminderSettings::AccountId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderSchedule::Table)
                    .col(pk_uuid(ReminderSchedule::Id))
                    .col(uuid(ReminderSchedule::AccountId))
                    .col(string_len(ReminderSchedule::Kind, 20))
                    .col(timestamp_with_time_zone(ReminderSchedule::DueAt))
                    .col(date(ReminderSchedule::LocalDate))
                    .foreign_key(&mut account_fk(
                        ReminderSchedule::Table,
                        ReminderSchedule::AccountId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reminder_schedule_one_per_kind")
                    .table(ReminderSchedule::Table)
                    .col(ReminderSchedule::AccountId)
                    .col(ReminderSchedule::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reminder_schedule_by_due")
                    .table(ReminderSchedule::Table)
                    .col(ReminderSchedule::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderSends::Table)
                    .col(pk_uuid(ReminderSends::Id))
                    .col(uuid(ReminderSends::AccountId))
                    .col(string_len(ReminderSends::Kind, 20))
                    .col(date(ReminderSends::LocalDate))
                    .col(timestamp_with_time_zone(ReminderSends::DueAt))
                    .col(string_len(ReminderSends::Status, 16))
                    .col(string_len_null(ReminderSends::Reason, 40))
                    .col(timestamp_with_time_zone(ReminderSends::ClaimedAt))
                    .col(timestamp_with_time_zone_null(ReminderSends::FinishedAt))
                    .foreign_key(&mut account_fk(
                        ReminderSends::Table,
                        ReminderSends::AccountId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reminder_sends_once_per_day")
                    .table(ReminderSends::Table)
                    .col(ReminderSends::AccountId)
                    .col(ReminderSends::Kind)
                    .col(ReminderSends::LocalDate)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reminder_sends_by_status")
                    .table(ReminderSends::Table)
                    .col(ReminderSends::Status)
                    .col(ReminderSends::ClaimedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReminderSends::Table.into_iden(),
            ReminderSchedule::Table.into_iden(),
            ReminderSettings::Table.into_iden(),
            Devices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
