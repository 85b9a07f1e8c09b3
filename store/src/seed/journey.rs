//! The journey part of `seed-demo`: for each synthetic participant, the
//! attributes, referral and triage, follow-up period with its
//! conversations, goals, courses, baseline and week-12 assessments, and
//! consents that a real centre would have recorded. Drawn from the
//! participant's own RNG stream *after* their diary, so diaries stay what
//! they were for a seed. Every record is built as the API's input type and
//! parsed by the domain, so only valid records are written.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use friskliv_domain::assessment::{
    AssessmentInput, AssessmentValues, Body, Instrument, SelfRatedHealth, SixMinuteWalk, Timepoint,
    TobaccoStatus, UseStatus, WorkSchool,
};
use friskliv_domain::consent::{ConsentMethod, ConsentScope};
use friskliv_domain::journey::{
    Attainment, ConversationKind, CourseKind, DiscontinueReason, GoalDomain, OnwardOffer,
    PERIOD_PLANNED_DAYS, PeriodStatus, ReferralInput, ReferralReason, ReferrerType, Sex,
    WorkSchoolStatus, planned_end,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use crate::db::entities::{
    assessment, conversation, course, goal, participant_profile, period, referral,
};
use crate::db::sharing;
use crate::seed::{Adherence, ParticipantPlan, Sex as PlanSex};

/// Referral sources of referred participants (a product choice shaped like
/// ssb 3465-3584: GPs refer most).
const SOURCES: &[(ReferrerType, u32)] = &[
    (ReferrerType::Gp, 60),
    (ReferrerType::Nav, 10),
    (ReferrerType::SpecialistHealth, 8),
    (ReferrerType::MunicipalHealthOther, 8),
    (ReferrerType::HealthStationSchoolHealth, 4),
    (ReferrerType::OccupationalHealth, 3),
    (ReferrerType::CoordinatingUnit, 2),
    (ReferrerType::Midwife, 1),
    (ReferrerType::DentalHealth, 1),
    (ReferrerType::Other, 3),
];

/// Consent shares (a product choice).
pub const SHARE_SUMMARIES: f64 = 0.75;
pub const SHARE_ASSESSMENTS: f64 = 0.65;
pub const SHARE_RESEARCH: f64 = 0.40;

fn pick<T: Copy>(rng: &mut ChaCha8Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in weighted {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    weighted[0].0
}

fn pick_one<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

#[derive(Debug, Clone, PartialEq)]
pub struct JourneyPlan {
    pub sex: Sex,
    pub birth: (i32, u32),
    pub height_cm: f64,
    pub weight_kg: f64,
    pub work: WorkSchool,
    pub referral: ReferralInput,
    pub start: NaiveDate,
    pub status: PeriodStatus,
    pub ended_on: Option<NaiveDate>,
    pub onward_offers: Vec<OnwardOffer>,
    pub interpreter: bool,
    pub goals: Vec<(GoalDomain, &'static str, Option<Attainment>)>,
    pub courses: Vec<(CourseKind, NaiveDate)>,
    pub consents: Vec<ConsentScope>,
    pub assessments: Vec<AssessmentInput>,
}

fn walk(on: NaiveDate, timepoint: Timepoint, distance_m: f64) -> AssessmentInput {
    AssessmentInput {
        six_minute_walk: Some(SixMinuteWalk {
            distance_m: distance_m.clamp(100.0, 1000.0).round(),
            walkway_m: Some(30.0),
            aids: None,
            borg_at_end: None,
            heart_rate_end: None,
        }),
        ..empty(Instrument::SixMinuteWalk, timepoint, on)
    }
}

fn empty(instrument: Instrument, timepoint: Timepoint, on: NaiveDate) -> AssessmentInput {
    AssessmentInput {
        instrument,
        timepoint,
        assessed_on: on,
        period: Some(1),
        six_minute_walk: None,
        treadmill_submax: None,
        body: None,
        self_rated_health: None,
        quality_of_life: None,
        coop_wonca: None,
        tobacco_status: None,
        activity_level: None,
        work_school: None,
        medication: None,
        health_services: None,
    }
}

/// Draws the journey of a participant whose diary starts on
/// `first_day + plan.start_offset` and runs `weeks`: the period starts on
/// a day spread over the window (so a long window holds periods of several
/// years, some still running); `today` decides what has happened yet.
pub fn plan_journey(
    rng: &mut ChaCha8Rng,
    plan: &ParticipantPlan,
    first_day: NaiveDate,
    weeks: u32,
    today: NaiveDate,
) -> JourneyPlan {
    let sex = match plan.sex {
        PlanSex::Male => Sex::Male,
        PlanSex::Female => Sex::Female,
    };
    let window_days = i64::from(weeks) * 7;
    let spread = (window_days - plan.start_offset - 14).max(0);
    let start = first_day + Duration::days(plan.start_offset + rng.random_range(0..=spread));
    let age: i32 = if rng.random_bool(0.04) {
        rng.random_range(10..=17)
    } else {
        rng.random_range(19..=80)
    };
    let birth = (start.year() - age - 1, rng.random_range(1..=12));
    let (height_cm, weight_kg) = match sex {
        Sex::Male => (
            f64::from(rng.random_range(165..=195)),
            f64::from(rng.random_range(70..=130)),
        ),
        Sex::Female => (
            f64::from(rng.random_range(152..=180)),
            f64::from(rng.random_range(55..=115)),
        ),
    };
    let work = if age < 18 {
        WorkSchool {
            status: vec![WorkSchoolStatus::Student],
            sick_leave_percent: None,
        }
    } else if age >= 67 {
        WorkSchool {
            status: vec![WorkSchoolStatus::Retired],
            sick_leave_percent: None,
        }
    } else {
        match rng.random_range(0..10) {
            0..=3 => WorkSchool {
                status: vec![WorkSchoolStatus::EmployedFullTime],
                sick_leave_percent: None,
            },
            4..=5 => WorkSchool {
                status: vec![
                    WorkSchoolStatus::EmployedFullTime,
                    WorkSchoolStatus::SickLeave,
                ],
                sick_leave_percent: Some(pick_one(rng, &[20, 50, 100])),
            },
            6 => WorkSchool {
                status: vec![WorkSchoolStatus::Benefits],
                sick_leave_percent: None,
            },
            7 => WorkSchool {
                status: vec![WorkSchoolStatus::Unemployed],
                sick_leave_percent: None,
            },
            _ => WorkSchool {
                status: vec![WorkSchoolStatus::EmployedPartTime],
                sick_leave_percent: None,
            },
        }
    };
    let mut reasons = vec![pick_one(
        rng,
        &[
            ReferralReason::PhysicalInactivity,
            ReferralReason::Overweight,
            ReferralReason::MentalHealth,
            ReferralReason::Musculoskeletal,
            ReferralReason::Type2Diabetes,
            ReferralReason::Sleep,
        ],
    )];
    if plan.tobacco.is_some() {
        reasons.push(ReferralReason::Tobacco);
    }
    let referral = ReferralInput {
        referrer_type: if plan.referred {
            pick(rng, SOURCES)
        } else {
            ReferrerType::SelfContact
        },
        reasons,
        referred_on: start - Duration::days(rng.random_range(7..=30)),
        referrer: None,
    };
    let due = start + Duration::days(PERIOD_PLANNED_DAYS);
    let (status, ended_on) = match plan.adherence {
        Adherence::DropOff { keen_weeks } if keen_weeks <= 4 => {
            let end = start + Duration::days(i64::from(keen_weeks) * 7 + 7);
            if end < today {
                (PeriodStatus::Discontinued, Some(end))
            } else {
                (PeriodStatus::Active, None)
            }
        }
        _ if due < today => (PeriodStatus::Completed, Some(due)),
        _ => (PeriodStatus::Active, None),
    };
    let completed = status == PeriodStatus::Completed;
    let onward_offers = if completed {
        let mut offers = vec![pick_one(
            rng,
            &[
                OnwardOffer::SportsClub,
                OnwardOffer::VoluntaryOrganisation,
                OnwardOffer::MunicipalActivityOffer,
                OnwardOffer::PeerOffer,
            ],
        )];
        offers.truncate(rng.random_range(0..=1));
        offers
    } else {
        Vec::new()
    };
    let goal_texts: &[(GoalDomain, &str)] = &[
        (GoalDomain::Activity, "Gå tur tre ganger i uka"),
        (GoalDomain::Diet, "Spise frokost hver dag"),
        (GoalDomain::Sleep, "Legge meg før klokka 23"),
        (GoalDomain::Mental, "Være mer sammen med venner"),
    ];
    let mut goals = Vec::new();
    for _ in 0..rng.random_range(1..=2) {
        let (domain, text) = pick_one(rng, goal_texts);
        let attainment = completed.then(|| {
            pick(
                rng,
                &[
                    (Attainment::Fully, 3),
                    (Attainment::Partly, 4),
                    (Attainment::Not, 2),
                ],
            )
        });
        goals.push((domain, text, attainment));
    }
    if plan.tobacco.is_some() {
        let attainment = completed.then(|| pick_one(rng, &[Attainment::Fully, Attainment::Not]));
        goals.push((GoalDomain::Tobacco, "Bli røykfri", attainment));
    }
    let last_day = ended_on.unwrap_or(today - Duration::days(1));
    let span = (last_day - start).num_days().max(0);
    let mut courses = Vec::new();
    for _ in 0..rng.random_range(0..=2) {
        let kind = pick(
            rng,
            &[
                (CourseKind::PhysicalActivityGroup, 6),
                (CourseKind::BraMat, 3),
                (CourseKind::SleepCourse, 1),
                (CourseKind::Kid, 1),
                (CourseKind::Hverdagsglede, 1),
            ],
        );
        courses.push((kind, start + Duration::days(rng.random_range(0..=span))));
    }
    if plan.tobacco.is_some() && rng.random_bool(0.5) {
        courses.push((CourseKind::TobaccoCessationCourse, start));
    }
    let mut consents = Vec::new();
    // Under-16s consent through a guardian's account, which the demo does
    // not create: they share nothing.
    let shares: &[(ConsentScope, f64)] = if age < 16 {
        &[]
    } else {
        &[
            (ConsentScope::Summaries, SHARE_SUMMARIES),
            (ConsentScope::Assessments, SHARE_ASSESSMENTS),
            (ConsentScope::Research, SHARE_RESEARCH),
        ]
    };
    for &(scope, share) in shares {
        if rng.random_bool(share) {
            consents.push(scope);
        }
    }

    // Assessments: baseline at the start; week 12 for completed periods.
    let fitness = f64::from(rng.random_range(55..=100)) / 100.0;
    let walk_m = match sex {
        Sex::Male => 7.57 * height_cm - 5.02 * f64::from(age) - 1.76 * weight_kg - 309.0,
        Sex::Female => 2.11 * height_cm - 2.29 * weight_kg - 5.78 * f64::from(age) + 667.0,
    }
    .max(250.0)
        * fitness;
    let srh = rng.random_range(2..=5);
    let per_day = plan
        .tobacco
        .as_ref()
        .map(|h| (h.cigarettes_per_day, h.snus_per_day));
    let tobacco =
        |status_c: UseStatus, status_s: UseStatus, c: Option<f64>, s: Option<f64>, abst| {
            TobaccoStatus {
                cigarettes: status_c,
                snus: status_s,
                cigarettes_per_day: c,
                snus_portions_per_day: s,
                abstinent_last_7_days: abst,
                // In the demo, who quit stayed quit since the grace period.
                at_most_5_since_grace: abst,
            }
        };
    let use_status = |n: i64| {
        if n > 0 {
            UseStatus::Daily
        } else {
            UseStatus::Never
        }
    };
    let mut assessments = vec![
        walk(start, Timepoint::Baseline, walk_m),
        AssessmentInput {
            body: Some(Body {
                weight_kg: Some(weight_kg),
                height_cm: Some(height_cm),
                waist_cm: None,
            }),
            ..empty(Instrument::Body, Timepoint::Baseline, start)
        },
        AssessmentInput {
            self_rated_health: Some(SelfRatedHealth { answer: srh }),
            ..empty(Instrument::SelfRatedHealth, Timepoint::Baseline, start)
        },
        AssessmentInput {
            work_school: Some(work.clone()),
            ..empty(Instrument::WorkSchool, Timepoint::Baseline, start)
        },
    ];
    if let Some((c, s)) = per_day {
        assessments.push(AssessmentInput {
            tobacco_status: Some(tobacco(
                use_status(c),
                use_status(s),
                (c > 0).then_some(c as f64),
                (s > 0).then_some(s as f64),
                None,
            )),
            ..empty(Instrument::TobaccoStatus, Timepoint::Baseline, start)
        });
    }
    if completed {
        let delta = f64::from(rng.random_range(-40..=80));
        assessments.push(walk(due, Timepoint::Week12, walk_m + delta));
        assessments.push(AssessmentInput {
            body: Some(Body {
                weight_kg: Some(weight_kg - f64::from(rng.random_range(0..=4))),
                height_cm: None,
                waist_cm: None,
            }),
            ..empty(Instrument::Body, Timepoint::Week12, due)
        });
        assessments.push(AssessmentInput {
            self_rated_health: Some(SelfRatedHealth {
                answer: (srh - rng.random_range(-1..=2)).clamp(1, 5),
            }),
            ..empty(Instrument::SelfRatedHealth, Timepoint::Week12, due)
        });
        let back_to_work = work.sick_leave_percent.is_some() && rng.random_bool(0.4);
        assessments.push(AssessmentInput {
            work_school: Some(if back_to_work {
                WorkSchool {
                    status: vec![WorkSchoolStatus::EmployedFullTime],
                    sick_leave_percent: None,
                }
            } else {
                work.clone()
            }),
            ..empty(Instrument::WorkSchool, Timepoint::Week12, due)
        });
        if let Some((c, s)) = per_day {
            let quit = rng.random_bool(0.35);
            let status = |n: i64| match (n > 0, quit) {
                (false, _) => UseStatus::Never,
                (true, true) => UseStatus::Former,
                (true, false) => UseStatus::Daily,
            };
            let amount = |n: i64| (n > 0 && !quit).then_some((n as f64 / 2.0).ceil());
            assessments.push(AssessmentInput {
                tobacco_status: Some(tobacco(
                    status(c),
                    status(s),
                    amount(c),
                    amount(s),
                    Some(quit),
                )),
                ..empty(Instrument::TobaccoStatus, Timepoint::Week12, due)
            });
        }
    }
    JourneyPlan {
        sex,
        birth,
        height_cm,
        weight_kg,
        work,
        referral,
        start,
        status,
        ended_on,
        onward_offers,
        interpreter: rng.random_bool(0.05),
        goals,
        courses,
        consents,
        assessments,
    }
}

fn invalid(what: &str, errors: Vec<friskliv_domain::FieldError>) -> DbErr {
    DbErr::Custom(format!("generated {what} is invalid: {errors:?}"))
}

/// Writes a planned journey (in the caller's transaction).
pub async fn write_journey(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    centre_id: Uuid,
    j: &JourneyPlan,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let today = crate::clock::today(now);
    participant_profile::ActiveModel {
        account_id: Set(participant_id),
        birth_year: Set(Some(j.birth.0)),
        birth_month: Set(Some(j.birth.1 as i32)),
        epikrise_objection: Set(false),
        updated_at: Set(now),
        sex: Set(Some(j.sex.as_str().to_owned())),
        height_cm: Set(Some(j.height_cm)),
        municipality: Set(None),
        education: Set(None),
        work_school: Set(Some(
            serde_json::to_string(&j.work.status).unwrap_or_else(|_| "[]".into()),
        )),
        preferred_language: Set(Some("nb".to_owned())),
        interpreter_needed: Set(Some(j.interpreter)),
        other_language_background: Set(Some(j.interpreter)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let r = j
        .referral
        .clone()
        .parse(today)
        .map_err(|e| invalid("referral", e))?;
    let referral_id = Uuid::now_v7();
    referral::ActiveModel {
        id: Set(referral_id),
        participant_id: Set(participant_id),
        centre_id: Set(centre_id),
        referrer_type: Set(r.referrer_type.as_str().to_owned()),
        reasons: Set(serde_json::to_string(&r.reasons).unwrap_or_else(|_| "[]".into())),
        referred_on: Set(r.referred_on),
        triage_outcome: Set(Some("enrolled".to_owned())),
        triage_decided_on: Set(Some(j.start)),
        redirected_to: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let period_id = Uuid::now_v7();
    period::ActiveModel {
        id: Set(period_id),
        participant_id: Set(participant_id),
        centre_id: Set(centre_id),
        seq: Set(1),
        referral_id: Set(Some(referral_id)),
        start_date: Set(j.start),
        planned_end: Set(planned_end(j.start, 0)),
        status: Set(j.status.as_str().to_owned()),
        paused_since: Set(None),
        paused_days: Set(0),
        ended_on: Set(j.ended_on),
        discontinue_reason: Set((j.status == PeriodStatus::Discontinued)
            .then(|| DiscontinueReason::LostContact.as_str().to_owned())),
        onward_offers: Set(serde_json::to_string(&j.onward_offers).unwrap_or_else(|_| "[]".into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut conversations = vec![(ConversationKind::Start, j.start)];
    if let Some(end) = j.ended_on.filter(|_| j.status == PeriodStatus::Completed) {
        conversations.push((ConversationKind::End, end));
    }
    for (kind, held_on) in conversations {
        conversation::ActiveModel {
            id: Set(Uuid::now_v7()),
            period_id: Set(period_id),
            kind: Set(kind.as_str().to_owned()),
            held_on: Set(held_on),
            interpreter_used: Set(j.interpreter),
            recorded_by: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for (domain, text, attainment) in &j.goals {
        goal::ActiveModel {
            id: Set(Uuid::now_v7()),
            participant_id: Set(participant_id),
            period_id: Set(Some(period_id)),
            centre_id: Set(Some(centre_id)),
            domain: Set(domain.as_str().to_owned()),
            text: Set((*text).to_owned()),
            target: Set(None),
            attainment: Set(attainment.map(|a| a.as_str().to_owned())),
            created_by: Set(None),
            created_by_participant: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for (kind, started_on) in &j.courses {
        course::ActiveModel {
            id: Set(Uuid::now_v7()),
            participant_id: Set(participant_id),
            centre_id: Set(centre_id),
            period_id: Set(Some(period_id)),
            kind: Set(kind.as_str().to_owned()),
            name: Set(None),
            started_on: Set(*started_on),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for input in &j.assessments {
        let a = input
            .clone()
            .parse(today)
            .map_err(|e| invalid("assessment", e))?;
        let values: &AssessmentValues = &a.values;
        assessment::ActiveModel {
            id: Set(Uuid::now_v7()),
            participant_id: Set(participant_id),
            centre_id: Set(Some(centre_id)),
            period_id: Set(Some(period_id)),
            instrument: Set(a.instrument.as_str().to_owned()),
            timepoint: Set(a.timepoint.as_str().to_owned()),
            assessed_on: Set(a.assessed_on),
            values: Set(serde_json::to_string(values).map_err(|e| DbErr::Custom(e.to_string()))?),
            source: Set(if a.instrument.self_reportable() {
                "participant"
            } else {
                "staff"
            }
            .to_owned()),
            recorded_by: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for scope in &j.consents {
        sharing::grant_consent(
            db,
            participant_id,
            centre_id,
            *scope,
            ConsentMethod::InApp,
            participant_id,
            now,
        )
        .await?;
    }
    Ok(())
}
