//! Weekly aggregates of a participant's diaries (DOMAIN.md §5): what a
//! veileder sees under `summaries` consent. Pure: entries in, weeks out;
//! the same entries in any order give the same weeks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::diary::{Activity, EntryData, Food, Intensity, Meal, Sleep};

/// Borg RPE at or below this is light activity; DOMAIN.md §5.
pub const BORG_LIGHT_MAX: i64 = 11;
/// Borg RPE at or below this (and above light) is moderate; higher is vigorous.
pub const BORG_MODERATE_MAX: i64 = 13;
/// Vigorous minutes count double toward MVPA-equivalent minutes.
pub const VIGOROUS_WEIGHT: i64 = 2;
pub const SLEEP_EFFICIENCY_FLAG_BELOW: f64 = 85.0;

/// Intensity as logged, or from the Borg rating when not given.
pub fn effective_intensity(activity: &Activity) -> Option<Intensity> {
    activity.intensity.or_else(|| {
        activity.borg_rpe.map(|rpe| {
            if rpe <= BORG_LIGHT_MAX {
                Intensity::Light
            } else if rpe <= BORG_MODERATE_MAX {
                Intensity::Moderate
            } else {
                Intensity::Vigorous
            }
        })
    })
}

/// Sleep measures of one night, in minutes and percent (Consensus Sleep
/// Diary): TIB = out of bed − into bed; TST = (final awakening − tried to
/// sleep) − SOL − WASO; SE = TST / TIB · 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NightMeasures {
    pub time_in_bed_minutes: f64,
    pub total_sleep_minutes: f64,
    pub sleep_efficiency_percent: f64,
    pub sleep_onset_latency_minutes: f64,
    pub wake_after_sleep_onset_minutes: f64,
}

/// `None` when a time does not parse (stored entries were validated, so
/// only a corrupted row would).
pub fn night_measures(
    final_awakening: DateTime<FixedOffset>,
    sleep: &Sleep,
) -> Option<NightMeasures> {
    let into_bed = DateTime::parse_from_rfc3339(&sleep.into_bed_at).ok()?;
    let tried = DateTime::parse_from_rfc3339(&sleep.tried_to_sleep_at).ok()?;
    let out_of_bed = DateTime::parse_from_rfc3339(&sleep.out_of_bed_at).ok()?;
    let tib = (out_of_bed - into_bed).num_seconds() as f64 / 60.0;
    let tst = ((final_awakening - tried).num_seconds() as f64 / 60.0
        - sleep.minutes_to_fall_asleep as f64
        - sleep.minutes_awake_after_onset as f64)
        .max(0.0);
    let se = if tib > 0.0 {
        (tst / tib * 100.0).min(100.0)
    } else {
        0.0
    };
    Some(NightMeasures {
        time_in_bed_minutes: tib,
        total_sleep_minutes: tst,
        sleep_efficiency_percent: se,
        sleep_onset_latency_minutes: sleep.minutes_to_fall_asleep as f64,
        wake_after_sleep_onset_minutes: sleep.minutes_awake_after_onset as f64,
    })
}

/// One live entry as the summary needs it.
#[derive(Debug, Clone)]
pub struct SummaryEntry {
    pub diary_day: NaiveDate,
    pub occurred_at: DateTime<FixedOffset>,
    pub data: EntryData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WeekSummary {
    /// 1 for the week starting on the first day asked for.
    pub week: u32,
    pub starts_on: Option<NaiveDate>,
    pub light_minutes: i64,
    pub moderate_minutes: i64,
    pub vigorous_minutes: i64,
    /// Activity minutes logged without intensity or Borg rating (none, after validation).
    pub unrated_minutes: i64,
    /// moderate + 2 × vigorous.
    pub mvpa_equivalent_minutes: i64,
    pub sitting_hours_mean: Option<f64>,
    pub nights: u32,
    pub total_sleep_minutes_mean: Option<f64>,
    pub sleep_efficiency_percent_mean: Option<f64>,
    pub sleep_onset_latency_minutes_mean: Option<f64>,
    pub wake_after_sleep_onset_minutes_mean: Option<f64>,
    /// Days with a tobacco entry showing no cigarettes and no snus.
    pub smoke_free_days: u32,
    /// Days with a tobacco entry.
    pub tobacco_days_logged: u32,
    /// Cigarettes plus snus portions.
    pub tobacco_units: i64,
    /// Mean main meals (breakfast, lunch, dinner, supper) per day with food logged.
    pub main_meals_per_day: Option<f64>,
    /// Mean vegetable/fruit/berry portions per day with food logged.
    pub veg_fruit_portions_per_day: Option<f64>,
    /// Mean entries with sugary drinks per day with food logged.
    pub sugary_drink_occasions_per_day: Option<f64>,
    /// Days with at least one entry of any kind.
    pub days_logged: u32,
    /// days_logged / 7.
    pub logging_adherence: f64,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn round1(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 10.0).round() / 10.0)
}

fn is_main_meal(food: &Food) -> bool {
    matches!(
        food.meal,
        Meal::Breakfast | Meal::Lunch | Meal::Dinner | Meal::Supper
    )
}

/// Weekly aggregates for `weeks` weeks from `first_day`: week k covers days
/// [first_day + 7(k−1), first_day + 7k). Entries outside are ignored.
pub fn weekly_summary(
    entries: &[SummaryEntry],
    first_day: NaiveDate,
    weeks: u32,
) -> Vec<WeekSummary> {
    let mut out: Vec<WeekSummary> = (0..weeks)
        .map(|k| WeekSummary {
            week: k + 1,
            starts_on: Some(first_day + Duration::days(7 * i64::from(k))),
            ..WeekSummary::default()
        })
        .collect();
    #[derive(Default)]
    struct Acc {
        sitting: Vec<f64>,
        nights: Vec<NightMeasures>,
        days: BTreeSet<NaiveDate>,
        food_days: BTreeMap<NaiveDate, (u32, i64, u32)>,
        tobacco_days: BTreeMap<NaiveDate, i64>,
    }
    let mut acc: Vec<Acc> = (0..weeks).map(|_| Acc::default()).collect();
    for entry in entries {
        let offset = (entry.diary_day - first_day).num_days();
        if offset < 0 || offset >= 7 * i64::from(weeks) {
            continue;
        }
        let k = (offset / 7) as usize;
        let (week, acc) = (&mut out[k], &mut acc[k]);
        acc.days.insert(entry.diary_day);
        match &entry.data {
            EntryData::Activity(a) => match effective_intensity(a) {
                Some(Intensity::Light) => week.light_minutes += a.duration_minutes,
                Some(Intensity::Moderate) => week.moderate_minutes += a.duration_minutes,
                Some(Intensity::Vigorous) => week.vigorous_minutes += a.duration_minutes,
                None => week.unrated_minutes += a.duration_minutes,
            },
            EntryData::Sitting(s) => acc.sitting.push(s.hours),
            EntryData::Sleep(s) => {
                if let Some(m) = night_measures(entry.occurred_at, s) {
                    acc.nights.push(m);
                }
            }
            EntryData::Food(f) => {
                let day = acc.food_days.entry(entry.diary_day).or_default();
                day.0 += u32::from(is_main_meal(f));
                day.1 += f.veg_fruit_portions;
                day.2 += u32::from(f.sugary_drinks > 0);
            }
            EntryData::Tobacco(t) => {
                *acc.tobacco_days.entry(entry.diary_day).or_default() +=
                    t.cigarettes + t.snus_portions;
            }
            EntryData::QuitAttempt(_) => {}
        }
    }
    for (week, acc) in out.iter_mut().zip(acc) {
        week.mvpa_equivalent_minutes =
            week.moderate_minutes + VIGOROUS_WEIGHT * week.vigorous_minutes;
        week.sitting_hours_mean = round1(mean(&acc.sitting));
        week.nights = acc.nights.len() as u32;
        let pick = |f: fn(&NightMeasures) -> f64| {
            round1(mean(&acc.nights.iter().map(f).collect::<Vec<_>>()))
        };
        week.total_sleep_minutes_mean = pick(|n| n.total_sleep_minutes);
        week.sleep_efficiency_percent_mean = pick(|n| n.sleep_efficiency_percent);
        week.sleep_onset_latency_minutes_mean = pick(|n| n.sleep_onset_latency_minutes);
        week.wake_after_sleep_onset_minutes_mean = pick(|n| n.wake_after_sleep_onset_minutes);
        week.tobacco_days_logged = acc.tobacco_days.len() as u32;
        week.smoke_free_days = acc.tobacco_days.values().filter(|u| **u == 0).count() as u32;
        week.tobacco_units = acc.tobacco_days.values().sum();
        let food: Vec<_> = acc.food_days.values().collect();
        week.main_meals_per_day = round1(mean(
            &food.iter().map(|d| f64::from(d.0)).collect::<Vec<_>>(),
        ));
        week.veg_fruit_portions_per_day =
            round1(mean(&food.iter().map(|d| d.1 as f64).collect::<Vec<_>>()));
        week.sugary_drink_occasions_per_day = round1(mean(
            &food.iter().map(|d| f64::from(d.2)).collect::<Vec<_>>(),
        ));
        week.days_logged = acc.days.len() as u32;
        week.logging_adherence = (f64::from(week.days_logged) / 7.0 * 100.0).round() / 100.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{ActivityType, CessationMedication, Sitting, Tobacco};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn activity(
        day: &str,
        minutes: i64,
        intensity: Option<Intensity>,
        rpe: Option<i64>,
    ) -> SummaryEntry {
        SummaryEntry {
            diary_day: day.parse().unwrap(),
            occurred_at: at(&format!("{day}T08:00:00+02:00")),
            data: EntryData::Activity(Activity {
                activity_type: ActivityType::Walking,
                duration_minutes: minutes,
                intensity,
                borg_rpe: rpe,
                steps: None,
                distance_km: None,
            }),
        }
    }

    #[test]
    fn borg_boundaries_map_to_intensity() {
        let a = |rpe| {
            effective_intensity(&Activity {
                activity_type: ActivityType::Running,
                duration_minutes: 10,
                intensity: None,
                borg_rpe: Some(rpe),
                steps: None,
                distance_km: None,
            })
        };
        assert_eq!(a(11), Some(Intensity::Light));
        assert_eq!(a(12), Some(Intensity::Moderate));
        assert_eq!(a(13), Some(Intensity::Moderate));
        assert_eq!(a(14), Some(Intensity::Vigorous));
    }

    #[test]
    fn mvpa_equivalent_counts_vigorous_double_and_weeks_split_on_the_start_day() {
        let first: NaiveDate = "2026-05-04".parse().unwrap();
        let entries = vec![
            activity("2026-05-04", 30, Some(Intensity::Moderate), None),
            activity("2026-05-06", 20, None, Some(15)),
            activity("2026-05-07", 40, None, Some(9)),
            activity("2026-05-11", 60, Some(Intensity::Moderate), Some(16)), // intensity wins
            activity("2026-05-03", 500, Some(Intensity::Vigorous), None),    // before the period
        ];
        let weeks = weekly_summary(&entries, first, 2);
        assert_eq!(weeks[0].moderate_minutes, 30);
        assert_eq!(weeks[0].vigorous_minutes, 20);
        assert_eq!(weeks[0].light_minutes, 40);
        assert_eq!(weeks[0].mvpa_equivalent_minutes, 70);
        assert_eq!(weeks[0].days_logged, 3);
        assert_eq!(weeks[1].mvpa_equivalent_minutes, 60);
        assert_eq!(weeks[1].starts_on, Some("2026-05-11".parse().unwrap()));
        let mut reversed = entries.clone();
        reversed.reverse();
        assert_eq!(
            weekly_summary(&reversed, first, 2),
            weeks,
            "order does not matter"
        );
    }

    #[test]
    fn sleep_measures_by_hand() {
        // The night of the spring-forward change: in bed 22:45 (+01:00), tried
        // 23:00, woke 06:40 (+02:00), out 07:00. The clock jumped an hour, so
        // TIB = 7 h 15 = 435 min; TST = 400 − 20 − 15 = 365 min; SE = 83.9 %.
        let sleep = Sleep {
            into_bed_at: "2026-03-28T22:45:00+01:00".into(),
            tried_to_sleep_at: "2026-03-28T23:00:00+01:00".into(),
            minutes_to_fall_asleep: 20,
            awakenings: 2,
            minutes_awake_after_onset: 15,
            out_of_bed_at: "2026-03-29T07:00:00+02:00".into(),
            quality: 4,
            nap_minutes: None,
        };
        let m = night_measures(at("2026-03-29T06:40:00+02:00"), &sleep).unwrap();
        assert_eq!(m.time_in_bed_minutes, 435.0);
        assert_eq!(m.total_sleep_minutes, 365.0);
        assert!((m.sleep_efficiency_percent - 365.0 / 435.0 * 100.0).abs() < 1e-9);
    }

    #[test]
    fn food_tobacco_sitting_and_adherence() {
        let first: NaiveDate = "2026-05-04".parse().unwrap();
        let food = |day: &str, meal, portions, sugary| SummaryEntry {
            diary_day: day.parse().unwrap(),
            occurred_at: at(&format!("{day}T12:00:00+02:00")),
            data: EntryData::Food(Food {
                meal,
                description: None,
                veg_fruit_portions: portions,
                whole_grain: None,
                water_glasses: 0,
                sugary_drinks: sugary,
                sugar_free_drinks: 0,
                alcohol_units: 0.0,
                hunger_before: None,
                fullness_after: None,
                place: None,
                company: None,
            }),
        };
        let tobacco = |day: &str, cigarettes, snus| SummaryEntry {
            diary_day: day.parse().unwrap(),
            occurred_at: at(&format!("{day}T21:00:00+02:00")),
            data: EntryData::Tobacco(Tobacco {
                cigarettes,
                snus_portions: snus,
                e_cigarette: false,
                craving: None,
                triggers: vec![],
                cessation_medication: CessationMedication::None,
            }),
        };
        let sitting = |day: &str, hours| SummaryEntry {
            diary_day: day.parse().unwrap(),
            occurred_at: at(&format!("{day}T21:00:00+02:00")),
            data: EntryData::Sitting(Sitting { hours }),
        };
        let entries = vec![
            food("2026-05-04", Meal::Breakfast, 1, 0),
            food("2026-05-04", Meal::Lunch, 2, 1),
            food("2026-05-04", Meal::Snack, 1, 1),
            food("2026-05-05", Meal::Dinner, 3, 0),
            tobacco("2026-05-04", 5, 2),
            tobacco("2026-05-05", 0, 0),
            tobacco("2026-05-06", 0, 0),
            sitting("2026-05-04", 8.0),
            sitting("2026-05-05", 6.5),
        ];
        let w = &weekly_summary(&entries, first, 1)[0];
        assert_eq!(w.main_meals_per_day, Some(1.5));
        assert_eq!(w.veg_fruit_portions_per_day, Some(3.5));
        assert_eq!(w.sugary_drink_occasions_per_day, Some(1.0));
        assert_eq!(w.tobacco_days_logged, 3);
        assert_eq!(w.smoke_free_days, 2);
        assert_eq!(w.tobacco_units, 7);
        assert_eq!(w.sitting_hours_mean, Some(7.3));
        assert_eq!(w.days_logged, 3);
        assert_eq!(w.logging_adherence, 0.43);
        assert_eq!(
            w.total_sleep_minutes_mean, None,
            "no nights: no number, not zero"
        );
    }
}
