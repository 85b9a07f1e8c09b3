//! Every indicator of one follow-up period (DOMAIN.md §5), computed from
//! the period's facts by the pure functions of [`crate::indicators`]. Each
//! row names its definition, its value or why there is none, and the inputs
//! it used; parts the reader's consent does not cover are `not_shared`
//! with no inputs. Pure: the same facts in any order give the same rows.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::consent::BirthMonth;
use crate::diary::{EntryData, ProductPrice, TobaccoProduct};
use crate::indicators::{
    self, ACTIVITY_CHANGE, ACTIVITY_RECOMMENDATION, Attainment, Change, DIET, Definition, Derived,
    FITNESS_CHANGE, MONEY_SAVED, Missing, POINT_PREVALENCE_ABSTINENCE, POINT_PREVALENCE_DAYS,
    REDUCTION, SELF_RATED_HEALTH_CHANGE, SITTING_MEAN, SIX_MINUTE_WALK_PREDICTED, SLEEP_FLAGS,
    SLEEP_MEASURES, SUSTAINED_ABSTINENCE, Sex, TreadmillTest, WORK_SCHOOL_CHANGE,
};
use crate::indicators::{
    ABSTINENCE_MAINTENANCE, COOP_WONCA_CHANGE, FITNESS_MAINTENANCE, HEALTH_SERVICES_CHANGE,
    MEDICATION_CHANGE, QUALITY_OF_LIFE_CHANGE, SELF_RATED_HEALTH_MAINTENANCE, SITTING_CHANGE,
};
use crate::journey::{PERIOD_PLANNED_DAYS, PERIOD_WEEKS, period_week};
use crate::summary::{NightMeasures, SummaryEntry, WeekSummary, nights_by_morning, weekly_summary};

/// A measurement with the day it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated<T> {
    pub on: NaiveDate,
    pub value: T,
}

/// Tobacco use as reported at an assessment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TobaccoReport {
    pub cigarettes_per_day: Option<f64>,
    pub snus_portions_per_day: Option<f64>,
    pub abstinent_last_7_days: Option<bool>,
    /// "No more than 5 since the grace period ended" (Russell Standard).
    pub at_most_5_since_grace: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkSchoolReport {
    pub participates: bool,
    pub sick_leave_percent: Option<u8>,
}

/// What was measured at one timepoint (baseline or week 12).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimepointFacts {
    pub six_minute_walk_m: Option<Dated<f64>>,
    pub treadmill: Option<Dated<TreadmillTest>>,
    pub weight_kg: Option<Dated<f64>>,
    pub height_cm: Option<Dated<f64>>,
    pub self_rated_health: Option<Dated<u8>>,
    pub tobacco: Option<Dated<TobaccoReport>>,
    pub work_school: Option<Dated<WorkSchoolReport>>,
    pub activity_days_per_week: Option<Dated<u8>>,
    pub sitting_hours_per_day: Option<Dated<f64>>,
    /// 0–10.
    pub quality_of_life: Option<Dated<u8>>,
    /// The six COOP/WONCA charts in [`COOP_WONCA_CHARTS`] order, each 1–5.
    pub coop_wonca: Option<Dated<[u8; 6]>>,
    pub regular_medicines: Option<Dated<u32>>,
    pub gp_visits_last_3_months: Option<Dated<u32>>,
}

/// The COOP/WONCA charts, in the order of [`TimepointFacts::coop_wonca`].
pub const COOP_WONCA_CHARTS: [&str; 6] = [
    "physical_fitness",
    "feelings",
    "daily_activities",
    "social_activities",
    "change_in_health",
    "overall_health",
];

impl TimepointFacts {
    /// The first day anything was measured at this timepoint.
    fn first_day(&self) -> Option<NaiveDate> {
        [
            self.six_minute_walk_m.as_ref().map(|d| d.on),
            self.treadmill.as_ref().map(|d| d.on),
            self.weight_kg.as_ref().map(|d| d.on),
            self.height_cm.as_ref().map(|d| d.on),
            self.self_rated_health.as_ref().map(|d| d.on),
            self.tobacco.as_ref().map(|d| d.on),
            self.work_school.as_ref().map(|d| d.on),
            self.activity_days_per_week.as_ref().map(|d| d.on),
            self.sitting_hours_per_day.as_ref().map(|d| d.on),
            self.quality_of_life.as_ref().map(|d| d.on),
            self.coop_wonca.as_ref().map(|d| d.on),
            self.regular_medicines.as_ref().map(|d| d.on),
            self.gp_visits_last_3_months.as_ref().map(|d| d.on),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// The quit attempt the tobacco indicators follow.
#[derive(Debug, Clone, PartialEq)]
pub struct QuitFacts {
    pub quit_date: NaiveDate,
    pub products: Vec<TobaccoProduct>,
    /// The priced products (`QuitAttempt::product_prices`).
    pub prices: Vec<ProductPrice>,
}

/// Everything one period's outcomes are computed from.
#[derive(Debug, Clone)]
pub struct PeriodFacts {
    pub period_start: NaiveDate,
    /// The day the period ended (completed or discontinued), if it has.
    pub period_end: Option<NaiveDate>,
    /// Today: weeks not yet begun are not reported.
    pub as_of: NaiveDate,
    pub sex: Option<Sex>,
    pub birth: Option<BirthMonth>,
    pub height_cm: Option<f64>,
    pub baseline: TimepointFacts,
    pub week12: TimepointFacts,
    /// Six and twelve months after the period.
    pub followup_6m: TimepointFacts,
    pub followup_12m: TimepointFacts,
    /// Diary entries (any order) from a week before the start; quit attempts excluded.
    pub diary: Vec<SummaryEntry>,
    pub quit: Option<QuitFacts>,
    pub goals: Vec<Option<Attainment>>,
    /// Diary-based indicators need `summaries` consent.
    pub diary_visible: bool,
    /// Assessment-based indicators need `assessments` consent.
    pub assessments_visible: bool,
}

/// A number, a yes/no, or a category such as `improved`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Flag(bool),
    Category(&'static str),
}

/// One input of an indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub name: &'static str,
    pub value: Option<Value>,
    pub on: Option<NaiveDate>,
}

/// One indicator of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub name: &'static str,
    pub definition_id: &'static str,
    pub definition_version: u32,
    pub value: Option<Value>,
    pub unit: Option<&'static str>,
    pub missing: Option<Missing>,
    pub inputs: Vec<Input>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodOutcomes {
    /// The period weeks begun (at most 12).
    pub weeks: Vec<WeekSummary>,
    pub indicators: Vec<Indicator>,
    pub smoke_free_streak_days: Option<u32>,
    pub money_saved_nok: Option<f64>,
}

fn change_name(c: Change) -> &'static str {
    match c {
        Change::Improved => "improved",
        Change::Unchanged => "unchanged",
        Change::Worsened => "worsened",
    }
}

fn num(name: &'static str, value: Option<f64>, on: Option<NaiveDate>) -> Input {
    Input {
        name,
        value: value.map(Value::Number),
        on,
    }
}

fn dated_num(name: &'static str, d: Option<&Dated<f64>>) -> Input {
    num(name, d.map(|d| d.value), d.map(|d| d.on))
}

fn flag(name: &'static str, value: Option<bool>, on: Option<NaiveDate>) -> Input {
    Input {
        name,
        value: value.map(Value::Flag),
        on,
    }
}

fn category(name: &'static str, value: Option<&'static str>, on: Option<NaiveDate>) -> Input {
    Input {
        name,
        value: value.map(Value::Category),
        on,
    }
}

/// Builds the rows in a fixed order; hides what the reader may not see.
struct Rows {
    rows: Vec<Indicator>,
}

impl Rows {
    fn push<T>(
        &mut self,
        name: &'static str,
        derived: Derived<T>,
        to_value: impl Fn(T) -> Value,
        unit: Option<&'static str>,
        inputs: Vec<Input>,
    ) {
        let Derived {
            definition,
            value,
            missing,
        } = derived;
        self.rows.push(Indicator {
            name,
            definition_id: definition.id,
            definition_version: definition.version,
            value: value.map(to_value),
            unit,
            missing,
            inputs,
        });
    }

    fn hidden(&mut self, name: &'static str, definition: Definition, unit: Option<&'static str>) {
        self.rows.push(Indicator {
            name,
            definition_id: definition.id,
            definition_version: definition.version,
            value: None,
            unit,
            missing: Some(Missing::NotShared),
            inputs: Vec::new(),
        });
    }
}

fn number_or<T>(derived: Derived<T>, f: impl Fn(T) -> f64) -> Derived<f64> {
    Derived {
        definition: derived.definition,
        value: derived.value.map(f),
        missing: derived.missing,
    }
}

fn derived_opt(definition: Definition, value: Option<f64>, why: Missing) -> Derived<f64> {
    match value {
        Some(v) => Derived::value(definition, v),
        None => Derived::missing(definition, why),
    }
}

/// Units of one product one diary day; an e-cigarette day counts as 1.
fn product_units(data: &EntryData, product: TobaccoProduct) -> Option<i64> {
    let EntryData::Tobacco(t) = data else {
        return None;
    };
    Some(match product {
        TobaccoProduct::Cigarettes => t.cigarettes,
        TobaccoProduct::Snus => t.snus_portions,
        TobaccoProduct::ECigarettes => i64::from(t.e_cigarette),
    })
}

/// One product's units per logged day in `[from, to]`, by day.
fn product_days(
    diary: &[SummaryEntry],
    product: TobaccoProduct,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, i64)> {
    let mut by_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for e in diary {
        if e.diary_day >= from
            && e.diary_day <= to
            && let Some(u) = product_units(&e.data, product)
        {
            *by_day.entry(e.diary_day).or_default() += u;
        }
    }
    by_day.into_iter().collect()
}

/// Units of the given products one diary day.
fn units(data: &EntryData, products: &[TobaccoProduct]) -> Option<i64> {
    matches!(data, EntryData::Tobacco(_)).then(|| {
        products
            .iter()
            .filter_map(|p| product_units(data, *p))
            .sum()
    })
}

/// The assessment's units/day of one product; it asks none for e-cigarettes.
fn report_product_per_day(report: &TobaccoReport, product: TobaccoProduct) -> Option<f64> {
    match product {
        TobaccoProduct::Cigarettes => report.cigarettes_per_day,
        TobaccoProduct::Snus => report.snus_portions_per_day,
        TobaccoProduct::ECigarettes => None,
    }
}

/// The names money saved lists its inputs by, per product.
fn money_input_names(product: TobaccoProduct) -> [&'static str; 3] {
    match product {
        TobaccoProduct::Cigarettes => [
            "cigarettes_baseline_units_per_day",
            "cigarettes_price_per_pack_nok",
            "cigarettes_units_per_pack",
        ],
        TobaccoProduct::Snus => [
            "snus_baseline_units_per_day",
            "snus_price_per_pack_nok",
            "snus_units_per_pack",
        ],
        TobaccoProduct::ECigarettes => [
            "e_cigarettes_baseline_units_per_day",
            "e_cigarettes_price_per_pack_nok",
            "e_cigarettes_units_per_pack",
        ],
    }
}

fn report_per_day(report: &TobaccoReport, products: &[TobaccoProduct]) -> Option<f64> {
    let mut total = 0.0;
    let mut any = false;
    for p in products {
        if let Some(v) = report_product_per_day(report, *p) {
            total += v;
            any = true;
        }
    }
    any.then_some(total)
}

const ALL_PRODUCTS: &[TobaccoProduct] = &[
    TobaccoProduct::Cigarettes,
    TobaccoProduct::Snus,
    TobaccoProduct::ECigarettes,
];

fn evidence_name(e: indicators::Evidence) -> &'static str {
    match e {
        indicators::Evidence::Diary => "diary",
        indicators::Evidence::SelfReport => "self_report",
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn period_outcomes(f: &PeriodFacts) -> PeriodOutcomes {
    let start = f.period_start;
    let last_day = f.period_end.map_or(f.as_of, |end| end.min(f.as_of));
    let weeks_begun = period_week(start, last_day).unwrap_or(0).min(PERIOD_WEEKS);
    let complete_weeks = if last_day < start {
        0
    } else {
        (((last_day - start).num_days() + 1) / 7).min(i64::from(PERIOD_WEEKS)) as usize
    };
    let in_period: Vec<&SummaryEntry> = f
        .diary
        .iter()
        .filter(|e| e.diary_day >= start && e.diary_day <= last_day)
        .collect();
    let weeks = if f.diary_visible {
        weekly_summary(&f.diary, start, weeks_begun)
    } else {
        Vec::new()
    };
    let complete = &weeks[..complete_weeks.min(weeks.len())];
    let mut rows = Rows { rows: Vec::new() };

    // ---- fitness (assessments) ----
    for (name_pct, name_lln, tp) in [
        (
            "six_minute_walk_baseline_percent_predicted",
            Some("six_minute_walk_baseline_lower_limit_of_normal_m"),
            &f.baseline,
        ),
        ("six_minute_walk_week12_percent_predicted", None, &f.week12),
    ] {
        if !f.assessments_visible {
            rows.hidden(name_pct, SIX_MINUTE_WALK_PREDICTED, Some("%"));
            if let Some(lln) = name_lln {
                rows.hidden(lln, SIX_MINUTE_WALK_PREDICTED, Some("m"));
            }
            continue;
        }
        let height = tp.height_cm.as_ref().map(|h| h.value).or(f.height_cm);
        let weight = tp.weight_kg.as_ref();
        let (reference, inputs) = match tp.six_minute_walk_m.as_ref() {
            None => (
                Derived::missing(SIX_MINUTE_WALK_PREDICTED, Missing::NoData),
                vec![],
            ),
            Some(walk) => {
                let age = f.birth.map(|b| b.age_on(walk.on));
                let inputs = vec![
                    dated_num("distance_m", Some(walk)),
                    category(
                        "sex",
                        f.sex.map(|s| match s {
                            Sex::Male => "male",
                            Sex::Female => "female",
                        }),
                        None,
                    ),
                    num("age_years", age.map(f64::from), Some(walk.on)),
                    num("height_cm", height, tp.height_cm.as_ref().map(|h| h.on)),
                    dated_num("weight_kg", weight),
                ];
                let derived = match (f.sex, age, height, weight) {
                    (Some(sex), Some(age), Some(h), Some(w)) => {
                        indicators::six_minute_walk_reference(sex, age, h, w.value, walk.value)
                    }
                    _ => Derived::missing(SIX_MINUTE_WALK_PREDICTED, Missing::NoData),
                };
                (derived, inputs)
            }
        };
        rows.push(
            name_pct,
            number_or(reference, |r| r.percent_of_predicted),
            Value::Number,
            Some("%"),
            inputs.clone(),
        );
        if let Some(lln) = name_lln {
            rows.push(
                lln,
                number_or(reference, |r| r.lower_limit_of_normal_m),
                Value::Number,
                Some("m"),
                inputs,
            );
        }
    }
    if f.assessments_visible {
        let (b, w) = (
            f.baseline.six_minute_walk_m.as_ref(),
            f.week12.six_minute_walk_m.as_ref(),
        );
        let walk = indicators::walk_change(b.map(|d| d.value), w.map(|d| d.value));
        let walk_inputs = vec![dated_num("baseline_m", b), dated_num("week12_m", w)];
        rows.push(
            "six_minute_walk_change_m",
            number_or(walk, |(delta, _)| delta),
            Value::Number,
            Some("m"),
            walk_inputs.clone(),
        );
        rows.push(
            "six_minute_walk_change",
            Derived {
                definition: walk.definition,
                value: walk.value.map(|(_, c)| c),
                missing: walk.missing,
            },
            |c| Value::Category(change_name(c)),
            None,
            walk_inputs,
        );
        let (tb, tw) = (f.baseline.treadmill.as_ref(), f.week12.treadmill.as_ref());
        let treadmill = indicators::treadmill_change(tb.map(|d| &d.value), tw.map(|d| &d.value));
        let treadmill_inputs = vec![
            num(
                "baseline_duration_s",
                tb.map(|d| d.value.duration_s),
                tb.map(|d| d.on),
            ),
            num(
                "week12_duration_s",
                tw.map(|d| d.value.duration_s),
                tw.map(|d| d.on),
            ),
        ];
        rows.push(
            "treadmill_change",
            treadmill,
            |c| Value::Category(change_name(c)),
            None,
            treadmill_inputs,
        );
        let improved = indicators::improved_fitness(&walk, &treadmill);
        rows.push(
            "improved_fitness",
            improved,
            Value::Flag,
            None,
            vec![
                category(
                    "six_minute_walk_change",
                    walk.value.map(|(_, c)| change_name(c)),
                    None,
                ),
                category("treadmill_change", treadmill.value.map(change_name), None),
            ],
        );
    } else {
        rows.hidden("six_minute_walk_change_m", FITNESS_CHANGE, Some("m"));
        rows.hidden("six_minute_walk_change", FITNESS_CHANGE, None);
        rows.hidden("treadmill_change", FITNESS_CHANGE, None);
        rows.hidden("improved_fitness", FITNESS_CHANGE, None);
    }

    // ---- physical activity, sitting, sleep, diet (diary) ----
    if f.diary_visible {
        // A week with no diary entry at all is unknown, not zero minutes.
        let mvpa: Vec<Option<f64>> = complete
            .iter()
            .map(|w| (w.days_logged > 0).then_some(w.mvpa_equivalent_minutes as f64))
            .collect();
        let (first, last, change) = indicators::first_last_change(ACTIVITY_CHANGE, &mvpa);
        let weekly_inputs: Vec<Input> = complete
            .iter()
            .zip(&mvpa)
            .map(|(w, m)| num("week_mvpa_equivalent_minutes", *m, w.starts_on))
            .collect();
        rows.push(
            "mvpa_equivalent_first_two_weeks_mean",
            first,
            Value::Number,
            Some("min/week"),
            weekly_inputs.iter().take(2).cloned().collect(),
        );
        rows.push(
            "mvpa_equivalent_last_two_weeks_mean",
            last,
            Value::Number,
            Some("min/week"),
            weekly_inputs
                .iter()
                .skip(weekly_inputs.len().saturating_sub(2))
                .cloned()
                .collect(),
        );
        rows.push(
            "mvpa_equivalent_change",
            change,
            Value::Number,
            Some("min/week"),
            vec![
                num("first_two_weeks_mean", first.value, None),
                num("last_two_weeks_mean", last.value, None),
            ],
        );
        let last_week = complete.last();
        let recommendation = match (last_week, f.birth) {
            (None, _) => Derived::missing(ACTIVITY_RECOMMENDATION, Missing::NotYet),
            (Some(_), None) => Derived::missing(ACTIVITY_RECOMMENDATION, Missing::NoData),
            (Some(w), Some(birth)) if w.days_logged > 0 => {
                indicators::meets_activity_recommendation(
                    birth.age_on(w.starts_on.unwrap_or(start)),
                    w.moderate_minutes,
                    w.vigorous_minutes,
                )
            }
            (Some(_), Some(_)) => Derived::missing(ACTIVITY_RECOMMENDATION, Missing::NoData),
        };
        rows.push(
            "activity_recommendation_met_last_week",
            recommendation,
            Value::Flag,
            None,
            match last_week {
                Some(w) => vec![
                    num("week", Some(f64::from(w.week)), w.starts_on),
                    num("moderate_minutes", Some(w.moderate_minutes as f64), None),
                    num("vigorous_minutes", Some(w.vigorous_minutes as f64), None),
                    num(
                        "age_years",
                        f.birth
                            .map(|b| f64::from(b.age_on(w.starts_on.unwrap_or(start)))),
                        None,
                    ),
                ],
                None => vec![],
            },
        );

        let sitting: Vec<f64> = in_period
            .iter()
            .filter_map(|e| match &e.data {
                EntryData::Sitting(s) => Some(s.hours),
                _ => None,
            })
            .collect();
        let sitting_mean = (!sitting.is_empty())
            .then(|| round1(sitting.iter().sum::<f64>() / sitting.len() as f64));
        rows.push(
            "sitting_hours_mean",
            derived_opt(SITTING_MEAN, sitting_mean, Missing::NoData),
            Value::Number,
            Some("h/day"),
            vec![num("days_logged", Some(sitting.len() as f64), None)],
        );

        let nights: Vec<NightMeasures> = nights_by_morning(in_period.iter().copied())
            .into_values()
            .map(|n| n.measures)
            .collect();
        let night_mean = |pick: fn(&NightMeasures) -> f64| {
            (!nights.is_empty())
                .then(|| round1(nights.iter().map(pick).sum::<f64>() / nights.len() as f64))
        };
        let (tib, tst, se, sol, waso) = (
            night_mean(|n| n.time_in_bed_minutes),
            night_mean(|n| n.total_sleep_minutes),
            night_mean(|n| n.sleep_efficiency_percent),
            night_mean(|n| n.sleep_onset_latency_minutes),
            night_mean(|n| n.wake_after_sleep_onset_minutes),
        );
        let nights_input = || vec![num("nights", Some(nights.len() as f64), None)];
        for (name, value, unit) in [
            ("time_in_bed_minutes_mean", tib, "min"),
            ("total_sleep_minutes_mean", tst, "min"),
            ("sleep_efficiency_percent_mean", se, "%"),
            ("sleep_onset_latency_minutes_mean", sol, "min"),
            ("wake_after_sleep_onset_minutes_mean", waso, "min"),
        ] {
            rows.push(
                name,
                derived_opt(SLEEP_MEASURES, value, Missing::NoData),
                Value::Number,
                Some(unit),
                nights_input(),
            );
        }
        let flags = indicators::sleep_flags(se, sol, waso, tst);
        for (name, pick) in [
            (
                "sleep_flag_low_efficiency",
                (|f: indicators::SleepFlags| f.low_efficiency) as fn(_) -> bool,
            ),
            ("sleep_flag_long_onset", |f| f.long_onset),
            ("sleep_flag_long_wake_after_onset", |f| {
                f.long_wake_after_onset
            }),
            ("sleep_flag_short_sleep", |f| f.short_sleep),
        ] {
            rows.push(
                name,
                Derived {
                    definition: flags.definition,
                    value: flags.value.map(pick),
                    missing: flags.missing,
                },
                Value::Flag,
                None,
                vec![
                    num("total_sleep_minutes_mean", tst, None),
                    num("sleep_efficiency_percent_mean", se, None),
                    num("sleep_onset_latency_minutes_mean", sol, None),
                    num("wake_after_sleep_onset_minutes_mean", waso, None),
                ],
            );
        }

        for (first_name, last_name, pick, unit) in [
            (
                "main_meals_per_day_first_two_weeks",
                "main_meals_per_day_last_two_weeks",
                (|w: &WeekSummary| w.main_meals_per_day) as fn(&WeekSummary) -> Option<f64>,
                "meals/day",
            ),
            (
                "veg_fruit_portions_per_day_first_two_weeks",
                "veg_fruit_portions_per_day_last_two_weeks",
                |w| w.veg_fruit_portions_per_day,
                "portions/day",
            ),
            (
                "sugary_drink_occasions_per_day_first_two_weeks",
                "sugary_drink_occasions_per_day_last_two_weeks",
                |w| w.sugary_drink_occasions_per_day,
                "occasions/day",
            ),
        ] {
            let weekly: Vec<Option<f64>> = complete.iter().map(pick).collect();
            let (first, last, _) = indicators::first_last_change(DIET, &weekly);
            let inputs: Vec<Input> = complete
                .iter()
                .zip(&weekly)
                .map(|(w, v)| num("week_mean", *v, w.starts_on))
                .collect();
            rows.push(
                first_name,
                first,
                Value::Number,
                Some(unit),
                inputs.iter().take(2).cloned().collect(),
            );
            rows.push(
                last_name,
                last,
                Value::Number,
                Some(unit),
                inputs
                    .iter()
                    .skip(inputs.len().saturating_sub(2))
                    .cloned()
                    .collect(),
            );
        }
    } else {
        for (name, def, unit) in [
            (
                "mvpa_equivalent_first_two_weeks_mean",
                ACTIVITY_CHANGE,
                Some("min/week"),
            ),
            (
                "mvpa_equivalent_last_two_weeks_mean",
                ACTIVITY_CHANGE,
                Some("min/week"),
            ),
            ("mvpa_equivalent_change", ACTIVITY_CHANGE, Some("min/week")),
            (
                "activity_recommendation_met_last_week",
                ACTIVITY_RECOMMENDATION,
                None,
            ),
            ("sitting_hours_mean", SITTING_MEAN, Some("h/day")),
            ("time_in_bed_minutes_mean", SLEEP_MEASURES, Some("min")),
            ("total_sleep_minutes_mean", SLEEP_MEASURES, Some("min")),
            ("sleep_efficiency_percent_mean", SLEEP_MEASURES, Some("%")),
            (
                "sleep_onset_latency_minutes_mean",
                SLEEP_MEASURES,
                Some("min"),
            ),
            (
                "wake_after_sleep_onset_minutes_mean",
                SLEEP_MEASURES,
                Some("min"),
            ),
            ("sleep_flag_low_efficiency", SLEEP_FLAGS, None),
            ("sleep_flag_long_onset", SLEEP_FLAGS, None),
            ("sleep_flag_long_wake_after_onset", SLEEP_FLAGS, None),
            ("sleep_flag_short_sleep", SLEEP_FLAGS, None),
            (
                "main_meals_per_day_first_two_weeks",
                DIET,
                Some("meals/day"),
            ),
            ("main_meals_per_day_last_two_weeks", DIET, Some("meals/day")),
            (
                "veg_fruit_portions_per_day_first_two_weeks",
                DIET,
                Some("portions/day"),
            ),
            (
                "veg_fruit_portions_per_day_last_two_weeks",
                DIET,
                Some("portions/day"),
            ),
            (
                "sugary_drink_occasions_per_day_first_two_weeks",
                DIET,
                Some("occasions/day"),
            ),
            (
                "sugary_drink_occasions_per_day_last_two_weeks",
                DIET,
                Some("occasions/day"),
            ),
        ] {
            rows.hidden(name, def, unit);
        }
    }

    // ---- self-rated health, work/school (assessments) ----
    if f.assessments_visible {
        let (b, w) = (
            f.baseline.self_rated_health.as_ref(),
            f.week12.self_rated_health.as_ref(),
        );
        rows.push(
            "self_rated_health_change",
            indicators::self_rated_health_change(b.map(|d| d.value), w.map(|d| d.value)),
            |c| Value::Category(change_name(c)),
            None,
            vec![
                num(
                    "baseline_answer",
                    b.map(|d| f64::from(d.value)),
                    b.map(|d| d.on),
                ),
                num(
                    "week12_answer",
                    w.map(|d| f64::from(d.value)),
                    w.map(|d| d.on),
                ),
            ],
        );
        let (b, w) = (
            f.baseline.work_school.as_ref(),
            f.week12.work_school.as_ref(),
        );
        let pair = |d: Option<&Dated<WorkSchoolReport>>| {
            d.map(|d| (d.value.participates, d.value.sick_leave_percent))
        };
        rows.push(
            "work_school_change",
            indicators::work_school_change(pair(b), pair(w)),
            |c| Value::Category(change_name(c)),
            None,
            vec![
                flag(
                    "baseline_in_work_or_school",
                    b.map(|d| d.value.participates),
                    b.map(|d| d.on),
                ),
                num(
                    "baseline_sick_leave_percent",
                    b.and_then(|d| d.value.sick_leave_percent).map(f64::from),
                    b.map(|d| d.on),
                ),
                flag(
                    "week12_in_work_or_school",
                    w.map(|d| d.value.participates),
                    w.map(|d| d.on),
                ),
                num(
                    "week12_sick_leave_percent",
                    w.and_then(|d| d.value.sick_leave_percent).map(f64::from),
                    w.map(|d| d.on),
                ),
            ],
        );
    } else {
        rows.hidden("self_rated_health_change", SELF_RATED_HEALTH_CHANGE, None);
        rows.hidden("work_school_change", WORK_SCHOOL_CHANGE, None);
    }

    // ---- quality of life, COOP/WONCA, medicines, health services, sitting ----
    changes_at_week12(f, &mut rows);

    // ---- tobacco (diary and assessments) ----
    let products: &[TobaccoProduct] = f
        .quit
        .as_ref()
        .map_or(ALL_PRODUCTS, |q| q.products.as_slice());
    let mut units_by_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    if f.diary_visible {
        for e in &f.diary {
            if let Some(u) = units(&e.data, products) {
                *units_by_day.entry(e.diary_day).or_default() += u;
            }
        }
    }
    let days: Vec<(NaiveDate, i64)> = units_by_day.iter().map(|(d, u)| (*d, *u)).collect();
    let baseline_report = f
        .baseline
        .tobacco
        .as_ref()
        .filter(|_| f.assessments_visible);
    let week12_report = f.week12.tobacco.as_ref().filter(|_| f.assessments_visible);
    let baseline_per_day_report = baseline_report.and_then(|r| report_per_day(&r.value, products));
    // Without a baseline report, the diary days before the quit date tell the habit.
    let baseline_per_day_diary = f.quit.as_ref().and_then(|q| {
        let before: Vec<i64> = days
            .iter()
            .filter(|(d, _)| *d < q.quit_date && *d >= start - Duration::days(7))
            .map(|(_, u)| *u)
            .collect();
        (!before.is_empty()).then(|| before.iter().sum::<i64>() as f64 / before.len() as f64)
    });
    let baseline_per_day = baseline_per_day_report.or(baseline_per_day_diary);
    let uses_tobacco = f.quit.is_some() || baseline_per_day_report.is_some_and(|u| u > 0.0);
    let assessment_day = week12_report
        .map(|r| r.on)
        .or_else(|| f.week12.first_day().filter(|_| f.assessments_visible));
    let week12_due = start + Duration::days(PERIOD_PLANNED_DAYS);
    let tobacco_hidden = !f.diary_visible && !f.assessments_visible;
    let not_applicable = !uses_tobacco;

    // 7-day point prevalence.
    let ppa = if tobacco_hidden {
        Derived::missing(POINT_PREVALENCE_ABSTINENCE, Missing::NotShared)
    } else if not_applicable {
        Derived::missing(POINT_PREVALENCE_ABSTINENCE, Missing::NotApplicable)
    } else {
        match assessment_day {
            Some(day) => indicators::seven_day_abstinence(
                day,
                &days,
                week12_report.and_then(|r| r.value.abstinent_last_7_days),
            ),
            None if f.as_of < week12_due => {
                Derived::missing(POINT_PREVALENCE_ABSTINENCE, Missing::NotYet)
            }
            None => Derived::missing(POINT_PREVALENCE_ABSTINENCE, Missing::NoData),
        }
    };
    let window_logged = assessment_day.map(|day| {
        days.iter()
            .filter(|(d, _)| *d < day && *d >= day - Duration::days(POINT_PREVALENCE_DAYS))
            .count() as f64
    });
    if tobacco_hidden {
        rows.hidden(
            "seven_day_point_prevalence_abstinence",
            POINT_PREVALENCE_ABSTINENCE,
            None,
        );
    } else {
        rows.push(
            "seven_day_point_prevalence_abstinence",
            Derived {
                definition: ppa.definition,
                value: ppa.value.map(|(abstinent, _)| abstinent),
                missing: ppa.missing,
            },
            Value::Flag,
            None,
            vec![
                category(
                    "assessment",
                    assessment_day.map(|_| "week12"),
                    assessment_day,
                ),
                num("diary_days_logged_in_window", window_logged, None),
                flag(
                    "self_reported_abstinent",
                    week12_report.and_then(|r| r.value.abstinent_last_7_days),
                    week12_report.map(|r| r.on),
                ),
                category("evidence", ppa.value.map(|(_, e)| evidence_name(e)), None),
            ],
        );
    }

    // Sustained abstinence: the diary, else the week-12 self-report.
    if tobacco_hidden {
        rows.hidden("sustained_abstinence", SUSTAINED_ABSTINENCE, None);
    } else {
        let self_reported = week12_report.and_then(|r| r.value.at_most_5_since_grace);
        let sustained = match (&f.quit, assessment_day) {
            (None, _) if not_applicable => {
                Derived::missing(SUSTAINED_ABSTINENCE, Missing::NotApplicable)
            }
            (None, _) => Derived::missing(SUSTAINED_ABSTINENCE, Missing::NoData),
            (Some(q), Some(day)) => {
                indicators::sustained_abstinence(q.quit_date, day, &days, self_reported)
            }
            (Some(_), None) if f.as_of < week12_due => {
                Derived::missing(SUSTAINED_ABSTINENCE, Missing::NotYet)
            }
            (Some(_), None) => Derived::missing(SUSTAINED_ABSTINENCE, Missing::NoData),
        };
        let quit_date = f.quit.as_ref().map(|q| q.quit_date);
        let after_grace = |q: NaiveDate, day: NaiveDate| {
            days.iter()
                .filter(move |(d, _)| *d >= q + Duration::days(indicators::GRACE_DAYS) && *d < day)
        };
        let (units_after_grace, days_logged_after_grace) = match (quit_date, assessment_day) {
            (Some(q), Some(day)) if f.diary_visible => (
                Some(after_grace(q, day).map(|(_, u)| *u).sum::<i64>() as f64),
                Some(after_grace(q, day).count() as f64),
            ),
            _ => (None, None),
        };
        rows.push(
            "sustained_abstinence",
            Derived {
                definition: sustained.definition,
                value: sustained.value.map(|(abstinent, _)| abstinent),
                missing: sustained.missing,
            },
            Value::Flag,
            None,
            vec![
                category("quit_date", quit_date.map(|_| "quit_date"), quit_date),
                category(
                    "assessment",
                    assessment_day.map(|_| "week12"),
                    assessment_day,
                ),
                num("units_after_grace", units_after_grace, None),
                num(
                    "diary_days_logged_after_grace",
                    days_logged_after_grace,
                    None,
                ),
                flag(
                    "self_reported_at_most_5_since_grace",
                    self_reported,
                    week12_report.map(|r| r.on),
                ),
                category(
                    "evidence",
                    sustained.value.map(|(_, e)| evidence_name(e)),
                    None,
                ),
            ],
        );
    }

    // Reduction: baseline units/day vs the last 7 logged days before the
    // assessment (or today), else the week-12 report.
    let now_until = assessment_day.unwrap_or(last_day + Duration::days(1));
    let recent: Vec<i64> = days
        .iter()
        .rev()
        .filter(|(d, _)| *d < now_until && *d >= start)
        .take(POINT_PREVALENCE_DAYS as usize)
        .map(|(_, u)| *u)
        .collect();
    let now_per_day_diary =
        (!recent.is_empty()).then(|| recent.iter().sum::<i64>() as f64 / recent.len() as f64);
    let now_per_day =
        now_per_day_diary.or(week12_report.and_then(|r| report_per_day(&r.value, products)));
    if tobacco_hidden {
        rows.hidden("tobacco_reduction", REDUCTION, None);
    } else {
        let reduction = if not_applicable {
            Derived::missing(REDUCTION, Missing::NotApplicable)
        } else {
            indicators::halved_use(baseline_per_day, now_per_day)
        };
        rows.push(
            "tobacco_reduction",
            reduction,
            Value::Flag,
            None,
            vec![
                num("baseline_units_per_day", baseline_per_day.map(round2), None),
                num("recent_units_per_day", now_per_day.map(round2), None),
            ],
        );
    }

    // Money saved (diary, since the quit date), each product at its own
    // baseline and price.
    let product_baseline = |q: &QuitFacts, product: TobaccoProduct| -> Option<f64> {
        let reported = baseline_report.and_then(|r| report_product_per_day(&r.value, product));
        reported.or_else(|| {
            let before = product_days(
                &f.diary,
                product,
                start - Duration::days(7),
                q.quit_date - Duration::days(1),
            );
            (!before.is_empty())
                .then(|| before.iter().map(|(_, u)| *u).sum::<i64>() as f64 / before.len() as f64)
        })
    };
    struct ProductMoney {
        product: TobaccoProduct,
        baseline: Option<f64>,
        price: Option<ProductPrice>,
        days: Vec<(NaiveDate, i64)>,
    }
    let per_product: Vec<ProductMoney> = match &f.quit {
        Some(q) if f.diary_visible => q
            .products
            .iter()
            .map(|&product| ProductMoney {
                product,
                baseline: product_baseline(q, product),
                price: q.prices.iter().find(|p| p.product == product).copied(),
                days: product_days(&f.diary, product, q.quit_date, last_day),
            })
            .collect(),
        _ => Vec::new(),
    };
    let money = match &f.quit {
        _ if !f.diary_visible => Derived::missing(MONEY_SAVED, Missing::NotShared),
        None => Derived::missing(MONEY_SAVED, Missing::NotApplicable),
        Some(_) => indicators::money_saved_nok(
            &per_product
                .iter()
                .map(|m| indicators::ProductSavings {
                    baseline_per_day: m.baseline,
                    price_per_unit_nok: m.price.map(|p| p.per_unit_nok()),
                    units_by_day_since_quit: &m.days,
                })
                .collect::<Vec<_>>(),
        ),
    };
    if f.diary_visible {
        let mut inputs = vec![category(
            "quit_date",
            f.quit.as_ref().map(|_| "quit_date"),
            f.quit.as_ref().map(|q| q.quit_date),
        )];
        for m in &per_product {
            let [baseline, price, units] = money_input_names(m.product);
            inputs.push(num(baseline, m.baseline.map(round2), None));
            inputs.push(num(price, m.price.map(|p| p.price_per_pack_nok), None));
            inputs.push(num(units, m.price.map(|p| p.units_per_pack as f64), None));
        }
        rows.push("money_saved", money, Value::Number, Some("NOK"), inputs);
    } else {
        rows.hidden("money_saved", MONEY_SAVED, Some("NOK"));
    }

    // ---- maintenance at 6 and 12 months (assessments) ----
    maintenance(f, tobacco_user_for_followup(f), &mut rows);

    // ---- goals (journey) ----
    let rated = f.goals.iter().flatten().count();
    rows.push(
        "goal_attainment",
        indicators::goal_attainment(&f.goals),
        |share| Value::Number(round2(share)),
        Some("share"),
        vec![
            num("goals", Some(f.goals.len() as f64), None),
            num("goals_rated", Some(rated as f64), None),
        ],
    );

    // Smoke-free streak: consecutive logged days without use, ending on the
    // last logged day up to the period's last day.
    let smoke_free_streak_days = (f.diary_visible && !units_by_day.is_empty()).then(|| {
        let mut streak = 0u32;
        let mut expected: Option<NaiveDate> = None;
        for (day, u) in units_by_day.range(..=last_day).rev() {
            if *u > 0 || expected.is_some_and(|e| e != *day) {
                break;
            }
            streak += 1;
            expected = day.pred_opt();
        }
        streak
    });

    PeriodOutcomes {
        weeks,
        indicators: rows.rows,
        smoke_free_streak_days,
        money_saved_nok: money.value,
    }
}

/// The week-12 changes of the questionnaires guideline 5.10.3 asks about.
fn changes_at_week12(f: &PeriodFacts, rows: &mut Rows) {
    let (b, w) = (&f.baseline, &f.week12);
    let coop_names: [&'static str; 6] = [
        "coop_wonca_physical_fitness_change",
        "coop_wonca_feelings_change",
        "coop_wonca_daily_activities_change",
        "coop_wonca_social_activities_change",
        "coop_wonca_change_in_health_change",
        "coop_wonca_overall_health_change",
    ];
    if !f.assessments_visible {
        rows.hidden(
            "quality_of_life_change_points",
            QUALITY_OF_LIFE_CHANGE,
            Some("points"),
        );
        rows.hidden("quality_of_life_change", QUALITY_OF_LIFE_CHANGE, None);
        for name in coop_names {
            rows.hidden(name, COOP_WONCA_CHANGE, Some("levels"));
        }
        rows.hidden(
            "regular_medicines_change",
            MEDICATION_CHANGE,
            Some("medicines"),
        );
        rows.hidden("gp_visits_change", HEALTH_SERVICES_CHANGE, Some("visits"));
        rows.hidden("sitting_hours_change", SITTING_CHANGE, Some("h/day"));
        return;
    }
    let u8_input =
        |name, d: Option<&Dated<u8>>| num(name, d.map(|d| f64::from(d.value)), d.map(|d| d.on));
    let u32_input =
        |name, d: Option<&Dated<u32>>| num(name, d.map(|d| f64::from(d.value)), d.map(|d| d.on));
    let (qb, qw) = (b.quality_of_life.as_ref(), w.quality_of_life.as_ref());
    let qol = indicators::quality_of_life_change(qb.map(|d| d.value), qw.map(|d| d.value));
    let qol_inputs = vec![
        u8_input("baseline_rating", qb),
        u8_input("week12_rating", qw),
    ];
    rows.push(
        "quality_of_life_change_points",
        number_or(qol, |(delta, _)| delta),
        Value::Number,
        Some("points"),
        qol_inputs.clone(),
    );
    rows.push(
        "quality_of_life_change",
        Derived {
            definition: qol.definition,
            value: qol.value.map(|(_, c)| c),
            missing: qol.missing,
        },
        |c| Value::Category(change_name(c)),
        None,
        qol_inputs,
    );
    let (cb, cw) = (b.coop_wonca.as_ref(), w.coop_wonca.as_ref());
    for (i, name) in coop_names.into_iter().enumerate() {
        let chart = |d: Option<&Dated<[u8; 6]>>| d.map(|d| f64::from(d.value[i]));
        rows.push(
            name,
            indicators::difference(COOP_WONCA_CHANGE, chart(cb), chart(cw)),
            Value::Number,
            Some("levels"),
            vec![
                num("baseline_chart", chart(cb), cb.map(|d| d.on)),
                num("week12_chart", chart(cw), cw.map(|d| d.on)),
            ],
        );
    }
    for (name, def, unit, pick) in [
        (
            "regular_medicines_change",
            MEDICATION_CHANGE,
            "medicines",
            (|t: &TimepointFacts| t.regular_medicines.clone())
                as fn(&TimepointFacts) -> Option<Dated<u32>>,
        ),
        (
            "gp_visits_change",
            HEALTH_SERVICES_CHANGE,
            "visits",
            |t: &TimepointFacts| t.gp_visits_last_3_months.clone(),
        ),
    ] {
        let (before, after) = (pick(b), pick(w));
        rows.push(
            name,
            indicators::difference(
                def,
                before.as_ref().map(|d| f64::from(d.value)),
                after.as_ref().map(|d| f64::from(d.value)),
            ),
            Value::Number,
            Some(unit),
            vec![
                u32_input("baseline", before.as_ref()),
                u32_input("week12", after.as_ref()),
            ],
        );
    }
    let (sb, sw) = (
        b.sitting_hours_per_day.as_ref(),
        w.sitting_hours_per_day.as_ref(),
    );
    rows.push(
        "sitting_hours_change",
        indicators::difference(SITTING_CHANGE, sb.map(|d| d.value), sw.map(|d| d.value)),
        Value::Number,
        Some("h/day"),
        vec![dated_num("baseline_h", sb), dated_num("week12_h", sw)],
    );
}

/// Whether the participant used tobacco when the period began (a quit
/// attempt, or use reported at baseline): only they are asked about
/// abstinence at follow-up.
fn tobacco_user_for_followup(f: &PeriodFacts) -> bool {
    f.quit.is_some()
        || f.baseline.tobacco.as_ref().is_some_and(|t| {
            t.value.cigarettes_per_day.is_some_and(|u| u > 0.0)
                || t.value.snus_portions_per_day.is_some_and(|u| u > 0.0)
        })
}

/// Baseline → 6 and 12 months: fitness, self-rated health and tobacco.
fn maintenance(f: &PeriodFacts, tobacco_user: bool, rows: &mut Rows) {
    for (followup, [walk_m, improved, srh, abstinent]) in [
        (
            &f.followup_6m,
            [
                "six_minute_walk_change_6m_m",
                "improved_fitness_6m",
                "self_rated_health_change_6m",
                "abstinent_7_days_6m",
            ],
        ),
        (
            &f.followup_12m,
            [
                "six_minute_walk_change_12m_m",
                "improved_fitness_12m",
                "self_rated_health_change_12m",
                "abstinent_7_days_12m",
            ],
        ),
    ] {
        if !f.assessments_visible {
            rows.hidden(walk_m, FITNESS_MAINTENANCE, Some("m"));
            rows.hidden(improved, FITNESS_MAINTENANCE, None);
            rows.hidden(srh, SELF_RATED_HEALTH_MAINTENANCE, None);
            rows.hidden(abstinent, ABSTINENCE_MAINTENANCE, None);
            continue;
        }
        let (b, later) = (
            f.baseline.six_minute_walk_m.as_ref(),
            followup.six_minute_walk_m.as_ref(),
        );
        let walk = indicators::walk_change(b.map(|d| d.value), later.map(|d| d.value));
        let walk = Derived {
            definition: FITNESS_MAINTENANCE,
            ..walk
        };
        let inputs = vec![dated_num("baseline_m", b), dated_num("followup_m", later)];
        rows.push(
            walk_m,
            number_or(walk, |(delta, _)| delta),
            Value::Number,
            Some("m"),
            inputs.clone(),
        );
        rows.push(
            improved,
            Derived {
                definition: FITNESS_MAINTENANCE,
                value: walk.value.map(|(_, c)| c == Change::Improved),
                missing: walk.missing,
            },
            Value::Flag,
            None,
            inputs,
        );
        let (b, later) = (
            f.baseline.self_rated_health.as_ref(),
            followup.self_rated_health.as_ref(),
        );
        let health =
            indicators::self_rated_health_change(b.map(|d| d.value), later.map(|d| d.value));
        rows.push(
            srh,
            Derived {
                definition: SELF_RATED_HEALTH_MAINTENANCE,
                ..health
            },
            |c| Value::Category(change_name(c)),
            None,
            vec![
                num(
                    "baseline_answer",
                    b.map(|d| f64::from(d.value)),
                    b.map(|d| d.on),
                ),
                num(
                    "followup_answer",
                    later.map(|d| f64::from(d.value)),
                    later.map(|d| d.on),
                ),
            ],
        );
        let report = followup.tobacco.as_ref();
        let answer = report.and_then(|r| r.value.abstinent_last_7_days);
        let derived = match (tobacco_user, answer) {
            (false, _) => Derived::missing(ABSTINENCE_MAINTENANCE, Missing::NotApplicable),
            (true, Some(yes)) => Derived::value(ABSTINENCE_MAINTENANCE, yes),
            (true, None) => Derived::missing(ABSTINENCE_MAINTENANCE, Missing::NoData),
        };
        rows.push(
            abstinent,
            derived,
            Value::Flag,
            None,
            vec![flag(
                "self_reported_abstinent",
                answer,
                report.map(|r| r.on),
            )],
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset, TimeZone};
    use proptest::prelude::*;

    use super::*;
    use crate::diary::{
        Activity, ActivityType, CessationMedication, DiaryEntryInput, EntryKind, Intensity,
        Sitting, Sleep, Tobacco,
    };
    use crate::summary::night_measures;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(day: NaiveDate, hour: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(3600)
            .unwrap()
            .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
            .unwrap()
    }

    fn entry(day: NaiveDate, data: EntryData) -> SummaryEntry {
        SummaryEntry {
            diary_day: day,
            occurred_at: at(day, 10),
            data,
        }
    }

    fn walk(day: NaiveDate, minutes: i64, intensity: Intensity) -> SummaryEntry {
        entry(
            day,
            EntryData::Activity(Activity {
                activity_type: ActivityType::Walking,
                duration_minutes: minutes,
                intensity: Some(intensity),
                borg_rpe: None,
                steps: None,
                distance_km: None,
            }),
        )
    }

    fn smoked(day: NaiveDate, cigarettes: i64) -> SummaryEntry {
        entry(
            day,
            EntryData::Tobacco(Tobacco {
                cigarettes,
                snus_portions: 0,
                e_cigarette: false,
                craving: None,
                triggers: vec![],
                cessation_medication: CessationMedication::None,
            }),
        )
    }

    fn dated<T>(on: &str, value: T) -> Option<Dated<T>> {
        Some(Dated { on: d(on), value })
    }

    /// A 55-year-old man, 180 cm, 90 kg: 400 m at baseline, 430 m at week 12.
    fn facts() -> PeriodFacts {
        let start = d("2026-03-02");
        let mut diary = Vec::new();
        for offset in 0..84 {
            let day = start + Duration::days(offset);
            diary.push(smoked(day, if offset < 7 { 10 } else { 0 }));
            if offset % 7 < 3 {
                let minutes = if offset < 14 { 20 } else { 50 };
                diary.push(walk(day, minutes, Intensity::Moderate));
            }
        }
        PeriodFacts {
            period_start: start,
            period_end: Some(start + Duration::days(84)),
            as_of: d("2026-06-01"),
            sex: Some(Sex::Male),
            birth: Some(BirthMonth {
                year: 1970,
                month: 11,
            }),
            height_cm: Some(180.0),
            baseline: TimepointFacts {
                six_minute_walk_m: dated("2026-03-02", 400.0),
                weight_kg: dated("2026-03-02", 90.0),
                self_rated_health: dated("2026-03-02", 4),
                tobacco: dated(
                    "2026-03-02",
                    TobaccoReport {
                        cigarettes_per_day: Some(10.0),
                        ..TobaccoReport::default()
                    },
                ),
                ..TimepointFacts::default()
            },
            week12: TimepointFacts {
                six_minute_walk_m: dated("2026-05-25", 430.0),
                weight_kg: dated("2026-05-25", 88.0),
                self_rated_health: dated("2026-05-25", 4),
                tobacco: dated("2026-05-25", TobaccoReport::default()),
                ..TimepointFacts::default()
            },
            followup_6m: TimepointFacts::default(),
            followup_12m: TimepointFacts::default(),
            diary,
            quit: Some(QuitFacts {
                quit_date: start + Duration::days(7),
                products: vec![TobaccoProduct::Cigarettes],
                prices: vec![ProductPrice {
                    product: TobaccoProduct::Cigarettes,
                    price_per_pack_nok: 100.0,
                    units_per_pack: 20,
                }],
            }),
            goals: vec![
                Some(Attainment::Fully),
                Some(Attainment::Partly),
                Some(Attainment::Not),
                None,
            ],
            diary_visible: true,
            assessments_visible: true,
        }
    }

    #[test]
    fn questionnaires_change_from_baseline_to_week12() {
        let mut f = facts();
        f.baseline.quality_of_life = dated("2026-03-02", 4);
        f.week12.quality_of_life = dated("2026-05-25", 7);
        f.baseline.coop_wonca = dated("2026-03-02", [4, 3, 3, 2, 3, 4]);
        f.week12.coop_wonca = dated("2026-05-25", [2, 3, 4, 2, 2, 3]);
        f.baseline.regular_medicines = dated("2026-03-02", 5);
        f.week12.regular_medicines = dated("2026-05-25", 4);
        f.baseline.gp_visits_last_3_months = dated("2026-03-02", 3);
        f.baseline.sitting_hours_per_day = dated("2026-03-02", 9.5);
        f.week12.sitting_hours_per_day = dated("2026-05-25", 7.0);
        let o = period_outcomes(&f);
        assert_eq!(number(&o, "quality_of_life_change_points"), 3.0);
        assert_eq!(
            row(&o, "quality_of_life_change").value,
            Some(Value::Category("improved"))
        );
        assert_eq!(
            row(&o, "quality_of_life_change").definition_id,
            "quality_of_life_change"
        );
        assert_eq!(number(&o, "coop_wonca_physical_fitness_change"), -2.0);
        assert_eq!(number(&o, "coop_wonca_daily_activities_change"), 1.0);
        assert_eq!(number(&o, "coop_wonca_overall_health_change"), -1.0);
        assert_eq!(number(&o, "regular_medicines_change"), -1.0);
        // No week-12 answer: unpaired, not a guessed 0.
        assert_eq!(row(&o, "gp_visits_change").value, None);
        assert_eq!(row(&o, "gp_visits_change").missing, Some(Missing::Unpaired));
        assert_eq!(number(&o, "sitting_hours_change"), -2.5);
        // Without assessments consent, none of it is shown.
        f.assessments_visible = false;
        let hidden = period_outcomes(&f);
        assert_eq!(
            row(&hidden, "quality_of_life_change").missing,
            Some(Missing::NotShared)
        );
        assert_eq!(row(&hidden, "sitting_hours_change").value, None);
    }

    #[test]
    fn maintenance_at_6_and_12_months() {
        let mut f = facts();
        // Baseline 400 m and self-rated health 4; he smoked 10 a day.
        f.followup_6m = TimepointFacts {
            six_minute_walk_m: dated("2026-11-20", 445.0),
            self_rated_health: dated("2026-11-20", 3),
            tobacco: dated(
                "2026-11-20",
                TobaccoReport {
                    abstinent_last_7_days: Some(true),
                    ..TobaccoReport::default()
                },
            ),
            ..TimepointFacts::default()
        };
        f.followup_12m = TimepointFacts {
            six_minute_walk_m: dated("2027-05-24", 415.0),
            self_rated_health: dated("2027-05-24", 4),
            tobacco: dated(
                "2027-05-24",
                TobaccoReport {
                    abstinent_last_7_days: Some(false),
                    ..TobaccoReport::default()
                },
            ),
            ..TimepointFacts::default()
        };
        let o = period_outcomes(&f);
        assert_eq!(number(&o, "six_minute_walk_change_6m_m"), 45.0);
        assert_eq!(
            row(&o, "improved_fitness_6m").value,
            Some(Value::Flag(true))
        );
        assert_eq!(
            row(&o, "improved_fitness_6m").definition_id,
            "fitness_maintenance"
        );
        assert_eq!(
            row(&o, "self_rated_health_change_6m").value,
            Some(Value::Category("improved"))
        );
        assert_eq!(
            row(&o, "abstinent_7_days_6m").value,
            Some(Value::Flag(true))
        );
        assert_eq!(number(&o, "six_minute_walk_change_12m_m"), 15.0);
        assert_eq!(
            row(&o, "improved_fitness_12m").value,
            Some(Value::Flag(false))
        );
        assert_eq!(
            row(&o, "self_rated_health_change_12m").value,
            Some(Value::Category("unchanged"))
        );
        assert_eq!(
            row(&o, "abstinent_7_days_12m").value,
            Some(Value::Flag(false))
        );
        // A non-smoker is not asked.
        f.quit = None;
        f.baseline.tobacco = None;
        let o = period_outcomes(&f);
        assert_eq!(
            row(&o, "abstinent_7_days_6m").missing,
            Some(Missing::NotApplicable)
        );
    }

    fn row<'a>(o: &'a PeriodOutcomes, name: &str) -> &'a Indicator {
        o.indicators
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    fn number(o: &PeriodOutcomes, name: &str) -> f64 {
        match row(o, name).value {
            Some(Value::Number(n)) => n,
            ref other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn a_period_computed_by_hand() {
        let o = period_outcomes(&facts());
        assert_eq!(o.weeks.len(), 12);
        // 7.57·180 − 5.02·55 − 1.76·90 − 309 = 619.1; 400 / 619.1 = 64.6 %.
        assert_eq!(
            number(&o, "six_minute_walk_baseline_percent_predicted"),
            64.6
        );
        assert_eq!(
            number(&o, "six_minute_walk_baseline_lower_limit_of_normal_m"),
            466.1
        );
        assert_eq!(number(&o, "six_minute_walk_change_m"), 30.0);
        assert_eq!(
            row(&o, "six_minute_walk_change").value,
            Some(Value::Category("improved"))
        );
        assert_eq!(row(&o, "improved_fitness").value, Some(Value::Flag(true)));
        assert_eq!(
            row(&o, "six_minute_walk_change_m").definition_id,
            "fitness_change"
        );
        // 3 × 20 then 3 × 50 moderate minutes a week.
        assert_eq!(number(&o, "mvpa_equivalent_first_two_weeks_mean"), 60.0);
        assert_eq!(number(&o, "mvpa_equivalent_last_two_weeks_mean"), 150.0);
        assert_eq!(number(&o, "mvpa_equivalent_change"), 90.0);
        assert_eq!(
            row(&o, "activity_recommendation_met_last_week").value,
            Some(Value::Flag(true)),
            "exactly 150 meets the adult recommendation"
        );
        assert_eq!(
            row(&o, "self_rated_health_change").value,
            Some(Value::Category("unchanged"))
        );
        assert_eq!(
            row(&o, "seven_day_point_prevalence_abstinence").value,
            Some(Value::Flag(true))
        );
        assert_eq!(
            row(&o, "sustained_abstinence").value,
            Some(Value::Flag(true))
        );
        // 77 smoke-free days from the quit date × 10 × 5 NOK.
        assert_eq!(number(&o, "money_saved"), 3850.0);
        assert_eq!(o.money_saved_nok, Some(3850.0));
        assert_eq!(o.smoke_free_streak_days, Some(77));
        // 2 of the 3 rated goals partly or fully reached.
        assert_eq!(number(&o, "goal_attainment"), 0.67);
        // No sleep, food or sitting logged: null with a reason, never 0.
        for name in [
            "total_sleep_minutes_mean",
            "sitting_hours_mean",
            "veg_fruit_portions_per_day_first_two_weeks",
        ] {
            assert_eq!(row(&o, name).value, None, "{name}");
            assert_eq!(row(&o, name).missing, Some(Missing::NoData), "{name}");
        }
        assert_eq!(
            row(&o, "work_school_change").missing,
            Some(Missing::Unpaired)
        );
    }

    #[test]
    fn the_week_12_side_waits_for_week_12() {
        let mut f = facts();
        f.period_end = None;
        f.as_of = f.period_start + Duration::days(20);
        f.week12 = TimepointFacts::default();
        let o = period_outcomes(&f);
        assert_eq!(o.weeks.len(), 3, "weeks begun");
        assert_eq!(
            row(&o, "mvpa_equivalent_last_two_weeks_mean").missing,
            Some(Missing::NotYet)
        );
        assert_eq!(
            row(&o, "seven_day_point_prevalence_abstinence").missing,
            Some(Missing::NotYet)
        );
        assert_eq!(
            row(&o, "six_minute_walk_change_m").missing,
            Some(Missing::Unpaired)
        );
        // Money saved counts the days logged so far: days 7–20.
        assert_eq!(o.money_saved_nok, Some(14.0 * 50.0));
    }

    #[test]
    fn what_is_not_shared_has_no_value_and_no_inputs() {
        let mut f = facts();
        f.assessments_visible = false;
        let o = period_outcomes(&f);
        for name in [
            "six_minute_walk_change_m",
            "self_rated_health_change",
            "improved_fitness",
        ] {
            let r = row(&o, name);
            assert_eq!(
                (r.value.as_ref(), r.missing),
                (None, Some(Missing::NotShared)),
                "{name}"
            );
            assert!(r.inputs.is_empty());
        }
        assert_eq!(number(&o, "mvpa_equivalent_change"), 90.0);
        let mut f = facts();
        f.diary_visible = false;
        let o = period_outcomes(&f);
        assert!(o.weeks.is_empty());
        assert_eq!((o.money_saved_nok, o.smoke_free_streak_days), (None, None));
        assert_eq!(
            row(&o, "mvpa_equivalent_change").missing,
            Some(Missing::NotShared)
        );
        // Both abstinence rows fall back to the week-12 self-report.
        let sustained = row(&o, "sustained_abstinence");
        assert_eq!(sustained.missing, Some(Missing::NoData));
        assert!(
            sustained
                .inputs
                .iter()
                .find(|i| i.name == "units_after_grace")
                .is_some_and(|i| i.value.is_none()),
            "no diary figure leaks: {sustained:?}"
        );
        let ppa = row(&o, "seven_day_point_prevalence_abstinence");
        assert_eq!(
            ppa.missing,
            Some(Missing::NoData),
            "the report gave no answer"
        );
        assert_eq!(number(&o, "six_minute_walk_change_m"), 30.0);
        // The same rows in the same order either way.
        let names = |o: &PeriodOutcomes| o.indicators.iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names(&o), names(&period_outcomes(&facts())));
    }

    fn used(day: NaiveDate, cigarettes: i64, snus_portions: i64) -> SummaryEntry {
        entry(
            day,
            EntryData::Tobacco(Tobacco {
                cigarettes,
                snus_portions,
                e_cigarette: false,
                craving: None,
                triggers: vec![],
                cessation_medication: CessationMedication::None,
            }),
        )
    }

    fn input_value(row: &Indicator, name: &str) -> Option<Value> {
        row.inputs
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("{} has no input {name}", row.name))
            .value
            .clone()
    }

    /// 10 cigarettes and 12 snus portions a day at baseline; quits both on
    /// day 7 and logs only days 7–9 afterwards; at week 12 answers "no more
    /// than 5 since the grace period ended".
    fn two_products_few_days() -> PeriodFacts {
        let mut f = facts();
        let quit = f.period_start + Duration::days(7);
        f.diary.retain(|e| !matches!(e.data, EntryData::Tobacco(_)));
        for offset in 0..7 {
            f.diary
                .push(used(f.period_start + Duration::days(offset), 10, 12));
        }
        f.diary.push(used(quit, 0, 0));
        f.diary.push(used(quit + Duration::days(1), 2, 6));
        f.diary.push(used(quit + Duration::days(2), 0, 15));
        f.baseline.tobacco = dated(
            "2026-03-02",
            TobaccoReport {
                cigarettes_per_day: Some(10.0),
                snus_portions_per_day: Some(12.0),
                ..TobaccoReport::default()
            },
        );
        f.week12.tobacco = dated(
            "2026-05-25",
            TobaccoReport {
                cigarettes_per_day: Some(0.0),
                snus_portions_per_day: Some(0.0),
                abstinent_last_7_days: Some(true),
                at_most_5_since_grace: Some(true),
            },
        );
        f.quit = Some(QuitFacts {
            quit_date: quit,
            products: vec![TobaccoProduct::Cigarettes, TobaccoProduct::Snus],
            prices: vec![
                ProductPrice {
                    product: TobaccoProduct::Cigarettes,
                    price_per_pack_nok: 140.0,
                    units_per_pack: 20,
                },
                ProductPrice {
                    product: TobaccoProduct::Snus,
                    price_per_pack_nok: 110.0,
                    units_per_pack: 24,
                },
            ],
        });
        f
    }

    #[test]
    fn money_saved_prices_each_product_by_its_pack() {
        let o = period_outcomes(&two_products_few_days());
        // Cigarettes (10 + 8 + 10) × 140/20 = 196; snus (12 + 6 + 0) × 110/24 = 82.5.
        assert_eq!(number(&o, "money_saved"), 278.5);
        assert_eq!(o.money_saved_nok, Some(278.5));
        let money = row(&o, "money_saved");
        assert_eq!(money.definition_version, 2);
        for (name, expected) in [
            ("cigarettes_baseline_units_per_day", 10.0),
            ("cigarettes_price_per_pack_nok", 140.0),
            ("cigarettes_units_per_pack", 20.0),
            ("snus_baseline_units_per_day", 12.0),
            ("snus_price_per_pack_nok", 110.0),
            ("snus_units_per_pack", 24.0),
        ] {
            assert_eq!(
                input_value(money, name),
                Some(Value::Number(expected)),
                "{name}"
            );
        }
        // Without a baseline report, each product's diary days before the quit date.
        let mut f = two_products_few_days();
        f.baseline.tobacco = None;
        assert_eq!(period_outcomes(&f).money_saved_nok, Some(278.5));
        // The old price per unit: every product at NOK 5 a unit.
        let mut f = two_products_few_days();
        if let Some(q) = f.quit.as_mut() {
            q.prices = q
                .products
                .iter()
                .map(|&product| ProductPrice {
                    product,
                    price_per_pack_nok: 5.0,
                    units_per_pack: 1,
                })
                .collect();
        }
        // (28 + 18) units not used × 5.
        assert_eq!(period_outcomes(&f).money_saved_nok, Some(230.0));
    }

    #[test]
    fn sustained_abstinence_from_the_self_report_when_days_are_missing() {
        let o = period_outcomes(&two_products_few_days());
        let sustained = row(&o, "sustained_abstinence");
        assert_eq!(sustained.value, Some(Value::Flag(true)));
        assert_eq!(sustained.definition_version, 2);
        assert_eq!(
            input_value(sustained, "evidence"),
            Some(Value::Category("self_report"))
        );
        assert_eq!(
            input_value(sustained, "diary_days_logged_after_grace"),
            Some(Value::Number(0.0))
        );
        // Logged use over 5 after the grace is not undone by the answer.
        let mut f = two_products_few_days();
        f.diary.push(used(d("2026-04-20"), 3, 3));
        let o = period_outcomes(&f);
        let sustained = row(&o, "sustained_abstinence");
        assert_eq!(sustained.value, Some(Value::Flag(false)));
        assert_eq!(
            input_value(sustained, "evidence"),
            Some(Value::Category("diary"))
        );
        // No answer: unknown, with the reason.
        let mut f = two_products_few_days();
        if let Some(report) = f.week12.tobacco.as_mut() {
            report.value.at_most_5_since_grace = None;
        }
        let o = period_outcomes(&f);
        assert_eq!(
            row(&o, "sustained_abstinence").missing,
            Some(Missing::NoData)
        );
        // A complete diary decides and the answer is ignored.
        let mut f = facts();
        if let Some(report) = f.week12.tobacco.as_mut() {
            report.value.at_most_5_since_grace = Some(false);
        }
        let o = period_outcomes(&f);
        let sustained = row(&o, "sustained_abstinence");
        assert_eq!(sustained.value, Some(Value::Flag(true)));
        assert_eq!(
            input_value(sustained, "evidence"),
            Some(Value::Category("diary"))
        );
    }

    #[test]
    fn tobacco_indicators_do_not_apply_to_non_users() {
        let mut f = facts();
        f.quit = None;
        f.baseline.tobacco = None;
        f.diary.retain(|e| !matches!(e.data, EntryData::Tobacco(_)));
        let o = period_outcomes(&f);
        for name in [
            "seven_day_point_prevalence_abstinence",
            "sustained_abstinence",
            "money_saved",
        ] {
            assert_eq!(
                row(&o, name).missing,
                Some(Missing::NotApplicable),
                "{name}"
            );
        }
    }

    #[test]
    fn outside_the_reference_ages_gives_a_reason() {
        let mut f = facts();
        f.birth = Some(BirthMonth {
            year: 1940,
            month: 1,
        });
        let o = period_outcomes(&f);
        assert_eq!(
            row(&o, "six_minute_walk_baseline_percent_predicted").missing,
            Some(Missing::OutsideReferenceRange)
        );
        // The change needs no reference equation.
        assert_eq!(number(&o, "six_minute_walk_change_m"), 30.0);
    }

    // ---- properties ---------------------------------------------------------------

    fn sleep_input(
        into_bed: i64,
        to_try: i64,
        asleep_for: i64,
        to_rise: i64,
        sol: i64,
        waso: i64,
    ) -> DiaryEntryInput {
        let base = FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 1, 10, 20, 0, 0)
            .unwrap();
        let t = |m: i64| (base + Duration::minutes(m)).to_rfc3339();
        let tried = into_bed + to_try;
        let awake = tried + asleep_for;
        DiaryEntryInput {
            version: 1,
            occurred_at: t(awake),
            time_zone: None,
            recorded_at: None,
            source: None,
            note: None,
            activity: None,
            food: None,
            sleep: Some(Sleep {
                into_bed_at: t(into_bed),
                tried_to_sleep_at: t(tried),
                minutes_to_fall_asleep: sol,
                awakenings: 1,
                minutes_awake_after_onset: waso,
                out_of_bed_at: t(awake + to_rise),
                quality: 3,
                nap_minutes: None,
            }),
            tobacco: None,
            sitting: None,
            quit_attempt: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any night the diary accepts has TST ≤ TIB and 0 ≤ SE ≤ 100.
        #[test]
        fn sleep_measures_stay_in_bounds(
            into_bed in 0i64..240,
            to_try in 0i64..180,
            asleep_for in 0i64..900,
            to_rise in 0i64..240,
            sol in 0i64..720,
            waso in 0i64..720,
        ) {
            let now = chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
            let parsed = sleep_input(into_bed, to_try, asleep_for, to_rise, sol, waso)
                .parse(EntryKind::Sleep, now);
            prop_assume!(parsed.is_ok());
            let entry = parsed.unwrap();
            let EntryData::Sleep(sleep) = &entry.content.data else { unreachable!() };
            let m = night_measures(entry.occurred_at, sleep).unwrap();
            prop_assert!(m.total_sleep_minutes <= m.time_in_bed_minutes);
            prop_assert!(m.total_sleep_minutes >= 0.0);
            prop_assert!((0.0..=100.0).contains(&m.sleep_efficiency_percent), "{m:?}");
        }

        /// The outcomes do not depend on the order the entries arrive in.
        #[test]
        fn outcomes_are_invariant_to_entry_order(
            days in proptest::collection::vec((0i64..90, 1i64..120, 0usize..3, 0i64..12, 0u8..48), 1..60),
            seed in any::<u64>(),
        ) {
            let mut f = facts();
            f.diary = days.iter().flat_map(|&(offset, minutes, intensity, cigs, half_hours)| {
                let day = f.period_start + Duration::days(offset);
                let intensity = [Intensity::Light, Intensity::Moderate, Intensity::Vigorous][intensity];
                [
                    walk(day, minutes, intensity),
                    smoked(day, cigs),
                    entry(day, EntryData::Sitting(Sitting { hours: f64::from(half_hours) / 2.0 })),
                ]
            }).collect();
            let expected = period_outcomes(&f);
            // A deterministic shuffle from the seed.
            let mut shuffled = f.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.diary.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.diary.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(period_outcomes(&shuffled), expected);
        }

        /// An instant written with another UTC offset (the same moment, the
        /// same diary day) gives the same outcomes: nothing depends on the
        /// clock an instant was written in, or on the server's zone.
        #[test]
        fn outcomes_are_invariant_to_the_offset_instants_are_written_in(
            nights in proptest::collection::vec((0i64..84, 0i64..60, 300i64..540, 0i64..60), 1..30),
            offset_hours in -11i32..14,
        ) {
            let mut f = facts();
            for &(day, sol, asleep, waso) in &nights {
                let input = sleep_input(0, 15, asleep, 20, sol.min(asleep), waso.min(asleep));
                let now = chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
                let parsed = input.parse(EntryKind::Sleep, now).unwrap();
                f.diary.push(SummaryEntry {
                    diary_day: f.period_start + Duration::days(day),
                    occurred_at: parsed.occurred_at,
                    data: parsed.content.data,
                });
            }
            let expected = period_outcomes(&f);
            let zone = FixedOffset::east_opt(offset_hours * 3600).unwrap();
            let mut moved = f.clone();
            for e in &mut moved.diary {
                e.occurred_at = e.occurred_at.with_timezone(&zone);
                if let EntryData::Sleep(s) = &mut e.data {
                    for t in [&mut s.into_bed_at, &mut s.tried_to_sleep_at, &mut s.out_of_bed_at] {
                        *t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&zone).to_rfc3339();
                    }
                }
            }
            prop_assert_eq!(period_outcomes(&moved), expected);
        }
    }
}
