//! What the privacy review needed from the schema (issue 11):
//! - `goals.centre_id`: journey records belong to the centre that made
//!   them, and a goal had no centre. Existing goals take their period's
//!   centre, else their staff author's, else the participant's.
//! - `oral_consents`: oral consent recorded by one staff member waits for a
//!   second staff member's (or the participant's own) confirmation before
//!   it becomes a consent.
//! - `account_audit`: security events on an account (recovery invites
//!   issued and redeemed, sessions revoked), kept apart from the access log
//!   of reads.
//! - `table_releases`: what each requester was given of the outcome tables
//!   (year, centres, breakdown, a fingerprint per period), so a later table cannot be
//!   differenced against an earlier one to single out fewer than 5 people.

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
enum Consents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    CentreId,
    ParticipantId,
}

#[derive(DeriveIden)]
enum OralConsents {
    Table,
    Id,
    ParticipantId,
    CentreId,
    Scope,
    RecordedBy,
    RecordedAt,
    ConfirmationBy,
    ExpiresAt,
    Status,
    DecidedBy,
    DecidedAt,
    ConsentId,
}

#[derive(DeriveIden)]
enum AccountAudit {
    Table,
    Id,
    AccountId,
    ActorAccountId,
    Action,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum TableReleases {
    Table,
    Id,
    AccountId,
    Year,
    Centres,
    GroupBy,
    Periods,
    Fingerprints,
    CreatedAt,
}

fn fk(
    from_table: impl IntoIden + 'static,
    from_col: impl IntoIden + 'static,
    to_table: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite can add a column that references another table (not a
        // constraint on existing columns), so the key is declared here too.
        manager
            .alter_table(
                Table::alter()
                    .table(Goals::Table)
                    .add_column(
                        ColumnDef::new(Goals::CentreId)
                            .uuid()
                            .null()
                            .extra("REFERENCES centres (id) ON DELETE CASCADE"),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE goals SET centre_id = \
             (SELECT p.centre_id FROM periods p WHERE p.id = goals.period_id) \
             WHERE period_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE goals SET centre_id = \
             (SELECT a.centre_id FROM accounts a WHERE a.id = goals.created_by) \
             WHERE centre_id IS NULL AND created_by IS NOT NULL AND created_by_participant = false",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE goals SET centre_id = \
             (SELECT a.centre_id FROM accounts a WHERE a.id = goals.participant_id) \
             WHERE centre_id IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_goals_participant_centre")
                    .table(Goals::Table)
                    .col(Goals::ParticipantId)
                    .col(Goals::CentreId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OralConsents::Table)
                    .col(pk_uuid(OralConsents::Id))
                    .col(uuid(OralConsents::ParticipantId))
                    .col(uuid(OralConsents::CentreId))
                    .col(string_len(OralConsents::Scope, 20))
                    .col(uuid_null(OralConsents::RecordedBy))
                    .col(timestamp_with_time_zone(OralConsents::RecordedAt))
                    // `staff` (a second staff member) or `participant` (only
                    // the participant, in the app: after a recent withdrawal).
                    .col(string_len(OralConsents::ConfirmationBy, 20))
                    .col(timestamp_with_time_zone(OralConsents::ExpiresAt))
                    // `pending`, `confirmed` or `declined`.
                    .col(string_len(OralConsents::Status, 20))
                    .col(uuid_null(OralConsents::DecidedBy))
                    .col(timestamp_with_time_zone_null(OralConsents::DecidedAt))
                    .col(uuid_null(OralConsents::ConsentId))
                    .foreign_key(&mut fk(
                        OralConsents::Table,
                        OralConsents::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        OralConsents::Table,
                        OralConsents::CentreId,
                        Centres::Table,
                        Centres::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        OralConsents::Table,
                        OralConsents::RecordedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        OralConsents::Table,
                        OralConsents::DecidedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        OralConsents::Table,
                        OralConsents::ConsentId,
                        Consents::Table,
                        Consents::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oral_consents_participant")
                    .table(OralConsents::Table)
                    .col(OralConsents::ParticipantId)
                    .col(OralConsents::CentreId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oral_consents_consent")
                    .table(OralConsents::Table)
                    .col(OralConsents::ConsentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountAudit::Table)
                    .col(pk_uuid(AccountAudit::Id))
                    .col(uuid(AccountAudit::AccountId))
                    .col(uuid_null(AccountAudit::ActorAccountId))
                    .col(string_len(AccountAudit::Action, 40))
                    .col(text(AccountAudit::Detail))
                    .col(timestamp_with_time_zone(AccountAudit::At))
                    .foreign_key(&mut fk(
                        AccountAudit::Table,
                        AccountAudit::AccountId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        AccountAudit::Table,
                        AccountAudit::ActorAccountId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_audit_account")
                    .table(AccountAudit::Table)
                    .col(AccountAudit::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TableReleases::Table)
                    .col(pk_uuid(TableReleases::Id))
                    .col(uuid(TableReleases::AccountId))
                    .col(integer(TableReleases::Year))
                    // The centre ids, sorted, comma separated.
                    .col(text(TableReleases::Centres))
                    // The dimensions, comma separated.
                    .col(text(TableReleases::GroupBy))
                    .col(integer(TableReleases::Periods))
                    // 16 bytes a period, sorted: 8 of the period's id hash,
                    // 8 of the hash of everything the table counted of it.
                    .col(blob(TableReleases::Fingerprints))
                    .col(timestamp_with_time_zone(TableReleases::CreatedAt))
                    .foreign_key(&mut fk(
                        TableReleases::Table,
                        TableReleases::AccountId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_table_releases_account_year")
                    .table(TableReleases::Table)
                    .col(TableReleases::AccountId)
                    .col(TableReleases::Year)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TableReleases::Table.into_iden(),
            AccountAudit::Table.into_iden(),
            OralConsents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(Index::drop().name("ix_goals_participant_centre").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Goals::Table)
                    .drop_column(Goals::CentreId)
                    .to_owned(),
            )
            .await
    }
}
