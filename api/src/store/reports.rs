//! Anonymised reports and exports: who may ask for them (centre admins and
//! evaluators of the centre), the audit row every request writes, and the
//! rows the KOSTRA report counts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::journey::{CourseKind, ReferrerType, Sex};
use friskliv_domain::kostra::PersonYear;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::entities::{course, export_audit, participant_profile, period, referral};
use super::sharing::Actor;

/// Centre admins and evaluators of the centre see its anonymised reports;
/// veiledere work with individuals and use the caseload instead.
pub fn may_report_on(actor: &Actor, centre_id: Uuid) -> bool {
    matches!(
        actor.role,
        AccountRole::CentreAdmin | AccountRole::Evaluator
    ) && actor.centre_id == Some(centre_id)
}

pub async fn audit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    centre_id: Option<Uuid>,
    parameters: serde_json::Value,
    allowed: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    export_audit::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_account_id: Set(Some(actor.account_id)),
        actor_role: Set(actor.role.as_str().to_owned()),
        action: Set(action.to_owned()),
        centre_id: Set(centre_id),
        parameters: Set(parameters.to_string()),
        allowed: Set(allowed),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

const CHUNK: usize = 500;

/// Every person with contact with the centre in `[from, to]`: a follow-up
/// period running then, a referral dated then, or a course started then.
/// Referrers are those of the referrals dated in the year and of the
/// periods running in it.
pub async fn kostra_persons(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PersonYear>, DbErr> {
    let mut persons: BTreeMap<Uuid, PersonYear> = BTreeMap::new();
    let running: Vec<(Uuid, Option<Uuid>)> = period::Entity::find()
        .select_only()
        .column(period::Column::ParticipantId)
        .column(period::Column::ReferralId)
        .filter(period::Column::CentreId.eq(centre_id))
        .filter(period::Column::StartDate.lte(to))
        .filter(
            Condition::any()
                .add(period::Column::EndedOn.is_null())
                .add(period::Column::EndedOn.gte(from)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut referral_ids: Vec<Uuid> = Vec::new();
    for (participant, referral_id) in &running {
        persons.entry(*participant).or_default().follow_up = true;
        referral_ids.extend(referral_id);
    }
    let mut referrals: Vec<(Uuid, Uuid, String)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .column(referral::Column::ParticipantId)
        .column(referral::Column::ReferrerType)
        .filter(referral::Column::CentreId.eq(centre_id))
        .filter(referral::Column::ReferredOn.gte(from))
        .filter(referral::Column::ReferredOn.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    referral_ids.sort();
    referral_ids.dedup();
    referral_ids.retain(|id| !referrals.iter().any(|(r, _, _)| r == id));
    for chunk in referral_ids.chunks(CHUNK) {
        referrals.extend(
            referral::Entity::find()
                .select_only()
                .column(referral::Column::Id)
                .column(referral::Column::ParticipantId)
                .column(referral::Column::ReferrerType)
                .filter(referral::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<(Uuid, Uuid, String)>()
                .all(db)
                .await?,
        );
    }
    for (_, participant, referrer) in referrals {
        if let Ok(referrer) = referrer.parse::<ReferrerType>() {
            persons
                .entry(participant)
                .or_default()
                .referrers
                .push(referrer);
        }
    }
    let courses: Vec<(Uuid, String)> = course::Entity::find()
        .select_only()
        .column(course::Column::ParticipantId)
        .column(course::Column::Kind)
        .filter(course::Column::CentreId.eq(centre_id))
        .filter(course::Column::StartedOn.gte(from))
        .filter(course::Column::StartedOn.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    for (participant, kind) in courses {
        if let Ok(kind) = kind.parse::<CourseKind>() {
            persons.entry(participant).or_default().courses.push(kind);
        }
    }
    let ids: Vec<Uuid> = persons.keys().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let sexes: Vec<(Uuid, Option<String>)> = participant_profile::Entity::find()
            .select_only()
            .column(participant_profile::Column::AccountId)
            .column(participant_profile::Column::Sex)
            .filter(participant_profile::Column::AccountId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, sex) in sexes {
            if let Some(p) = persons.get_mut(&id) {
                p.sex = sex.and_then(|s| s.parse::<Sex>().ok());
            }
        }
    }
    Ok(persons.into_values().collect())
}
