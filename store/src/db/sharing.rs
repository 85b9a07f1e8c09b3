//! Sharing with the centre: consents, guardian links, the epikrise flag, and
//! the access log. Staff reach a participant's data only through a
//! [`Grant`], which only [`authorize`] makes: it checks the centre, the role
//! and the active consent, and writes the access-log row in the caller's
//! transaction, allowed or denied. The staff queries take the grant, so a
//! route that forgot a check still could not return data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::consent::{BirthMonth, ConsentMethod, ConsentScope};
use friskliv_domain::diary::EntryKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use super::diary::ListPosition;
use super::entities::{
    access_log, account, consent, diary_entry, guardian_link, invite_detail, participant_profile,
};
use crate::error::Refusal;

pub const LOG_ROWS_PER_STATEMENT: usize = 500;

/// What a staff member wants to do with a participant's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    ReadSummary,
    ReadEntries,
    WriteEntry,
    RecordConsent,
    /// A second staff member confirming oral consent another recorded.
    ConfirmConsent,
    /// The oral consents recorded at the centre, pending or decided.
    ReadConsents,
    /// Referrals, periods, conversations, goals, courses and attributes: the
    /// centre's own casework, recorded in conversation with the participant.
    ReadJourney,
    WriteJourney,
    /// A test done at the centre (writing it back needs no consent; reading
    /// assessments does).
    RecordAssessment,
    ReadAssessments,
    /// Indicators: diary-based ones under `summaries`, assessment-based ones
    /// under `assessments`; either suffices to ask.
    ReadOutcomes,
    /// Drafting a period's epikrise (or message to the GP), or editing the
    /// draft's assessment: casework, with the test values and indicators
    /// the participant shares with the centre.
    DraftEpikrise,
    /// Viewing a drafted or sent epikrise (JSON, FHIR or PDF).
    ReadEpikrise,
    /// Recording that an epikrise was sent.
    SendEpikrise,
}

/// The consents an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Scope(ConsentScope),
    AnyOf(&'static [ConsentScope]),
    /// None, but the grant carries (and the log names) those held.
    IfHeld(&'static [ConsentScope]),
}

impl StaffAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffAction::ReadSummary => "read_summary",
            StaffAction::ReadEntries => "read_entries",
            StaffAction::WriteEntry => "write_entry",
            StaffAction::RecordConsent => "record_consent",
            StaffAction::ConfirmConsent => "confirm_consent",
            StaffAction::ReadConsents => "read_consents",
            StaffAction::ReadJourney => "read_journey",
            StaffAction::WriteJourney => "write_journey",
            StaffAction::RecordAssessment => "record_assessment",
            StaffAction::ReadAssessments => "read_assessments",
            StaffAction::ReadOutcomes => "read_outcomes",
            StaffAction::DraftEpikrise => "draft_epikrise",
            StaffAction::ReadEpikrise => "read_epikrise",
            StaffAction::SendEpikrise => "send_epikrise",
        }
    }

    /// Whether the action changes the participant's records (a grant for a
    /// reading action cannot be used to write: `Grant::require_action`).
    pub fn writes(self) -> bool {
        match self {
            StaffAction::WriteEntry
            | StaffAction::RecordConsent
            | StaffAction::ConfirmConsent
            | StaffAction::WriteJourney
            | StaffAction::RecordAssessment
            | StaffAction::DraftEpikrise
            | StaffAction::SendEpikrise => true,
            StaffAction::ReadSummary
            | StaffAction::ReadEntries
            | StaffAction::ReadConsents
            | StaffAction::ReadJourney
            | StaffAction::ReadAssessments
            | StaffAction::ReadOutcomes
            | StaffAction::ReadEpikrise => false,
        }
    }

    pub fn needs(self) -> Needs {
        match self {
            StaffAction::ReadSummary => Needs::Scope(ConsentScope::Summaries),
            StaffAction::ReadEntries | StaffAction::WriteEntry => {
                Needs::Scope(ConsentScope::Entries)
            }
            StaffAction::ReadAssessments => Needs::Scope(ConsentScope::Assessments),
            StaffAction::ReadOutcomes => {
                Needs::AnyOf(&[ConsentScope::Summaries, ConsentScope::Assessments])
            }
            StaffAction::DraftEpikrise => {
                Needs::IfHeld(&[ConsentScope::Summaries, ConsentScope::Assessments])
            }
            StaffAction::RecordConsent
            | StaffAction::ConfirmConsent
            | StaffAction::ReadConsents
            | StaffAction::ReadJourney
            | StaffAction::WriteJourney
            | StaffAction::RecordAssessment
            | StaffAction::ReadEpikrise
            | StaffAction::SendEpikrise => Needs::Nothing,
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub account_id: Uuid,
    pub role: AccountRole,
    pub centre_id: Option<Uuid>,
}

impl Actor {
    /// Veiledere and centre admins of `centre_id` work with participants;
    /// evaluators see anonymised outcome data only.
    pub fn works_with_participants_at(&self, centre_id: Uuid) -> bool {
        matches!(self.role, AccountRole::Veileder | AccountRole::CentreAdmin)
            && self.centre_id == Some(centre_id)
    }
}

/// Permission to do one action for one participant at one centre, already
/// logged. Only [`authorize`] makes one.
// The module-private field is the point: `#[non_exhaustive]` would still let
// any code in this crate build a Grant without asking `authorize`.
#[allow(clippy::manual_non_exhaustive)]
#[derive(Debug, Clone)]
pub struct Grant {
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub action: StaffAction,
    /// The consented scopes this grant was made under, with the consent ids.
    pub consents: Vec<(ConsentScope, Uuid)>,
    pub actor: Uuid,
    _made_by_authorize: (),
}

impl Grant {
    /// Refuses (as an internal error: it is a programming mistake) to use a
    /// grant for data its consents do not cover.
    pub fn require(&self, scope: ConsentScope) -> Result<(), DbErr> {
        if self.covers(scope) {
            Ok(())
        } else {
            Err(DbErr::Custom(format!(
                "a grant for {:?} was used for {scope}",
                self.consents
            )))
        }
    }

    pub fn covers(&self, scope: ConsentScope) -> bool {
        self.consents.iter().any(|(s, _)| *s == scope)
    }

    /// Refuses to use a grant made for another action.
    pub fn require_action(&self, action: StaffAction) -> Result<(), DbErr> {
        if self.action == action {
            Ok(())
        } else {
            Err(DbErr::Custom(format!(
                "a grant for {:?} was used for {action:?}",
                self.action
            )))
        }
    }

    pub fn consent_id(&self) -> Option<Uuid> {
        self.consents.first().map(|(_, id)| *id)
    }
}

/// Refused where saying "forbidden" would reveal that the participant exists.
fn not_here() -> Refusal {
    Refusal::not_found("participant at this centre")
}

async fn participant_account(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find_by_id(participant_id)
        .filter(account::Column::Role.eq(AccountRole::Participant.as_str()))
        .one(db)
        .await
}

/// How a participant stands with a centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Enrolled there, or sharing something with it now.
    Current,
    /// Shared with it once (every consent since withdrawn) or was followed
    /// there: staff may know them, so a refusal says why.
    Former,
    /// Never: the centre learns nothing, not even that they exist.
    None,
}

async fn relation_to_centre(
    db: &impl ConnectionTrait,
    participant: &account::Model,
    centre_id: Uuid,
) -> Result<Relation, DbErr> {
    if participant.centre_id == Some(centre_id) {
        return Ok(Relation::Current);
    }
    let consents = consent::Entity::find()
        .filter(consent::Column::ParticipantId.eq(participant.id))
        .filter(consent::Column::CentreId.eq(centre_id))
        .all(db)
        .await?;
    if consents.iter().any(|c| c.withdrawn_at.is_none()) {
        return Ok(Relation::Current);
    }
    if !consents.is_empty() {
        return Ok(Relation::Former);
    }
    let followed_there = super::entities::period::Entity::find()
        .filter(super::entities::period::Column::ParticipantId.eq(participant.id))
        .filter(super::entities::period::Column::CentreId.eq(centre_id))
        .count(db)
        .await?
        > 0;
    Ok(if followed_there {
        Relation::Former
    } else {
        Relation::None
    })
}

pub async fn active_consent(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    centre_id: Uuid,
    scope: ConsentScope,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::ParticipantId.eq(participant_id))
        .filter(consent::Column::CentreId.eq(centre_id))
        .filter(consent::Column::Scope.eq(scope.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .order_by_asc(consent::Column::GrantedAt)
        .one(db)
        .await
}

pub struct LogRow<'a> {
    pub participant_id: Uuid,
    pub centre_id: Option<Uuid>,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub resource: &'a str,
    pub consent_id: Option<Uuid>,
    pub allowed: bool,
}

fn log_model(row: LogRow<'_>, now: DateTime<Utc>) -> access_log::ActiveModel {
    access_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(row.participant_id),
        centre_id: Set(row.centre_id),
        actor_account_id: Set(Some(row.actor.account_id)),
        actor_role: Set(row.actor.role.as_str().to_owned()),
        action: Set(row.action.to_owned()),
        resource: Set(row.resource.chars().take(200).collect()),
        consent_id: Set(row.consent_id),
        allowed: Set(row.allowed),
        at: Set(now),
    }
}

pub async fn write_log(
    db: &impl ConnectionTrait,
    rows: Vec<LogRow<'_>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let models: Vec<access_log::ActiveModel> =
        rows.into_iter().map(|r| log_model(r, now)).collect();
    for chunk in models.chunks(LOG_ROWS_PER_STATEMENT) {
        access_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The active consents `action` needs, or why it is refused.
async fn consented(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    centre_id: Uuid,
    action: StaffAction,
) -> Result<Result<Vec<(ConsentScope, Uuid)>, Refusal>, DbErr> {
    let (wanted, optional): (Vec<ConsentScope>, bool) = match action.needs() {
        Needs::Nothing => (Vec::new(), true),
        Needs::Scope(scope) => (vec![scope], false),
        Needs::AnyOf(scopes) => (scopes.to_vec(), false),
        Needs::IfHeld(scopes) => (scopes.to_vec(), true),
    };
    let mut held = Vec::new();
    for scope in &wanted {
        if let Some(c) = active_consent(db, participant_id, centre_id, *scope).await? {
            held.push((*scope, c.id));
        }
    }
    Ok(if optional || !held.is_empty() {
        Ok(held)
    } else {
        let names: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
        Err(Refusal::Forbidden(format!(
            "the participant has not consented to share {} with this centre",
            names.join(" or ")
        )))
    })
}

/// Decides whether `actor` may do `action` for `participant_id` at
/// `centre_id`, and logs the attempt (allowed or denied) in `txn` whenever
/// the participant exists. The caller commits `txn` either way.
pub async fn authorize(
    txn: &DatabaseTransaction,
    actor: &Actor,
    centre_id: Uuid,
    participant_id: Uuid,
    action: StaffAction,
    resource: &str,
    now: DateTime<Utc>,
) -> crate::Result<Grant> {
    let participant = participant_account(txn, participant_id).await?;
    let decision: Result<Vec<(ConsentScope, Uuid)>, Refusal> = match &participant {
        _ if !actor.works_with_participants_at(centre_id) => Err(Refusal::Forbidden(
            "only veiledere and admins of this centre may see its participants".to_owned(),
        )),
        None => Err(not_here()),
        Some(p) => match relation_to_centre(txn, p, centre_id).await? {
            Relation::None => Err(not_here()),
            Relation::Former => Err(Refusal::Forbidden(
                "the participant is not enrolled at this centre and no longer shares anything with it".to_owned(),
            )),
            Relation::Current => consented(txn, participant_id, centre_id, action).await?,
        },
    };
    if participant.is_some() {
        // An attempt through a centre that does not exist is logged without
        // it (there is no centre row to point at).
        let logged_centre = if actor.works_with_participants_at(centre_id)
            || super::entities::centre::Entity::find_by_id(centre_id)
                .one(txn)
                .await?
                .is_some()
        {
            Some(centre_id)
        } else {
            None
        };
        // One row per consent relied on, so the participant sees each.
        let consent_ids: Vec<Option<Uuid>> = match &decision {
            Ok(held) if !held.is_empty() => held.iter().map(|(_, id)| Some(*id)).collect(),
            _ => vec![None],
        };
        write_log(
            txn,
            consent_ids
                .into_iter()
                .map(|consent_id| LogRow {
                    participant_id,
                    centre_id: logged_centre,
                    actor,
                    action: action.as_str(),
                    resource,
                    consent_id,
                    allowed: decision.is_ok(),
                })
                .collect(),
            now,
        )
        .await?;
    }
    decision
        .map(|consents| Grant {
            participant_id,
            centre_id,
            action,
            consents,
            actor: actor.account_id,
            _made_by_authorize: (),
        })
        .map_err(crate::Error::from)
}

// ---- reads behind a grant ----------------------------------------------------

/// Live entries of a kind, for a veileder with `entries` consent.
pub async fn entries_for(
    db: &impl ConnectionTrait,
    grant: &Grant,
    kind: EntryKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    after: Option<ListPosition>,
    limit: u64,
) -> Result<Vec<diary_entry::Model>, DbErr> {
    grant.require(ConsentScope::Entries)?;
    super::diary::list(db, grant.participant_id, kind, from, to, after, limit).await
}

/// (diary day, content JSON) of the live diary entries (not quit attempts)
/// with diary days in [from, to], for a veileder with `summaries` consent.
/// Only the two columns the summary needs are read.
pub async fn summary_entries_for(
    db: &impl ConnectionTrait,
    grant: &Grant,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String)>, DbErr> {
    grant.require(ConsentScope::Summaries)?;
    super::diary::diary_rows(db, grant.participant_id, from, to).await
}

/// The participant's first diary day, for placing weeks when no period
/// exists yet.
pub async fn first_diary_day_for(
    db: &impl ConnectionTrait,
    grant: &Grant,
) -> Result<Option<NaiveDate>, DbErr> {
    grant.require(ConsentScope::Summaries)?;
    #[derive(FromQueryResult)]
    struct First {
        first: Option<NaiveDate>,
    }
    let row = diary_entry::Entity::find()
        .select_only()
        .column_as(diary_entry::Column::DiaryDay.min(), "first")
        .filter(diary_entry::Column::ParticipantId.eq(grant.participant_id))
        .filter(diary_entry::Column::Deleted.eq(false))
        .into_model::<First>()
        .one(db)
        .await?;
    Ok(row.and_then(|r| r.first))
}

/// One participant in a centre's caseload.
#[derive(Debug, Clone)]
pub struct CaseloadRow {
    pub participant: account::Model,
    pub scopes: Vec<ConsentScope>,
    pub epikrise_objection: bool,
    /// Only when the participant consented to `summaries`.
    pub last_logged_day: Option<NaiveDate>,
}

/// A page of at most `limit` participants enrolled at a centre, after the
/// participant `after` (and whether more follow; `None` when `after` is not
/// one of the centre's participants), ordered by display name and
/// id, with what each has consented to. Diary-derived facts appear only
/// under `summaries` consent. One access-log row is written per
/// participant shown, so a page bounds what one request logs.
pub async fn caseload(
    txn: &DatabaseTransaction,
    actor: &Actor,
    centre_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
    now: DateTime<Utc>,
) -> crate::Result<Option<(Vec<CaseloadRow>, bool)>> {
    if !actor.works_with_participants_at(centre_id) {
        return Err(crate::Error::from(Refusal::Forbidden(
            "only veiledere and admins of this centre may see its participants".to_owned(),
        )));
    }
    let mut query = account::Entity::find()
        .filter(account::Column::CentreId.eq(centre_id))
        .filter(account::Column::Role.eq(AccountRole::Participant.as_str()));
    if let Some(after) = after {
        // The cursor names a participant; the page goes on from where they
        // stand in the order now.
        let Some(last) = query
            .clone()
            .filter(account::Column::Id.eq(after))
            .one(txn)
            .await?
        else {
            return Ok(None);
        };
        query = query.filter(
            sea_orm::Condition::any()
                .add(account::Column::DisplayName.gt(last.display_name.as_str()))
                .add(
                    sea_orm::Condition::all()
                        .add(account::Column::DisplayName.eq(last.display_name.as_str()))
                        .add(account::Column::Id.gt(last.id)),
                ),
        );
    }
    let mut participants = query
        .order_by_asc(account::Column::DisplayName)
        .order_by_asc(account::Column::Id)
        .limit(limit + 1)
        .all(txn)
        .await?;
    let more = participants.len() as u64 > limit;
    participants.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let ids: Vec<Uuid> = participants.iter().map(|p| p.id).collect();
    let mut active = Vec::new();
    for chunk in ids.chunks(LOG_ROWS_PER_STATEMENT) {
        active.extend(
            consent::Entity::find()
                .filter(consent::Column::CentreId.eq(centre_id))
                .filter(consent::Column::ParticipantId.is_in(chunk.iter().copied()))
                .filter(consent::Column::WithdrawnAt.is_null())
                .all(txn)
                .await?,
        );
    }
    let mut scopes: BTreeMap<Uuid, BTreeMap<ConsentScope, Uuid>> = BTreeMap::new();
    for c in active {
        if let Ok(scope) = c.scope.parse::<ConsentScope>() {
            scopes
                .entry(c.participant_id)
                .or_default()
                .insert(scope, c.id);
        }
    }
    let mut objections = BTreeSet::new();
    let mut last_days: BTreeMap<Uuid, NaiveDate> = BTreeMap::new();
    let summarised: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| {
            scopes
                .get(id)
                .is_some_and(|s| s.contains_key(&ConsentScope::Summaries))
        })
        .collect();
    for chunk in ids.chunks(LOG_ROWS_PER_STATEMENT) {
        let found = participant_profile::Entity::find()
            .filter(participant_profile::Column::AccountId.is_in(chunk.iter().copied()))
            .filter(participant_profile::Column::EpikriseObjection.eq(true))
            .all(txn)
            .await?;
        objections.extend(found.into_iter().map(|p| p.account_id));
    }
    #[derive(FromQueryResult)]
    struct LastDay {
        participant_id: Uuid,
        last: Option<NaiveDate>,
    }
    for chunk in summarised.chunks(LOG_ROWS_PER_STATEMENT) {
        let rows = diary_entry::Entity::find()
            .select_only()
            .column(diary_entry::Column::ParticipantId)
            .column_as(diary_entry::Column::DiaryDay.max(), "last")
            .filter(diary_entry::Column::ParticipantId.is_in(chunk.iter().copied()))
            .filter(diary_entry::Column::Deleted.eq(false))
            .group_by(diary_entry::Column::ParticipantId)
            .into_model::<LastDay>()
            .all(txn)
            .await?;
        last_days.extend(
            rows.into_iter()
                .filter_map(|r| r.last.map(|d| (r.participant_id, d))),
        );
    }
    let rows: Vec<CaseloadRow> = participants
        .into_iter()
        .map(|p| {
            let consented = scopes.get(&p.id);
            CaseloadRow {
                scopes: consented
                    .map(|s| s.keys().copied().collect())
                    .unwrap_or_default(),
                epikrise_objection: objections.contains(&p.id),
                last_logged_day: last_days.get(&p.id).copied(),
                participant: p,
            }
        })
        .collect();
    write_log(
        txn,
        rows.iter()
            .map(|r| LogRow {
                participant_id: r.participant.id,
                centre_id: Some(centre_id),
                actor,
                action: "read_caseload",
                resource: "caseload",
                consent_id: scopes
                    .get(&r.participant.id)
                    .and_then(|s| s.get(&ConsentScope::Summaries).copied()),
                allowed: true,
            })
            .collect(),
        now,
    )
    .await?;
    Ok(Some((rows, more)))
}

// ---- the participant's side ----------------------------------------------------

pub async fn profile(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Option<participant_profile::Model>, DbErr> {
    participant_profile::Entity::find_by_id(account_id)
        .one(db)
        .await
}

pub fn birth_month_of(profile: Option<&participant_profile::Model>) -> Option<BirthMonth> {
    let p = profile?;
    Some(BirthMonth {
        year: p.birth_year?,
        month: u32::try_from(p.birth_month?).ok()?,
    })
}

pub async fn set_epikrise_objection(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    objects: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match profile(db, account_id).await? {
        Some(existing) => {
            let mut active: participant_profile::ActiveModel = existing.into();
            active.epikrise_objection = Set(objects);
            active.updated_at = Set(now);
            active.update(db).await?;
        }
        None => {
            participant_profile::ActiveModel {
                account_id: Set(account_id),
                birth_year: Set(None),
                birth_month: Set(None),
                epikrise_objection: Set(objects),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Consent history of these participants (grants and withdrawals), oldest first.
pub async fn consents_of(
    db: &impl ConnectionTrait,
    participant_ids: &[Uuid],
) -> Result<Vec<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::ParticipantId.is_in(participant_ids.iter().copied()))
        .order_by_asc(consent::Column::GrantedAt)
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await
}

/// Grants a consent, or returns the active one for the same centre and
/// scope (`false`). Race-free: a partial unique index allows one active
/// consent per participant, centre and scope, and the insert yields to it.
pub async fn grant_consent(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    centre_id: Uuid,
    scope: ConsentScope,
    method: ConsentMethod,
    granted_by: Uuid,
    now: DateTime<Utc>,
) -> Result<(consent::Model, bool), DbErr> {
    let inserted = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO consents (id, participant_id, centre_id, scope, method, granted_at, \
             granted_by_account_id) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (participant_id, centre_id, scope) WHERE withdrawn_at IS NULL DO NOTHING",
            [
                Uuid::now_v7().into(),
                participant_id.into(),
                centre_id.into(),
                scope.as_str().into(),
                method.as_str().into(),
                now.into(),
                granted_by.into(),
            ],
        ))
        .await?;
    let active = active_consent(db, participant_id, centre_id, scope)
        .await?
        .ok_or_else(|| DbErr::Custom("no active consent after granting it".into()))?;
    Ok((active, inserted.rows_affected() == 1))
}

pub async fn find_consent(
    db: &impl ConnectionTrait,
    consent_id: Uuid,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find_by_id(consent_id).one(db).await
}

/// Withdraws a consent; `false` if it was already withdrawn.
pub async fn withdraw_consent(
    db: &impl ConnectionTrait,
    consent_id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(now))
        .col_expr(consent::Column::WithdrawnByAccountId, Expr::value(by))
        .filter(consent::Column::Id.eq(consent_id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether a participant is under 16 by the birth month on record, so
/// their guardian consents for them. Without a birth month they are not.
pub async fn is_under_16(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    today: NaiveDate,
) -> Result<bool, DbErr> {
    let profile = profile(db, participant_id).await?;
    Ok(birth_month_of(profile.as_ref()).is_some_and(|b| b.needs_guardian(today)))
}

/// The children a guardian may act for today: linked to them and under 16
/// by their birth month. A guardian's powers end on the child's 16th
/// birthday month; the consents they gave stay in force until the young
/// person changes them.
pub async fn children_of(
    db: &impl ConnectionTrait,
    guardian_id: Uuid,
    today: NaiveDate,
) -> Result<Vec<Uuid>, DbErr> {
    let linked: Vec<Uuid> = guardian_link::Entity::find()
        .filter(guardian_link::Column::GuardianAccountId.eq(guardian_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.child_account_id)
        .collect();
    let profiles = participant_profile::Entity::find()
        .filter(participant_profile::Column::AccountId.is_in(linked.iter().copied()))
        .all(db)
        .await?;
    Ok(profiles
        .iter()
        .filter(|p| birth_month_of(Some(p)).is_some_and(|b| b.needs_guardian(today)))
        .map(|p| p.account_id)
        .collect())
}

/// The access log of a participant, newest first.
pub async fn access_log_of(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<access_log::Model>, DbErr> {
    let mut query =
        access_log::Entity::find().filter(access_log::Column::ParticipantId.eq(participant_id));
    if let Some(before) = before {
        query = query.filter(access_log::Column::Id.lt(before));
    }
    query
        .order_by_desc(access_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn accounts_by_id(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, account::Model>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

// ---- invites that carry participant details ------------------------------------

pub async fn save_invite_details(
    db: &impl ConnectionTrait,
    invite_id: Uuid,
    birth: Option<BirthMonth>,
    guardian_for: Option<Uuid>,
) -> Result<(), DbErr> {
    if birth.is_none() && guardian_for.is_none() {
        return Ok(());
    }
    invite_detail::ActiveModel {
        invite_id: Set(invite_id),
        birth_year: Set(birth.map(|b| b.year)),
        birth_month: Set(birth.map(|b| b.month as i32)),
        guardian_for_account_id: Set(guardian_for),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// On registration: the birth month becomes the participant's profile, and
/// a guardian is linked to the child the invite named.
pub async fn apply_invite_details(
    db: &impl ConnectionTrait,
    invite_id: Uuid,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(details) = invite_detail::Entity::find_by_id(invite_id).one(db).await? else {
        return Ok(());
    };
    if details.birth_year.is_some() {
        participant_profile::ActiveModel {
            account_id: Set(account_id),
            birth_year: Set(details.birth_year),
            birth_month: Set(details.birth_month),
            epikrise_objection: Set(false),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    if let Some(child) = details.guardian_for_account_id {
        guardian_link::ActiveModel {
            guardian_account_id: Set(account_id),
            child_account_id: Set(child),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
