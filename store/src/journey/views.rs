//! The journey's read models, built from stored rows: decoding the stored
//! columns happens here and nowhere else (a bad stored value is
//! `Error::Internal`).

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::assessment::{AssessmentValues, Instrument, Timepoint};
use friskliv_domain::journey::{
    Attainment, ConversationKind, CourseKind, DiscontinueReason, EducationLevel, GoalDomain,
    OnwardOffer, PeriodStatus, ReferralReason, ReferrerType, Sex, TriageOutcome, WorkSchoolStatus,
};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::entities::{
    assessment, conversation, course, goal, participant_profile, period, referral,
};
use crate::error::{Result, stored_enum, stored_json, stored_opt};

/// The participant attributes the indicators need.
#[derive(Object)]
pub struct ParticipantAttributesView {
    pub participant_id: Uuid,
    /// YYYY-MM.
    #[oai(skip_serializing_if_is_none)]
    pub birth_month: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub sex: Option<Sex>,
    #[oai(skip_serializing_if_is_none)]
    pub height_cm: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub municipality: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub education: Option<EducationLevel>,
    pub work_school: Vec<WorkSchoolStatus>,
    #[oai(skip_serializing_if_is_none)]
    pub preferred_language: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub interpreter_needed: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub other_language_background: Option<bool>,
    /// The fastlege the epikrise goes to.
    #[oai(skip_serializing_if_is_none)]
    pub gp: Option<GpView>,
}

/// The participant's fastlege.
#[derive(Object, Clone)]
pub struct GpView {
    pub name: String,
    /// HPR number.
    #[oai(skip_serializing_if_is_none)]
    pub hpr_number: Option<String>,
    /// The practice (legekontor).
    #[oai(skip_serializing_if_is_none)]
    pub practice: Option<String>,
}

pub fn gp_view(p: &participant_profile::Model) -> Option<GpView> {
    p.gp_name.as_ref().map(|name| GpView {
        name: name.clone(),
        hpr_number: p.gp_hpr_number.clone(),
        practice: p.gp_practice.clone(),
    })
}

pub fn attributes_view(
    participant_id: Uuid,
    p: Option<participant_profile::Model>,
) -> Result<ParticipantAttributesView> {
    let Some(p) = p else {
        return Ok(ParticipantAttributesView {
            participant_id,
            birth_month: None,
            sex: None,
            height_cm: None,
            municipality: None,
            education: None,
            work_school: Vec::new(),
            preferred_language: None,
            interpreter_needed: None,
            other_language_background: None,
            gp: None,
        });
    };
    Ok(ParticipantAttributesView {
        gp: gp_view(&p),
        participant_id,
        birth_month: crate::db::sharing::birth_month_of(Some(&p)).map(|b| b.to_wire()),
        sex: stored_opt("sex", p.sex.as_deref())?,
        height_cm: p.height_cm,
        municipality: p.municipality,
        education: stored_opt("education", p.education.as_deref())?,
        work_school: match p.work_school.as_deref() {
            Some(raw) => stored_json("work_school", raw)?,
            None => Vec::new(),
        },
        preferred_language: p.preferred_language,
        interpreter_needed: p.interpreter_needed,
        other_language_background: p.other_language_background,
    })
}

#[derive(Object)]
pub struct ReferralView {
    pub id: Uuid,
    pub referrer_type: ReferrerType,
    pub reasons: Vec<ReferralReason>,
    pub referred_on: NaiveDate,
    /// Set after the first conversation.
    #[oai(skip_serializing_if_is_none)]
    pub triage_outcome: Option<TriageOutcome>,
    #[oai(skip_serializing_if_is_none)]
    pub triage_decided_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub redirected_to: Option<String>,
    /// Who referred, when recorded.
    #[oai(skip_serializing_if_is_none)]
    pub referrer: Option<ReferrerView>,
    pub created_at: DateTime<Utc>,
}

/// The person who wrote the referral.
#[derive(Object, Clone)]
pub struct ReferrerView {
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub organisation: Option<String>,
}

pub fn referrer_view(r: &referral::Model) -> Option<ReferrerView> {
    r.referrer_name.as_ref().map(|name| ReferrerView {
        name: name.clone(),
        organisation: r.referrer_organisation.clone(),
    })
}

pub fn referral_view(r: referral::Model) -> Result<ReferralView> {
    Ok(ReferralView {
        referrer: referrer_view(&r),
        id: r.id,
        referrer_type: stored_enum("referrer_type", &r.referrer_type)?,
        reasons: stored_json("reasons", &r.reasons)?,
        referred_on: r.referred_on,
        triage_outcome: stored_opt("triage_outcome", r.triage_outcome.as_deref())?,
        triage_decided_on: r.triage_decided_on,
        redirected_to: r.redirected_to,
        created_at: r.created_at,
    })
}

#[derive(Object)]
pub struct ReferralList {
    pub referrals: Vec<ReferralView>,
}

#[derive(Object)]
pub struct PeriodView {
    /// n = 1, 2, … for this participant.
    pub period: u32,
    pub status: PeriodStatus,
    /// The day of the start conversation; week 1 starts here.
    pub start_date: NaiveDate,
    /// Start + 84 days, moved by the days paused.
    pub planned_end: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub paused_since: Option<NaiveDate>,
    pub paused_days: u32,
    #[oai(skip_serializing_if_is_none)]
    pub ended_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub discontinue_reason: Option<DiscontinueReason>,
    /// Where the participant was led at the end.
    pub onward_offers: Vec<OnwardOffer>,
    #[oai(skip_serializing_if_is_none)]
    pub referral_id: Option<Uuid>,
    /// Week k of the period today (Europe/Oslo) while it is open.
    #[oai(skip_serializing_if_is_none)]
    pub current_week: Option<u32>,
}

pub fn period_view(p: period::Model, today: NaiveDate) -> Result<PeriodView> {
    let status: PeriodStatus = stored_enum("period status", &p.status)?;
    Ok(PeriodView {
        period: u32::try_from(p.seq).unwrap_or(0),
        status,
        start_date: p.start_date,
        planned_end: p.planned_end,
        paused_since: p.paused_since,
        paused_days: u32::try_from(p.paused_days).unwrap_or(0),
        ended_on: p.ended_on,
        discontinue_reason: stored_opt("discontinue_reason", p.discontinue_reason.as_deref())?,
        onward_offers: stored_json("onward_offers", &p.onward_offers)?,
        referral_id: p.referral_id,
        current_week: status
            .is_open()
            .then(|| friskliv_domain::journey::period_week(p.start_date, today))
            .flatten(),
    })
}

/// Period views, as of `today`.
pub fn period_views(rows: Vec<period::Model>, today: NaiveDate) -> Result<Vec<PeriodView>> {
    rows.into_iter().map(|p| period_view(p, today)).collect()
}

#[derive(Object)]
pub struct PeriodList {
    pub periods: Vec<PeriodView>,
}

#[derive(Object)]
pub struct ConversationView {
    pub id: Uuid,
    pub kind: ConversationKind,
    pub held_on: NaiveDate,
    pub interpreter_used: bool,
}

pub fn conversation_view(c: conversation::Model) -> Result<ConversationView> {
    Ok(ConversationView {
        id: c.id,
        kind: stored_enum("conversation kind", &c.kind)?,
        held_on: c.held_on,
        interpreter_used: c.interpreter_used,
    })
}

#[derive(Object)]
pub struct ConversationList {
    pub conversations: Vec<ConversationView>,
}

#[derive(Object)]
pub struct GoalView {
    pub id: Uuid,
    pub domain: GoalDomain,
    /// In the participant's own words.
    pub text: String,
    #[oai(skip_serializing_if_is_none)]
    pub target: Option<String>,
    /// Set at the end conversation.
    #[oai(skip_serializing_if_is_none)]
    pub attainment: Option<Attainment>,
    /// The period the goal was set in.
    #[oai(skip_serializing_if_is_none)]
    pub period: Option<u32>,
    /// Written by the participant in the app (they may edit it).
    pub written_by_participant: bool,
    pub updated_at: DateTime<Utc>,
}

/// The number of the period `period_id` names, among `periods`.
fn period_number_of(period_id: Option<Uuid>, periods: &[period::Model]) -> Option<u32> {
    period_id.and_then(|id| {
        periods
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| u32::try_from(p.seq).ok())
    })
}

pub fn goal_view(g: goal::Model, periods: &[period::Model]) -> Result<GoalView> {
    Ok(GoalView {
        id: g.id,
        domain: stored_enum("goal domain", &g.domain)?,
        text: g.text,
        target: g.target,
        attainment: stored_opt("attainment", g.attainment.as_deref())?,
        period: period_number_of(g.period_id, periods),
        written_by_participant: g.created_by_participant,
        updated_at: g.updated_at,
    })
}

/// Goal views, each naming its period.
pub fn goal_views(rows: Vec<goal::Model>, periods: &[period::Model]) -> Result<Vec<GoalView>> {
    rows.into_iter().map(|g| goal_view(g, periods)).collect()
}

#[derive(Object)]
pub struct GoalList {
    pub goals: Vec<GoalView>,
}

#[derive(Object)]
pub struct CourseView {
    pub id: Uuid,
    pub kind: CourseKind,
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    pub started_on: NaiveDate,
}

pub fn course_view(c: course::Model) -> Result<CourseView> {
    Ok(CourseView {
        id: c.id,
        kind: stored_enum("course kind", &c.kind)?,
        name: c.name,
        started_on: c.started_on,
    })
}

#[derive(Object)]
pub struct CourseList {
    pub courses: Vec<CourseView>,
}

/// A recorded assessment: exactly the instrument's field is present.
#[derive(Object)]
pub struct AssessmentView {
    pub id: Uuid,
    pub instrument: Instrument,
    pub timepoint: Timepoint,
    pub assessed_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub period: Option<u32>,
    /// `staff` (a test at the centre) or `participant` (a questionnaire in the app).
    pub source: String,
    pub values: AssessmentValuesView,
}

/// The values of one instrument; the field named like the instrument is set.
#[derive(Object, Default)]
pub struct AssessmentValuesView {
    #[oai(skip_serializing_if_is_none)]
    pub six_minute_walk: Option<friskliv_domain::assessment::SixMinuteWalk>,
    #[oai(skip_serializing_if_is_none)]
    pub treadmill_submax: Option<friskliv_domain::assessment::TreadmillSubmax>,
    #[oai(skip_serializing_if_is_none)]
    pub body: Option<friskliv_domain::assessment::Body>,
    #[oai(skip_serializing_if_is_none)]
    pub self_rated_health: Option<friskliv_domain::assessment::SelfRatedHealth>,
    #[oai(skip_serializing_if_is_none)]
    pub quality_of_life: Option<friskliv_domain::assessment::QualityOfLife>,
    #[oai(skip_serializing_if_is_none)]
    pub coop_wonca: Option<friskliv_domain::assessment::CoopWonca>,
    #[oai(skip_serializing_if_is_none)]
    pub tobacco_status: Option<friskliv_domain::assessment::TobaccoStatus>,
    #[oai(skip_serializing_if_is_none)]
    pub activity_level: Option<friskliv_domain::assessment::ActivityLevel>,
    #[oai(skip_serializing_if_is_none)]
    pub work_school: Option<friskliv_domain::assessment::WorkSchool>,
    #[oai(skip_serializing_if_is_none)]
    pub medication: Option<friskliv_domain::assessment::Medication>,
    #[oai(skip_serializing_if_is_none)]
    pub health_services: Option<friskliv_domain::assessment::HealthServices>,
}

fn values_view(v: AssessmentValues) -> AssessmentValuesView {
    let mut out = AssessmentValuesView::default();
    match v {
        AssessmentValues::SixMinuteWalk(x) => out.six_minute_walk = Some(x),
        AssessmentValues::TreadmillSubmax(x) => out.treadmill_submax = Some(x),
        AssessmentValues::Body(x) => out.body = Some(x),
        AssessmentValues::SelfRatedHealth(x) => out.self_rated_health = Some(x),
        AssessmentValues::QualityOfLife(x) => out.quality_of_life = Some(x),
        AssessmentValues::CoopWonca(x) => out.coop_wonca = Some(x),
        AssessmentValues::TobaccoStatus(x) => out.tobacco_status = Some(x),
        AssessmentValues::ActivityLevel(x) => out.activity_level = Some(x),
        AssessmentValues::WorkSchool(x) => out.work_school = Some(x),
        AssessmentValues::Medication(x) => out.medication = Some(x),
        AssessmentValues::HealthServices(x) => out.health_services = Some(x),
    }
    out
}

pub fn assessment_view(a: assessment::Model, periods: &[period::Model]) -> Result<AssessmentView> {
    Ok(AssessmentView {
        id: a.id,
        instrument: stored_enum("instrument", &a.instrument)?,
        timepoint: stored_enum("timepoint", &a.timepoint)?,
        assessed_on: a.assessed_on,
        period: period_number_of(a.period_id, periods),
        source: a.source,
        values: values_view(stored_json("assessment values", &a.values)?),
    })
}

/// Assessment views, each naming its period.
pub fn assessment_views(
    rows: Vec<assessment::Model>,
    periods: &[period::Model],
) -> Result<Vec<AssessmentView>> {
    rows.into_iter()
        .map(|a| assessment_view(a, periods))
        .collect()
}

#[derive(Object)]
pub struct AssessmentList {
    pub assessments: Vec<AssessmentView>,
}
