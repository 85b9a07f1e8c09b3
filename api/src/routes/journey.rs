//! The journey at the centre (DOMAIN.md §2) under
//! `/v1/centres/{centre_id}/participants/{participant_id}/…`: attributes,
//! referrals and triage, follow-up periods, conversations, goals, courses and
//! assessments. Every operation authorises through
//! `store::sharing::authorize`, which logs the access in the same
//! transaction; journey records are the centre's casework (no consent
//! scope), assessments are read only under `assessments` consent.

use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::assessment::{AssessmentInput, AssessmentValues, Instrument, Timepoint};
use friskliv_domain::journey::{
    Attainment, ConversationInput, ConversationKind, CourseInput, CourseKind, DiscontinueReason,
    EducationLevel, GoalAttainmentInput, GoalDomain, GoalInput, OnwardOffer,
    ParticipantAttributesInput, PeriodAction, PeriodEndInput, PeriodStartInput, PeriodStatus,
    ReferralInput, ReferralReason, ReferrerType, Sex, TriageInput, TriageOutcome, WorkSchoolStatus,
};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::ApiTags;
use super::participants::authorized;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, PeriodParam};
use crate::state::AppState;
use friskliv_store::access::settle;
use friskliv_store::clock;
use friskliv_store::db::entities::{
    assessment, conversation, course, goal, participant_profile, period, referral,
};
use friskliv_store::db::journey::{self, Author, Recorder};
use friskliv_store::db::sharing::StaffAction;

pub struct JourneyApi;

// ---- views ---------------------------------------------------------------------

fn stored<T: DeserializeOwned>(what: &str, raw: &str) -> ApiResult<T> {
    serde_json::from_str(raw).map_err(|e| ApiError::internal(format!("stored {what}: {e}")))
}

fn stored_enum<T: std::str::FromStr>(what: &str, raw: &str) -> ApiResult<T> {
    raw.parse()
        .map_err(|_| ApiError::internal(format!("stored {what} {raw:?}")))
}

fn stored_opt<T: std::str::FromStr>(what: &str, raw: Option<&str>) -> ApiResult<Option<T>> {
    raw.map(|r| stored_enum(what, r)).transpose()
}

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
}

pub fn attributes_view(
    participant_id: Uuid,
    p: Option<participant_profile::Model>,
) -> ApiResult<ParticipantAttributesView> {
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
        });
    };
    Ok(ParticipantAttributesView {
        participant_id,
        birth_month: friskliv_store::db::sharing::birth_month_of(Some(&p)).map(|b| b.to_wire()),
        sex: stored_opt("sex", p.sex.as_deref())?,
        height_cm: p.height_cm,
        municipality: p.municipality,
        education: stored_opt("education", p.education.as_deref())?,
        work_school: match p.work_school.as_deref() {
            Some(raw) => stored("work_school", raw)?,
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
    pub created_at: DateTime<Utc>,
}

fn referral_view(r: referral::Model) -> ApiResult<ReferralView> {
    Ok(ReferralView {
        id: r.id,
        referrer_type: stored_enum("referrer_type", &r.referrer_type)?,
        reasons: stored("reasons", &r.reasons)?,
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

pub fn period_view(p: period::Model, today: NaiveDate) -> ApiResult<PeriodView> {
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
        onward_offers: stored("onward_offers", &p.onward_offers)?,
        referral_id: p.referral_id,
        current_week: status
            .is_open()
            .then(|| friskliv_domain::journey::period_week(p.start_date, today))
            .flatten(),
    })
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

fn conversation_view(c: conversation::Model) -> ApiResult<ConversationView> {
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

pub fn goal_view(g: goal::Model, periods: &[period::Model]) -> ApiResult<GoalView> {
    Ok(GoalView {
        id: g.id,
        domain: stored_enum("goal domain", &g.domain)?,
        text: g.text,
        target: g.target,
        attainment: stored_opt("attainment", g.attainment.as_deref())?,
        period: g.period_id.and_then(|id| {
            periods
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| u32::try_from(p.seq).ok())
        }),
        written_by_participant: g.created_by_participant,
        updated_at: g.updated_at,
    })
}

/// Goal views, each naming its period.
pub fn goal_views(rows: Vec<goal::Model>, periods: &[period::Model]) -> ApiResult<Vec<GoalView>> {
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

fn course_view(c: course::Model) -> ApiResult<CourseView> {
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

pub fn assessment_view(
    a: assessment::Model,
    periods: &[period::Model],
) -> ApiResult<AssessmentView> {
    Ok(AssessmentView {
        id: a.id,
        instrument: stored_enum("instrument", &a.instrument)?,
        timepoint: stored_enum("timepoint", &a.timepoint)?,
        assessed_on: a.assessed_on,
        period: a.period_id.and_then(|id| {
            periods
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| u32::try_from(p.seq).ok())
        }),
        source: a.source,
        values: values_view(stored("assessment values", &a.values)?),
    })
}

/// Assessment views, each naming its period.
pub fn assessment_views(
    rows: Vec<assessment::Model>,
    periods: &[period::Model],
) -> ApiResult<Vec<AssessmentView>> {
    rows.into_iter()
        .map(|a| assessment_view(a, periods))
        .collect()
}

#[derive(Object)]
pub struct AssessmentList {
    pub assessments: Vec<AssessmentView>,
}

macro_rules! created {
    ($name:ident, $view:ty) => {
        #[derive(ApiResponse)]
        pub enum $name {
            /// Recorded.
            #[oai(status = 201)]
            Created(Json<$view>),
        }
    };
}

created!(ReferralCreated, ReferralView);
created!(PeriodStarted, PeriodView);
created!(ConversationCreated, ConversationView);
created!(GoalCreated, GoalView);
created!(CourseCreated, CourseView);
created!(AssessmentCreated, AssessmentView);

/// The day a pause or resume takes effect.
#[derive(Object, serde::Deserialize)]
pub struct PeriodDay {
    /// YYYY-MM-DD; default today (Europe/Oslo).
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// The period number in a path: 1, 2, …
pub fn period_number(raw: &str) -> ApiResult<u32> {
    raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::bad_request(
            "period",
            "format",
            format!(
                "must be a period number 1, 2, …, was {:?}",
                raw.chars().take(20).collect::<String>()
            ),
        )
    })
}

type Ids = (Uuid, Uuid);

fn ids(centre_id: &IdParam, participant_id: &IdParam) -> ApiResult<Ids> {
    Ok((
        centre_id.get("centre_id")?,
        participant_id.get("participant_id")?,
    ))
}

#[OpenApi(tag = "ApiTags::Journey")]
impl JourneyApi {
    /// A participant's attributes (birth month, sex, height, …)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/attributes",
        method = "get",
        operation_id = "getParticipantAttributes"
    )]
    async fn get_attributes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<ParticipantAttributesView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "attributes",
        )
        .await?;
        let profile = journey::attributes(&txn, &grant).await?;
        txn.commit().await?;
        Ok(Json(attributes_view(participant_id, profile)?))
    }

    /// Set a participant's attributes (fields given replace, absent ones are kept)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/attributes",
        method = "patch",
        operation_id = "updateParticipantAttributes"
    )]
    async fn update_attributes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<ParticipantAttributesInput>,
    ) -> ApiResult<Json<ParticipantAttributesView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let attrs = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "attributes",
        )
        .await?;
        let result = journey::update_attributes(&txn, &grant, &attrs, now).await;
        let result = settle(txn, result).await?;
        Ok(Json(attributes_view(participant_id, Some(result))?))
    }

    /// A participant's referrals and their triage
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals",
        method = "get",
        operation_id = "listReferrals"
    )]
    async fn list_referrals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<ReferralList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "referrals",
        )
        .await?;
        let rows = journey::referrals(&txn, &grant).await;
        let rows = settle(txn, rows).await?;
        Ok(Json(ReferralList {
            referrals: rows
                .into_iter()
                .map(referral_view)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Record a referral (henvisning) or self-contact (`referrer_type: self`)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals",
        method = "post",
        operation_id = "createReferral"
    )]
    async fn create_referral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<ReferralInput>,
    ) -> ApiResult<ReferralCreated> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let referral = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "referrals",
        )
        .await?;
        let row = journey::add_referral(&txn, &grant, &referral, now).await?;
        txn.commit().await?;
        Ok(ReferralCreated::Created(Json(referral_view(row)?)))
    }

    /// Record the triage outcome of the first conversation
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals/:referral_id/triage",
        method = "put",
        operation_id = "setTriage"
    )]
    async fn set_triage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        referral_id: Path<IdParam>,
        body: JsonBody<TriageInput>,
    ) -> ApiResult<Json<ReferralView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let referral_id = referral_id.get("referral_id")?;
        let now = Utc::now();
        let triage = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("referrals/{referral_id}/triage"),
        )
        .await?;
        let result = journey::set_triage(&txn, &grant, referral_id, &triage).await;
        let result = settle(txn, result).await?;
        Ok(Json(referral_view(result)?))
    }

    /// A participant's follow-up periods
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods",
        method = "get",
        operation_id = "listPeriods"
    )]
    async fn list_periods(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<PeriodList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "periods",
        )
        .await?;
        let rows = journey::periods(&txn, &grant).await;
        let rows = settle(txn, rows).await?;
        let today = clock::today(Utc::now());
        Ok(Json(PeriodList {
            periods: rows
                .into_iter()
                .map(|p| period_view(p, today))
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Start the next follow-up period (the start conversation's day is week 1's first day)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods",
        method = "post",
        operation_id = "startPeriod"
    )]
    async fn start_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<PeriodStartInput>,
    ) -> ApiResult<PeriodStarted> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let today = clock::today(now);
        let start = body.0.parse(today).map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "periods",
        )
        .await?;
        let result = journey::start_period(&txn, &grant, &start, now).await;
        let p = settle(txn, result).await?;
        Ok(PeriodStarted::Created(Json(period_view(p, today)?)))
    }

    /// One follow-up period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period",
        method = "get",
        operation_id = "getPeriod"
    )]
    async fn get_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<PeriodView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let seq = period_number(&period)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            &format!("periods/{seq}"),
        )
        .await?;
        let rows = journey::periods(&txn, &grant).await;
        let rows = settle(txn, rows).await?;
        let p = rows
            .into_iter()
            .find(|p| p.seq == i32::try_from(seq).unwrap_or(0))
            .ok_or_else(|| ApiError::not_found("period"))?;
        Ok(Json(period_view(p, clock::today(Utc::now()))?))
    }

    /// Pause an active period (the planned end moves by the days paused)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/pause",
        method = "post",
        operation_id = "pausePeriod"
    )]
    async fn pause_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodDay>,
    ) -> ApiResult<Json<PeriodView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        transition(
            &state,
            &principal,
            centre_id,
            participant_id,
            &period,
            PeriodAction::Pause,
            body.0.on,
            None,
        )
        .await
    }

    /// Resume a paused period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/resume",
        method = "post",
        operation_id = "resumePeriod"
    )]
    async fn resume_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodDay>,
    ) -> ApiResult<Json<PeriodView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        transition(
            &state,
            &principal,
            centre_id,
            participant_id,
            &period,
            PeriodAction::Resume,
            body.0.on,
            None,
        )
        .await
    }

    /// Complete a period at the end conversation, with the onward offers the participant was led to
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/complete",
        method = "post",
        operation_id = "completePeriod"
    )]
    async fn complete_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodEndInput>,
    ) -> ApiResult<Json<PeriodView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        transition(
            &state,
            &principal,
            centre_id,
            participant_id,
            &period,
            PeriodAction::Complete,
            None,
            Some(body.0),
        )
        .await
    }

    /// Discontinue a period (dropped out)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/discontinue",
        method = "post",
        operation_id = "discontinuePeriod"
    )]
    async fn discontinue_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodEndInput>,
    ) -> ApiResult<Json<PeriodView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        transition(
            &state,
            &principal,
            centre_id,
            participant_id,
            &period,
            PeriodAction::Discontinue,
            None,
            Some(body.0),
        )
        .await
    }

    /// Renew: complete period n (if still open) the day before and start n + 1 on `start_date`
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/renew",
        method = "post",
        operation_id = "renewPeriod"
    )]
    async fn renew_period(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<PeriodStartInput>,
    ) -> ApiResult<PeriodStarted> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let seq = period_number(&period)?;
        let now = Utc::now();
        let today = clock::today(now);
        let mut start = body.0.parse(today).map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("periods/{seq}/renew"),
        )
        .await?;
        let result = journey::renew_period(&txn, &grant, seq, &mut start, now).await;
        let p = settle(txn, result).await?;
        Ok(PeriodStarted::Created(Json(period_view(p, today)?)))
    }

    /// Health conversations of a period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/conversations",
        method = "get",
        operation_id = "listConversations"
    )]
    async fn list_conversations(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
    ) -> ApiResult<Json<ConversationList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let seq = period_number(&period)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            &format!("periods/{seq}/conversations"),
        )
        .await?;
        let rows = journey::conversations(&txn, &grant, seq).await;
        let rows = settle(txn, rows).await?;
        Ok(Json(ConversationList {
            conversations: rows
                .into_iter()
                .map(conversation_view)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Record a health conversation (one start and one end per period; interim ones repeat)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/conversations",
        method = "post",
        operation_id = "createConversation"
    )]
    async fn create_conversation(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<ConversationInput>,
    ) -> ApiResult<ConversationCreated> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let seq = period_number(&period)?;
        let now = Utc::now();
        let conversation = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("periods/{seq}/conversations"),
        )
        .await?;
        let result = journey::add_conversation(&txn, &grant, seq, &conversation, now).await;
        let result = settle(txn, result).await?;
        Ok(ConversationCreated::Created(Json(conversation_view(
            result,
        )?)))
    }

    /// A participant's goals (their own and those set with the veileder)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals",
        method = "get",
        operation_id = "listGoals"
    )]
    async fn list_goals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<GoalList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "goals",
        )
        .await?;
        let rows = journey::goals(&txn, &grant).await;
        let periods = journey::periods(&txn, &grant).await?;
        let rows = settle(txn, rows).await?;
        Ok(Json(GoalList {
            goals: goal_views(rows, &periods)?,
        }))
    }

    /// Write down a goal with the participant (in their words); it joins the open period
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals",
        method = "post",
        operation_id = "createGoal"
    )]
    async fn create_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<GoalCreated> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "goals",
        )
        .await?;
        let row = journey::add_goal(&txn, Author::Staff(&grant), &goal, now).await?;
        let periods = journey::periods(&txn, &grant).await?;
        txn.commit().await?;
        Ok(GoalCreated::Created(Json(goal_view(row, &periods)?)))
    }

    /// Rewrite a goal's domain, words or target
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals/:goal_id",
        method = "put",
        operation_id = "editGoal"
    )]
    async fn edit_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        goal_id: Path<IdParam>,
        body: JsonBody<GoalInput>,
    ) -> ApiResult<Json<GoalView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let goal_id = goal_id.get("goal_id")?;
        let now = Utc::now();
        let goal = body.0.parse().map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("goals/{goal_id}"),
        )
        .await?;
        let result = journey::edit_goal(&txn, Author::Staff(&grant), goal_id, &goal, now).await;
        let periods = journey::periods(&txn, &grant).await?;
        let result = settle(txn, result).await?;
        Ok(Json(goal_view(result, &periods)?))
    }

    /// Record how far a goal was reached (at the end conversation)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/goals/:goal_id/attainment",
        method = "put",
        operation_id = "setGoalAttainment"
    )]
    async fn set_goal_attainment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        goal_id: Path<IdParam>,
        body: JsonBody<GoalAttainmentInput>,
    ) -> ApiResult<Json<GoalView>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let goal_id = goal_id.get("goal_id")?;
        let now = Utc::now();
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("goals/{goal_id}/attainment"),
        )
        .await?;
        let result =
            journey::set_goal_attainment(&txn, &grant, goal_id, body.0.attainment, now).await;
        let periods = journey::periods(&txn, &grant).await?;
        let result = settle(txn, result).await?;
        Ok(Json(goal_view(result, &periods)?))
    }

    /// Courses and group offers the participant attended
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/courses",
        method = "get",
        operation_id = "listCourses"
    )]
    async fn list_courses(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<CourseList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "courses",
        )
        .await?;
        let rows = journey::courses(&txn, &grant).await;
        let rows = settle(txn, rows).await?;
        Ok(Json(CourseList {
            courses: rows
                .into_iter()
                .map(course_view)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Record a course or group offer the participant attended
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/courses",
        method = "post",
        operation_id = "createCourse"
    )]
    async fn create_course(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<CourseInput>,
    ) -> ApiResult<CourseCreated> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let course = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "courses",
        )
        .await?;
        let row = journey::add_course(&txn, &grant, &course, now).await?;
        txn.commit().await?;
        Ok(CourseCreated::Created(Json(course_view(row)?)))
    }

    /// A participant's tests and questionnaires (needs `assessments` consent)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/assessments",
        method = "get",
        operation_id = "listAssessments"
    )]
    async fn list_assessments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<AssessmentList>> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::ReadAssessments,
            "assessments",
        )
        .await?;
        let rows = journey::assessments(&txn, &grant).await;
        let periods = journey::periods(&txn, &grant).await?;
        let rows = settle(txn, rows).await?;
        Ok(Json(AssessmentList {
            assessments: assessment_views(rows, &periods)?,
        }))
    }

    /// Record a test done at the centre (or a questionnaire filled in there)
    ///
    /// Recording needs no consent (the centre measured it); reading
    /// assessments back needs `assessments` consent.
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/assessments",
        method = "post",
        operation_id = "recordAssessment"
    )]
    async fn record_assessment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<AssessmentInput>,
    ) -> ApiResult<AssessmentCreated> {
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let now = Utc::now();
        let assessment = body
            .0
            .parse(clock::today(now))
            .map_err(ApiError::validation_many)?;
        let (_turn, txn, grant) = authorized(
            &state,
            &principal,
            centre_id,
            participant_id,
            StaffAction::RecordAssessment,
            &format!("assessments/{}", assessment.instrument),
        )
        .await?;
        let result = journey::add_assessment(&txn, Recorder::Staff(&grant), &assessment, now).await;
        let periods = journey::periods(&txn, &grant).await?;
        let result = settle(txn, result).await?;
        Ok(AssessmentCreated::Created(Json(assessment_view(
            result, &periods,
        )?)))
    }
}

/// Pause, resume, complete or discontinue; a refusal keeps only the
/// access-log row.
#[allow(clippy::too_many_arguments)]
async fn transition(
    state: &AppState,
    principal: &crate::auth::Principal,
    centre_id: Uuid,
    participant_id: Uuid,
    period: &str,
    action: PeriodAction,
    on: Option<NaiveDate>,
    end: Option<PeriodEndInput>,
) -> ApiResult<Json<PeriodView>> {
    let seq = period_number(period)?;
    let now = Utc::now();
    let today = clock::today(now);
    if on.is_some_and(|day| day > today + chrono::Duration::days(1)) {
        return Err(ApiError::validation(friskliv_domain::FieldError::new(
            "on",
            "not_future",
            "must not be in the future",
        )));
    }
    let (_turn, txn, grant) = authorized(
        state,
        principal,
        centre_id,
        participant_id,
        StaffAction::WriteJourney,
        &format!("periods/{seq}/{action}"),
    )
    .await?;
    if journey::period(&txn, &grant, seq).await?.is_none() {
        txn.commit().await?;
        return Err(ApiError::not_found("period"));
    }
    let (day, end) = match end {
        Some(input) => match input.parse(action, today) {
            Ok(end) => (end.ended_on, Some(end)),
            Err(errors) => {
                txn.commit().await?;
                return Err(ApiError::validation_many(errors));
            }
        },
        None => (on.unwrap_or(today), None),
    };
    let result =
        journey::transition_period(&txn, &grant, seq, action, day, end.as_ref(), now).await;
    let result = settle(txn, result).await?;
    Ok(Json(period_view(result, today)?))
}
