//! Weekly aggregates of a participant's diaries (DOMAIN.md §5): what a
//! veileder sees under `summaries` consent. Pure: entries in, weeks out;
//! the same entries in any order give the same weeks.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::diary::{Activity, EntryData, Food, Intensity, Meal, Sleep};
pub use crate::indicators::{
    BORG_LIGHT_MAX, BORG_MODERATE_MAX, SLEEP_EFFICIENCY_FLAG_BELOW, VIGOROUS_WEIGHT,
};
use crate::indicators::{SLEEP_FLAGS, SLEEP_MEASURES, sleep_flags};

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

/// The night a morning's sleep entries stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct MorningNight {
    pub measures: NightMeasures,
    pub nap_minutes: Option<i64>,
    /// Sleep entries ending the same morning that were set aside.
    pub set_aside: u32,
}

/// Which of two sleep entries of one morning is the night: the longer time
/// in bed (a nap logged as a sleep entry, or a short false start, loses to
/// the main sleep period); the rest only makes the choice independent of
/// the order the entries arrive in.
fn rank_nights(
    a: (&NightMeasures, DateTime<FixedOffset>, &Sleep),
    b: (&NightMeasures, DateTime<FixedOffset>, &Sleep),
) -> Ordering {
    let key = |(m, at, s): (&NightMeasures, DateTime<FixedOffset>, &Sleep)| {
        (
            at,
            s.into_bed_at.clone(),
            s.tried_to_sleep_at.clone(),
            s.out_of_bed_at.clone(),
            (s.awakenings, s.quality, s.nap_minutes),
            m.sleep_onset_latency_minutes.to_bits(),
        )
    };
    a.0.time_in_bed_minutes
        .total_cmp(&b.0.time_in_bed_minutes)
        .then(a.0.total_sleep_minutes.total_cmp(&b.0.total_sleep_minutes))
        .then_with(|| key(a).cmp(&key(b)))
}

/// One night per diary day (the morning of the final awakening) from the
/// sleep entries among `entries`; other kinds are ignored.
pub fn nights_by_morning<'a>(
    entries: impl IntoIterator<Item = &'a SummaryEntry>,
) -> BTreeMap<NaiveDate, MorningNight> {
    let mut best: BTreeMap<NaiveDate, (NightMeasures, DateTime<FixedOffset>, &Sleep, u32)> =
        BTreeMap::new();
    for entry in entries {
        let EntryData::Sleep(sleep) = &entry.data else {
            continue;
        };
        let Some(m) = night_measures(entry.occurred_at, sleep) else {
            continue;
        };
        match best.get_mut(&entry.diary_day) {
            None => {
                best.insert(entry.diary_day, (m, entry.occurred_at, sleep, 0));
            }
            Some(kept) => {
                kept.3 += 1;
                if rank_nights((&m, entry.occurred_at, sleep), (&kept.0, kept.1, kept.2))
                    == Ordering::Greater
                {
                    (kept.0, kept.1, kept.2) = (m, entry.occurred_at, sleep);
                }
            }
        }
    }
    best.into_iter()
        .map(|(day, (measures, _, sleep, set_aside))| {
            (
                day,
                MorningNight {
                    measures,
                    nap_minutes: sleep.nap_minutes,
                    set_aside,
                },
            )
        })
        .collect()
}

/// The flags of one night (definition `sleep_flags`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct NightFlags {
    pub definition_id: String,
    pub definition_version: u32,
    /// SE below 85 %.
    pub low_efficiency: bool,
    /// SOL above 30 minutes.
    pub long_onset: bool,
    /// WASO above 30 minutes.
    pub long_wake_after_onset: bool,
    /// TST below 6 hours.
    pub short_sleep: bool,
}

/// One night as the participant and (under `summaries`) the veileder see
/// it; values in minutes and percent, to one decimal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SleepNight {
    /// The diary day: the morning of the final awakening.
    pub diary_day: NaiveDate,
    /// Definition `sleep_measures`.
    pub definition_id: String,
    pub definition_version: u32,
    /// TIB: out of bed − into bed.
    pub time_in_bed_minutes: f64,
    /// TST: (final awakening − tried to sleep) − SOL − WASO.
    pub total_sleep_minutes: f64,
    /// SE: TST / TIB · 100.
    pub sleep_efficiency_percent: f64,
    /// SOL, as logged.
    pub sleep_onset_latency_minutes: f64,
    /// WASO, as logged.
    pub wake_after_sleep_onset_minutes: f64,
    /// Minutes napped the day before, as logged; not part of TIB, TST or SE.
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub nap_minutes: Option<i64>,
    /// Other sleep entries ending the same morning, not counted (see `sleep_measures`).
    pub entries_set_aside: u32,
    pub flags: NightFlags,
}

fn round1_of(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A chosen night as reported; flags judge the rounded values shown next to them.
pub fn sleep_night(diary_day: NaiveDate, night: &MorningNight) -> SleepNight {
    let m = &night.measures;
    let (tib, tst, se, sol, waso) = (
        round1_of(m.time_in_bed_minutes),
        round1_of(m.total_sleep_minutes),
        round1_of(m.sleep_efficiency_percent),
        round1_of(m.sleep_onset_latency_minutes),
        round1_of(m.wake_after_sleep_onset_minutes),
    );
    let flags = sleep_flags(Some(se), Some(sol), Some(waso), Some(tst))
        .value
        .unwrap_or_default();
    SleepNight {
        diary_day,
        definition_id: SLEEP_MEASURES.id.to_owned(),
        definition_version: SLEEP_MEASURES.version,
        time_in_bed_minutes: tib,
        total_sleep_minutes: tst,
        sleep_efficiency_percent: se,
        sleep_onset_latency_minutes: sol,
        wake_after_sleep_onset_minutes: waso,
        nap_minutes: night.nap_minutes,
        entries_set_aside: night.set_aside,
        flags: NightFlags {
            definition_id: SLEEP_FLAGS.id.to_owned(),
            definition_version: SLEEP_FLAGS.version,
            low_efficiency: flags.low_efficiency,
            long_onset: flags.long_onset,
            long_wake_after_onset: flags.long_wake_after_onset,
            short_sleep: flags.short_sleep,
        },
    }
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
    /// Diary days with a night logged (one night per morning).
    pub nights: u32,
    pub time_in_bed_minutes_mean: Option<f64>,
    pub total_sleep_minutes_mean: Option<f64>,
    pub sleep_efficiency_percent_mean: Option<f64>,
    pub sleep_onset_latency_minutes_mean: Option<f64>,
    pub wake_after_sleep_onset_minutes_mean: Option<f64>,
    /// The week's nights in diary-day order (at most 7).
    pub sleep_nights: Vec<SleepNight>,
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
    v.map(round1_of)
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
            EntryData::Sleep(_) => {}
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
    let mut nights_of_week: Vec<Vec<(NaiveDate, MorningNight)>> =
        (0..weeks).map(|_| Vec::new()).collect();
    let last_day = first_day + Duration::days(7 * i64::from(weeks));
    let in_window = entries
        .iter()
        .filter(|e| e.diary_day >= first_day && e.diary_day < last_day);
    for (day, night) in nights_by_morning(in_window) {
        nights_of_week[((day - first_day).num_days() / 7) as usize].push((day, night));
    }
    for ((week, acc), nights) in out.iter_mut().zip(acc).zip(nights_of_week) {
        week.mvpa_equivalent_minutes =
            week.moderate_minutes + VIGOROUS_WEIGHT * week.vigorous_minutes;
        week.sitting_hours_mean = round1(mean(&acc.sitting));
        week.nights = nights.len() as u32;
        let pick = |f: fn(&NightMeasures) -> f64| {
            round1(mean(
                &nights
                    .iter()
                    .map(|(_, n)| f(&n.measures))
                    .collect::<Vec<_>>(),
            ))
        };
        week.time_in_bed_minutes_mean = pick(|n| n.time_in_bed_minutes);
        week.total_sleep_minutes_mean = pick(|n| n.total_sleep_minutes);
        week.sleep_efficiency_percent_mean = pick(|n| n.sleep_efficiency_percent);
        week.sleep_onset_latency_minutes_mean = pick(|n| n.sleep_onset_latency_minutes);
        week.wake_after_sleep_onset_minutes_mean = pick(|n| n.wake_after_sleep_onset_minutes);
        week.sleep_nights = nights
            .iter()
            .map(|(day, night)| sleep_night(*day, night))
            .collect();
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

    /// A night ending on the morning of `day`; times are Oslo summer time,
    /// `into_bed` and `tried` on the evening before.
    fn night(
        day: &str,
        (into_bed, tried): (&str, &str),
        (sol, waso): (i64, i64),
        (awake, out): (&str, &str),
        nap_minutes: Option<i64>,
    ) -> SummaryEntry {
        let morning: NaiveDate = day.parse().unwrap();
        let evening = morning - Duration::days(1);
        let on = |date: NaiveDate, time: &str| {
            let hour: u32 = time[..2].parse().unwrap();
            // Times from noon on belong to the evening before.
            let date = if hour >= 12 { date } else { morning };
            format!("{date}T{time}:00+02:00")
        };
        SummaryEntry {
            diary_day: morning,
            occurred_at: at(&on(morning, awake)),
            data: EntryData::Sleep(Sleep {
                into_bed_at: on(evening, into_bed),
                tried_to_sleep_at: on(evening, tried),
                minutes_to_fall_asleep: sol,
                awakenings: 1,
                minutes_awake_after_onset: waso,
                out_of_bed_at: on(evening, out),
                quality: 3,
                nap_minutes,
            }),
        }
    }

    #[test]
    fn each_night_by_hand_with_its_flags() {
        let first: NaiveDate = "2026-05-04".parse().unwrap();
        let entries = vec![
            // TIB 22:30→06:40 = 490; TST (06:15 − 22:45) − 20 − 30 = 450 − 50
            // = 400; SE = 400 / 490 = 81.63 % → 81.6, below 85.
            night(
                "2026-05-05",
                ("22:30", "22:45"),
                (20, 30),
                ("06:15", "06:40"),
                Some(25),
            ),
            // TIB 23:00→07:00 = 480; TST (06:50 − 23:10) − 10 − 0 = 460 − 10
            // = 450; SE = 93.75 → 93.8; no flag.
            night(
                "2026-05-06",
                ("23:00", "23:10"),
                (10, 0),
                ("06:50", "07:00"),
                None,
            ),
            // TIB 00:30→06:00 = 330; TST (05:45 − 00:40) − 45 − 40 = 305 − 85
            // = 220; SE = 66.67 → 66.7; every flag.
            night(
                "2026-05-07",
                ("00:30", "00:40"),
                (45, 40),
                ("05:45", "06:00"),
                None,
            ),
        ];
        let week = &weekly_summary(&entries, first, 1)[0];
        assert_eq!(week.nights, 3);
        let shown: Vec<_> = week
            .sleep_nights
            .iter()
            .map(|n| {
                (
                    n.diary_day.to_string(),
                    n.time_in_bed_minutes,
                    n.total_sleep_minutes,
                    n.sleep_efficiency_percent,
                    n.sleep_onset_latency_minutes,
                    n.wake_after_sleep_onset_minutes,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("2026-05-05".into(), 490.0, 400.0, 81.6, 20.0, 30.0),
                ("2026-05-06".into(), 480.0, 450.0, 93.8, 10.0, 0.0),
                ("2026-05-07".into(), 330.0, 220.0, 66.7, 45.0, 40.0),
            ]
        );
        let flags: Vec<_> = week.sleep_nights.iter().map(|n| &n.flags).collect();
        assert!(flags[0].low_efficiency && !flags[0].long_onset);
        assert!(!flags[0].long_wake_after_onset && !flags[0].short_sleep);
        assert_eq!(
            (flags[1].low_efficiency, flags[1].long_onset),
            (false, false)
        );
        assert_eq!(
            (flags[1].long_wake_after_onset, flags[1].short_sleep),
            (false, false)
        );
        assert!(flags[2].low_efficiency && flags[2].long_onset);
        assert!(flags[2].long_wake_after_onset && flags[2].short_sleep);
        assert_eq!(flags[0].definition_id, "sleep_flags");
        assert_eq!(week.sleep_nights[0].definition_id, "sleep_measures");
        assert_eq!(week.sleep_nights[0].nap_minutes, Some(25));
        // Means: TIB (490 + 480 + 330) / 3 = 433.3; TST 1070 / 3 = 356.7;
        // SE (81.633 + 93.75 + 66.667) / 3 = 80.7; SOL 25; WASO 23.3.
        assert_eq!(week.time_in_bed_minutes_mean, Some(433.3));
        assert_eq!(week.total_sleep_minutes_mean, Some(356.7));
        assert_eq!(week.sleep_efficiency_percent_mean, Some(80.7));
        assert_eq!(week.sleep_onset_latency_minutes_mean, Some(25.0));
        assert_eq!(week.wake_after_sleep_onset_minutes_mean, Some(23.3));
    }

    #[test]
    fn a_night_on_the_threshold_is_not_flagged() {
        // TIB 22:00→06:00 = 480; TST (06:00 − 22:00) − 30 − 30 = 420; SE 87.5.
        // SOL and WASO at 30 are not above 30; TST 6 h exactly is not short.
        let entries = vec![night(
            "2026-05-05",
            ("22:00", "22:00"),
            (30, 30),
            ("06:00", "06:00"),
            None,
        )];
        let week = &weekly_summary(&entries, "2026-05-04".parse().unwrap(), 1)[0];
        assert_eq!(week.sleep_nights[0].total_sleep_minutes, 420.0);
        assert_eq!(
            week.sleep_nights[0].flags,
            NightFlags {
                definition_id: "sleep_flags".into(),
                definition_version: SLEEP_FLAGS.version,
                ..NightFlags::default()
            }
        );
        // 360 minutes exactly: not short; one minute less is.
        let six_hours = night(
            "2026-05-05",
            ("23:00", "23:00"),
            (0, 0),
            ("05:00", "05:00"),
            None,
        );
        let just_under = night(
            "2026-05-06",
            ("23:00", "23:01"),
            (0, 0),
            ("05:00", "05:00"),
            None,
        );
        let week = &weekly_summary(&[six_hours, just_under], "2026-05-04".parse().unwrap(), 1)[0];
        assert!(!week.sleep_nights[0].flags.short_sleep);
        assert!(week.sleep_nights[1].flags.short_sleep);
    }

    #[test]
    fn one_night_per_morning_the_longest_in_bed_and_a_nap_set_aside() {
        let first: NaiveDate = "2026-05-04".parse().unwrap();
        let main = night(
            "2026-05-05",
            ("22:30", "22:45"),
            (20, 30),
            ("06:15", "06:40"),
            None,
        );
        // A second entry ending the same day: an after-lunch nap logged as a
        // sleep entry (13:00→13:40), its diary day the same.
        let nap = SummaryEntry {
            diary_day: "2026-05-05".parse().unwrap(),
            occurred_at: at("2026-05-05T13:35:00+02:00"),
            data: EntryData::Sleep(Sleep {
                into_bed_at: "2026-05-05T13:00:00+02:00".into(),
                tried_to_sleep_at: "2026-05-05T13:00:00+02:00".into(),
                minutes_to_fall_asleep: 5,
                awakenings: 0,
                minutes_awake_after_onset: 0,
                out_of_bed_at: "2026-05-05T13:40:00+02:00".into(),
                quality: 4,
                nap_minutes: None,
            }),
        };
        for entries in [
            vec![main.clone(), nap.clone()],
            vec![nap.clone(), main.clone()],
        ] {
            let week = &weekly_summary(&entries, first, 1)[0];
            assert_eq!(week.nights, 1, "one night per morning");
            assert_eq!(week.sleep_nights.len(), 1);
            let kept = &week.sleep_nights[0];
            assert_eq!(
                (kept.time_in_bed_minutes, kept.total_sleep_minutes),
                (490.0, 400.0)
            );
            assert_eq!(kept.entries_set_aside, 1);
            assert_eq!(week.time_in_bed_minutes_mean, Some(490.0));
            assert_eq!(week.total_sleep_minutes_mean, Some(400.0));
        }
    }

    #[test]
    fn nights_fall_in_the_week_of_their_morning() {
        let first: NaiveDate = "2026-05-04".parse().unwrap();
        // Sunday night to Monday 11 May is week 2; the night before 4 May is outside.
        let entries = vec![
            night(
                "2026-05-11",
                ("23:00", "23:00"),
                (0, 0),
                ("07:00", "07:00"),
                None,
            ),
            night(
                "2026-05-03",
                ("23:00", "23:00"),
                (0, 0),
                ("07:00", "07:00"),
                None,
            ),
        ];
        let weeks = weekly_summary(&entries, first, 2);
        assert!(weeks[0].sleep_nights.is_empty());
        assert_eq!(weeks[0].time_in_bed_minutes_mean, None);
        assert_eq!(weeks[1].sleep_nights.len(), 1);
        assert_eq!(
            weeks[1].sleep_nights[0].diary_day,
            "2026-05-11".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(weeks[1].time_in_bed_minutes_mean, Some(480.0));
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
