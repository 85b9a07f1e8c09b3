//! Anonymised reports and exports: who may ask for them (centre admins and
//! evaluators of the centre), the audit row every request writes, and the
//! rows the KOSTRA report counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::journey::{
    CourseKind, EducationLevel, ReferralReason, ReferrerType, Sex, TriageOutcome, WorkSchoolStatus,
};
use friskliv_domain::kostra::{PersonYear, Profession, StaffResource};
use friskliv_domain::{AccountRole, EvaluationArea, MunicipalityNumber};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::entities::{
    centre, conversation, course, evaluation_area, export_audit, export_job, participant_profile,
    period, referral, staff_resource,
};
use super::sharing::Actor;

/// What an export covers: one centre, or every centre of a municipality or
/// county the evaluator is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportScope {
    Centre(Uuid),
    Area(EvaluationArea),
}

impl ExportScope {
    /// How the scope is written into the audit row.
    pub fn describe(&self) -> serde_json::Value {
        match self {
            ExportScope::Centre(c) => serde_json::json!({ "centre": c }),
            ExportScope::Area(a) => serde_json::json!({ a.kind(): a.code() }),
        }
    }

    pub fn centre(&self) -> Option<Uuid> {
        match self {
            ExportScope::Centre(c) => Some(*c),
            ExportScope::Area(_) => None,
        }
    }
}

/// The municipalities and counties granted to an account, oldest first.
pub async fn evaluation_areas(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<EvaluationArea>, DbErr> {
    use sea_orm::QueryOrder;
    Ok(evaluation_area::Entity::find()
        .filter(evaluation_area::Column::AccountId.eq(account_id))
        .order_by_asc(evaluation_area::Column::GrantedAt)
        .order_by_asc(evaluation_area::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|g| EvaluationArea::parse(&g.kind, &g.code).ok())
        .collect())
}

/// Grants `area` to an evaluator; `false` when it was already granted.
pub async fn grant_area(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    area: &EvaluationArea,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if evaluation_areas(db, account_id).await?.contains(area) {
        return Ok(false);
    }
    evaluation_area::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        kind: Set(area.kind().to_owned()),
        code: Set(area.code().to_owned()),
        granted_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Takes `area` back; `false` when it was not granted.
pub async fn revoke_area(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    area: &EvaluationArea,
) -> Result<bool, DbErr> {
    let removed = evaluation_area::Entity::delete_many()
        .filter(evaluation_area::Column::AccountId.eq(account_id))
        .filter(evaluation_area::Column::Kind.eq(area.kind()))
        .filter(evaluation_area::Column::Code.eq(area.code()))
        .exec(db)
        .await?;
    Ok(removed.rows_affected > 0)
}

/// The centres of `scope`, each with its municipality number, when `actor`
/// may export the scope; `None` when not. Centre admins and evaluators see
/// their own centre; evaluators also every centre inside an area they are
/// granted. Veiledere work with individuals and use the caseload instead.
pub async fn centres_in_scope(
    db: &impl ConnectionTrait,
    actor: &Actor,
    scope: &ExportScope,
) -> Result<Option<BTreeMap<Uuid, String>>, DbErr> {
    if !matches!(
        actor.role,
        AccountRole::CentreAdmin | AccountRole::Evaluator
    ) {
        return Ok(None);
    }
    let granted = if actor.role == AccountRole::Evaluator {
        evaluation_areas(db, actor.account_id).await?
    } else {
        Vec::new()
    };
    match scope {
        ExportScope::Centre(id) => {
            let Some(c) = centre::Entity::find_by_id(*id).one(db).await? else {
                return Ok(None);
            };
            let inside_granted_area = MunicipalityNumber::parse(&c.municipality_number)
                .is_ok_and(|m| granted.iter().any(|a| a.contains(&m)));
            Ok((actor.centre_id == Some(c.id) || inside_granted_area)
                .then(|| BTreeMap::from([(c.id, c.municipality_number)])))
        }
        ExportScope::Area(area) => {
            if !granted.iter().any(|g| g.covers(area)) {
                return Ok(None);
            }
            let found = centre::Entity::find()
                .filter(match area {
                    EvaluationArea::Municipality(m) => {
                        centre::Column::MunicipalityNumber.eq(m.as_str())
                    }
                    EvaluationArea::County(c) => {
                        centre::Column::MunicipalityNumber.starts_with(c.as_str())
                    }
                })
                .all(db)
                .await?;
            Ok(Some(
                found
                    .into_iter()
                    .map(|c| (c.id, c.municipality_number))
                    .collect(),
            ))
        }
    }
}

/// Whether `actor` may see the anonymised reports and extracts of a centre.
pub async fn may_report_on(
    db: &impl ConnectionTrait,
    actor: &Actor,
    centre_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(centres_in_scope(db, actor, &ExportScope::Centre(centre_id))
        .await?
        .is_some())
}

/// A research extract job, for the account that asked for it and only
/// while it may still export the centre. Anyone else gets `None` and learns
/// nothing, not even that the job exists; the operator reaches every job
/// with `friskliv admin export-job`.
pub async fn requested_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    job_id: Uuid,
) -> Result<Option<export_job::Model>, DbErr> {
    let Some(job) = export_job::Entity::find_by_id(job_id)
        .filter(export_job::Column::RequestedBy.eq(actor.account_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(may_report_on(db, actor, job.centre_id)
        .await?
        .then_some(job))
}

/// How much of a centre's KOSTRA report a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KostraDetail {
    /// The centre's own admin, who files the counts with SSB.
    Exact,
    /// Evaluators: under the outcome tables' disclosure control.
    Protected,
}

pub async fn kostra_detail(
    db: &impl ConnectionTrait,
    actor: &Actor,
    centre_id: Uuid,
) -> Result<Option<KostraDetail>, DbErr> {
    if !may_report_on(db, actor, centre_id).await? {
        return Ok(None);
    }
    Ok(Some(
        if actor.role == AccountRole::CentreAdmin && actor.centre_id == Some(centre_id) {
            KostraDetail::Exact
        } else {
            KostraDetail::Protected
        },
    ))
}

/// Writes the audit row of an export request, allowed or refused. A
/// request naming a centre that does not exist is kept with the id in its
/// parameters (the row's centre column must name a real centre).
pub async fn audit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    centre_id: Option<Uuid>,
    parameters: serde_json::Value,
    allowed: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // A request naming a centre that does not exist is audited with the id
    // among its parameters (there is no centre row to point at).
    let (centre_id, parameters) = match centre_id {
        Some(id)
            if super::entities::centre::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none() =>
        {
            let mut parameters = parameters;
            if let Some(map) = parameters.as_object_mut() {
                map.insert("centre_id".to_owned(), serde_json::json!(id));
            }
            (None, parameters)
        }
        other => (other, parameters),
    };
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

/// A research extract's whole report (including the classes it dropped,
/// which the requester is not told), kept with the audit rows.
pub async fn audit_job_report(
    db: &impl ConnectionTrait,
    job_id: Uuid,
    centre_id: Uuid,
    report: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let requested_by = export_job::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .and_then(|j| j.requested_by);
    export_audit::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_account_id: Set(requested_by),
        actor_role: Set("job".to_owned()),
        action: Set("research_extract_report".to_owned()),
        centre_id: Set(Some(centre_id)),
        parameters: Set(serde_json::json!({ "job": job_id, "report": report }).to_string()),
        allowed: Set(true),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An export run by the server's operator (`friskliv admin …`).
pub async fn audit_operator(
    db: &impl ConnectionTrait,
    action: &str,
    centre_id: Uuid,
    parameters: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    export_audit::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_account_id: Set(None),
        actor_role: Set("operator".to_owned()),
        action: Set(action.to_owned()),
        centre_id: Set(Some(centre_id)),
        parameters: Set(parameters.to_string()),
        allowed: Set(true),
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
/// Everyone with a contact with the centre in `from..=to`: a follow-up
/// period running, a conversation held, a referral dated or triaged, or a
/// course started in it. [`friskliv_domain::kostra::count`] keeps those
/// who used an offer.
pub async fn kostra_persons(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PersonYear>, DbErr> {
    let mut persons: BTreeMap<Uuid, PersonYear> = BTreeMap::new();
    let running: Vec<(Uuid, Option<Uuid>, Option<NaiveDate>, String)> = period::Entity::find()
        .select_only()
        .column(period::Column::ParticipantId)
        .column(period::Column::ReferralId)
        .column(period::Column::EndedOn)
        .column(period::Column::OnwardOffers)
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
    for (participant, referral_id, ended_on, onward_offers) in &running {
        let person = persons.entry(*participant).or_default();
        person.periods += 1;
        let ended_in_year = ended_on.is_some_and(|d| (from..=to).contains(&d));
        let offers: Vec<serde_json::Value> =
            serde_json::from_str(onward_offers).unwrap_or_default();
        person.onward_offer |= ended_in_year && !offers.is_empty();
        referral_ids.extend(referral_id);
    }
    let conversations: Vec<(Uuid, bool)> = conversation::Entity::find()
        .select_only()
        .column(period::Column::ParticipantId)
        .column(conversation::Column::InterpreterUsed)
        .join(
            sea_orm::JoinType::InnerJoin,
            conversation::Entity::belongs_to(period::Entity)
                .from(conversation::Column::PeriodId)
                .to(period::Column::Id)
                .into(),
        )
        .filter(period::Column::CentreId.eq(centre_id))
        .filter(conversation::Column::HeldOn.gte(from))
        .filter(conversation::Column::HeldOn.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    for (participant, interpreter_used) in conversations {
        let person = persons.entry(participant).or_default();
        person.conversation = true;
        person.interpreter_used |= interpreter_used;
    }
    type ReferralRow = (
        Uuid,
        Uuid,
        String,
        String,
        Option<String>,
        Option<NaiveDate>,
    );
    let referral_columns = |q: sea_orm::Select<referral::Entity>| {
        q.select_only()
            .column(referral::Column::Id)
            .column(referral::Column::ParticipantId)
            .column(referral::Column::ReferrerType)
            .column(referral::Column::Reasons)
            .column(referral::Column::TriageOutcome)
            .column(referral::Column::TriageDecidedOn)
    };
    let mut referrals: Vec<ReferralRow> = referral_columns(referral::Entity::find())
        .filter(referral::Column::CentreId.eq(centre_id))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(referral::Column::ReferredOn.gte(from))
                        .add(referral::Column::ReferredOn.lte(to)),
                )
                .add(
                    Condition::all()
                        .add(referral::Column::TriageDecidedOn.gte(from))
                        .add(referral::Column::TriageDecidedOn.lte(to)),
                ),
        )
        .into_tuple()
        .all(db)
        .await?;
    referral_ids.sort();
    referral_ids.dedup();
    referral_ids.retain(|id| !referrals.iter().any(|r| r.0 == *id));
    for chunk in referral_ids.chunks(CHUNK) {
        referrals.extend(
            referral_columns(referral::Entity::find())
                .filter(referral::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<ReferralRow>()
                .all(db)
                .await?,
        );
    }
    for (_, participant, referrer, reasons, triage, decided_on) in referrals {
        let person = persons.entry(participant).or_default();
        if let Ok(referrer) = referrer.parse::<ReferrerType>() {
            person.referrers.push(referrer);
        }
        let reasons: Vec<String> = serde_json::from_str(&reasons).unwrap_or_default();
        person.reasons.extend(
            reasons
                .iter()
                .filter_map(|r| r.parse::<ReferralReason>().ok()),
        );
        // The triage is decided at the first conversation: the person came.
        if decided_on.is_some_and(|d| (from..=to).contains(&d)) && triage.is_some() {
            person.conversation = true;
            person.redirected |= triage.as_deref() == Some(TriageOutcome::Redirected.as_str());
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
        let profiles = participant_profile::Entity::find()
            .filter(participant_profile::Column::AccountId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for profile in profiles {
            if let Some(p) = persons.get_mut(&profile.account_id) {
                p.sex = profile.sex.as_deref().and_then(|s| s.parse::<Sex>().ok());
                p.municipality = profile.municipality.clone();
                p.education = profile
                    .education
                    .as_deref()
                    .and_then(|e| e.parse::<EducationLevel>().ok());
                p.other_language_background = profile.other_language_background;
                p.work_school = profile
                    .work_school
                    .as_deref()
                    .and_then(|w| serde_json::from_str::<Vec<WorkSchoolStatus>>(w).ok())
                    .unwrap_or_default();
                p.age = super::sharing::birth_month_of(Some(&profile)).map(|b| b.age_on(to));
            }
        }
    }
    Ok(persons.into_values().collect())
}

/// Periods per page when computing exports: memory holds a few pages of
/// diaries at a time, however many periods there are.
pub const PERIODS_PER_PAGE: usize = 100;

/// One follow-up period with the rows its outcomes are computed from.
pub struct PeriodWithRows {
    pub period: period::Model,
    /// The referrer type of the period's referral.
    pub referrer: Option<String>,
    pub rows: super::journey::OutcomeRows,
}

/// Every follow-up period of `centres` that started in `[from, to]`, a page
/// at a time, together with the rows its outcomes are computed from
/// (everything visible: anonymous tables need no consent, DOMAIN.md §6).
/// With `only`, periods of other participants are skipped before any of
/// their rows is read (the research extract: consenting participants only).
/// Only the periods' ids are held; memory holds one page of diaries.
pub struct PeriodPages<'a> {
    centres: &'a [Uuid],
    only: Option<&'a BTreeSet<Uuid>>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    ids: Option<std::collections::VecDeque<Uuid>>,
}

impl<'a> PeriodPages<'a> {
    pub fn new(
        centres: &'a [Uuid],
        only: Option<&'a BTreeSet<Uuid>>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        PeriodPages {
            centres,
            only,
            from,
            to,
            today,
            ids: None,
        }
    }

    /// The next non-empty page, or `None` after the last.
    pub async fn next_page(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<PeriodWithRows>>, DbErr> {
        if self.ids.is_none() {
            self.ids = Some(
                period_ids(db, self.centres, self.from, self.to)
                    .await?
                    .into(),
            );
        }
        let ids = self.ids.as_mut().expect("listed above");
        while !ids.is_empty() {
            let n = ids.len().min(PERIODS_PER_PAGE);
            let chunk: Vec<Uuid> = ids.drain(..n).collect();
            let page = load_page(db, &chunk, self.only, self.today).await?;
            if !page.is_empty() {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }
}

/// The ids of the follow-up periods of `centres` started in `[from, to]`,
/// in id order (16 bytes a period: 30 000 periods hold 480 kB).
pub async fn period_ids(
    db: &impl ConnectionTrait,
    centres: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::QueryOrder;
    period::Entity::find()
        .select_only()
        .column(period::Column::Id)
        .filter(period::Column::CentreId.is_in(centres.iter().copied()))
        .filter(period::Column::StartDate.gte(from))
        .filter(period::Column::StartDate.lte(to))
        .order_by_asc(period::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// The periods `ids` (at most a page of them) with the rows their
/// outcomes are computed from, in id order; with `only`, periods of other
/// participants are left out before any of their rows is read.
pub async fn load_page(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    only: Option<&BTreeSet<Uuid>>,
    today: NaiveDate,
) -> Result<Vec<PeriodWithRows>, DbErr> {
    use super::entities::{assessment, diary_entry, goal};
    use friskliv_domain::diary::EntryKind;
    use sea_orm::QueryOrder;

    let page: Vec<period::Model> = period::Entity::find()
        .filter(period::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(period::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|p| only.is_none_or(|allowed| allowed.contains(&p.participant_id)))
        .collect();
    if page.is_empty() {
        return Ok(Vec::new());
    }
    let participants: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = page.iter().map(|p| p.participant_id).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let period_ids: Vec<Uuid> = page.iter().map(|p| p.id).collect();
    let referral_ids: Vec<Uuid> = page.iter().filter_map(|p| p.referral_id).collect();
    let profiles: BTreeMap<Uuid, participant_profile::Model> = participant_profile::Entity::find()
        .filter(participant_profile::Column::AccountId.is_in(participants.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.account_id, p))
        .collect();
    let referrers: BTreeMap<Uuid, String> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .column(referral::Column::ReferrerType)
        .filter(referral::Column::Id.is_in(referral_ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut assessments: BTreeMap<Uuid, Vec<assessment::Model>> = BTreeMap::new();
    // By participant too, so the (participant, period) index serves it.
    for a in assessment::Entity::find()
        .filter(assessment::Column::ParticipantId.is_in(participants.iter().copied()))
        .filter(assessment::Column::PeriodId.is_in(period_ids.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(pid) = a.period_id {
            assessments.entry(pid).or_default().push(a);
        }
    }
    let mut goals: BTreeMap<Uuid, Vec<goal::Model>> = BTreeMap::new();
    for g in goal::Entity::find()
        .filter(goal::Column::ParticipantId.is_in(participants.iter().copied()))
        .filter(goal::Column::PeriodId.is_in(period_ids.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(pid) = g.period_id {
            goals.entry(pid).or_default().push(g);
        }
    }
    // Each period's own window (a week before its start to its end, or
    // 90 days), so a participant's other years are never read; the
    // kinds are listed so the (participant, kind, day) index serves it.
    let window = |p: &period::Model| {
        (
            p.start_date - chrono::Duration::days(7),
            p.ended_on
                .unwrap_or(today)
                .max(p.start_date + chrono::Duration::days(90)),
        )
    };
    let diary_kinds: Vec<&str> = EntryKind::ALL
        .iter()
        .filter(|k| **k != EntryKind::QuitAttempt)
        .map(|k| k.as_str())
        .collect();
    let mut windows = Condition::any();
    for p in &page {
        let (from_day, to_day) = window(p);
        windows = windows.add(
            Condition::all()
                .add(diary_entry::Column::ParticipantId.eq(p.participant_id))
                .add(diary_entry::Column::Kind.is_in(diary_kinds.iter().copied()))
                .add(diary_entry::Column::DiaryDay.gte(from_day))
                .add(diary_entry::Column::DiaryDay.lte(to_day)),
        );
    }
    let mut diaries: BTreeMap<Uuid, Vec<(NaiveDate, String)>> = BTreeMap::new();
    let mut quits: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    // One row per participant with all their entries in it, not one
    // row per entry: handing each of ~85 000 rows of a page from the
    // database driver to this task cost more than reading them.
    let per_participant: Vec<(Uuid, Option<String>)> = diary_entry::Entity::find()
        .select_only()
        .column(diary_entry::Column::ParticipantId)
        .expr(Expr::cust(entry_records_aggregate(
            db.get_database_backend(),
        )))
        .filter(diary_entry::Column::Deleted.eq(false))
        .filter(
            Condition::any().add(windows).add(
                Condition::all()
                    .add(diary_entry::Column::Kind.eq(EntryKind::QuitAttempt.as_str()))
                    .add(diary_entry::Column::ParticipantId.is_in(participants.iter().copied())),
            ),
        )
        .group_by(diary_entry::Column::ParticipantId)
        .into_tuple()
        .all(db)
        .await?;
    for (participant, records) in per_participant {
        for record in records.as_deref().unwrap_or_default().split('\n') {
            let mut fields = record.splitn(3, '\t');
            let (Some(kind), Some(day), Some(content)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if kind == EntryKind::QuitAttempt.as_str() {
                quits
                    .entry(participant)
                    .or_default()
                    .push(content.to_owned());
            } else if let Ok(day) = day.parse::<NaiveDate>() {
                diaries
                    .entry(participant)
                    .or_default()
                    .push((day, content.to_owned()));
            }
        }
    }
    // A participant's diary is handed over, not copied, to their last
    // period in the page.
    let mut periods_left: BTreeMap<Uuid, usize> = BTreeMap::new();
    for p in &page {
        *periods_left.entry(p.participant_id).or_default() += 1;
    }
    let mut out = Vec::with_capacity(page.len());
    for p in page {
        let (window_from, window_to) = window(&p);
        let left = periods_left.entry(p.participant_id).or_default();
        *left -= 1;
        let (diary, quit_attempts) = if *left == 0 {
            (
                diaries.remove(&p.participant_id).unwrap_or_default(),
                quits.remove(&p.participant_id).unwrap_or_default(),
            )
        } else {
            (
                diaries.get(&p.participant_id).cloned().unwrap_or_default(),
                quits.get(&p.participant_id).cloned().unwrap_or_default(),
            )
        };
        let rows = super::journey::OutcomeRows {
            profile: profiles.get(&p.participant_id).cloned(),
            diary_visible: true,
            assessments_visible: true,
            assessments: assessments.remove(&p.id).unwrap_or_default(),
            diary: diary
                .into_iter()
                .filter(|(day, _)| *day >= window_from && *day <= window_to)
                .collect(),
            quit_attempts,
            goals: goals.remove(&p.id).unwrap_or_default(),
        };
        let referrer = p.referral_id.and_then(|id| referrers.get(&id)).cloned();
        out.push(PeriodWithRows {
            period: p,
            referrer,
            rows,
        });
    }
    Ok(out)
}

/// The SQL aggregate that joins a participant's entries into one text:
/// `kind<TAB>diary day<TAB>content` per entry, one entry per line. Stored
/// content is compact JSON, which never holds a raw tab or newline; entries
/// without content (tombstones) drop out, as NULLs do in both aggregates.
fn entry_records_aggregate(backend: sea_orm::DatabaseBackend) -> &'static str {
    match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "string_agg(kind || chr(9) || coalesce(CAST(diary_day AS text), '') || chr(9) || content, chr(10))"
        }
        _ => {
            "group_concat(kind || char(9) || coalesce(diary_day, '') || char(9) || content, char(10))"
        }
    }
}

/// Calls `each` with every period [`PeriodPages`] yields.
#[allow(clippy::too_many_arguments)]
pub async fn each_period_with_rows(
    db: &impl ConnectionTrait,
    centres: &[Uuid],
    only: Option<&BTreeSet<Uuid>>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    mut each: impl FnMut(&period::Model, Option<&str>, super::journey::OutcomeRows),
) -> Result<u64, DbErr> {
    let mut pages = PeriodPages::new(centres, only, from, to, today);
    let mut seen = 0u64;
    while let Some(page) = pages.next_page(db).await? {
        seen += page.len() as u64;
        for p in page {
            each(&p.period, p.referrer.as_deref(), p.rows);
        }
    }
    Ok(seen)
}

// ---- what each requester was given ------------------------------------------------

/// The outcome tables `account_id` was given for `year`, for the
/// differencing rules of `friskliv_domain::releases`. On PostgreSQL the
/// requester's account row is locked until the caller's transaction ends,
/// so two tables asked for at once are judged one after the other (SQLite
/// writers queue anyway).
pub async fn releases_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    year: i32,
) -> Result<Vec<friskliv_domain::releases::Release>, DbErr> {
    use super::entities::table_release;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
            [account_id.into()],
        ))
        .await?;
    }
    let rows = table_release::Entity::find()
        .filter(table_release::Column::AccountId.eq(account_id))
        .filter(table_release::Column::Year.eq(year))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            let centres = r
                .centres
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| c.parse::<Uuid>())
                .collect::<Result<_, _>>()
                .map_err(|e| DbErr::Custom(format!("stored release centres: {e}")))?;
            let group_by = r
                .group_by
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| d.parse())
                .collect::<Result<_, String>>()
                .map_err(|e| DbErr::Custom(format!("stored release breakdown: {e}")))?;
            let fingerprints = r
                .fingerprints
                .chunks_exact(16)
                .map(|c| <[u8; 16]>::try_from(c).expect("chunks of 16"))
                .collect();
            Ok(friskliv_domain::releases::Release {
                centres,
                group_by,
                fingerprints,
            })
        })
        .collect()
}

pub async fn record_release(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    year: i32,
    release: &friskliv_domain::releases::Release,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use super::entities::table_release;
    let join = |items: Vec<String>| items.join(",");
    table_release::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        year: Set(year),
        centres: Set(join(release.centres.iter().map(Uuid::to_string).collect())),
        group_by: Set(join(
            release
                .group_by
                .iter()
                .map(|d| d.as_str().to_owned())
                .collect(),
        )),
        periods: Set(i32::try_from(release.fingerprints.len()).unwrap_or(i32::MAX)),
        fingerprints: Set(release.fingerprints.concat()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

// ---- research extract jobs ---------------------------------------------------------

/// Queues a research extract job asked for by `requested_by`.
pub async fn create_export_job(
    db: &impl ConnectionTrait,
    requested_by: Uuid,
    centre_id: Uuid,
    format: &str,
    parameters: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<export_job::Model, DbErr> {
    export_job::ActiveModel {
        id: Set(Uuid::now_v7()),
        requested_by: Set(Some(requested_by)),
        centre_id: Set(centre_id),
        format: Set(format.to_owned()),
        parameters: Set(parameters.to_string()),
        status: Set("queued".to_owned()),
        rows_written: Set(0),
        report: Set(None),
        error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(db)
    .await
}

/// Any research extract job, whoever asked for it (the operator's view).
pub async fn find_export_job(
    db: &impl ConnectionTrait,
    job_id: Uuid,
) -> Result<Option<export_job::Model>, DbErr> {
    export_job::Entity::find_by_id(job_id).one(db).await
}

/// A centre's staff accounts (centre admins, veiledere, evaluators),
/// oldest first.
pub async fn staff_of(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
) -> Result<Vec<super::entities::account::Model>, DbErr> {
    use super::entities::account;
    use sea_orm::QueryOrder;
    account::Entity::find()
        .filter(account::Column::CentreId.eq(centre_id))
        .filter(account::Column::Role.is_in([
            AccountRole::CentreAdmin.as_str(),
            AccountRole::Veileder.as_str(),
            AccountRole::Evaluator.as_str(),
        ]))
        .order_by_asc(account::Column::CreatedAt)
        .all(db)
        .await
}

/// A centre's staff resources of a year, in profession order.
pub async fn staff_resources(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
    year: i32,
) -> Result<Vec<StaffResource>, DbErr> {
    let rows = staff_resource::Entity::find()
        .filter(staff_resource::Column::CentreId.eq(centre_id))
        .filter(staff_resource::Column::Year.eq(year))
        .all(db)
        .await?;
    let mut out: Vec<StaffResource> = rows
        .into_iter()
        .map(|r| {
            Ok(StaffResource {
                profession: r
                    .profession
                    .parse::<Profession>()
                    .map_err(|e| DbErr::Custom(format!("staff_resources.profession: {e}")))?,
                hours_per_week: r.hours_per_week,
                specified: r.specified,
            })
        })
        .collect::<Result<_, DbErr>>()?;
    out.sort_by_key(|r| r.profession);
    Ok(out)
}

/// Replaces a centre's staff resources of a year.
pub async fn replace_staff_resources(
    db: &impl ConnectionTrait,
    recorded_by: Uuid,
    centre_id: Uuid,
    year: i32,
    resources: &[StaffResource],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    staff_resource::Entity::delete_many()
        .filter(staff_resource::Column::CentreId.eq(centre_id))
        .filter(staff_resource::Column::Year.eq(year))
        .exec(db)
        .await?;
    for r in resources {
        staff_resource::ActiveModel {
            id: Set(Uuid::now_v7()),
            centre_id: Set(centre_id),
            year: Set(year),
            profession: Set(r.profession.as_str().to_owned()),
            hours_per_week: Set(r.hours_per_week),
            specified: Set(r.specified.clone()),
            recorded_by: Set(Some(recorded_by)),
            recorded_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
