//! Assessments (DOMAIN.md §4): pre/post tests done at the centre and
//! questionnaires the participant fills in, each at a timepoint, with
//! validated values per instrument. Values are stored as
//! [`AssessmentValues`] JSON and read back by the outcome indicators.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::diary::CessationMedication;
use crate::indicators::SUSTAINED_MAX_UNITS;
use crate::journey::WorkSchoolStatus;
use crate::validation::{FieldError, bounded_text};

wire_enum!(
    /// The instruments of DOMAIN.md §4.
    Instrument {
        /// Six-minute walk test (LOINC 64098-7).
        SixMinuteWalk => "six_minute_walk",
        /// Submaximal treadmill test; compare only within one protocol.
        TreadmillSubmax => "treadmill_submax",
        /// Weight, height and waist.
        Body => "body",
        SelfRatedHealth => "self_rated_health",
        QualityOfLife => "quality_of_life",
        /// COOP/WONCA charts.
        CoopWonca => "coop_wonca",
        TobaccoStatus => "tobacco_status",
        ActivityLevel => "activity_level",
        WorkSchool => "work_school",
        Medication => "medication",
        HealthServices => "health_services",
    }
);

/// LOINC codes DOMAIN.md gives for body measurements.
pub const LOINC_BODY_WEIGHT: &str = "29463-7";
pub const LOINC_BODY_HEIGHT: &str = "8302-2";
pub const LOINC_WAIST: &str = "8280-0";
pub const LOINC_SIX_MINUTE_WALK: &str = "64098-7";

impl Instrument {
    /// Questionnaires a participant may fill in themselves; the rest are
    /// tests done at the centre.
    pub fn self_reportable(self) -> bool {
        !matches!(
            self,
            Instrument::SixMinuteWalk | Instrument::TreadmillSubmax | Instrument::Body
        )
    }

    /// The instrument's LOINC code where DOMAIN.md gives one (body
    /// measurements have one per value: `LOINC_BODY_*`).
    pub fn loinc(self) -> Option<&'static str> {
        match self {
            Instrument::SixMinuteWalk => Some(LOINC_SIX_MINUTE_WALK),
            _ => None,
        }
    }
}

wire_enum!(
    /// When in the journey an assessment was made.
    Timepoint {
        Baseline => "baseline",
        Week12 => "week12",
        /// Six months after the period ended.
        Followup6m => "followup_6m",
        /// Twelve months after the period ended.
        Followup12m => "followup_12m",
        /// Deprecated: 6 or 12 months after the period. Still accepted from
        /// older apps and stored as `followup_6m` or `followup_12m`, whichever
        /// is nearer to the assessment day (from the period's end).
        Followup => "followup",
        Adhoc => "adhoc",
    }
);

/// How many days after a period's end an assessment must be to count as the
/// 12-month follow-up rather than the 6-month one: the midpoint, 9 months.
pub const FOLLOWUP_12M_FROM_DAYS: i64 = 274;

impl Timepoint {
    /// After the period: 6 or 12 months (or the old unspecified follow-up).
    pub fn is_followup(self) -> bool {
        matches!(
            self,
            Timepoint::Followup6m | Timepoint::Followup12m | Timepoint::Followup
        )
    }

    /// The follow-up an old `followup` assessment on `assessed_on` is, for a
    /// period that ended (or was planned to end) on `period_end`: the nearer
    /// of 6 and 12 months; 6 months without a period.
    pub fn nearer_followup(
        assessed_on: chrono::NaiveDate,
        period_end: Option<chrono::NaiveDate>,
    ) -> Timepoint {
        match period_end {
            Some(end) if (assessed_on - end).num_days() >= FOLLOWUP_12M_FROM_DAYS => {
                Timepoint::Followup12m
            }
            _ => Timepoint::Followup6m,
        }
    }
}

wire_enum!(
    /// Use of a tobacco product.
    UseStatus {
        Daily => "daily",
        Occasional => "occasional",
        Former => "former",
        Never => "never",
    }
);

macro_rules! values {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)+
        }
    };
}

values!(
    /// Six-minute walk test.
    SixMinuteWalk {
        /// Metres walked, 0–1200.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "1200"))))]
        distance_m: f64,
        /// Length of the walkway in metres, 5–100.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "5"), maximum(value = "100"))))]
        walkway_m: Option<f64>,
        /// Walking aids used, e.g. "rollator" (≤ 100 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(max_length = 100)))]
        aids: Option<String>,
        /// Borg RPE at the end, 6–20.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "6"), maximum(value = "20"))))]
        borg_at_end: Option<i64>,
        /// Heart rate at the end, 30–250 beats/min.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "30"), maximum(value = "250"))))]
        heart_rate_end: Option<i64>,
    }
);

values!(
    /// Submaximal treadmill test.
    TreadmillSubmax {
        /// The centre's protocol name (1–60 characters); tests are compared only within one protocol.
        #[cfg_attr(feature = "openapi", oai(validator(max_length = 60)))]
        protocol: String,
        /// Seconds, 1–7200.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "7200"))))]
        duration_s: i64,
        /// km/h, 0–30.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "30"))))]
        final_speed_kmh: f64,
        /// Percent, 0–40.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "40"))))]
        incline_percent: f64,
        /// 30–250 beats/min.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "30"), maximum(value = "250"))))]
        heart_rate_end: Option<i64>,
        /// Borg RPE, 6–20.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "6"), maximum(value = "20"))))]
        borg_at_end: Option<i64>,
    }
);

values!(
    /// Body measurements; at least one.
    Body {
        /// kg, 20–400 (LOINC 29463-7).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "20"), maximum(value = "400"))))]
        weight_kg: Option<f64>,
        /// cm, 50–250 (LOINC 8302-2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "50"), maximum(value = "250"))))]
        height_cm: Option<f64>,
        /// cm, 30–250 (LOINC 8280-0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "30"), maximum(value = "250"))))]
        waist_cm: Option<f64>,
    }
);

values!(
    /// Self-rated health, one item.
    SelfRatedHealth {
        /// 1 Svært god (very good), 2 God, 3 Verken god eller dårlig, 4 Dårlig, 5 Svært dårlig (very poor).
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        answer: i64,
    }
);

values!(
    /// Quality of life, one rating.
    QualityOfLife {
        /// 0 (worst) – 10 (best).
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "10"))))]
        rating: i64,
    }
);

values!(
    /// COOP/WONCA: six charts, each 1 (best) – 5; never summed to a total.
    CoopWonca {
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        physical_fitness: i64,
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        feelings: i64,
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        daily_activities: i64,
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        social_activities: i64,
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        change_in_health: i64,
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"), maximum(value = "5"))))]
        overall_health: i64,
    }
);

values!(
    /// Tobacco use at the assessment.
    TobaccoStatus {
        cigarettes: UseStatus,
        snus: UseStatus,
        /// 0–200; only for daily or occasional use.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "200"))))]
        cigarettes_per_day: Option<f64>,
        /// 0–200; only for daily or occasional use.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "200"))))]
        snus_portions_per_day: Option<f64>,
        /// No use at all in the last 7 days (the self-report used for 7-day abstinence when the diary does not cover those days).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        abstinent_last_7_days: Option<bool>,
        /// "No more than 5 cigarettes / snus portions in total since the grace period ended"
        /// (two weeks after the quit date), of the products quit: the Russell Standard's
        /// self-report, used for sustained abstinence when the diary misses days. Not at
        /// baseline, and not with more than 5 a day reported now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        at_most_5_since_grace: Option<bool>,
    }
);

values!(
    /// Physical activity level.
    ActivityLevel {
        /// Days a week with ≥ 30 minutes of at least moderate activity, 0–7.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "7"))))]
        days_per_week_30_min_moderate: i64,
        /// Hours sitting per day, 0–24.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "24"))))]
        sitting_hours_per_day: Option<f64>,
    }
);

values!(
    /// Work or school situation.
    WorkSchool {
        /// 1–8 statuses, no duplicates.
        #[cfg_attr(feature = "openapi", oai(validator(min_items = 1, max_items = 8, unique_items = true)))]
        status: Vec<WorkSchoolStatus>,
        /// 0–100; required with `sick_leave`, refused without it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "100"))))]
        sick_leave_percent: Option<i64>,
    }
);

impl WorkSchool {
    /// In work or school, and not on full sick leave.
    pub fn participates(&self) -> bool {
        self.status.iter().any(|s| s.participates()) && self.sick_leave_percent != Some(100)
    }
}

values!(
    /// Medicines.
    Medication {
        /// Regular medicines, 0–50.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "50"))))]
        regular_medicines: i64,
        cessation_medication: CessationMedication,
    }
);

values!(
    /// Use of health services.
    HealthServices {
        /// GP visits in the last 3 months, 0–100.
        #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "0"), maximum(value = "100"))))]
        gp_visits_last_3_months: i64,
        /// Other services used (≤ 10, each 1–60 characters).
        #[serde(default)]
        #[cfg_attr(feature = "openapi", oai(default, validator(max_items = 10, max_length = 60)))]
        other_services: Vec<String>,
    }
);

/// An assessment as a client sends it: exactly one of the instrument
/// fields, the one `instrument` names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AssessmentInput {
    pub instrument: Instrument,
    pub timepoint: Timepoint,
    /// YYYY-MM-DD.
    pub assessed_on: NaiveDate,
    /// The follow-up period (1, 2, …) it belongs to; default: the open period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "100")))
    )]
    pub period: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub six_minute_walk: Option<SixMinuteWalk>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub treadmill_submax: Option<TreadmillSubmax>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub body: Option<Body>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub self_rated_health: Option<SelfRatedHealth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub quality_of_life: Option<QualityOfLife>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub coop_wonca: Option<CoopWonca>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub tobacco_status: Option<TobaccoStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity_level: Option<ActivityLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub work_school: Option<WorkSchool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub medication: Option<Medication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub health_services: Option<HealthServices>,
}

/// The validated values of one instrument, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentValues {
    SixMinuteWalk(SixMinuteWalk),
    TreadmillSubmax(TreadmillSubmax),
    Body(Body),
    SelfRatedHealth(SelfRatedHealth),
    QualityOfLife(QualityOfLife),
    CoopWonca(CoopWonca),
    TobaccoStatus(TobaccoStatus),
    ActivityLevel(ActivityLevel),
    WorkSchool(WorkSchool),
    Medication(Medication),
    HealthServices(HealthServices),
}

impl AssessmentValues {
    pub fn instrument(&self) -> Instrument {
        match self {
            AssessmentValues::SixMinuteWalk(_) => Instrument::SixMinuteWalk,
            AssessmentValues::TreadmillSubmax(_) => Instrument::TreadmillSubmax,
            AssessmentValues::Body(_) => Instrument::Body,
            AssessmentValues::SelfRatedHealth(_) => Instrument::SelfRatedHealth,
            AssessmentValues::QualityOfLife(_) => Instrument::QualityOfLife,
            AssessmentValues::CoopWonca(_) => Instrument::CoopWonca,
            AssessmentValues::TobaccoStatus(_) => Instrument::TobaccoStatus,
            AssessmentValues::ActivityLevel(_) => Instrument::ActivityLevel,
            AssessmentValues::WorkSchool(_) => Instrument::WorkSchool,
            AssessmentValues::Medication(_) => Instrument::Medication,
            AssessmentValues::HealthServices(_) => Instrument::HealthServices,
        }
    }
}

/// A valid assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub instrument: Instrument,
    pub timepoint: Timepoint,
    pub assessed_on: NaiveDate,
    pub period: Option<u32>,
    pub values: AssessmentValues,
}

struct Check {
    errors: Vec<FieldError>,
    prefix: &'static str,
}

impl Check {
    fn path(&self, field: &str) -> String {
        format!("{}.{field}", self.prefix)
    }

    fn int(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if !(min..=max).contains(&value) {
            self.errors.push(FieldError::new(
                self.path(field),
                "range",
                format!("must be between {min} and {max}, was {value}"),
            ));
        }
    }

    fn opt_int(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(v) = value {
            self.int(field, v, min, max);
        }
    }

    fn num(&mut self, field: &str, value: f64, min: f64, max: f64) {
        if !value.is_finite() || value < min || value > max {
            self.errors.push(FieldError::new(
                self.path(field),
                "range",
                format!("must be a number between {min} and {max}, was {value}"),
            ));
        }
    }

    fn opt_num(&mut self, field: &str, value: Option<f64>, min: f64, max: f64) {
        if let Some(v) = value {
            self.num(field, v, min, max);
        }
    }

    fn text(&mut self, field: &'static str, raw: &str, max: usize) -> String {
        match bounded_text(field, raw, 1, max) {
            Ok(text) => text,
            Err(e) => {
                let path = self.path(field);
                self.errors.push(e.at(path));
                String::new()
            }
        }
    }

    fn rule(&mut self, field: &str, rule: &'static str, message: &str) {
        self.errors
            .push(FieldError::new(self.path(field), rule, message.to_owned()));
    }
}

/// Validates one instrument's values and normalises them (trimmed text,
/// duplicate-free lists).
fn check_values(values: AssessmentValues, errors: &mut Vec<FieldError>) -> AssessmentValues {
    let mut c = Check {
        errors: Vec::new(),
        prefix: values.instrument().as_str(),
    };
    let values = match values {
        AssessmentValues::SixMinuteWalk(mut w) => {
            c.num("distance_m", w.distance_m, 0.0, 1200.0);
            c.opt_num("walkway_m", w.walkway_m, 5.0, 100.0);
            w.aids = w.aids.as_deref().map(|a| c.text("aids", a, 100));
            c.opt_int("borg_at_end", w.borg_at_end, 6, 20);
            c.opt_int("heart_rate_end", w.heart_rate_end, 30, 250);
            AssessmentValues::SixMinuteWalk(w)
        }
        AssessmentValues::TreadmillSubmax(mut t) => {
            t.protocol = c.text("protocol", &t.protocol, 60);
            c.int("duration_s", t.duration_s, 1, 7200);
            c.num("final_speed_kmh", t.final_speed_kmh, 0.0, 30.0);
            c.num("incline_percent", t.incline_percent, 0.0, 40.0);
            c.opt_int("heart_rate_end", t.heart_rate_end, 30, 250);
            c.opt_int("borg_at_end", t.borg_at_end, 6, 20);
            AssessmentValues::TreadmillSubmax(t)
        }
        AssessmentValues::Body(b) => {
            if b.weight_kg.is_none() && b.height_cm.is_none() && b.waist_cm.is_none() {
                c.errors.push(FieldError::new(
                    "body",
                    "at_least_one",
                    "give weight_kg, height_cm or waist_cm",
                ));
            }
            c.opt_num("weight_kg", b.weight_kg, 20.0, 400.0);
            c.opt_num("height_cm", b.height_cm, 50.0, 250.0);
            c.opt_num("waist_cm", b.waist_cm, 30.0, 250.0);
            AssessmentValues::Body(b)
        }
        AssessmentValues::SelfRatedHealth(s) => {
            c.int("answer", s.answer, 1, 5);
            AssessmentValues::SelfRatedHealth(s)
        }
        AssessmentValues::QualityOfLife(q) => {
            c.int("rating", q.rating, 0, 10);
            AssessmentValues::QualityOfLife(q)
        }
        AssessmentValues::CoopWonca(w) => {
            for (field, value) in [
                ("physical_fitness", w.physical_fitness),
                ("feelings", w.feelings),
                ("daily_activities", w.daily_activities),
                ("social_activities", w.social_activities),
                ("change_in_health", w.change_in_health),
                ("overall_health", w.overall_health),
            ] {
                c.int(field, value, 1, 5);
            }
            AssessmentValues::CoopWonca(w)
        }
        AssessmentValues::TobaccoStatus(t) => {
            for (field, status, amount) in [
                ("cigarettes_per_day", t.cigarettes, t.cigarettes_per_day),
                ("snus_portions_per_day", t.snus, t.snus_portions_per_day),
            ] {
                c.opt_num(field, amount, 0.0, 200.0);
                if matches!(status, UseStatus::Former | UseStatus::Never)
                    && amount.is_some_and(|a| a > 0.0)
                {
                    c.rule(
                        field,
                        "consistent",
                        "must be 0 or absent for former or never use",
                    );
                }
            }
            // One day at today's rate would already be more than 5.
            if t.at_most_5_since_grace == Some(true)
                && [t.cigarettes_per_day, t.snus_portions_per_day]
                    .into_iter()
                    .flatten()
                    .any(|per_day| per_day > SUSTAINED_MAX_UNITS as f64)
            {
                c.rule(
                    "at_most_5_since_grace",
                    "consistent",
                    "cannot be true with more than 5 a day reported now",
                );
            }
            AssessmentValues::TobaccoStatus(t)
        }
        AssessmentValues::ActivityLevel(a) => {
            c.int(
                "days_per_week_30_min_moderate",
                a.days_per_week_30_min_moderate,
                0,
                7,
            );
            c.opt_num("sitting_hours_per_day", a.sitting_hours_per_day, 0.0, 24.0);
            AssessmentValues::ActivityLevel(a)
        }
        AssessmentValues::WorkSchool(mut w) => {
            let mut seen = Vec::new();
            for (k, s) in w.status.iter().enumerate() {
                if seen.contains(s) {
                    c.rule(&format!("status[{k}]"), "unique", "is listed twice");
                }
                seen.push(*s);
            }
            if w.status.is_empty() || w.status.len() > 8 {
                c.rule("status", "length", "give 1 to 8 statuses");
            }
            let on_leave = w.status.contains(&WorkSchoolStatus::SickLeave);
            match (on_leave, w.sick_leave_percent) {
                (true, None) => c.rule(
                    "sick_leave_percent",
                    "required",
                    "give the sick leave percentage with sick_leave",
                ),
                (false, Some(_)) => c.rule(
                    "sick_leave_percent",
                    "consistent",
                    "only with the status sick_leave",
                ),
                (_, p) => c.opt_int("sick_leave_percent", p, 0, 100),
            }
            w.status = seen;
            AssessmentValues::WorkSchool(w)
        }
        AssessmentValues::Medication(m) => {
            c.int("regular_medicines", m.regular_medicines, 0, 50);
            AssessmentValues::Medication(m)
        }
        AssessmentValues::HealthServices(mut h) => {
            c.int("gp_visits_last_3_months", h.gp_visits_last_3_months, 0, 100);
            if h.other_services.len() > 10 {
                c.rule("other_services", "length", "at most 10");
            }
            let mut services: Vec<String> = h
                .other_services
                .iter()
                .map(|s| c.text("other_services", s, 60))
                .collect();
            services.dedup();
            h.other_services = services;
            AssessmentValues::HealthServices(h)
        }
    };
    errors.extend(c.errors);
    values
}

const EARLIEST: (i32, u32, u32) = (1900, 1, 1);

impl AssessmentInput {
    /// Validates the assessment as of `today` (Europe/Oslo); every broken
    /// rule is reported, each naming its field.
    pub fn parse(self, today: NaiveDate) -> Result<Assessment, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.assessed_on > today + Duration::days(1) {
            errors.push(FieldError::new(
                "assessed_on",
                "not_future",
                "must not be in the future",
            ));
        }
        let earliest =
            NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).unwrap_or(NaiveDate::MIN);
        if self.assessed_on < earliest {
            errors.push(FieldError::new(
                "assessed_on",
                "range",
                "must be 1900 or later",
            ));
        }
        if let Some(n) = self.period
            && !(1..=100).contains(&n)
        {
            errors.push(FieldError::new("period", "range", "must be 1–100"));
        }
        let given: Vec<AssessmentValues> = [
            self.six_minute_walk.map(AssessmentValues::SixMinuteWalk),
            self.treadmill_submax.map(AssessmentValues::TreadmillSubmax),
            self.body.map(AssessmentValues::Body),
            self.self_rated_health
                .map(AssessmentValues::SelfRatedHealth),
            self.quality_of_life.map(AssessmentValues::QualityOfLife),
            self.coop_wonca.map(AssessmentValues::CoopWonca),
            self.tobacco_status.map(AssessmentValues::TobaccoStatus),
            self.activity_level.map(AssessmentValues::ActivityLevel),
            self.work_school.map(AssessmentValues::WorkSchool),
            self.medication.map(AssessmentValues::Medication),
            self.health_services.map(AssessmentValues::HealthServices),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut values = None;
        for v in given {
            let instrument = v.instrument();
            if instrument == self.instrument {
                values = Some(check_values(v, &mut errors));
            } else {
                errors.push(FieldError::new(
                    instrument.as_str(),
                    "instrument_mismatch",
                    format!(
                        "a {} assessment carries only the `{}` object",
                        self.instrument, self.instrument
                    ),
                ));
            }
        }
        if self.timepoint == Timepoint::Baseline
            && matches!(&values, Some(AssessmentValues::TobaccoStatus(t)) if t.at_most_5_since_grace.is_some())
        {
            errors.push(FieldError::new(
                "tobacco_status.at_most_5_since_grace",
                "not_at_baseline",
                "asked after the quit attempt (week 12 or follow-up), not at baseline",
            ));
        }
        let Some(values) = values else {
            errors.push(FieldError::new(
                self.instrument.as_str(),
                "required",
                format!("a {0} assessment needs the `{0}` object", self.instrument),
            ));
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Assessment {
            instrument: self.instrument,
            timepoint: self.timepoint,
            assessed_on: self.assessed_on,
            period: self.period,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        "2026-11-25".parse().unwrap()
    }

    fn input(instrument: Instrument) -> AssessmentInput {
        AssessmentInput {
            instrument,
            timepoint: Timepoint::Baseline,
            assessed_on: today(),
            period: None,
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

    fn walk(distance_m: f64, borg: Option<i64>) -> AssessmentInput {
        AssessmentInput {
            six_minute_walk: Some(SixMinuteWalk {
                distance_m,
                walkway_m: Some(30.0),
                aids: Some(" rollator ".into()),
                borg_at_end: borg,
                heart_rate_end: Some(120),
            }),
            ..input(Instrument::SixMinuteWalk)
        }
    }

    fn rules(r: Result<Assessment, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    fn srh(answer: i64) -> AssessmentInput {
        AssessmentInput {
            self_rated_health: Some(SelfRatedHealth { answer }),
            ..input(Instrument::SelfRatedHealth)
        }
    }

    fn coop(feelings: i64) -> AssessmentInput {
        AssessmentInput {
            coop_wonca: Some(CoopWonca {
                physical_fitness: 1,
                feelings,
                daily_activities: 2,
                social_activities: 3,
                change_in_health: 4,
                overall_health: 5,
            }),
            ..input(Instrument::CoopWonca)
        }
    }

    fn work(status: Vec<WorkSchoolStatus>, percent: Option<i64>) -> AssessmentInput {
        AssessmentInput {
            work_school: Some(WorkSchool {
                status,
                sick_leave_percent: percent,
            }),
            ..input(Instrument::WorkSchool)
        }
    }

    #[test]
    fn a_valid_walk_is_normalised() {
        let a = walk(1200.0, Some(20)).parse(today()).unwrap();
        let AssessmentValues::SixMinuteWalk(w) = a.values else {
            panic!()
        };
        assert_eq!(w.aids.as_deref(), Some("rollator"));
        assert!(walk(0.0, Some(6)).parse(today()).is_ok());
    }

    #[test]
    fn walk_ranges() {
        assert_eq!(
            rules(walk(1200.5, None).parse(today())),
            vec![("six_minute_walk.distance_m".to_owned(), "range")]
        );
        assert_eq!(
            rules(walk(f64::NAN, Some(5)).parse(today())),
            vec![
                ("six_minute_walk.distance_m".to_owned(), "range"),
                ("six_minute_walk.borg_at_end".to_owned(), "range")
            ]
        );
        assert_eq!(
            rules(walk(-1.0, Some(21)).parse(today())).len(),
            2,
            "both errors reported together"
        );
    }

    #[test]
    fn single_items_and_charts() {
        for ok in [1, 5] {
            assert!(srh(ok).parse(today()).is_ok());
        }
        for bad in [0, 6] {
            assert_eq!(
                rules(srh(bad).parse(today())),
                vec![("self_rated_health.answer".to_owned(), "range")]
            );
        }
        let quality = |rating| AssessmentInput {
            quality_of_life: Some(QualityOfLife { rating }),
            ..input(Instrument::QualityOfLife)
        };
        assert!(quality(0).parse(today()).is_ok());
        assert!(quality(10).parse(today()).is_ok());
        assert_eq!(rules(quality(11).parse(today()))[0].1, "range");
        assert!(coop(1).parse(today()).is_ok());
        assert_eq!(
            rules(coop(0).parse(today())),
            vec![("coop_wonca.feelings".to_owned(), "range")]
        );
        assert_eq!(rules(coop(6).parse(today()))[0].0, "coop_wonca.feelings");
    }

    #[test]
    fn exactly_the_instrument_object() {
        assert_eq!(
            rules(input(Instrument::Body).parse(today())),
            vec![("body".to_owned(), "required")]
        );
        let mixed = AssessmentInput {
            self_rated_health: Some(SelfRatedHealth { answer: 2 }),
            ..walk(500.0, None)
        };
        assert_eq!(
            rules(mixed.parse(today())),
            vec![("self_rated_health".to_owned(), "instrument_mismatch")]
        );
        let empty_body = AssessmentInput {
            body: Some(Body {
                weight_kg: None,
                height_cm: None,
                waist_cm: None,
            }),
            ..input(Instrument::Body)
        };
        assert_eq!(rules(empty_body.parse(today()))[0].1, "at_least_one");
    }

    #[test]
    fn sick_leave_percentage_goes_with_sick_leave() {
        use WorkSchoolStatus::*;
        assert!(
            work(vec![EmployedFullTime, SickLeave], Some(50))
                .parse(today())
                .is_ok()
        );
        assert_eq!(
            rules(work(vec![SickLeave], None).parse(today())),
            vec![("work_school.sick_leave_percent".to_owned(), "required")]
        );
        assert_eq!(
            rules(work(vec![Student], Some(20)).parse(today())),
            vec![("work_school.sick_leave_percent".to_owned(), "consistent")]
        );
        assert_eq!(
            rules(work(vec![Student, Student], None).parse(today())),
            vec![("work_school.status[1]".to_owned(), "unique")]
        );
        let full_leave = WorkSchool {
            status: vec![EmployedFullTime, SickLeave],
            sick_leave_percent: Some(100),
        };
        assert!(!full_leave.participates());
        assert!(
            WorkSchool {
                status: vec![Student],
                sick_leave_percent: None
            }
            .participates()
        );
    }

    #[test]
    fn never_smokers_smoke_nothing() {
        let status = |cigarettes, per_day| AssessmentInput {
            tobacco_status: Some(TobaccoStatus {
                cigarettes,
                snus: UseStatus::Never,
                cigarettes_per_day: per_day,
                snus_portions_per_day: None,
                abstinent_last_7_days: None,
                at_most_5_since_grace: None,
            }),
            ..input(Instrument::TobaccoStatus)
        };
        assert!(status(UseStatus::Daily, Some(10.0)).parse(today()).is_ok());
        assert!(status(UseStatus::Former, Some(0.0)).parse(today()).is_ok());
        assert_eq!(
            rules(status(UseStatus::Never, Some(3.0)).parse(today())),
            vec![("tobacco_status.cigarettes_per_day".to_owned(), "consistent")]
        );
    }

    #[test]
    fn the_russell_question_is_asked_after_the_quit_attempt_and_agrees_with_todays_use() {
        let answer = |timepoint, cigarettes_per_day, at_most_5| AssessmentInput {
            timepoint,
            tobacco_status: Some(TobaccoStatus {
                cigarettes: UseStatus::Occasional,
                snus: UseStatus::Never,
                cigarettes_per_day,
                snus_portions_per_day: None,
                abstinent_last_7_days: None,
                at_most_5_since_grace: Some(at_most_5),
            }),
            ..input(Instrument::TobaccoStatus)
        };
        assert!(
            answer(Timepoint::Week12, Some(5.0), true)
                .parse(today())
                .is_ok()
        );
        assert!(
            answer(Timepoint::Week12, Some(20.0), false)
                .parse(today())
                .is_ok()
        );
        assert_eq!(
            rules(answer(Timepoint::Baseline, None, true).parse(today())),
            vec![(
                "tobacco_status.at_most_5_since_grace".to_owned(),
                "not_at_baseline"
            )]
        );
        assert_eq!(
            rules(answer(Timepoint::Week12, Some(6.0), true).parse(today())),
            vec![(
                "tobacco_status.at_most_5_since_grace".to_owned(),
                "consistent"
            )]
        );
    }

    #[test]
    fn dates_and_periods() {
        let mut tomorrow = srh(3);
        tomorrow.assessed_on = today() + Duration::days(1);
        assert!(tomorrow.parse(today()).is_ok());
        let mut later = srh(3);
        later.assessed_on = today() + Duration::days(2);
        assert_eq!(
            rules(later.parse(today())),
            vec![("assessed_on".to_owned(), "not_future")]
        );
        let mut zero = srh(3);
        zero.period = Some(0);
        assert_eq!(
            rules(zero.parse(today())),
            vec![("period".to_owned(), "range")]
        );
    }

    #[test]
    fn an_old_followup_is_the_nearer_of_6_and_12_months() {
        let end = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let after = |days| end + chrono::Duration::days(days);
        assert_eq!(
            Timepoint::nearer_followup(after(180), Some(end)),
            Timepoint::Followup6m
        );
        assert_eq!(
            Timepoint::nearer_followup(after(273), Some(end)),
            Timepoint::Followup6m
        );
        assert_eq!(
            Timepoint::nearer_followup(after(274), Some(end)),
            Timepoint::Followup12m
        );
        assert_eq!(
            Timepoint::nearer_followup(after(365), Some(end)),
            Timepoint::Followup12m
        );
        assert_eq!(
            Timepoint::nearer_followup(after(365), None),
            Timepoint::Followup6m
        );
        assert!(Timepoint::Followup.is_followup() && !Timepoint::Week12.is_followup());
    }

    #[test]
    fn only_questionnaires_are_self_reported() {
        let tests: Vec<_> = Instrument::ALL
            .iter()
            .filter(|i| !i.self_reportable())
            .collect();
        assert_eq!(
            tests,
            vec![
                &Instrument::SixMinuteWalk,
                &Instrument::TreadmillSubmax,
                &Instrument::Body
            ]
        );
        assert_eq!(Instrument::SixMinuteWalk.loinc(), Some("64098-7"));
    }

    #[test]
    fn values_round_trip_as_stored() {
        let a = walk(480.0, None).parse(today()).unwrap();
        let json = serde_json::to_string(&a.values).unwrap();
        assert!(json.starts_with("{\"six_minute_walk\":"), "{json}");
        let back: AssessmentValues = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a.values);
    }
}
