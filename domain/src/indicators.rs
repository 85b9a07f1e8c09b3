//! The guideline's outcome indicators (DOMAIN.md §5), one pure function per
//! definition. Every result names the definition (id and version) it was
//! computed with; missing or unpaired data gives no number but a reason.
//!
//! `outcomes::period_outcomes` applies them to one follow-up period.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

// The diary thresholds live here, not in `summary`, so that `summary` can
// name the sleep definitions without an import loop.
/// Borg RPE at or below this is light activity; DOMAIN.md §5.
pub const BORG_LIGHT_MAX: i64 = 11;
/// Borg RPE at or below this (and above light) is moderate; higher is vigorous.
pub const BORG_MODERATE_MAX: i64 = 13;
/// Vigorous minutes count double toward MVPA-equivalent minutes.
pub const VIGOROUS_WEIGHT: i64 = 2;
pub const SLEEP_EFFICIENCY_FLAG_BELOW: f64 = 85.0;

/// A published or product-chosen definition, listed by `GET /v1/definitions`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Definition {
    pub id: &'static str,
    pub version: u32,
    pub text: &'static str,
    /// The named constants the computation uses.
    pub thresholds: &'static [Threshold],
    pub source: &'static str,
}

/// One threshold of a definition, e.g. `walk_change_m = 30 m`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
}

const fn threshold(name: &'static str, value: f64, unit: &'static str) -> Threshold {
    Threshold { name, value, unit }
}

/// Why an indicator has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Outside the population the reference equation was made for.
    OutsideReferenceRange,
    /// No baseline and week-12 pair to compare.
    Unpaired,
    /// The two measurements cannot be compared (e.g. other treadmill protocol).
    NotComparable,
    /// An input is absent.
    NoData,
    /// The reader's consent does not cover the data it needs.
    NotShared,
    /// The period has not reached the point it is measured at.
    NotYet,
    /// Does not apply (e.g. tobacco indicators for someone who does not use tobacco).
    NotApplicable,
}

/// A derived value with the definition it was computed with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Derived<T> {
    pub definition: Definition,
    pub value: Option<T>,
    pub missing: Option<Missing>,
}

impl<T> Derived<T> {
    pub fn value(definition: Definition, value: T) -> Self {
        Derived {
            definition,
            value: Some(value),
            missing: None,
        }
    }

    pub fn missing(definition: Definition, why: Missing) -> Self {
        Derived {
            definition,
            value: None,
            missing: Some(why),
        }
    }
}

pub use crate::journey::{Attainment, Sex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Improved,
    Unchanged,
    Worsened,
}

// ---- six-minute walk test -------------------------------------------------

pub const SIX_MINUTE_WALK_PREDICTED: Definition = Definition {
    id: "six_minute_walk_predicted",
    version: 1,
    text: "Predicted 6MWT distance: men 7.57·height_cm − 5.02·age − 1.76·weight_kg − 309; \
           women 2.11·height_cm − 2.29·weight_kg − 5.78·age + 667; valid age 40–80. \
           Lower limit of normal = predicted − 153 m (men), − 139 m (women).",
    thresholds: &[
        threshold("min_age", SIX_MINUTE_WALK_MIN_AGE as f64, "years"),
        threshold("max_age", SIX_MINUTE_WALK_MAX_AGE as f64, "years"),
        threshold("lln_margin_men", LLN_MARGIN_MEN_M, "m"),
        threshold("lln_margin_women", LLN_MARGIN_WOMEN_M, "m"),
    ],
    source: "Enright & Sherrill 1998, AJRCCM 158:1384",
};
pub const SIX_MINUTE_WALK_MIN_AGE: u32 = 40;
pub const SIX_MINUTE_WALK_MAX_AGE: u32 = 80;
pub const LLN_MARGIN_MEN_M: f64 = 153.0;
pub const LLN_MARGIN_WOMEN_M: f64 = 139.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WalkReference {
    pub predicted_m: f64,
    pub lower_limit_of_normal_m: f64,
    pub percent_of_predicted: f64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Predicted distance, lower limit of normal and % of predicted for one walk.
pub fn six_minute_walk_reference(
    sex: Sex,
    age_years: u32,
    height_cm: f64,
    weight_kg: f64,
    distance_m: f64,
) -> Derived<WalkReference> {
    let def = SIX_MINUTE_WALK_PREDICTED;
    if !(SIX_MINUTE_WALK_MIN_AGE..=SIX_MINUTE_WALK_MAX_AGE).contains(&age_years) {
        return Derived::missing(def, Missing::OutsideReferenceRange);
    }
    let age = f64::from(age_years);
    let (predicted, margin) = match sex {
        Sex::Male => (
            7.57 * height_cm - 5.02 * age - 1.76 * weight_kg - 309.0,
            LLN_MARGIN_MEN_M,
        ),
        Sex::Female => (
            2.11 * height_cm - 2.29 * weight_kg - 5.78 * age + 667.0,
            LLN_MARGIN_WOMEN_M,
        ),
    };
    if predicted <= 0.0 {
        return Derived::missing(def, Missing::OutsideReferenceRange);
    }
    Derived::value(
        def,
        WalkReference {
            predicted_m: round1(predicted),
            lower_limit_of_normal_m: round1(predicted - margin),
            percent_of_predicted: round1(distance_m / predicted * 100.0),
        },
    )
}

pub const FITNESS_CHANGE: Definition = Definition {
    id: "fitness_change",
    version: 1,
    text: "Δ6MWT = week12 − baseline: improved if ≥ +30 m, worsened if ≤ −30 m, else unchanged. \
           Treadmill (same protocol only): improved if duration +10 % or more, worsened if −10 % or \
           more. Improved fitness = the 6MWT verdict, else the treadmill's when no 6MWT pair exists.",
    thresholds: &[
        threshold("walk_change", WALK_CHANGE_THRESHOLD_M, "m"),
        threshold(
            "treadmill_duration_change",
            TREADMILL_CHANGE_SHARE * 100.0,
            "%",
        ),
    ],
    source: "MCID 14–30.5 m (Bohannon & Crouch 2017); 30 m and 10 % are product choices",
};
/// Product choice (DOMAIN.md §5): the upper end of the published MCID range.
pub const WALK_CHANGE_THRESHOLD_M: f64 = 30.0;
/// Product choice: a treadmill duration change of this share counts.
pub const TREADMILL_CHANGE_SHARE: f64 = 0.10;

pub fn walk_change(baseline_m: Option<f64>, week12_m: Option<f64>) -> Derived<(f64, Change)> {
    let (Some(before), Some(after)) = (baseline_m, week12_m) else {
        return Derived::missing(FITNESS_CHANGE, Missing::Unpaired);
    };
    let delta = after - before;
    let verdict = if delta >= WALK_CHANGE_THRESHOLD_M {
        Change::Improved
    } else if delta <= -WALK_CHANGE_THRESHOLD_M {
        Change::Worsened
    } else {
        Change::Unchanged
    };
    Derived::value(FITNESS_CHANGE, (round1(delta), verdict))
}

/// One treadmill test: its protocol name and duration in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TreadmillTest {
    pub protocol: String,
    pub duration_s: f64,
}

pub fn treadmill_change(
    baseline: Option<&TreadmillTest>,
    week12: Option<&TreadmillTest>,
) -> Derived<Change> {
    let (Some(before), Some(after)) = (baseline, week12) else {
        return Derived::missing(FITNESS_CHANGE, Missing::Unpaired);
    };
    if before.protocol.trim().to_lowercase() != after.protocol.trim().to_lowercase()
        || before.duration_s <= 0.0
    {
        return Derived::missing(FITNESS_CHANGE, Missing::NotComparable);
    }
    let share = (after.duration_s - before.duration_s) / before.duration_s;
    // Compared in whole permille so that exactly +10 % is not lost to rounding.
    let permille = (share * 1000.0).round() as i64;
    let threshold = (TREADMILL_CHANGE_SHARE * 1000.0).round() as i64;
    let verdict = if permille >= threshold {
        Change::Improved
    } else if permille <= -threshold {
        Change::Worsened
    } else {
        Change::Unchanged
    };
    Derived::value(FITNESS_CHANGE, verdict)
}

/// "Improved fitness" (tilskudd 841-859): the 6MWT verdict when a 6MWT pair
/// exists, else the treadmill's.
pub fn improved_fitness(
    walk: &Derived<(f64, Change)>,
    treadmill: &Derived<Change>,
) -> Derived<bool> {
    match (walk.value, treadmill.value) {
        (Some((_, verdict)), _) => Derived::value(FITNESS_CHANGE, verdict == Change::Improved),
        (None, Some(verdict)) => Derived::value(FITNESS_CHANGE, verdict == Change::Improved),
        (None, None) => Derived::missing(FITNESS_CHANGE, Missing::Unpaired),
    }
}

// ---- activity recommendation -------------------------------------------------

pub const ACTIVITY_RECOMMENDATION: Definition = Definition {
    id: "activity_recommendation",
    version: 1,
    text: "Adults (18+): weekly MVPA-equivalent minutes (moderate + 2 × vigorous) ≥ 150. \
           Children 6–17: moderate + vigorous minutes average ≥ 60 per day.",
    thresholds: &[
        threshold(
            "adult_weekly_mvpa_equivalent",
            ADULT_WEEKLY_MVPA_EQUIVALENT as f64,
            "min/week",
        ),
        threshold(
            "child_daily_mvpa",
            CHILD_DAILY_MVPA_MINUTES as f64,
            "min/day",
        ),
        threshold("adult_from_age", ADULT_FROM_AGE as f64, "years"),
        threshold("child_from_age", CHILD_FROM_AGE as f64, "years"),
        threshold("vigorous_weight", VIGOROUS_WEIGHT as f64, "×"),
    ],
    source: "Helsedirektoratet, Nasjonale faglige råd for fysisk aktivitet",
};
pub const ADULT_WEEKLY_MVPA_EQUIVALENT: i64 = 150;
pub const CHILD_DAILY_MVPA_MINUTES: i64 = 60;
pub const ADULT_FROM_AGE: u32 = 18;
pub const CHILD_FROM_AGE: u32 = 6;

/// Whether one week of logged activity meets the recommendation for age.
pub fn meets_activity_recommendation(
    age_years: u32,
    moderate_minutes: i64,
    vigorous_minutes: i64,
) -> Derived<bool> {
    let def = ACTIVITY_RECOMMENDATION;
    if age_years >= ADULT_FROM_AGE {
        Derived::value(
            def,
            moderate_minutes + 2 * vigorous_minutes >= ADULT_WEEKLY_MVPA_EQUIVALENT,
        )
    } else if age_years >= CHILD_FROM_AGE {
        Derived::value(
            def,
            moderate_minutes + vigorous_minutes >= 7 * CHILD_DAILY_MVPA_MINUTES,
        )
    } else {
        Derived::missing(def, Missing::OutsideReferenceRange)
    }
}

// ---- sleep flags ----------------------------------------------------------------

pub const SLEEP_FLAGS: Definition = Definition {
    id: "sleep_flags",
    version: 1,
    text: "Weekly and period means, and each night, flagged when SE < 85 %, SOL > 30 min, \
           WASO > 30 min, TST < 6 h (a night's flags use its values as reported, to one decimal).",
    thresholds: &[
        threshold("efficiency_below", SLEEP_EFFICIENCY_FLAG_BELOW, "%"),
        threshold("onset_above", SLEEP_ONSET_FLAG_ABOVE_MIN, "min"),
        threshold(
            "wake_after_onset_above",
            WAKE_AFTER_ONSET_FLAG_ABOVE_MIN,
            "min",
        ),
        threshold("total_sleep_below", SHORT_SLEEP_BELOW_MIN, "min"),
    ],
    source: "Consensus Sleep Diary (Carney et al. 2012, SLEEP 35:287); thresholds as DOMAIN.md §5",
};

pub const SLEEP_ONSET_FLAG_ABOVE_MIN: f64 = 30.0;
pub const WAKE_AFTER_ONSET_FLAG_ABOVE_MIN: f64 = 30.0;
/// Six hours.
pub const SHORT_SLEEP_BELOW_MIN: f64 = 360.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct SleepFlags {
    pub low_efficiency: bool,
    pub long_onset: bool,
    pub long_wake_after_onset: bool,
    pub short_sleep: bool,
}

pub fn sleep_flags(
    efficiency_percent: Option<f64>,
    onset_minutes: Option<f64>,
    wake_after_onset_minutes: Option<f64>,
    total_sleep_minutes: Option<f64>,
) -> Derived<SleepFlags> {
    let (Some(se), Some(sol), Some(waso), Some(tst)) = (
        efficiency_percent,
        onset_minutes,
        wake_after_onset_minutes,
        total_sleep_minutes,
    ) else {
        return Derived::missing(SLEEP_FLAGS, Missing::NoData);
    };
    Derived::value(
        SLEEP_FLAGS,
        SleepFlags {
            low_efficiency: se < SLEEP_EFFICIENCY_FLAG_BELOW,
            long_onset: sol > SLEEP_ONSET_FLAG_ABOVE_MIN,
            long_wake_after_onset: waso > WAKE_AFTER_ONSET_FLAG_ABOVE_MIN,
            short_sleep: tst < SHORT_SLEEP_BELOW_MIN,
        },
    )
}

// ---- self-rated health ------------------------------------------------------------

pub const SELF_RATED_HEALTH_CHANGE: Definition = Definition {
    id: "self_rated_health_change",
    version: 1,
    text: "Self-rated health 1 (very good) – 5 (very poor): improved if week 12 is at least \
           one level better than baseline, worsened if worse.",
    thresholds: &[threshold("levels", 1.0, "level")],
    source: "DOMAIN.md §5; tilskudd 841-859",
};

pub fn self_rated_health_change(baseline: Option<u8>, week12: Option<u8>) -> Derived<Change> {
    match (baseline, week12) {
        (Some(before), Some(after)) if (1..=5).contains(&before) && (1..=5).contains(&after) => {
            let verdict = match after.cmp(&before) {
                std::cmp::Ordering::Less => Change::Improved,
                std::cmp::Ordering::Equal => Change::Unchanged,
                std::cmp::Ordering::Greater => Change::Worsened,
            };
            Derived::value(SELF_RATED_HEALTH_CHANGE, verdict)
        }
        _ => Derived::missing(SELF_RATED_HEALTH_CHANGE, Missing::Unpaired),
    }
}

// ---- tobacco ----------------------------------------------------------------------

pub const SUSTAINED_ABSTINENCE: Definition = Definition {
    id: "sustained_abstinence",
    version: 2,
    text: "From the quit date + 14 days' grace up to the assessment, at most 5 units \
           (cigarettes or snus portions of the products quit) in total. From the diary when \
           every day of that window is logged; when days are missing, the diary still decides \
           if the logged days already exceed 5 units, else the week-12 self-report \
           (\"no more than 5 since the grace period ended\"). The source is recorded.",
    thresholds: &[
        threshold("grace", GRACE_DAYS as f64, "days"),
        threshold("max_units", SUSTAINED_MAX_UNITS as f64, "units"),
    ],
    source: "Russell Standard (West et al. 2005, Addiction 100:299)",
};
pub const GRACE_DAYS: i64 = 14;
pub const SUSTAINED_MAX_UNITS: i64 = 5;

/// Sustained abstinence: `units_by_day` are the days logged with the units
/// of the products quit; `self_reported_at_most_5` is the week-12 answer to
/// "no more than 5 since the grace period ended". A complete diary decides
/// alone. An incomplete one still decides when it already shows more than 5
/// units, since an answer cannot undo use the participant logged; otherwise
/// the self-report decides, as the Russell Standard does.
pub fn sustained_abstinence(
    quit_date: NaiveDate,
    assessment_date: NaiveDate,
    units_by_day: &[(NaiveDate, i64)],
    self_reported_at_most_5: Option<bool>,
) -> Derived<(bool, Evidence)> {
    let def = SUSTAINED_ABSTINENCE;
    let from = quit_date + Duration::days(GRACE_DAYS);
    if assessment_date <= from {
        return Derived::missing(def, Missing::NoData);
    }
    let in_window: Vec<&(NaiveDate, i64)> = units_by_day
        .iter()
        .filter(|(day, _)| *day >= from && *day < assessment_date)
        .collect();
    let days_in_window = (assessment_date - from).num_days() as usize;
    let mut logged: Vec<NaiveDate> = in_window.iter().map(|(d, _)| *d).collect();
    logged.sort();
    logged.dedup();
    let total: i64 = in_window.iter().map(|(_, u)| *u).sum();
    if total > SUSTAINED_MAX_UNITS {
        return Derived::value(def, (false, Evidence::Diary));
    }
    if logged.len() >= days_in_window {
        return Derived::value(def, (true, Evidence::Diary));
    }
    match self_reported_at_most_5 {
        Some(abstinent) => Derived::value(def, (abstinent, Evidence::SelfReport)),
        None => Derived::missing(def, Missing::NoData),
    }
}

pub const POINT_PREVALENCE_ABSTINENCE: Definition = Definition {
    id: "seven_day_point_prevalence_abstinence",
    version: 1,
    text: "No use of the products quit on any of the 7 days before the week-12 assessment; \
           from the diary when all 7 days are logged, else from the self-report at the assessment.",
    thresholds: &[threshold("window", POINT_PREVALENCE_DAYS as f64, "days")],
    source: "SRNT 2022; DOMAIN.md §5",
};

/// Days before the assessment that must be free of use.
pub const POINT_PREVALENCE_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Diary,
    SelfReport,
}

pub fn seven_day_abstinence(
    assessment_date: NaiveDate,
    units_by_day: &[(NaiveDate, i64)],
    self_reported_abstinent: Option<bool>,
) -> Derived<(bool, Evidence)> {
    let def = POINT_PREVALENCE_ABSTINENCE;
    let window: Vec<NaiveDate> = (1..=POINT_PREVALENCE_DAYS)
        .map(|k| assessment_date - Duration::days(k))
        .collect();
    let mut logged: Vec<NaiveDate> = Vec::new();
    let mut used = false;
    for (day, units) in units_by_day {
        if window.contains(day) {
            logged.push(*day);
            used |= *units > 0;
        }
    }
    logged.sort();
    logged.dedup();
    if logged.len() == POINT_PREVALENCE_DAYS as usize {
        return Derived::value(def, (!used, Evidence::Diary));
    }
    match self_reported_abstinent {
        Some(abstinent) => Derived::value(def, (abstinent, Evidence::SelfReport)),
        None => Derived::missing(def, Missing::NoData),
    }
}

pub const REDUCTION: Definition = Definition {
    id: "tobacco_reduction",
    version: 1,
    text: "At least 50 % fewer units per day than at baseline.",
    thresholds: &[threshold("reduction", REDUCTION_SHARE * 100.0, "%")],
    source: "DOMAIN.md §5",
};

/// The share of baseline use that must be gone.
pub const REDUCTION_SHARE: f64 = 0.5;

pub fn halved_use(baseline_per_day: Option<f64>, now_per_day: Option<f64>) -> Derived<bool> {
    match (baseline_per_day, now_per_day) {
        (Some(before), Some(after)) if before > 0.0 => {
            Derived::value(REDUCTION, after <= before * (1.0 - REDUCTION_SHARE))
        }
        _ => Derived::missing(REDUCTION, Missing::Unpaired),
    }
}

pub const MONEY_SAVED: Definition = Definition {
    id: "money_saved",
    version: 2,
    text: "Σ over logged days since the quit date, per product of the quit attempt, of \
           (baseline units/day of that product − units that day of that product, never below 0) \
           × price per pack / units per pack of that product. Units per pack default to 20 \
           cigarettes and 24 snus portions; e-cigarettes count days of use and give the days a \
           pack lasts. A product without a price or a baseline adds nothing; with none, no value. \
           An attempt with the old price per unit prices every product at it, a pack of 1.",
    thresholds: &[
        threshold(
            "cigarettes_per_pack",
            crate::diary::DEFAULT_CIGARETTES_PER_PACK as f64,
            "units",
        ),
        threshold(
            "snus_portions_per_box",
            crate::diary::DEFAULT_SNUS_PORTIONS_PER_BOX as f64,
            "units",
        ),
    ],
    source: "Product choice (DOMAIN.md §3)",
};

/// One product's part of money saved: its baseline, what a unit costs and
/// the units logged each day since the quit date.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSavings<'a> {
    pub baseline_per_day: Option<f64>,
    pub price_per_unit_nok: Option<f64>,
    pub units_by_day_since_quit: &'a [(NaiveDate, i64)],
}

pub fn money_saved_nok(products: &[ProductSavings<'_>]) -> Derived<f64> {
    let mut saved = 0.0;
    let mut any = false;
    for p in products {
        let (Some(baseline), Some(price)) = (p.baseline_per_day, p.price_per_unit_nok) else {
            continue;
        };
        any = true;
        saved += p
            .units_by_day_since_quit
            .iter()
            .map(|(_, units)| (baseline - *units as f64).max(0.0) * price)
            .sum::<f64>();
    }
    if !any {
        return Derived::missing(MONEY_SAVED, Missing::NoData);
    }
    Derived::value(MONEY_SAVED, (saved * 100.0).round() / 100.0)
}

// ---- goals ------------------------------------------------------------------------

pub const GOAL_ATTAINMENT: Definition = Definition {
    id: "goal_attainment",
    version: 1,
    text: "Share of goals partly or fully attained at the end conversation.",
    thresholds: &[],
    source: "DOMAIN.md §5",
};

pub fn goal_attainment(goals: &[Option<Attainment>]) -> Derived<f64> {
    let rated: Vec<Attainment> = goals.iter().flatten().copied().collect();
    if rated.is_empty() {
        return Derived::missing(GOAL_ATTAINMENT, Missing::NoData);
    }
    let reached = rated.iter().filter(|a| **a != Attainment::Not).count();
    Derived::value(GOAL_ATTAINMENT, reached as f64 / rated.len() as f64)
}

// ---- diary-based measures ------------------------------------------------------------

pub const ACTIVITY_CHANGE: Definition = Definition {
    id: "activity_change",
    version: 1,
    text: "Weekly MVPA-equivalent minutes = moderate + 2 × vigorous per period week; intensity from \
           Borg RPE when not given (≤ 11 light, 12–13 moderate, ≥ 14 vigorous). Change = mean of \
           the last two period weeks − mean of the first two.",
    thresholds: &[
        threshold("borg_light_max", BORG_LIGHT_MAX as f64, "RPE"),
        threshold("borg_moderate_max", BORG_MODERATE_MAX as f64, "RPE"),
        threshold("vigorous_weight", VIGOROUS_WEIGHT as f64, "×"),
        threshold("weeks_compared", COMPARED_WEEKS as f64, "weeks"),
    ],
    source: "DOMAIN.md §5; Helsedirektoratet, Nasjonale faglige råd for fysisk aktivitet",
};
/// How many weeks at each end of a period are compared.
pub const COMPARED_WEEKS: usize = 2;

pub const SITTING_MEAN: Definition = Definition {
    id: "sitting_mean",
    version: 1,
    text: "Mean of the daily sitting hours logged in the period.",
    thresholds: &[],
    source: "DOMAIN.md §5",
};

pub const SLEEP_MEASURES: Definition = Definition {
    id: "sleep_measures",
    version: 2,
    text: "Per night: TIB = out of bed − into bed; TST = (final awakening − tried to sleep) − SOL − \
           WASO; SE = TST / TIB · 100. One night per diary day (the morning of the final \
           awakening): of several sleep entries ending that morning, the one with the longest \
           time in bed; naps are not part of TIB or TST. Reported per night and as means over \
           the nights of a week and of the period.",
    thresholds: &[],
    source: "Consensus Sleep Diary (Carney et al. 2012, SLEEP 35:287)",
};

pub const DIET: Definition = Definition {
    id: "diet",
    version: 1,
    text: "Per diary day with food logged: main meals (breakfast, lunch, dinner, supper), \
           vegetable/fruit/berry portions (target 5 a day) and sugary-drink occasions; means over \
           the first two and the last two period weeks.",
    thresholds: &[
        threshold("veg_fruit_target", VEG_FRUIT_TARGET_PER_DAY, "portions/day"),
        threshold("weeks_compared", COMPARED_WEEKS as f64, "weeks"),
    ],
    source: "DOMAIN.md §5; Helsedirektoratets kostråd",
};
pub const VEG_FRUIT_TARGET_PER_DAY: f64 = 5.0;

/// The mean of the present values; `None` when none is.
pub fn mean_of(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| round1(present.iter().sum::<f64>() / present.len() as f64))
}

/// Mean of the first and of the last `COMPARED_WEEKS` weekly values, and the
/// change between them. Unpaired when the period has fewer than
/// 2 × `COMPARED_WEEKS` weeks or either end has no value.
pub fn first_last_change(
    definition: Definition,
    weekly: &[Option<f64>],
) -> (Derived<f64>, Derived<f64>, Derived<f64>) {
    let n = COMPARED_WEEKS;
    let end = |values: &[Option<f64>]| match mean_of(values) {
        Some(v) => Derived::value(definition, v),
        None => Derived::missing(definition, Missing::NoData),
    };
    if weekly.len() < 2 * n {
        let first = end(&weekly[..weekly.len().min(n)]);
        let not_yet = Derived::missing(definition, Missing::NotYet);
        return (first, not_yet, not_yet);
    }
    let first = end(&weekly[..n]);
    let last = end(&weekly[weekly.len() - n..]);
    let change = match (first.value, last.value) {
        (Some(a), Some(b)) => Derived::value(definition, round1(b - a)),
        _ => Derived::missing(definition, Missing::Unpaired),
    };
    (first, last, change)
}

// ---- work and school -------------------------------------------------------------------

pub const WORK_SCHOOL_CHANGE: Definition = Definition {
    id: "work_school_change",
    version: 1,
    text: "Improved if the participant moved into work or school, or the sick-leave percentage \
           went down, between baseline and week 12; worsened if out of work/school or sick leave \
           went up; else unchanged.",
    thresholds: &[],
    source: "DOMAIN.md §5 (\"skole- eller arbeidsdeltakelse\"); tilskudd 841-859",
};

/// (in work or school, sick-leave %) at baseline and at week 12.
pub fn work_school_change(
    baseline: Option<(bool, Option<u8>)>,
    week12: Option<(bool, Option<u8>)>,
) -> Derived<Change> {
    let (Some((before_in, before_leave)), Some((after_in, after_leave))) = (baseline, week12)
    else {
        return Derived::missing(WORK_SCHOOL_CHANGE, Missing::Unpaired);
    };
    let (before_leave, after_leave) = (before_leave.unwrap_or(0), after_leave.unwrap_or(0));
    let verdict = match (before_in, after_in) {
        (false, true) => Change::Improved,
        (true, false) => Change::Worsened,
        _ if after_leave < before_leave => Change::Improved,
        _ if after_leave > before_leave => Change::Worsened,
        _ => Change::Unchanged,
    };
    Derived::value(WORK_SCHOOL_CHANGE, verdict)
}

// ---- quality of life, COOP/WONCA, medication, health services, sitting --------------

pub const QUALITY_OF_LIFE_CHANGE: Definition = Definition {
    id: "quality_of_life_change",
    version: 1,
    text: "Quality of life 0 (worst) – 10 (best), baseline → week 12: improved if at least \
           one point higher, worsened if at least one point lower (product choice).",
    thresholds: &[threshold("points", 1.0, "point")],
    source: "DOMAIN.md §4; guideline 5.10.3 (endringer i selvopplevd helse og livskvalitet)",
};

/// Quality of life: week 12 − baseline, and its verdict.
pub fn quality_of_life_change(baseline: Option<u8>, week12: Option<u8>) -> Derived<(f64, Change)> {
    match (baseline, week12) {
        (Some(before), Some(after)) if before <= 10 && after <= 10 => {
            let delta = f64::from(after) - f64::from(before);
            let verdict = if delta >= 1.0 {
                Change::Improved
            } else if delta <= -1.0 {
                Change::Worsened
            } else {
                Change::Unchanged
            };
            Derived::value(QUALITY_OF_LIFE_CHANGE, (delta, verdict))
        }
        _ => Derived::missing(QUALITY_OF_LIFE_CHANGE, Missing::Unpaired),
    }
}

pub const COOP_WONCA_CHANGE: Definition = Definition {
    id: "coop_wonca_change",
    version: 1,
    text: "Each COOP/WONCA chart 1 (best) – 5 (worst), week 12 − baseline per chart; \
           negative is better. The six charts are never summed to a total.",
    thresholds: &[],
    source: "DOMAIN.md §4; van Weel 1995 (COOP/WONCA charts)",
};

pub const MEDICATION_CHANGE: Definition = Definition {
    id: "medication_change",
    version: 1,
    text: "Number of regular medicines, week 12 − baseline.",
    thresholds: &[],
    source: "DOMAIN.md §4; guideline 5.10.3 (endringer i medisinbruk)",
};

pub const HEALTH_SERVICES_CHANGE: Definition = Definition {
    id: "health_services_change",
    version: 1,
    text: "GP visits in the last 3 months, week 12 − baseline.",
    thresholds: &[],
    source: "DOMAIN.md §4; guideline 5.10.3 (endringer i bruk av og behov for andre helsetjenester)",
};

pub const SITTING_CHANGE: Definition = Definition {
    id: "sitting_change",
    version: 1,
    text: "Hours sitting a day from the activity-level questionnaire, week 12 − baseline; \
           negative is less sitting.",
    thresholds: &[],
    source: "DOMAIN.md §4; guideline 5.10.3 (endringer i stillesitting eller tid i ro)",
};

/// `after − before` under `definition`, to one decimal; unpaired when
/// either is missing.
pub fn difference(definition: Definition, before: Option<f64>, after: Option<f64>) -> Derived<f64> {
    match (before, after) {
        (Some(before), Some(after)) => Derived::value(definition, round1(after - before)),
        _ => Derived::missing(definition, Missing::Unpaired),
    }
}

// ---- maintenance at 6 and 12 months after the period -------------------------------

pub const FITNESS_MAINTENANCE: Definition = Definition {
    id: "fitness_maintenance",
    version: 1,
    text: "Δ6MWT from baseline to the 6- or 12-month follow-up after the period; \
           improved if Δ ≥ +30 m, as for the change at week 12.",
    thresholds: &[threshold("walk_change_m", WALK_CHANGE_THRESHOLD_M, "m")],
    source: "DOMAIN.md §5 (fitness change); guideline 5.10 (oppfølging etter 6 og 12 måneder)",
};

pub const SELF_RATED_HEALTH_MAINTENANCE: Definition = Definition {
    id: "self_rated_health_maintenance",
    version: 1,
    text: "Self-rated health from baseline to the 6- or 12-month follow-up: improved if \
           at least one level better.",
    thresholds: &[threshold("levels", 1.0, "level")],
    source: "DOMAIN.md §5 (self-rated health); guideline 5.10",
};

pub const ABSTINENCE_MAINTENANCE: Definition = Definition {
    id: "abstinence_maintenance",
    version: 1,
    text: "7-day point-prevalence abstinence at the 6- or 12-month follow-up, from the \
           tobacco questionnaire's self-report (no use in the last 7 days); only for \
           participants who used tobacco.",
    thresholds: &[threshold("days", POINT_PREVALENCE_DAYS as f64, "days")],
    source: "DOMAIN.md §5 (tobacco); West et al. 2005 (follow-up at 6 and 12 months)",
};

/// Every definition, for `GET /v1/definitions`.
pub const DEFINITIONS: &[Definition] = &[
    SIX_MINUTE_WALK_PREDICTED,
    FITNESS_CHANGE,
    ACTIVITY_RECOMMENDATION,
    SLEEP_FLAGS,
    SELF_RATED_HEALTH_CHANGE,
    POINT_PREVALENCE_ABSTINENCE,
    SUSTAINED_ABSTINENCE,
    REDUCTION,
    MONEY_SAVED,
    GOAL_ATTAINMENT,
    ACTIVITY_CHANGE,
    SITTING_MEAN,
    SLEEP_MEASURES,
    DIET,
    WORK_SCHOOL_CHANGE,
    QUALITY_OF_LIFE_CHANGE,
    COOP_WONCA_CHANGE,
    MEDICATION_CHANGE,
    HEALTH_SERVICES_CHANGE,
    SITTING_CHANGE,
    FITNESS_MAINTENANCE,
    SELF_RATED_HEALTH_MAINTENANCE,
    ABSTINENCE_MAINTENANCE,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn six_minute_walk_by_hand() {
        // 55-year-old man, 180 cm, 90 kg, 520 m:
        // 7.57·180 − 5.02·55 − 1.76·90 − 309 = 1362.6 − 276.1 − 158.4 − 309 = 619.1
        let r = six_minute_walk_reference(Sex::Male, 55, 180.0, 90.0, 520.0)
            .value
            .unwrap();
        assert_eq!(r.predicted_m, 619.1);
        assert_eq!(r.percent_of_predicted, 84.0);
        assert_eq!(r.lower_limit_of_normal_m, 466.1);
        // 62-year-old woman, 165 cm, 70 kg, 480 m:
        // 2.11·165 − 2.29·70 − 5.78·62 + 667 = 348.15 − 160.3 − 358.36 + 667 = 496.49
        let r = six_minute_walk_reference(Sex::Female, 62, 165.0, 70.0, 480.0)
            .value
            .unwrap();
        assert_eq!(r.predicted_m, 496.5);
        assert_eq!(r.lower_limit_of_normal_m, 357.5);
        assert_eq!(r.percent_of_predicted, 96.7);
    }

    #[test]
    fn six_minute_walk_age_boundaries() {
        for (age, valid) in [(39, false), (40, true), (80, true), (81, false)] {
            let r = six_minute_walk_reference(Sex::Male, age, 180.0, 80.0, 500.0);
            assert_eq!(r.value.is_some(), valid, "age {age}");
            if !valid {
                assert_eq!(r.missing, Some(Missing::OutsideReferenceRange));
            }
        }
    }

    #[test]
    fn walk_change_thresholds_are_inclusive_at_30_m() {
        assert_eq!(
            walk_change(Some(400.0), Some(430.0)).value.unwrap().1,
            Change::Improved
        );
        assert_eq!(
            walk_change(Some(400.0), Some(429.9)).value.unwrap().1,
            Change::Unchanged
        );
        assert_eq!(
            walk_change(Some(400.0), Some(370.0)).value.unwrap().1,
            Change::Worsened
        );
        assert_eq!(
            walk_change(Some(400.0), Some(370.1)).value.unwrap().1,
            Change::Unchanged
        );
        assert_eq!(
            walk_change(None, Some(400.0)).missing,
            Some(Missing::Unpaired)
        );
    }

    #[test]
    fn treadmill_needs_the_same_protocol_and_ten_percent() {
        let t = |p: &str, s| TreadmillTest {
            protocol: p.into(),
            duration_s: s,
        };
        assert_eq!(
            treadmill_change(Some(&t("Bruce", 600.0)), Some(&t("bruce ", 660.0))).value,
            Some(Change::Improved)
        );
        assert_eq!(
            treadmill_change(Some(&t("Bruce", 600.0)), Some(&t("Bruce", 659.0))).value,
            Some(Change::Unchanged)
        );
        assert_eq!(
            treadmill_change(Some(&t("Bruce", 600.0)), Some(&t("Modified Bruce", 900.0))).missing,
            Some(Missing::NotComparable)
        );
        let walk = walk_change(None, None);
        let treadmill = treadmill_change(Some(&t("Bruce", 600.0)), Some(&t("Bruce", 700.0)));
        assert_eq!(improved_fitness(&walk, &treadmill).value, Some(true));
        let walk = walk_change(Some(400.0), Some(410.0));
        assert_eq!(
            improved_fitness(&walk, &treadmill).value,
            Some(false),
            "the 6MWT pair decides"
        );
    }

    #[test]
    fn activity_recommendation_for_adults_and_children() {
        assert_eq!(meets_activity_recommendation(40, 150, 0).value, Some(true));
        assert_eq!(meets_activity_recommendation(40, 0, 75).value, Some(true));
        assert_eq!(
            meets_activity_recommendation(40, 100, 24).value,
            Some(false)
        );
        assert_eq!(meets_activity_recommendation(18, 149, 0).value, Some(false));
        assert_eq!(
            meets_activity_recommendation(12, 300, 120).value,
            Some(true)
        );
        assert_eq!(
            meets_activity_recommendation(12, 300, 119).value,
            Some(false)
        );
        assert_eq!(
            meets_activity_recommendation(5, 500, 500).missing,
            Some(Missing::OutsideReferenceRange)
        );
    }

    #[test]
    fn sleep_flags_at_their_boundaries() {
        let f = sleep_flags(Some(85.0), Some(30.0), Some(30.0), Some(360.0))
            .value
            .unwrap();
        assert_eq!(
            f,
            SleepFlags::default(),
            "exactly at the thresholds is not flagged"
        );
        let f = sleep_flags(Some(84.9), Some(31.0), Some(31.0), Some(359.0))
            .value
            .unwrap();
        assert!(f.low_efficiency && f.long_onset && f.long_wake_after_onset && f.short_sleep);
        assert_eq!(
            sleep_flags(None, Some(1.0), Some(1.0), Some(1.0)).missing,
            Some(Missing::NoData)
        );
    }

    #[test]
    fn self_rated_health_one_level_is_a_change() {
        assert_eq!(
            self_rated_health_change(Some(3), Some(2)).value,
            Some(Change::Improved)
        );
        assert_eq!(
            self_rated_health_change(Some(3), Some(3)).value,
            Some(Change::Unchanged)
        );
        assert_eq!(
            self_rated_health_change(Some(2), Some(4)).value,
            Some(Change::Worsened)
        );
        assert_eq!(
            self_rated_health_change(Some(3), None).missing,
            Some(Missing::Unpaired)
        );
    }

    #[test]
    fn sustained_abstinence_grace_and_five_units() {
        let quit = d("2026-03-01");
        let assessment = d("2026-03-25");
        let every_day = |units_on: &[(&str, i64)]| -> Vec<(NaiveDate, i64)> {
            (0..30)
                .map(|k| quit + Duration::days(k))
                .map(|day| {
                    let units = units_on
                        .iter()
                        .find(|(s, _)| d(s) == day)
                        .map_or(0, |(_, u)| *u);
                    (day, units)
                })
                .collect()
        };
        // Use inside the 14-day grace does not count.
        assert_eq!(
            sustained_abstinence(quit, assessment, &every_day(&[("2026-03-14", 20)]), None).value,
            Some((true, Evidence::Diary))
        );
        // Quit date + 14 days is the first day that counts: 5 there is allowed, 6 is not.
        assert_eq!(
            sustained_abstinence(quit, assessment, &every_day(&[("2026-03-15", 5)]), None).value,
            Some((true, Evidence::Diary))
        );
        assert_eq!(
            sustained_abstinence(quit, assessment, &every_day(&[("2026-03-15", 6)]), None).value,
            Some((false, Evidence::Diary))
        );
        assert_eq!(
            sustained_abstinence(
                quit,
                assessment,
                &every_day(&[("2026-03-15", 3), ("2026-03-20", 3)]),
                None
            )
            .value,
            Some((false, Evidence::Diary))
        );
    }

    #[test]
    fn sustained_abstinence_falls_back_to_the_self_report_only_when_the_diary_cannot_decide() {
        let quit = d("2026-03-01");
        let assessment = d("2026-03-25");
        let diary = |units_on: &[(&str, i64)], skip: &[&str]| -> Vec<(NaiveDate, i64)> {
            (0..30)
                .map(|k| quit + Duration::days(k))
                .filter(|day| !skip.iter().any(|s| d(s) == *day))
                .map(|day| {
                    let units = units_on
                        .iter()
                        .find(|(s, _)| d(s) == day)
                        .map_or(0, |(_, u)| *u);
                    (day, units)
                })
                .collect()
        };
        let sustained = |days: &[(NaiveDate, i64)], answer| {
            let r = sustained_abstinence(quit, assessment, days, answer);
            (r.value, r.missing)
        };
        // Complete diary: the diary decides, the answer is ignored either way.
        assert_eq!(
            sustained(&diary(&[], &[]), Some(false)),
            (Some((true, Evidence::Diary)), None)
        );
        assert_eq!(
            sustained(&diary(&[("2026-03-20", 6)], &[]), Some(true)),
            (Some((false, Evidence::Diary)), None)
        );
        // Incomplete diary already over 5 after the grace: the answer cannot undo it.
        assert_eq!(
            sustained(
                &diary(&[("2026-03-16", 4), ("2026-03-21", 2)], &["2026-03-18"]),
                Some(true)
            ),
            (Some((false, Evidence::Diary)), None)
        );
        // Incomplete diary within the limit: the self-report decides.
        let gap = diary(&[("2026-03-16", 5)], &["2026-03-18", "2026-03-19"]);
        assert_eq!(
            sustained(&gap, Some(true)),
            (Some((true, Evidence::SelfReport)), None)
        );
        assert_eq!(
            sustained(&gap, Some(false)),
            (Some((false, Evidence::SelfReport)), None)
        );
        // An app that logs nothing at all: the self-report alone.
        assert_eq!(
            sustained(&[], Some(true)),
            (Some((true, Evidence::SelfReport)), None)
        );
        // Neither: unknown, with the reason.
        assert_eq!(sustained(&gap, None), (None, Some(Missing::NoData)));
        // An assessment before the grace has ended cannot be judged.
        assert_eq!(
            sustained_abstinence(quit, d("2026-03-15"), &[], Some(true)).missing,
            Some(Missing::NoData)
        );
    }

    #[test]
    fn seven_day_abstinence_from_diary_or_self_report() {
        let assessment = d("2026-05-25");
        let week: Vec<(NaiveDate, i64)> = (1..=7)
            .map(|k| (assessment - Duration::days(k), 0))
            .collect();
        assert_eq!(
            seven_day_abstinence(assessment, &week, Some(false)).value,
            Some((true, Evidence::Diary))
        );
        let mut used = week.clone();
        used[3].1 = 1;
        assert_eq!(
            seven_day_abstinence(assessment, &used, None).value,
            Some((false, Evidence::Diary))
        );
        let partial = &week[..6];
        assert_eq!(
            seven_day_abstinence(assessment, partial, Some(true)).value,
            Some((true, Evidence::SelfReport))
        );
        assert_eq!(
            seven_day_abstinence(assessment, partial, None).missing,
            Some(Missing::NoData)
        );
    }

    #[test]
    fn reduction_money_and_goals() {
        assert_eq!(halved_use(Some(20.0), Some(10.0)).value, Some(true));
        assert_eq!(halved_use(Some(20.0), Some(10.5)).value, Some(false));
        assert_eq!(
            halved_use(Some(0.0), Some(0.0)).missing,
            Some(Missing::Unpaired)
        );
        let days = [
            (d("2026-05-01"), 0),
            (d("2026-05-02"), 4),
            (d("2026-05-03"), 25),
        ];
        let one = |baseline, price| ProductSavings {
            baseline_per_day: baseline,
            price_per_unit_nok: price,
            units_by_day_since_quit: &days,
        };
        // (10 − 0)·4.5 + (10 − 4)·4.5 + 0 = 72
        assert_eq!(
            money_saved_nok(&[one(Some(10.0), Some(4.5))]).value,
            Some(72.0)
        );
        assert_eq!(
            money_saved_nok(&[one(None, Some(4.5)), one(Some(10.0), None)]).missing,
            Some(Missing::NoData)
        );
    }

    #[test]
    fn money_saved_uses_each_products_own_price_and_baseline() {
        // 15 cigarettes a day at NOK 140 per 20; 12 snus portions a day at NOK 110 per 24.
        let cigarettes = [
            (d("2026-05-01"), 0),
            (d("2026-05-02"), 3),
            (d("2026-05-03"), 0),
        ];
        let snus = [
            (d("2026-05-01"), 2),
            (d("2026-05-02"), 0),
            (d("2026-05-03"), 14),
        ];
        let saved = money_saved_nok(&[
            ProductSavings {
                baseline_per_day: Some(15.0),
                price_per_unit_nok: Some(140.0 / 20.0),
                units_by_day_since_quit: &cigarettes,
            },
            ProductSavings {
                baseline_per_day: Some(12.0),
                price_per_unit_nok: Some(110.0 / 24.0),
                units_by_day_since_quit: &snus,
            },
        ]);
        // Cigarettes (15 + 12 + 15) × 7 = 294; snus (10 + 12 + 0, the 14 portions
        // above baseline do not cost the cigarettes' savings) × 110/24 = 100.83.
        assert_eq!(saved.value, Some(394.83));
        assert_eq!(
            (saved.definition.id, saved.definition.version),
            ("money_saved", 2)
        );
        // A product without a price adds nothing; the priced one still counts.
        let unpriced_snus = money_saved_nok(&[
            ProductSavings {
                baseline_per_day: Some(15.0),
                price_per_unit_nok: Some(7.0),
                units_by_day_since_quit: &cigarettes,
            },
            ProductSavings {
                baseline_per_day: Some(12.0),
                price_per_unit_nok: None,
                units_by_day_since_quit: &snus,
            },
        ]);
        assert_eq!(unpriced_snus.value, Some(294.0));
        use Attainment::*;
        assert_eq!(
            goal_attainment(&[Some(Fully), Some(Partly), Some(Not), None]).value,
            Some(2.0 / 3.0)
        );
        assert_eq!(goal_attainment(&[None]).missing, Some(Missing::NoData));
    }

    #[test]
    fn definitions_have_unique_ids() {
        let mut ids: Vec<&str> = DEFINITIONS.iter().map(|d| d.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), DEFINITIONS.len());
    }

    #[test]
    fn first_and_last_two_weeks() {
        let weekly = [
            Some(60.0),
            Some(60.0),
            Some(100.0),
            None,
            Some(180.0),
            Some(200.0),
        ];
        let (first, last, change) = first_last_change(ACTIVITY_CHANGE, &weekly);
        assert_eq!(
            (first.value, last.value, change.value),
            (Some(60.0), Some(190.0), Some(130.0))
        );
        // A missing week at one end is skipped, not counted as zero.
        let (first, _, _) = first_last_change(DIET, &[None, Some(4.0), Some(1.0), Some(2.0)]);
        assert_eq!(first.value, Some(4.0));
        let (_, last, change) = first_last_change(DIET, &[Some(1.0), Some(2.0), Some(3.0)]);
        assert_eq!(
            (last.missing, change.missing),
            (Some(Missing::NotYet), Some(Missing::NotYet))
        );
        let (_, _, change) = first_last_change(DIET, &[Some(1.0), None, None, None]);
        assert_eq!(change.missing, Some(Missing::Unpaired));
    }

    #[test]
    fn work_and_school_change() {
        let v = |b, a| work_school_change(b, a).value;
        assert_eq!(
            v(Some((false, None)), Some((true, None))),
            Some(Change::Improved)
        );
        assert_eq!(
            v(Some((true, Some(50))), Some((true, None))),
            Some(Change::Improved)
        );
        assert_eq!(
            v(Some((true, Some(50))), Some((true, Some(50)))),
            Some(Change::Unchanged)
        );
        assert_eq!(
            v(Some((true, Some(20))), Some((true, Some(40)))),
            Some(Change::Worsened)
        );
        assert_eq!(
            v(Some((true, None)), Some((false, None))),
            Some(Change::Worsened)
        );
        assert_eq!(
            work_school_change(None, Some((true, None))).missing,
            Some(Missing::Unpaired)
        );
    }

    #[test]
    fn every_definition_lists_its_thresholds_consistently() {
        let fitness = DEFINITIONS
            .iter()
            .find(|d| d.id == "fitness_change")
            .unwrap();
        assert!(
            fitness
                .thresholds
                .iter()
                .any(|t| t.value == 30.0 && t.unit == "m")
        );
        let sleep = DEFINITIONS.iter().find(|d| d.id == "sleep_flags").unwrap();
        assert_eq!(sleep.thresholds.len(), 4);
        for d in DEFINITIONS {
            assert!(
                d.version >= 1 && !d.text.is_empty() && !d.source.is_empty(),
                "{}",
                d.id
            );
        }
    }
}
