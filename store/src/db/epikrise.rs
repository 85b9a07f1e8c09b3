//! A period's epikrise (and message to the GP): the rows a draft is made
//! from, the stored document, and its sendings. Staff reach them through a
//! [`Grant`] of the epikrise actions; every query names the participant and
//! the grant's centre, because the document is the centre's casework.

use chrono::{DateTime, Utc};
use friskliv_domain::journey::{EpikriseKind, EpikriseStatus, Sending};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::entities::{
    account, centre, conversation, course, epikrise, epikrise_sending, participant_profile, period,
    referral,
};
use super::sharing::{Grant, StaffAction};

fn require_epikrise_action(grant: &Grant) -> Result<(), DbErr> {
    match grant.action {
        StaffAction::DraftEpikrise | StaffAction::ReadEpikrise | StaffAction::SendEpikrise => {
            Ok(())
        }
        other => Err(DbErr::Custom(format!(
            "a grant for {other:?} was used for an epikrise"
        ))),
    }
}

/// Whether the participant objects to an epikrise being sent.
pub async fn objects(db: &impl ConnectionTrait, grant: &Grant) -> Result<bool, DbErr> {
    require_epikrise_action(grant)?;
    Ok(
        participant_profile::Entity::find_by_id(grant.participant_id)
            .one(db)
            .await?
            .is_some_and(|p| p.epikrise_objection),
    )
}

/// What the document says besides the outcomes: who, where, which
/// referral, the conversations and courses of the period.
pub struct Context {
    pub participant: Option<account::Model>,
    pub centre: Option<centre::Model>,
    pub profile: Option<participant_profile::Model>,
    pub referral: Option<referral::Model>,
    pub conversations: Vec<conversation::Model>,
    pub courses: Vec<course::Model>,
}

pub async fn context(
    db: &impl ConnectionTrait,
    grant: &Grant,
    period: &period::Model,
) -> Result<Context, DbErr> {
    require_epikrise_action(grant)?;
    if period.participant_id != grant.participant_id || period.centre_id != grant.centre_id {
        return Err(DbErr::Custom(
            "a grant was used for a period of another participant or centre".into(),
        ));
    }
    let referral = match period.referral_id {
        Some(id) => {
            referral::Entity::find_by_id(id)
                .filter(referral::Column::ParticipantId.eq(grant.participant_id))
                .filter(referral::Column::CentreId.eq(grant.centre_id))
                .one(db)
                .await?
        }
        None => None,
    };
    Ok(Context {
        participant: account::Entity::find_by_id(grant.participant_id)
            .one(db)
            .await?,
        centre: centre::Entity::find_by_id(grant.centre_id).one(db).await?,
        profile: participant_profile::Entity::find_by_id(grant.participant_id)
            .one(db)
            .await?,
        referral,
        conversations: conversation::Entity::find()
            .filter(conversation::Column::PeriodId.eq(period.id))
            .order_by_asc(conversation::Column::HeldOn)
            .order_by_asc(conversation::Column::Id)
            .all(db)
            .await?,
        courses: course::Entity::find()
            .filter(course::Column::ParticipantId.eq(grant.participant_id))
            .filter(course::Column::CentreId.eq(grant.centre_id))
            .filter(course::Column::PeriodId.eq(period.id))
            .order_by_asc(course::Column::StartedOn)
            .order_by_asc(course::Column::Id)
            .all(db)
            .await?,
    })
}

/// The period's document of `kind`, if drafted.
pub async fn find(
    db: &impl ConnectionTrait,
    grant: &Grant,
    period: &period::Model,
    kind: EpikriseKind,
) -> Result<Option<epikrise::Model>, DbErr> {
    require_epikrise_action(grant)?;
    epikrise::Entity::find()
        .filter(epikrise::Column::PeriodId.eq(period.id))
        .filter(epikrise::Column::ParticipantId.eq(grant.participant_id))
        .filter(epikrise::Column::CentreId.eq(grant.centre_id))
        .filter(epikrise::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await
}

/// A drafted document, before it is stored.
pub struct NewDraft {
    pub id: Uuid,
    pub kind: EpikriseKind,
    pub assessment: Option<String>,
    /// The FHIR Bundle, JSON.
    pub document: String,
}

/// Drafts a new document, or replaces a draft's content.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    grant: &Grant,
    period: &period::Model,
    existing: Option<epikrise::Model>,
    draft: NewDraft,
    now: DateTime<Utc>,
) -> Result<epikrise::Model, DbErr> {
    let NewDraft {
        id,
        kind,
        assessment,
        document,
    } = draft;
    grant.require_action(StaffAction::DraftEpikrise)?;
    match existing {
        Some(row) => {
            let mut active: epikrise::ActiveModel = row.into();
            active.assessment = Set(assessment);
            active.document = Set(document);
            active.updated_at = Set(now);
            active.update(db).await
        }
        None => {
            epikrise::ActiveModel {
                id: Set(id),
                period_id: Set(period.id),
                participant_id: Set(grant.participant_id),
                centre_id: Set(grant.centre_id),
                kind: Set(kind.as_str().to_owned()),
                status: Set(EpikriseStatus::Draft.as_str().to_owned()),
                assessment: Set(assessment),
                document: Set(document),
                created_by: Set(Some(grant.actor)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
        }
    }
}

/// Replaces a stored document's assessment and Bundle (an edit of the
/// draft, or the Bundle made final when it is sent).
pub async fn update(
    db: &impl ConnectionTrait,
    grant: &Grant,
    row: epikrise::Model,
    status: EpikriseStatus,
    assessment: Option<String>,
    document: String,
    now: DateTime<Utc>,
) -> Result<epikrise::Model, DbErr> {
    if !matches!(
        grant.action,
        StaffAction::DraftEpikrise | StaffAction::SendEpikrise
    ) {
        return Err(DbErr::Custom(format!(
            "a grant for {:?} was used to change an epikrise",
            grant.action
        )));
    }
    let mut active: epikrise::ActiveModel = row.into();
    active.status = Set(status.as_str().to_owned());
    active.assessment = Set(assessment);
    active.document = Set(document);
    active.updated_at = Set(now);
    active.update(db).await
}

pub async fn add_sending(
    db: &impl ConnectionTrait,
    grant: &Grant,
    row: &epikrise::Model,
    sending: &Sending,
    now: DateTime<Utc>,
) -> Result<epikrise_sending::Model, DbErr> {
    grant.require_action(StaffAction::SendEpikrise)?;
    epikrise_sending::ActiveModel {
        id: Set(Uuid::now_v7()),
        epikrise_id: Set(row.id),
        recipient_kind: Set(sending.recipient_kind.as_str().to_owned()),
        recipient_name: Set(sending.recipient_name.clone()),
        channel: Set(sending.channel.as_str().to_owned()),
        sent_on: Set(sending.sent_on),
        sent_by: Set(Some(grant.actor)),
        recorded_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn sendings(
    db: &impl ConnectionTrait,
    grant: &Grant,
    row: &epikrise::Model,
) -> Result<Vec<epikrise_sending::Model>, DbErr> {
    require_epikrise_action(grant)?;
    epikrise_sending::Entity::find()
        .filter(epikrise_sending::Column::EpikriseId.eq(row.id))
        .order_by_asc(epikrise_sending::Column::SentOn)
        .order_by_asc(epikrise_sending::Column::Id)
        .all(db)
        .await
}
