//! The journey (referrals, triage, periods, conversations, goals, courses),
//! participant attributes and assessments. Staff reach them only through a
//! [`Grant`] for the matching action; a participant reaches only their own
//! (the participant id comes from the session). Every query names the
//! participant in its `WHERE`.

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::assessment::{Assessment, Timepoint};
use friskliv_domain::consent::ConsentScope;
use friskliv_domain::journey::{
    self, Conversation, Course, Goal, ParticipantAttributes, PeriodAction, PeriodEnd, PeriodStart,
    PeriodStatus, Referral, Triage,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
};
use uuid::Uuid;

use super::entities::{
    assessment, conversation, course, goal, participant_profile, period, referral,
};
use super::sharing::{Grant, StaffAction};
use crate::error::{Error, Refusal, Result};

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

// ---- attributes ---------------------------------------------------------------

/// Sets the attributes given; absent ones keep their value. Staff cannot
/// move a participant under 16 by editing the birth month: who consents
/// (the participant or a guardian) follows the birth month the centre
/// gave on the invite, so that a guardian account cannot be made for an adult.
pub async fn update_attributes(
    db: &impl ConnectionTrait,
    grant: &Grant,
    attrs: &ParticipantAttributes,
    now: DateTime<Utc>,
) -> Result<participant_profile::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    let existing = participant_profile::Entity::find_by_id(grant.participant_id)
        .one(db)
        .await?;
    if let Some(new) = attrs.birth_month {
        let today = crate::clock::today(now);
        let was_under_16 = super::sharing::birth_month_of(existing.as_ref())
            .is_some_and(|b| b.needs_guardian(today));
        if new.needs_guardian(today) && !was_under_16 {
            return Err(Error::from(Refusal::against_stored(FieldError::new(
                "birth_month",
                "guardian_rule",
                "would make the participant under 16, so that a guardian consents for them; \
                 a child is invited with their birth month",
            ))));
        }
    }
    let is_new = existing.is_none();
    let mut active: participant_profile::ActiveModel = match existing {
        Some(p) => p.into(),
        None => participant_profile::ActiveModel {
            account_id: Set(grant.participant_id),
            epikrise_objection: Set(false),
            ..Default::default()
        },
    };
    if let Some(b) = attrs.birth_month {
        active.birth_year = Set(Some(b.year));
        active.birth_month = Set(Some(to_i32(b.month)));
    }
    if let Some(sex) = attrs.sex {
        active.sex = Set(Some(sex.as_str().to_owned()));
    }
    if let Some(h) = attrs.height_cm {
        active.height_cm = Set(Some(h));
    }
    if let Some(m) = &attrs.municipality {
        active.municipality = Set(Some(m.as_str().to_owned()));
    }
    if let Some(e) = attrs.education {
        active.education = Set(Some(e.as_str().to_owned()));
    }
    if let Some(w) = &attrs.work_school {
        active.work_school = Set(Some(json_list(w)));
    }
    if let Some(l) = &attrs.preferred_language {
        active.preferred_language = Set(Some(l.clone()));
    }
    if let Some(i) = attrs.interpreter_needed {
        active.interpreter_needed = Set(Some(i));
    }
    if let Some(o) = attrs.other_language_background {
        active.other_language_background = Set(Some(o));
    }
    if let Some(gp) = &attrs.gp {
        active.gp_name = Set(Some(gp.name.clone()));
        active.gp_hpr_number = Set(gp.hpr_number.clone());
        active.gp_practice = Set(gp.practice.clone());
    }
    active.updated_at = Set(now);
    Ok(if is_new {
        active.insert(db).await?
    } else {
        active.update(db).await?
    })
}

pub async fn attributes(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Option<participant_profile::Model>, DbErr> {
    grant.require_action(StaffAction::ReadJourney)?;
    own_attributes(db, grant.participant_id).await
}

pub async fn own_attributes(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Option<participant_profile::Model>, DbErr> {
    participant_profile::Entity::find_by_id(participant_id)
        .one(db)
        .await
}

// ---- referrals ----------------------------------------------------------------

pub async fn add_referral(
    db: &impl ConnectionTrait,
    grant: &Grant,
    r: &Referral,
    now: DateTime<Utc>,
) -> Result<referral::Model, DbErr> {
    grant.require_action(StaffAction::WriteJourney)?;
    referral::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(grant.participant_id),
        centre_id: Set(grant.centre_id),
        referrer_type: Set(r.referrer_type.as_str().to_owned()),
        reasons: Set(json_list(&r.reasons)),
        referred_on: Set(r.referred_on),
        triage_outcome: Set(None),
        triage_decided_on: Set(None),
        redirected_to: Set(None),
        created_by: Set(Some(grant.actor)),
        created_at: Set(now),
        referrer_name: Set(r.referrer.as_ref().map(|x| x.name.clone())),
        referrer_organisation: Set(r.referrer.as_ref().and_then(|x| x.organisation.clone())),
    }
    .insert(db)
    .await
}

pub async fn referrals(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Vec<referral::Model>, DbErr> {
    grant.require_action(StaffAction::ReadJourney)?;
    referral::Entity::find()
        .filter(referral::Column::ParticipantId.eq(grant.participant_id))
        .filter(referral::Column::CentreId.eq(grant.centre_id))
        .order_by_asc(referral::Column::ReferredOn)
        .order_by_asc(referral::Column::Id)
        .all(db)
        .await
}

pub async fn set_triage(
    db: &impl ConnectionTrait,
    grant: &Grant,
    referral_id: Uuid,
    t: &Triage,
) -> Result<referral::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    let Some(existing) = referral::Entity::find_by_id(referral_id)
        .filter(referral::Column::ParticipantId.eq(grant.participant_id))
        .filter(referral::Column::CentreId.eq(grant.centre_id))
        .one(db)
        .await?
    else {
        return Err(Error::from(Refusal::not_found("referral")));
    };
    if t.decided_on < existing.referred_on {
        return Err(Error::from(Refusal::against_stored(FieldError::new(
            "decided_on",
            "after_referral",
            format!(
                "must not be before the referral date {}",
                existing.referred_on
            ),
        ))));
    }
    let mut active: referral::ActiveModel = existing.into();
    active.triage_outcome = Set(Some(t.outcome.as_str().to_owned()));
    active.triage_decided_on = Set(Some(t.decided_on));
    active.redirected_to = Set(t.redirected_to.clone());
    Ok(active.update(db).await?)
}

// ---- periods ------------------------------------------------------------------

/// Whose journey records a query reads. A participant reads all of their
/// own; staff read only their centre's, because journey records belong to
/// the centre that made them (a [`Grant`] names that centre).
#[derive(Debug, Clone, Copy)]
enum Records {
    Own(Uuid),
    AtCentre { participant: Uuid, centre: Uuid },
}

impl Records {
    fn of(grant: &Grant) -> Self {
        Records::AtCentre {
            participant: grant.participant_id,
            centre: grant.centre_id,
        }
    }

    fn participant(self) -> Uuid {
        match self {
            Records::Own(id)
            | Records::AtCentre {
                participant: id, ..
            } => id,
        }
    }

    fn centre(self) -> Option<Uuid> {
        match self {
            Records::Own(_) => None,
            Records::AtCentre { centre, .. } => Some(centre),
        }
    }

    fn periods(self) -> sea_orm::Select<period::Entity> {
        let query =
            period::Entity::find().filter(period::Column::ParticipantId.eq(self.participant()));
        match self.centre() {
            Some(centre) => query.filter(period::Column::CentreId.eq(centre)),
            None => query,
        }
    }

    fn goals(self) -> sea_orm::Select<goal::Entity> {
        let query = goal::Entity::find().filter(goal::Column::ParticipantId.eq(self.participant()));
        match self.centre() {
            Some(centre) => query.filter(goal::Column::CentreId.eq(centre)),
            None => query,
        }
    }

    async fn all_periods(self, db: &impl ConnectionTrait) -> Result<Vec<period::Model>, DbErr> {
        self.periods()
            .order_by_asc(period::Column::Seq)
            .all(db)
            .await
    }

    async fn period(
        self,
        db: &impl ConnectionTrait,
        seq: u32,
    ) -> Result<Option<period::Model>, DbErr> {
        self.periods()
            .filter(period::Column::Seq.eq(to_i32(seq)))
            .one(db)
            .await
    }

    /// The open (active or paused) period, else the latest one.
    async fn current_period(
        self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<period::Model>, DbErr> {
        let all = self.all_periods(db).await?;
        Ok(all.iter().find(|p| is_open(p)).or(all.last()).cloned())
    }
}

/// All of a participant's own periods, at every centre: their own views.
pub async fn own_periods(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Vec<period::Model>, DbErr> {
    Records::Own(participant_id).all_periods(db).await
}

pub async fn own_period(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    seq: u32,
) -> Result<Option<period::Model>, DbErr> {
    Records::Own(participant_id).period(db, seq).await
}

/// The grant's centre's periods of the participant. Any grant will do:
/// each one already proves the centre may work with the participant, and
/// periods are the centre's own casework.
pub async fn periods(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Vec<period::Model>, DbErr> {
    Records::of(grant).all_periods(db).await
}

/// Period `seq` of the participant, if it is the grant's centre's.
pub async fn period(
    db: &impl ConnectionTrait,
    grant: &Grant,
    seq: u32,
) -> Result<Option<period::Model>, DbErr> {
    Records::of(grant).period(db, seq).await
}

/// The grant's centre's open period of the participant, else its latest.
pub async fn current_period(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Option<period::Model>, DbErr> {
    Records::of(grant).current_period(db).await
}

pub fn status_of(p: &period::Model) -> PeriodStatus {
    p.status.parse().unwrap_or(PeriodStatus::Discontinued)
}

fn is_open(p: &period::Model) -> bool {
    status_of(p).is_open()
}

fn period_json(p: &period::Model) -> serde_json::Value {
    serde_json::json!({
        "period": p.seq,
        "status": p.status,
        "start_date": p.start_date,
        "planned_end": p.planned_end,
        "ended_on": p.ended_on,
    })
}

/// Starts period n + 1. Refused while a period is open: a participant
/// follows one period at a time (renewing ends the open one first).
pub async fn start_period(
    db: &impl ConnectionTrait,
    grant: &Grant,
    start: &PeriodStart,
    now: DateTime<Utc>,
) -> Result<period::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    // A participant follows one period at a time, wherever it is; numbers
    // run across centres. Another centre's period is named, never shown.
    let everywhere = own_periods(db, grant.participant_id).await?;
    if let Some(open) = everywhere.iter().find(|p| is_open(p)) {
        return Err(Error::from(if open.centre_id == grant.centre_id {
            Refusal::Conflict {
                code: "period-open",
                detail: format!(
                    "period {} is {}; complete or discontinue it (or renew it) before starting another",
                    open.seq, open.status
                ),
                current: period_json(open),
            }
        } else {
            Refusal::Conflict {
                code: "period-open-elsewhere",
                detail: "the participant follows a period at another centre; it must end before one starts here".to_owned(),
                current: serde_json::json!({}),
            }
        }));
    }
    if let Some(last) = everywhere
        .iter()
        .rev()
        .find(|p| p.centre_id == grant.centre_id)
    {
        let last_end = last.ended_on.unwrap_or(last.start_date);
        if start.start_date < last_end {
            return Err(Error::from(Refusal::against_stored(FieldError::new(
                "start_date",
                "after_previous_period",
                format!(
                    "must not be before the end of period {} ({last_end})",
                    last.seq
                ),
            ))));
        }
    }
    if let Some(referral_id) = start.referral_id {
        let known = referral::Entity::find_by_id(referral_id)
            .filter(referral::Column::ParticipantId.eq(grant.participant_id))
            .filter(referral::Column::CentreId.eq(grant.centre_id))
            .one(db)
            .await?
            .is_some();
        if !known {
            return Err(Error::from(Refusal::against_stored(FieldError::new(
                "referral_id",
                "exists",
                "names no referral of this participant at this centre",
            ))));
        }
    }
    let seq = everywhere.last().map_or(1, |p| p.seq + 1);
    let model = period::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(grant.participant_id),
        centre_id: Set(grant.centre_id),
        seq: Set(seq),
        referral_id: Set(start.referral_id),
        start_date: Set(start.start_date),
        planned_end: Set(journey::planned_end(start.start_date, 0)),
        status: Set(PeriodStatus::Active.as_str().to_owned()),
        paused_since: Set(None),
        paused_days: Set(0),
        ended_on: Set(None),
        discontinue_reason: Set(None),
        onward_offers: Set("[]".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match model.insert(db).await {
        Ok(row) => Ok(row),
        // A concurrent start won the race (PostgreSQL; SQLite writers queue).
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(Error::from(Refusal::Conflict {
                code: "period-open",
                detail: "another period was started at the same moment".to_owned(),
                current: serde_json::json!({ "period": seq }),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// Pause, resume, complete or discontinue period `seq`. Resuming moves the
/// planned end by the days paused.
pub async fn transition_period(
    db: &impl ConnectionTrait,
    grant: &Grant,
    seq: u32,
    action: PeriodAction,
    on: NaiveDate,
    end: Option<&PeriodEnd>,
    now: DateTime<Utc>,
) -> Result<period::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    let Some(existing) = period(db, grant, seq).await? else {
        return Err(Error::from(Refusal::not_found("period")));
    };
    let current = status_of(&existing);
    let next = match journey::next_status(current, action) {
        Ok(next) => next,
        Err(e) => {
            return Err(Error::from(Refusal::Conflict {
                code: "period-transition",
                detail: e.message,
                current: period_json(&existing),
            }));
        }
    };
    if on < existing.start_date {
        return Err(Error::from(Refusal::against_stored(FieldError::new(
            if end.is_some() { "ended_on" } else { "on" },
            "after_start",
            format!(
                "must not be before the period's start {}",
                existing.start_date
            ),
        ))));
    }
    let paused_extra = existing
        .paused_since
        .map(|since| (on - since).num_days().max(0))
        .unwrap_or(0);
    let mut active: period::ActiveModel = existing.clone().into();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now);
    match action {
        PeriodAction::Pause => active.paused_since = Set(Some(on)),
        PeriodAction::Resume => {
            let days = existing.paused_days + i32::try_from(paused_extra).unwrap_or(0);
            active.paused_since = Set(None);
            active.paused_days = Set(days);
            active.planned_end = Set(journey::planned_end(existing.start_date, i64::from(days)));
        }
        PeriodAction::Complete | PeriodAction::Discontinue => {
            let days = existing.paused_days + i32::try_from(paused_extra).unwrap_or(0);
            active.paused_since = Set(None);
            active.paused_days = Set(days);
            active.ended_on = Set(Some(on));
            if let Some(end) = end {
                active.onward_offers = Set(json_list(&end.onward_offers));
                active.discontinue_reason =
                    Set(end.discontinue_reason.map(|r| r.as_str().to_owned()));
            }
        }
    }
    Ok(active.update(db).await?)
}

// ---- conversations ------------------------------------------------------------

pub async fn add_conversation(
    db: &impl ConnectionTrait,
    grant: &Grant,
    seq: u32,
    c: &Conversation,
    now: DateTime<Utc>,
) -> Result<conversation::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    let Some(p) = period(db, grant, seq).await? else {
        return Err(Error::from(Refusal::not_found("period")));
    };
    if c.held_on < p.start_date {
        return Err(Error::from(Refusal::against_stored(FieldError::new(
            "held_on",
            "after_start",
            format!("must not be before the period's start {}", p.start_date),
        ))));
    }
    let kind = c.kind.as_str();
    if kind != "interim" {
        let twin = conversation::Entity::find()
            .filter(conversation::Column::PeriodId.eq(p.id))
            .filter(conversation::Column::Kind.eq(kind))
            .one(db)
            .await?;
        if let Some(twin) = twin {
            return Err(Error::from(Refusal::Conflict {
                code: "conversation-exists",
                detail: format!("period {seq} already has its {kind} conversation"),
                current: serde_json::json!({
                    "id": twin.id, "kind": twin.kind, "held_on": twin.held_on,
                    "interpreter_used": twin.interpreter_used,
                }),
            }));
        }
    }
    let model = conversation::ActiveModel {
        id: Set(Uuid::now_v7()),
        period_id: Set(p.id),
        kind: Set(kind.to_owned()),
        held_on: Set(c.held_on),
        interpreter_used: Set(c.interpreter_used),
        recorded_by: Set(Some(grant.actor)),
        created_at: Set(now),
    };
    Ok(model.insert(db).await?)
}

pub async fn conversations(
    db: &impl ConnectionTrait,
    grant: &Grant,
    seq: u32,
) -> Result<Vec<conversation::Model>> {
    grant.require_action(StaffAction::ReadJourney)?;
    let Some(p) = period(db, grant, seq).await? else {
        return Err(Error::from(Refusal::not_found("period")));
    };
    Ok(conversation::Entity::find()
        .filter(conversation::Column::PeriodId.eq(p.id))
        .order_by_asc(conversation::Column::HeldOn)
        .order_by_asc(conversation::Column::Id)
        .all(db)
        .await?)
}

// ---- goals --------------------------------------------------------------------

/// Who writes a goal.
#[derive(Debug, Clone, Copy)]
pub enum Author<'a> {
    Participant(Uuid),
    Staff(&'a Grant),
}

impl Author<'_> {
    fn records(&self) -> Records {
        match self {
            Author::Participant(id) => Records::Own(*id),
            Author::Staff(g) => Records::of(g),
        }
    }

    fn check(&self) -> Result<(), DbErr> {
        match self {
            Author::Participant(_) => Ok(()),
            Author::Staff(g) => g.require_action(StaffAction::WriteJourney),
        }
    }
}

/// Adds a goal to the open period. A veileder's goal is their centre's; a
/// participant's own goal belongs to the centre of the period it joins,
/// else to the centre that enrolled them.
pub async fn add_goal(
    db: &impl ConnectionTrait,
    author: Author<'_>,
    g: &Goal,
    now: DateTime<Utc>,
) -> Result<goal::Model, DbErr> {
    author.check()?;
    let records = author.records();
    let participant_id = records.participant();
    let period = records.current_period(db).await?.filter(is_open);
    let (created_by, by_participant, centre_id) = match author {
        Author::Participant(id) => {
            let enrolled = super::entities::account::Entity::find_by_id(id)
                .one(db)
                .await?
                .and_then(|a| a.centre_id);
            (id, true, period.as_ref().map(|p| p.centre_id).or(enrolled))
        }
        Author::Staff(grant) => (grant.actor, false, Some(grant.centre_id)),
    };
    goal::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(participant_id),
        period_id: Set(period.map(|p| p.id)),
        centre_id: Set(centre_id),
        domain: Set(g.domain.as_str().to_owned()),
        text: Set(g.text.clone()),
        target: Set(g.target.clone()),
        attainment: Set(None),
        created_by: Set(Some(created_by)),
        created_by_participant: Set(by_participant),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Rewrites a goal's domain, words and target. Attainment is the end
/// conversation's and stays.
pub async fn edit_goal(
    db: &impl ConnectionTrait,
    author: Author<'_>,
    goal_id: Uuid,
    g: &Goal,
    now: DateTime<Utc>,
) -> Result<goal::Model> {
    author.check()?;
    let Some(existing) = author
        .records()
        .goals()
        .filter(goal::Column::Id.eq(goal_id))
        .one(db)
        .await?
    else {
        return Err(Error::from(Refusal::not_found("goal")));
    };
    let mut active: goal::ActiveModel = existing.into();
    active.domain = Set(g.domain.as_str().to_owned());
    active.text = Set(g.text.clone());
    active.target = Set(g.target.clone());
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn set_goal_attainment(
    db: &impl ConnectionTrait,
    grant: &Grant,
    goal_id: Uuid,
    attainment: journey::Attainment,
    now: DateTime<Utc>,
) -> Result<goal::Model> {
    grant.require_action(StaffAction::WriteJourney)?;
    let Some(existing) = Records::of(grant)
        .goals()
        .filter(goal::Column::Id.eq(goal_id))
        .one(db)
        .await?
    else {
        return Err(Error::from(Refusal::not_found("goal")));
    };
    let mut active: goal::ActiveModel = existing.into();
    active.attainment = Set(Some(attainment.as_str().to_owned()));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

async fn goals_in(db: &impl ConnectionTrait, records: Records) -> Result<Vec<goal::Model>, DbErr> {
    records
        .goals()
        .order_by_asc(goal::Column::CreatedAt)
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await
}

/// All of a participant's own goals, at every centre.
pub async fn own_goals(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Vec<goal::Model>, DbErr> {
    goals_in(db, Records::Own(participant_id)).await
}

/// The grant's centre's goals of the participant.
pub async fn goals(db: &impl ConnectionTrait, grant: &Grant) -> Result<Vec<goal::Model>, DbErr> {
    grant.require_action(StaffAction::ReadJourney)?;
    goals_in(db, Records::of(grant)).await
}

pub async fn delete_own_goal(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    goal_id: Uuid,
) -> Result<bool, DbErr> {
    let res = goal::Entity::delete_many()
        .filter(goal::Column::Id.eq(goal_id))
        .filter(goal::Column::ParticipantId.eq(participant_id))
        .filter(goal::Column::Attainment.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

// ---- courses ------------------------------------------------------------------

pub async fn add_course(
    db: &impl ConnectionTrait,
    grant: &Grant,
    c: &Course,
    now: DateTime<Utc>,
) -> Result<course::Model, DbErr> {
    grant.require_action(StaffAction::WriteJourney)?;
    let period = periods(db, grant)
        .await?
        .into_iter()
        .rev()
        .find(|p| p.start_date <= c.started_on);
    course::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(grant.participant_id),
        centre_id: Set(grant.centre_id),
        period_id: Set(period.map(|p| p.id)),
        kind: Set(c.kind.as_str().to_owned()),
        name: Set(c.name.clone()),
        started_on: Set(c.started_on),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn courses(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Vec<course::Model>, DbErr> {
    grant.require_action(StaffAction::ReadJourney)?;
    course::Entity::find()
        .filter(course::Column::ParticipantId.eq(grant.participant_id))
        .filter(course::Column::CentreId.eq(grant.centre_id))
        .order_by_asc(course::Column::StartedOn)
        .order_by_asc(course::Column::Id)
        .all(db)
        .await
}

// ---- assessments --------------------------------------------------------------

/// Who records an assessment.
#[derive(Debug, Clone, Copy)]
pub enum Recorder<'a> {
    /// A questionnaire the participant fills in.
    Participant(Uuid),
    /// A test at the centre.
    Staff(&'a Grant),
}

pub async fn add_assessment(
    db: &impl ConnectionTrait,
    recorder: Recorder<'_>,
    a: &Assessment,
    now: DateTime<Utc>,
) -> Result<assessment::Model> {
    let (records, centre_id, recorded_by, source) = match recorder {
        Recorder::Participant(id) => (Records::Own(id), None, id, "participant"),
        Recorder::Staff(grant) => {
            grant.require_action(StaffAction::RecordAssessment)?;
            (
                Records::of(grant),
                Some(grant.centre_id),
                grant.actor,
                "staff",
            )
        }
    };
    let participant_id = records.participant();
    let period = match a.period {
        Some(seq) => match records.period(db, seq).await? {
            Some(p) => Some(p),
            None => {
                return Err(Error::from(Refusal::against_stored(FieldError::new(
                    "period",
                    "exists",
                    format!("the participant has no period {seq} here"),
                ))));
            }
        },
        // A follow-up belongs to the period it follows, which has ended.
        None if a.timepoint.is_followup() => records.current_period(db).await?,
        None => records.current_period(db).await?.filter(is_open),
    };
    let timepoint = match a.timepoint {
        Timepoint::Followup => Timepoint::nearer_followup(
            a.assessed_on,
            period.as_ref().map(|p| p.ended_on.unwrap_or(p.planned_end)),
        ),
        other => other,
    };
    let centre_id = centre_id.or(period.as_ref().map(|p| p.centre_id));
    let values = serde_json::to_string(&a.values)
        .map_err(|e| DbErr::Custom(format!("assessment values: {e}")))?;
    let model = assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(participant_id),
        centre_id: Set(centre_id),
        period_id: Set(period.map(|p| p.id)),
        instrument: Set(a.instrument.as_str().to_owned()),
        timepoint: Set(timepoint.as_str().to_owned()),
        assessed_on: Set(a.assessed_on),
        values: Set(values),
        source: Set(source.to_owned()),
        recorded_by: Set(Some(recorded_by)),
        created_at: Set(now),
    };
    Ok(model.insert(db).await?)
}

fn assessments_query(participant_id: Uuid) -> sea_orm::Select<assessment::Entity> {
    assessment::Entity::find()
        .filter(assessment::Column::ParticipantId.eq(participant_id))
        .order_by_asc(assessment::Column::AssessedOn)
        .order_by_asc(assessment::Column::Id)
}

/// All of a participant's own assessments, at every centre.
pub async fn own_assessments(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Vec<assessment::Model>, DbErr> {
    assessments_query(participant_id).all(db).await
}

/// A participant's assessments, for a veileder with `assessments` consent:
/// the tests their centre recorded and the participant's questionnaires
/// that belong to no other centre's period.
pub async fn assessments(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Vec<assessment::Model>, DbErr> {
    grant.require(ConsentScope::Assessments)?;
    assessments_query(grant.participant_id)
        .filter(
            sea_orm::Condition::any()
                .add(assessment::Column::CentreId.eq(grant.centre_id))
                .add(assessment::Column::CentreId.is_null()),
        )
        .all(db)
        .await
}

pub async fn delete_own_assessment(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    assessment_id: Uuid,
) -> Result<bool, DbErr> {
    let res = assessment::Entity::delete_many()
        .filter(assessment::Column::Id.eq(assessment_id))
        .filter(assessment::Column::ParticipantId.eq(participant_id))
        .filter(assessment::Column::Source.eq("participant"))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// The centre's open periods of many participants, for its caseload.
pub async fn open_periods(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
    participant_ids: &[Uuid],
) -> Result<Vec<period::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in participant_ids.chunks(500) {
        out.extend(
            period::Entity::find()
                .filter(period::Column::CentreId.eq(centre_id))
                .filter(period::Column::ParticipantId.is_in(chunk.iter().copied()))
                .filter(
                    period::Column::Status
                        .is_in([PeriodStatus::Active.as_str(), PeriodStatus::Paused.as_str()]),
                )
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

// ---- outcome inputs -------------------------------------------------------------

/// The stored rows a period's outcomes are computed from. Parts the reader
/// may not see are left empty (and flagged, so the indicators say
/// `not_shared` rather than "no data").
#[derive(Debug, Default)]
pub struct OutcomeRows {
    pub profile: Option<participant_profile::Model>,
    pub diary_visible: bool,
    pub assessments_visible: bool,
    pub assessments: Vec<assessment::Model>,
    /// (diary day, content JSON) of live entries other than quit attempts.
    pub diary: Vec<(NaiveDate, String)>,
    /// Content JSON of live quit attempts.
    pub quit_attempts: Vec<String>,
    pub goals: Vec<goal::Model>,
}

/// Diary days from a week before the period (the 7-day window before an
/// early assessment) to `to`.
async fn rows_for(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    period: &period::Model,
    to: NaiveDate,
    diary_visible: bool,
    assessments_visible: bool,
) -> Result<OutcomeRows, DbErr> {
    let assessments = if assessments_visible {
        assessments_query(participant_id)
            .filter(assessment::Column::PeriodId.eq(period.id))
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    // The 7-day window before a week-12 assessment may reach past `to`.
    let last_assessment = assessments.iter().map(|a| a.assessed_on).max();
    let to = last_assessment.map_or(to, |d| d.max(to));
    let (diary, quit_attempts) = if diary_visible {
        let from = period.start_date - chrono::Duration::days(7);
        (
            super::diary::diary_rows(db, participant_id, from, to).await?,
            super::diary::quit_attempt_rows(db, participant_id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let goals = goal::Entity::find()
        .filter(goal::Column::ParticipantId.eq(participant_id))
        .filter(goal::Column::PeriodId.eq(period.id))
        .all(db)
        .await?;
    Ok(OutcomeRows {
        profile: own_attributes(db, participant_id).await?,
        diary_visible,
        assessments_visible,
        assessments,
        diary,
        quit_attempts,
        goals,
    })
}

/// A participant's own period: everything is visible to them.
pub async fn own_outcome_rows(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    period: &period::Model,
    to: NaiveDate,
) -> Result<OutcomeRows, DbErr> {
    rows_for(db, participant_id, period, to, true, true).await
}

/// A period's rows for a veileder: diary-based parts only under
/// `summaries`, assessments only under `assessments` consent.
pub async fn outcome_rows(
    db: &impl ConnectionTrait,
    grant: &Grant,
    period: &period::Model,
    to: NaiveDate,
) -> Result<OutcomeRows, DbErr> {
    // An epikrise holds the period's outcomes as the veileder may see them.
    if !matches!(
        grant.action,
        StaffAction::ReadOutcomes | StaffAction::DraftEpikrise
    ) {
        grant.require_action(StaffAction::ReadOutcomes)?;
    }
    if period.participant_id != grant.participant_id || period.centre_id != grant.centre_id {
        return Err(DbErr::Custom(
            "a grant was used for a period of another participant or centre".into(),
        ));
    }
    rows_for(
        db,
        grant.participant_id,
        period,
        to,
        grant.covers(ConsentScope::Summaries),
        grant.covers(ConsentScope::Assessments),
    )
    .await
}
