//! Consent to share with a centre, the access log of staff reads, guardian
//! links, and the few participant attributes sharing needs (birth month for
//! the guardian rule, the epikrise objection).

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
enum Invites {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParticipantProfiles {
    Table,
    AccountId,
    BirthYear,
    BirthMonth,
    EpikriseObjection,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GuardianLinks {
    Table,
    GuardianAccountId,
    ChildAccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InviteDetails {
    Table,
    InviteId,
    BirthYear,
    BirthMonth,
    GuardianForAccountId,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    ParticipantId,
    CentreId,
    Scope,
    Method,
    GrantedAt,
    GrantedByAccountId,
    WithdrawnAt,
    WithdrawnByAccountId,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    ParticipantId,
    CentreId,
    ActorAccountId,
    ActorRole,
    Action,
    Resource,
    ConsentId,
    Allowed,
    At,
}

fn account_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Accounts::Table, Accounts::Id)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParticipantProfiles::Table)
                    .col(pk_uuid(ParticipantProfiles::AccountId))
                    .col(integer_null(ParticipantProfiles::BirthYear))
                    .col(integer_null(ParticipantProfiles::BirthMonth))
                    .col(boolean(ParticipantProfiles::EpikriseObjection).default(false))
                    .col(timestamp_with_time_zone(ParticipantProfiles::UpdatedAt))
                    .foreign_key(&mut account_fk(
                        ParticipantProfiles::Table,
                        ParticipantProfiles::AccountId,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GuardianLinks::Table)
                    .col(uuid(GuardianLinks::GuardianAccountId))
                    .col(uuid(GuardianLinks::ChildAccountId))
                    .col(timestamp_with_time_zone(GuardianLinks::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(GuardianLinks::GuardianAccountId)
                            .col(GuardianLinks::ChildAccountId),
                    )
                    .foreign_key(&mut account_fk(
                        GuardianLinks::Table,
                        GuardianLinks::GuardianAccountId,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut account_fk(
                        GuardianLinks::Table,
                        GuardianLinks::ChildAccountId,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_guardian_links_child")
                    .table(GuardianLinks::Table)
                    .col(GuardianLinks::ChildAccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InviteDetails::Table)
                    .col(pk_uuid(InviteDetails::InviteId))
                    .col(integer_null(InviteDetails::BirthYear))
                    .col(integer_null(InviteDetails::BirthMonth))
                    .col(uuid_null(InviteDetails::GuardianForAccountId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InviteDetails::Table, InviteDetails::InviteId)
                            .to(Invites::Table, Invites::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut account_fk(
                        InviteDetails::Table,
                        InviteDetails::GuardianForAccountId,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(pk_uuid(Consents::Id))
                    .col(uuid(Consents::ParticipantId))
                    .col(uuid(Consents::CentreId))
                    .col(string_len(Consents::Scope, 20))
                    .col(string_len(Consents::Method, 20))
                    .col(timestamp_with_time_zone(Consents::GrantedAt))
                    .col(uuid_null(Consents::GrantedByAccountId))
                    .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                    .col(uuid_null(Consents::WithdrawnByAccountId))
                    .foreign_key(&mut account_fk(
                        Consents::Table,
                        Consents::ParticipantId,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Consents::Table, Consents::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut account_fk(
                        Consents::Table,
                        Consents::GrantedByAccountId,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut account_fk(
                        Consents::Table,
                        Consents::WithdrawnByAccountId,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consents_participant_centre_scope")
                    .table(Consents::Table)
                    .col(Consents::ParticipantId)
                    .col(Consents::CentreId)
                    .col(Consents::Scope)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consents_centre")
                    .table(Consents::Table)
                    .col(Consents::CentreId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(pk_uuid(AccessLog::Id))
                    .col(uuid(AccessLog::ParticipantId))
                    .col(uuid_null(AccessLog::CentreId))
                    .col(uuid_null(AccessLog::ActorAccountId))
                    .col(string_len(AccessLog::ActorRole, 20))
                    .col(string_len(AccessLog::Action, 40))
                    .col(string_len(AccessLog::Resource, 200))
                    .col(uuid_null(AccessLog::ConsentId))
                    .col(boolean(AccessLog::Allowed))
                    .col(timestamp_with_time_zone(AccessLog::At))
                    .foreign_key(&mut account_fk(
                        AccessLog::Table,
                        AccessLog::ParticipantId,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessLog::Table, AccessLog::CentreId)
                            .to(Centres::Table, Centres::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(&mut account_fk(
                        AccessLog::Table,
                        AccessLog::ActorAccountId,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessLog::Table, AccessLog::ConsentId)
                            .to(Consents::Table, Consents::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_access_log_participant_at")
                    .table(AccessLog::Table)
                    .col(AccessLog::ParticipantId)
                    .col(AccessLog::At)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccessLog::Table.into_iden(),
            Consents::Table.into_iden(),
            InviteDetails::Table.into_iden(),
            GuardianLinks::Table.into_iden(),
            ParticipantProfiles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
