//! The journey (DOMAIN.md §2) and assessments (§4): referrals with their
//! triage, follow-up periods, health conversations, goals, courses, and
//! pre/post assessments; plus the participant attributes the indicators need,
//! added to `participant_profiles` one column per statement (SQLite alters
//! one column at a time).

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
enum ParticipantProfiles {
    Table,
    Sex,
    HeightCm,
    Municipality,
    Education,
    WorkSchool,
    PreferredLanguage,
    InterpreterNeeded,
    OtherLanguageBackground,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    ParticipantId,
    CentreId,
    ReferrerType,
    Reasons,
    ReferredOn,
    TriageOutcome,
    TriageDecidedOn,
    RedirectedTo,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Periods {
    Table,
    Id,
    ParticipantId,
    CentreId,
    Seq,
    ReferralId,
    StartDate,
    PlannedEnd,
    Status,
    PausedSince,
    PausedDays,
    EndedOn,
    DiscontinueReason,
    OnwardOffers,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    PeriodId,
    Kind,
    HeldOn,
    InterpreterUsed,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    ParticipantId,
    PeriodId,
    Domain,
    Text,
    Target,
    Attainment,
    CreatedBy,
    CreatedByParticipant,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    ParticipantId,
    CentreId,
    PeriodId,
    Kind,
    Name,
    StartedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Assessments {
    Table,
    Id,
    ParticipantId,
    CentreId,
    PeriodId,
    Instrument,
    Timepoint,
    AssessedOn,
    Values,
    Source,
    RecordedBy,
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

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut stmt = Index::create().name(name).table(table).to_owned();
    for col in cols {
        stmt.col(col);
    }
    manager.create_index(stmt).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(ParticipantProfiles::Sex, 10),
            double_null(ParticipantProfiles::HeightCm),
            string_len_null(ParticipantProfiles::Municipality, 4),
            string_len_null(ParticipantProfiles::Education, 30),
            text_null(ParticipantProfiles::WorkSchool),
            string_len_null(ParticipantProfiles::PreferredLanguage, 35),
            boolean_null(ParticipantProfiles::InterpreterNeeded),
            boolean_null(ParticipantProfiles::OtherLanguageBackground),
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

        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(pk_uuid(Referrals::Id))
                    .col(uuid(Referrals::ParticipantId))
                    .col(uuid(Referrals::CentreId))
                    .col(string_len(Referrals::ReferrerType, 40))
                    .col(text(Referrals::Reasons))
                    .col(date(Referrals::ReferredOn))
                    .col(string_len_null(Referrals::TriageOutcome, 30))
                    .col(date_null(Referrals::TriageDecidedOn))
                    .col(string_len_null(Referrals::RedirectedTo, 200))
                    .col(uuid_null(Referrals::CreatedBy))
                    .col(timestamp_with_time_zone(Referrals::CreatedAt))
                    .foreign_key(&mut fk(
                        Referrals::Table,
                        Referrals::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Referrals::Table,
                        Referrals::CentreId,
                        Centres::Table,
                        Centres::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Referrals::Table,
                        Referrals::CreatedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_referrals_participant",
            Referrals::Table,
            vec![Referrals::ParticipantId.into_iden()],
        )
        .await?;
        index(
            manager,
            "ix_referrals_centre_day",
            Referrals::Table,
            vec![
                Referrals::CentreId.into_iden(),
                Referrals::ReferredOn.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Periods::Table)
                    .col(pk_uuid(Periods::Id))
                    .col(uuid(Periods::ParticipantId))
                    .col(uuid(Periods::CentreId))
                    .col(integer(Periods::Seq))
                    .col(uuid_null(Periods::ReferralId))
                    .col(date(Periods::StartDate))
                    .col(date(Periods::PlannedEnd))
                    .col(string_len(Periods::Status, 20))
                    .col(date_null(Periods::PausedSince))
                    .col(integer(Periods::PausedDays).default(0))
                    .col(date_null(Periods::EndedOn))
                    .col(string_len_null(Periods::DiscontinueReason, 30))
                    .col(text(Periods::OnwardOffers))
                    .col(timestamp_with_time_zone(Periods::CreatedAt))
                    .col(timestamp_with_time_zone(Periods::UpdatedAt))
                    .foreign_key(&mut fk(
                        Periods::Table,
                        Periods::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Periods::Table,
                        Periods::CentreId,
                        Centres::Table,
                        Centres::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Periods::Table,
                        Periods::ReferralId,
                        Referrals::Table,
                        Referrals::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Partial unique indexes: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_periods_participant_seq ON periods (participant_id, seq)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_periods_one_open ON periods (participant_id) \
             WHERE status IN ('active', 'paused')",
        )
        .await?;
        index(
            manager,
            "ix_periods_centre_start",
            Periods::Table,
            vec![
                Periods::CentreId.into_iden(),
                Periods::StartDate.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(pk_uuid(Conversations::Id))
                    .col(uuid(Conversations::PeriodId))
                    .col(string_len(Conversations::Kind, 10))
                    .col(date(Conversations::HeldOn))
                    .col(boolean(Conversations::InterpreterUsed))
                    .col(uuid_null(Conversations::RecordedBy))
                    .col(timestamp_with_time_zone(Conversations::CreatedAt))
                    .foreign_key(&mut fk(
                        Conversations::Table,
                        Conversations::PeriodId,
                        Periods::Table,
                        Periods::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Conversations::Table,
                        Conversations::RecordedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One start and one end conversation per period; interim ones repeat.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_conversations_start_end ON conversations (period_id, kind) \
             WHERE kind IN ('start', 'end')",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Goals::Table)
                    .col(pk_uuid(Goals::Id))
                    .col(uuid(Goals::ParticipantId))
                    .col(uuid_null(Goals::PeriodId))
                    .col(string_len(Goals::Domain, 20))
                    .col(string_len(Goals::Text, 1200))
                    .col(string_len_null(Goals::Target, 800))
                    .col(string_len_null(Goals::Attainment, 10))
                    .col(uuid_null(Goals::CreatedBy))
                    .col(boolean(Goals::CreatedByParticipant))
                    .col(timestamp_with_time_zone(Goals::CreatedAt))
                    .col(timestamp_with_time_zone(Goals::UpdatedAt))
                    .foreign_key(&mut fk(
                        Goals::Table,
                        Goals::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Goals::Table,
                        Goals::PeriodId,
                        Periods::Table,
                        Periods::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Goals::Table,
                        Goals::CreatedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_goals_participant",
            Goals::Table,
            vec![Goals::ParticipantId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_uuid(Courses::Id))
                    .col(uuid(Courses::ParticipantId))
                    .col(uuid(Courses::CentreId))
                    .col(uuid_null(Courses::PeriodId))
                    .col(string_len(Courses::Kind, 40))
                    .col(string_len_null(Courses::Name, 400))
                    .col(date(Courses::StartedOn))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .foreign_key(&mut fk(
                        Courses::Table,
                        Courses::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Courses::Table,
                        Courses::CentreId,
                        Centres::Table,
                        Centres::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Courses::Table,
                        Courses::PeriodId,
                        Periods::Table,
                        Periods::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_courses_participant",
            Courses::Table,
            vec![Courses::ParticipantId.into_iden()],
        )
        .await?;
        index(
            manager,
            "ix_courses_centre_day",
            Courses::Table,
            vec![
                Courses::CentreId.into_iden(),
                Courses::StartedOn.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assessments::Table)
                    .col(pk_uuid(Assessments::Id))
                    .col(uuid(Assessments::ParticipantId))
                    .col(uuid_null(Assessments::CentreId))
                    .col(uuid_null(Assessments::PeriodId))
                    .col(string_len(Assessments::Instrument, 30))
                    .col(string_len(Assessments::Timepoint, 10))
                    .col(date(Assessments::AssessedOn))
                    .col(text(Assessments::Values))
                    .col(string_len(Assessments::Source, 20))
                    .col(uuid_null(Assessments::RecordedBy))
                    .col(timestamp_with_time_zone(Assessments::CreatedAt))
                    .foreign_key(&mut fk(
                        Assessments::Table,
                        Assessments::ParticipantId,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Assessments::Table,
                        Assessments::CentreId,
                        Centres::Table,
                        Centres::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        Assessments::Table,
                        Assessments::PeriodId,
                        Periods::Table,
                        Periods::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        Assessments::Table,
                        Assessments::RecordedBy,
                        Accounts::Table,
                        Accounts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_assessments_participant_period",
            Assessments::Table,
            vec![
                Assessments::ParticipantId.into_iden(),
                Assessments::PeriodId.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Assessments::Table.into_iden(),
            Courses::Table.into_iden(),
            Goals::Table.into_iden(),
            Conversations::Table.into_iden(),
            Periods::Table.into_iden(),
            Referrals::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            ParticipantProfiles::Sex.into_iden(),
            ParticipantProfiles::HeightCm.into_iden(),
            ParticipantProfiles::Municipality.into_iden(),
            ParticipantProfiles::Education.into_iden(),
            ParticipantProfiles::WorkSchool.into_iden(),
            ParticipantProfiles::PreferredLanguage.into_iden(),
            ParticipantProfiles::InterpreterNeeded.into_iden(),
            ParticipantProfiles::OtherLanguageBackground.into_iden(),
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
