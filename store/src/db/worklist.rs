//! The veileder's worklist (issue 13): referrals nobody has followed up,
//! periods near their end that lack what the end needs, and completed
//! periods whose epikrise is not sent. Each row names a
//! participant of the centre, so reading it writes one access-log row per
//! participant listed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use friskliv_domain::assessment::Timepoint;
use friskliv_domain::journey::{ConversationKind, EpikriseKind, EpikriseStatus, PeriodStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{
    account, assessment, conversation, course, epikrise, participant_profile, period, referral,
};
use super::sharing::{Actor, LOG_ROWS_PER_STATEMENT, LogRow, write_log};
use crate::error::Refusal;

/// How long a referral may wait for a first contact, and how near its
/// planned end a period must be to need its end conversation and test.
pub const WORKLIST_DAYS: u64 = 14;

pub struct WaitingReferral {
    pub referral: referral::Model,
    pub display_name: String,
}

pub struct EndingPeriod {
    pub period: period::Model,
    pub display_name: String,
    pub has_end_conversation: bool,
    pub has_week12_test: bool,
}

/// Completed periods this far back are listed until their epikrise is
/// sent; older ones are history, not follow-up.
pub const EPIKRISE_WORKLIST_DAYS: u64 = 90;

pub struct UnsentEpikrise {
    pub period: period::Model,
    pub display_name: String,
    /// `draft` when drafted, `None` when not yet drafted.
    pub epikrise_status: Option<String>,
    /// The participant objects to an epikrise: listed so the veileder
    /// knows it is not to be sent.
    pub objects: bool,
}

pub struct Worklist {
    pub referrals: Vec<WaitingReferral>,
    pub periods: Vec<EndingPeriod>,
    pub epikrises: Vec<UnsentEpikrise>,
}

/// The centre's worklist on `today`, with the access-log rows it writes.
pub async fn worklist(
    db: &impl ConnectionTrait,
    actor: &Actor,
    centre_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> crate::Result<Worklist> {
    if !actor.works_with_participants_at(centre_id) {
        return Err(Refusal::Forbidden(
            "only veiledere and admins of this centre see its worklist".to_owned(),
        )
        .into());
    }
    let waited_since = today - Days::new(WORKLIST_DAYS);
    let untriaged = referral::Entity::find()
        .filter(referral::Column::CentreId.eq(centre_id))
        .filter(referral::Column::TriageOutcome.is_null())
        .filter(referral::Column::ReferredOn.lte(waited_since))
        .order_by_asc(referral::Column::ReferredOn)
        .order_by_asc(referral::Column::Id)
        .all(db)
        .await?;
    let referred: Vec<Uuid> = untriaged.iter().map(|r| r.participant_id).collect();
    // A contact after the referral: a period started or a course attended.
    let mut contacts: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    let mut linked: BTreeSet<Uuid> = BTreeSet::new();
    for chunk in referred.chunks(LOG_ROWS_PER_STATEMENT) {
        for p in period::Entity::find()
            .filter(period::Column::CentreId.eq(centre_id))
            .filter(period::Column::ParticipantId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            linked.extend(p.referral_id);
            contacts
                .entry(p.participant_id)
                .or_default()
                .push(p.start_date);
        }
        for c in course::Entity::find()
            .filter(course::Column::CentreId.eq(centre_id))
            .filter(course::Column::ParticipantId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            contacts
                .entry(c.participant_id)
                .or_default()
                .push(c.started_on);
        }
    }
    let waiting: Vec<referral::Model> = untriaged
        .into_iter()
        .filter(|r| {
            !linked.contains(&r.id)
                && !contacts
                    .get(&r.participant_id)
                    .is_some_and(|days| days.iter().any(|d| *d >= r.referred_on))
        })
        .collect();
    let ends_by = today + Days::new(WORKLIST_DAYS);
    let open = period::Entity::find()
        .filter(period::Column::CentreId.eq(centre_id))
        .filter(
            period::Column::Status
                .is_in([PeriodStatus::Active.as_str(), PeriodStatus::Paused.as_str()]),
        )
        .filter(period::Column::PlannedEnd.lte(ends_by))
        .order_by_asc(period::Column::PlannedEnd)
        .order_by_asc(period::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = open.iter().map(|p| p.id).collect();
    let mut ended_conversation: BTreeSet<Uuid> = BTreeSet::new();
    let mut tested: BTreeSet<Uuid> = BTreeSet::new();
    for chunk in ids.chunks(LOG_ROWS_PER_STATEMENT) {
        for c in conversation::Entity::find()
            .filter(conversation::Column::PeriodId.is_in(chunk.iter().copied()))
            .filter(conversation::Column::Kind.eq(ConversationKind::End.as_str()))
            .all(db)
            .await?
        {
            ended_conversation.insert(c.period_id);
        }
        for a in assessment::Entity::find()
            .filter(assessment::Column::PeriodId.is_in(chunk.iter().copied()))
            .filter(assessment::Column::Timepoint.eq(Timepoint::Week12.as_str()))
            .filter(assessment::Column::Source.eq("staff"))
            .all(db)
            .await?
        {
            tested.extend(a.period_id);
        }
    }
    let ending: Vec<period::Model> = open
        .into_iter()
        .filter(|p| !ended_conversation.contains(&p.id) || !tested.contains(&p.id))
        .collect();
    let completed = period::Entity::find()
        .filter(period::Column::CentreId.eq(centre_id))
        .filter(period::Column::Status.eq(PeriodStatus::Completed.as_str()))
        .filter(period::Column::EndedOn.gte(today - Days::new(EPIKRISE_WORKLIST_DAYS)))
        .order_by_asc(period::Column::EndedOn)
        .order_by_asc(period::Column::Id)
        .all(db)
        .await?;
    let mut epikrise_status: BTreeMap<Uuid, String> = BTreeMap::new();
    let completed_ids: Vec<Uuid> = completed.iter().map(|p| p.id).collect();
    for chunk in completed_ids.chunks(LOG_ROWS_PER_STATEMENT) {
        for e in epikrise::Entity::find()
            .filter(epikrise::Column::PeriodId.is_in(chunk.iter().copied()))
            .filter(epikrise::Column::Kind.eq(EpikriseKind::Epikrise.as_str()))
            .all(db)
            .await?
        {
            epikrise_status.insert(e.period_id, e.status);
        }
    }
    let unsent: Vec<period::Model> = completed
        .into_iter()
        .filter(|p| {
            epikrise_status.get(&p.id).map(String::as_str) != Some(EpikriseStatus::Sent.as_str())
        })
        .collect();
    let mut objecting: BTreeSet<Uuid> = BTreeSet::new();
    let unsent_people: Vec<Uuid> = unsent.iter().map(|p| p.participant_id).collect();
    for chunk in unsent_people.chunks(LOG_ROWS_PER_STATEMENT) {
        for p in participant_profile::Entity::find()
            .filter(participant_profile::Column::AccountId.is_in(chunk.iter().copied()))
            .filter(participant_profile::Column::EpikriseObjection.eq(true))
            .all(db)
            .await?
        {
            objecting.insert(p.account_id);
        }
    }
    let mut people: BTreeSet<Uuid> = waiting.iter().map(|r| r.participant_id).collect();
    people.extend(ending.iter().map(|p| p.participant_id));
    people.extend(unsent_people);
    let people: Vec<Uuid> = people.into_iter().collect();
    let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
    for chunk in people.chunks(LOG_ROWS_PER_STATEMENT) {
        for a in account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            names.insert(a.id, a.display_name);
        }
    }
    write_log(
        db,
        people
            .iter()
            .map(|id| LogRow {
                participant_id: *id,
                centre_id: Some(centre_id),
                actor,
                action: "read_worklist",
                resource: "worklist",
                consent_id: None,
                allowed: true,
            })
            .collect(),
        now,
    )
    .await?;
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    Ok(Worklist {
        referrals: waiting
            .into_iter()
            .map(|r| WaitingReferral {
                display_name: name(&r.participant_id),
                referral: r,
            })
            .collect(),
        periods: ending
            .into_iter()
            .map(|p| EndingPeriod {
                display_name: name(&p.participant_id),
                has_end_conversation: ended_conversation.contains(&p.id),
                has_week12_test: tested.contains(&p.id),
                period: p,
            })
            .collect(),
        epikrises: unsent
            .into_iter()
            .map(|p| UnsentEpikrise {
                display_name: name(&p.participant_id),
                epikrise_status: epikrise_status.get(&p.id).cloned(),
                objects: objecting.contains(&p.participant_id),
                period: p,
            })
            .collect(),
    })
}
