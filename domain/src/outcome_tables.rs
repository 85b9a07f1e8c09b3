//! Anonymous outcome tables for evaluation (DOMAIN.md §7; tilskudd
//! 841-859): per group of periods, the counts of participants, periods,
//! completed periods and of each outcome — as persons (once per row, on
//! their latest completed period) and, in `_periods` columns, as periods —
//! and the means of Δ6MWT, ΔMVPA and ΔTST, with disclosure control applied
//! before anything leaves.
//! Pure: the caller feeds one [`PeriodRecord`] at a time (memory holds only
//! the groups), then [`OutcomeTables::finish`] protects and returns rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::disclosure::{Cell, Statistic, protect_column, statistic};
use crate::indicators::{self, ACTIVITY_CHANGE, SLEEP_MEASURES};
use crate::journey::{ReferrerType, Sex};
use crate::outcomes::{PeriodOutcomes, Value};

wire_enum!(
    /// What an outcome table can be grouped by.
    Dimension {
        Year => "year",
        Centre => "centre",
        Municipality => "municipality",
        Sex => "sex",
        AgeBand => "age_band",
        ReferralSource => "referral_source",
    }
);

/// DOMAIN.md §7's age bands, by age at the period's start.
pub fn age_band(age: Option<u32>) -> &'static str {
    match age {
        None => "unknown",
        Some(0..=17) => "0-17",
        Some(18..=29) => "18-29",
        Some(30..=44) => "30-44",
        Some(45..=66) => "45-66",
        Some(_) => "67+",
    }
}

/// One follow-up period, with what grouping needs.
#[derive(Debug, Clone)]
pub struct PeriodRecord {
    pub participant: Uuid,
    pub year: i32,
    pub centre: String,
    /// The centre's municipality number.
    pub municipality: String,
    pub sex: Option<Sex>,
    pub age: Option<u32>,
    /// `self` for self-contact; `None` when no referral is recorded.
    pub referral_source: Option<ReferrerType>,
    pub completed: bool,
    pub started_on: NaiveDate,
    /// The day the period ended (completed or discontinued); `None` while
    /// it runs.
    pub ended_on: Option<NaiveDate>,
    pub outcomes: PeriodOutcomes,
}

impl PeriodRecord {
    fn key(&self, dims: &[Dimension]) -> Vec<String> {
        dims.iter()
            .map(|d| match d {
                Dimension::Year => self.year.to_string(),
                Dimension::Centre => self.centre.clone(),
                Dimension::Municipality => self.municipality.clone(),
                Dimension::Sex => self.sex.map_or("unknown", |s| s.as_str()).to_owned(),
                Dimension::AgeBand => age_band(self.age).to_owned(),
                Dimension::ReferralSource => self
                    .referral_source
                    .map_or("unknown", |r| r.as_str())
                    .to_owned(),
            })
            .collect()
    }

    fn value(&self, name: &str) -> Option<&Value> {
        self.outcomes
            .indicators
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.value.as_ref())
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Some(Value::Flag(b)) => Some(*b),
            _ => None,
        }
    }

    fn number(&self, name: &str) -> Option<f64> {
        match self.value(name) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
    }

    fn improved(&self, name: &str) -> bool {
        matches!(self.value(name), Some(Value::Category("improved")))
    }

    /// ΔTST: mean total sleep of the last two complete weeks − first two.
    fn sleep_change(&self) -> Option<f64> {
        let weekly: Vec<Option<f64>> = self
            .outcomes
            .weeks
            .iter()
            .map(|w| w.total_sleep_minutes_mean)
            .collect();
        indicators::first_last_change(SLEEP_MEASURES, &weekly)
            .2
            .value
    }
}

/// What one period contributes to the outcome counts (tilskudd 841-859).
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    improved_fitness: bool,
    tobacco_user: bool,
    abstinent: bool,
    abstinence_assessed: bool,
    better_self_rated_health: bool,
    back_to_work_or_school: bool,
    meets_activity_recommendation: bool,
    better_quality_of_life: bool,
    improved_fitness_6m: bool,
    improved_fitness_12m: bool,
    abstinent_7_days_6m: bool,
    abstinent_7_days_12m: bool,
    better_self_rated_health_6m: bool,
    better_self_rated_health_12m: bool,
    walk_change: Option<f64>,
    mvpa_change: Option<f64>,
    sleep_change: Option<f64>,
}

impl Outcome {
    fn of(r: &PeriodRecord) -> Self {
        let tobacco_user = !matches!(
            r.outcomes
                .indicators
                .iter()
                .find(|i| i.name == "seven_day_point_prevalence_abstinence")
                .and_then(|i| i.missing),
            Some(indicators::Missing::NotApplicable)
        );
        let abstinent = r.flag("seven_day_point_prevalence_abstinence");
        Outcome {
            improved_fitness: r.flag("improved_fitness") == Some(true),
            tobacco_user,
            abstinent: tobacco_user && abstinent == Some(true),
            abstinence_assessed: tobacco_user && abstinent.is_some(),
            better_self_rated_health: r.improved("self_rated_health_change"),
            back_to_work_or_school: r.improved("work_school_change"),
            meets_activity_recommendation: r.completed
                && r.flag("activity_recommendation_met_last_week") == Some(true),
            better_quality_of_life: r.improved("quality_of_life_change"),
            improved_fitness_6m: r.flag("improved_fitness_6m") == Some(true),
            improved_fitness_12m: r.flag("improved_fitness_12m") == Some(true),
            abstinent_7_days_6m: r.flag("abstinent_7_days_6m") == Some(true),
            abstinent_7_days_12m: r.flag("abstinent_7_days_12m") == Some(true),
            better_self_rated_health_6m: r.improved("self_rated_health_change_6m"),
            better_self_rated_health_12m: r.improved("self_rated_health_change_12m"),
            walk_change: r.number("six_minute_walk_change_m"),
            mvpa_change: r.number("mvpa_equivalent_change"),
            sleep_change: r.sleep_change(),
        }
    }

    /// In the order of [`OUTCOME_COUNTS`].
    fn flags(&self) -> [bool; OUTCOME_COUNTS] {
        [
            self.improved_fitness,
            self.tobacco_user,
            self.abstinent,
            self.abstinence_assessed,
            self.better_self_rated_health,
            self.back_to_work_or_school,
            self.meets_activity_recommendation,
            self.better_quality_of_life,
            self.improved_fitness_6m,
            self.improved_fitness_12m,
            self.abstinent_7_days_6m,
            self.abstinent_7_days_12m,
            self.better_self_rated_health_6m,
            self.better_self_rated_health_12m,
        ]
    }
}

const OUTCOME_COUNTS: usize = 14;

/// The counts before the outcome measures: `participants` (persons with a
/// period in the group), `periods` and `completed_periods`.
const LEADING_COUNTS: usize = 3;

/// The counted measures, in output order. The outcome measures without a
/// suffix count **persons**, each once per row, on their latest completed
/// period in the window (what the grant report asks: the number of
/// participants who …); the same measures with `_periods` count periods,
/// so a renewed participant counts twice there.
pub const COUNTS: &[&str] = &[
    "participants",
    "periods",
    "completed_periods",
    "improved_fitness",
    "tobacco_users",
    "abstinent_7_days",
    "abstinence_assessed",
    "better_self_rated_health",
    "back_to_work_or_school",
    "meets_activity_recommendation_week12",
    "better_quality_of_life",
    "improved_fitness_6m",
    "improved_fitness_12m",
    "abstinent_7_days_6m",
    "abstinent_7_days_12m",
    "better_self_rated_health_6m",
    "better_self_rated_health_12m",
    "improved_fitness_periods",
    "tobacco_users_periods",
    "abstinent_7_days_periods",
    "abstinence_assessed_periods",
    "better_self_rated_health_periods",
    "back_to_work_or_school_periods",
    "meets_activity_recommendation_week12_periods",
    "better_quality_of_life_periods",
    "improved_fitness_6m_periods",
    "improved_fitness_12m_periods",
    "abstinent_7_days_6m_periods",
    "abstinent_7_days_12m_periods",
    "better_self_rated_health_6m_periods",
    "better_self_rated_health_12m_periods",
];

/// Whether a count column counts persons (its total is then the persons
/// counted, not the sum of its rows).
fn counts_persons(column: usize) -> bool {
    column == 0 || (LEADING_COUNTS..LEADING_COUNTS + OUTCOME_COUNTS).contains(&column)
}

/// The statistics, in output order. The abstinence shares are over periods
/// that have ended (a running period is not "still using"); the means are
/// over persons, on their latest completed period.
pub const STATISTICS: &[&str] = &[
    "abstinence_share_itt",
    "abstinence_share_complete_case",
    "six_minute_walk_change_m_mean",
    "mvpa_equivalent_change_mean",
    "total_sleep_minutes_change_mean",
];

/// A person's latest completed period in a group: when it ended, when it
/// started (to break a tie), and what it achieved.
type Latest = ((NaiveDate, NaiveDate), Outcome);

#[derive(Debug, Default, Clone)]
struct Group {
    participants: BTreeSet<Uuid>,
    periods: u64,
    completed_periods: u64,
    outcome_periods: [u64; OUTCOME_COUNTS],
    latest_completed: BTreeMap<Uuid, Latest>,
    /// Tobacco users and the abstinent among them, over ended periods.
    ended_tobacco_users: u64,
    ended_abstinent: u64,
    ended_tobacco_persons: BTreeSet<Uuid>,
    assessed_persons: BTreeSet<Uuid>,
    abstinent_assessed: u64,
    abstinence_assessed: u64,
}

/// Accumulates periods into groups.
#[derive(Debug, Clone)]
pub struct OutcomeTables {
    dims: Vec<Dimension>,
    groups: BTreeMap<Vec<String>, Group>,
    total: Group,
}

/// One output row (or the total): group key, counts and statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub group: BTreeMap<&'static str, String>,
    pub counts: BTreeMap<&'static str, Cell>,
    pub statistics: BTreeMap<&'static str, Statistic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub group_by: Vec<Dimension>,
    pub rows: Vec<Row>,
    pub total: Row,
}

fn add_mean(acc: &mut (f64, u64), v: Option<f64>) {
    if let Some(v) = v {
        acc.0 += v;
        acc.1 += 1;
    }
}

impl Group {
    fn add(&mut self, r: &PeriodRecord) {
        self.participants.insert(r.participant);
        let outcome = Outcome::of(r);
        self.periods += 1;
        self.completed_periods += u64::from(r.completed);
        for (n, flag) in self.outcome_periods.iter_mut().zip(outcome.flags()) {
            *n += u64::from(flag);
        }
        if outcome.tobacco_user && r.ended_on.is_some() {
            self.ended_tobacco_users += 1;
            self.ended_abstinent += u64::from(outcome.abstinent);
            self.ended_tobacco_persons.insert(r.participant);
        }
        if outcome.abstinence_assessed {
            self.abstinence_assessed += 1;
            self.abstinent_assessed += u64::from(outcome.abstinent);
            self.assessed_persons.insert(r.participant);
        }
        if let (true, Some(ended)) = (r.completed, r.ended_on) {
            let key = (ended, r.started_on);
            let later = self
                .latest_completed
                .get(&r.participant)
                .is_none_or(|(k, _)| key > *k);
            if later {
                self.latest_completed.insert(r.participant, (key, outcome));
            }
        }
    }

    fn raw_counts(&self) -> Vec<u64> {
        let mut persons = [0u64; OUTCOME_COUNTS];
        for (_, outcome) in self.latest_completed.values() {
            for (n, flag) in persons.iter_mut().zip(outcome.flags()) {
                *n += u64::from(flag);
            }
        }
        let mut c = vec![
            self.participants.len() as u64,
            self.periods,
            self.completed_periods,
        ];
        c.extend(persons);
        c.extend(self.outcome_periods);
        c
    }

    fn statistics(&self) -> BTreeMap<&'static str, Statistic> {
        // A share is suppressed below five people, however many periods.
        let share = |num: u64, den: u64, people: usize| {
            statistic(
                (den > 0).then(|| round3(num as f64 / den as f64)),
                people as u64,
            )
        };
        let mean = |pick: fn(&Outcome) -> Option<f64>| {
            let mut acc = (0.0, 0);
            for (_, outcome) in self.latest_completed.values() {
                add_mean(&mut acc, pick(outcome));
            }
            let (sum, n) = acc;
            statistic((n > 0).then(|| round1(sum / n as f64)), n)
        };
        BTreeMap::from([
            (
                STATISTICS[0],
                share(
                    self.ended_abstinent,
                    self.ended_tobacco_users,
                    self.ended_tobacco_persons.len(),
                ),
            ),
            (
                STATISTICS[1],
                share(
                    self.abstinent_assessed,
                    self.abstinence_assessed,
                    self.assessed_persons.len(),
                ),
            ),
            (STATISTICS[2], mean(|o| o.walk_change)),
            (STATISTICS[3], mean(|o| o.mvpa_change)),
            (STATISTICS[4], mean(|o| o.sleep_change)),
        ])
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl OutcomeTables {
    pub fn new(group_by: Vec<Dimension>) -> Self {
        OutcomeTables {
            dims: group_by,
            groups: BTreeMap::new(),
            total: Group::default(),
        }
    }

    pub fn add(&mut self, record: &PeriodRecord) {
        self.groups
            .entry(record.key(&self.dims))
            .or_default()
            .add(record);
        self.total.add(record);
    }

    /// Applies disclosure control: counts 1–4 and statistics from fewer
    /// than 5 people are suppressed, and each count column (whose total is
    /// published) gets secondary suppression so no cell can be recomputed.
    pub fn finish(self) -> Table {
        let groups: Vec<(Vec<String>, Group)> = self.groups.into_iter().collect();
        let raw: Vec<Vec<u64>> = groups.iter().map(|(_, g)| g.raw_counts()).collect();
        let total_raw = self.total.raw_counts();
        let mut columns: Vec<(Vec<Cell>, Cell)> = Vec::with_capacity(COUNTS.len());
        for m in 0..COUNTS.len() {
            let column: Vec<u64> = raw.iter().map(|c| c[m]).collect();
            let (cells, line_total) = protect_column(&column, true);
            // A person can be in several groups (two periods at two
            // centres), so a persons column's total is the people counted,
            // not the sum. It is nearly the sum, though, so the column is
            // protected against it as if it were: otherwise total − shown
            // cells would give the hidden one.
            let total = if counts_persons(m) {
                let mut distinct = protect_column(&[total_raw[m]], false).0[0].clone();
                if line_total.is_suppressed() && !distinct.is_suppressed() {
                    distinct.suppression = crate::disclosure::Suppression::Secondary;
                }
                distinct
            } else {
                line_total
            };
            columns.push((cells, total));
        }
        let dims = self.dims.clone();
        let group_map = |key: &[String]| -> BTreeMap<&'static str, String> {
            dims.iter()
                .zip(key)
                .map(|(d, v)| (d.as_str(), v.clone()))
                .collect()
        };
        let rows = groups
            .iter()
            .enumerate()
            .map(|(i, (key, g))| Row {
                group: group_map(key),
                counts: COUNTS
                    .iter()
                    .enumerate()
                    .map(|(m, name)| (*name, columns[m].0[i].clone()))
                    .collect(),
                statistics: g.statistics(),
            })
            .collect();
        let total = Row {
            group: BTreeMap::new(),
            counts: COUNTS
                .iter()
                .enumerate()
                .map(|(m, name)| (*name, columns[m].1.clone()))
                .collect(),
            statistics: self.total.statistics(),
        };
        Table {
            group_by: self.dims,
            rows,
            total,
        }
    }
}

/// The definitions the tables are computed with.
pub const DEFINITIONS_USED: &[indicators::Definition] = &[
    indicators::FITNESS_CHANGE,
    indicators::POINT_PREVALENCE_ABSTINENCE,
    indicators::SELF_RATED_HEALTH_CHANGE,
    indicators::WORK_SCHOOL_CHANGE,
    indicators::ACTIVITY_RECOMMENDATION,
    ACTIVITY_CHANGE,
    SLEEP_MEASURES,
    indicators::QUALITY_OF_LIFE_CHANGE,
    indicators::FITNESS_MAINTENANCE,
    indicators::ABSTINENCE_MAINTENANCE,
    indicators::SELF_RATED_HEALTH_MAINTENANCE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::Suppression;
    use crate::indicators::Missing;
    use crate::outcomes::Indicator;

    fn indicator(name: &'static str, value: Option<Value>, missing: Option<Missing>) -> Indicator {
        Indicator {
            name,
            definition_id: "test",
            definition_version: 1,
            value,
            unit: None,
            missing,
            inputs: vec![],
        }
    }

    fn record(
        n: u128,
        sex: Sex,
        smoker: bool,
        abstinent: Option<bool>,
        walk: Option<f64>,
    ) -> PeriodRecord {
        let mut indicators = vec![
            indicator(
                "improved_fitness",
                walk.map(|w| Value::Flag(w >= 30.0)),
                None,
            ),
            indicator("six_minute_walk_change_m", walk.map(Value::Number), None),
        ];
        indicators.push(if smoker {
            indicator(
                "seven_day_point_prevalence_abstinence",
                abstinent.map(Value::Flag),
                abstinent.is_none().then_some(Missing::NoData),
            )
        } else {
            indicator(
                "seven_day_point_prevalence_abstinence",
                None,
                Some(Missing::NotApplicable),
            )
        });
        PeriodRecord {
            participant: Uuid::from_u128(n),
            year: 2026,
            centre: "c".into(),
            municipality: "0301".into(),
            sex: Some(sex),
            age: Some(50),
            referral_source: Some(ReferrerType::Gp),
            completed: true,
            started_on: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            ended_on: NaiveDate::from_ymd_opt(2026, 3, 30),
            outcomes: PeriodOutcomes {
                weeks: vec![],
                indicators,
                smoke_free_streak_days: None,
                money_saved_nok: None,
            },
        }
    }

    fn count(row: &Row, name: &str) -> (u64, Suppression) {
        let c = &row.counts[name];
        (c.count, c.suppression)
    }

    #[test]
    fn groups_count_and_protect() {
        let mut t = OutcomeTables::new(vec![Dimension::Sex]);
        // 8 women (6 smokers: 3 abstinent, 1 unknown), 3 men.
        for n in 0..8 {
            let smoker = n < 6;
            let abstinent = match n {
                0..=2 => Some(true),
                3 => None,
                _ => Some(false),
            };
            t.add(&record(
                n,
                Sex::Female,
                smoker,
                abstinent,
                Some(40.0 + n as f64),
            ));
        }
        for n in 8..11 {
            t.add(&record(n, Sex::Male, false, None, Some(10.0)));
        }
        let table = t.finish();
        let women = &table.rows[0];
        assert_eq!(women.group["sex"], "female");
        // The men's 3 is hidden, so the women's 8 is too: 11 − 8 would give it.
        assert_eq!(count(women, "participants"), (8, Suppression::Secondary));
        assert_eq!(table.total.counts["participants"].shown(), Some(11));
        assert_eq!(count(women, "tobacco_users"), (6, Suppression::None));
        // 3 abstinent is primary; the men's 0 cannot protect it, so the
        // column total is hidden.
        assert_eq!(count(women, "abstinent_7_days"), (3, Suppression::Primary));
        assert!(table.total.counts["abstinent_7_days"].is_suppressed());
        // 3 men: a primary count, and the only other cell (8 women) is
        // hidden too so the published total 11 does not reveal it.
        let men = &table.rows[1];
        assert_eq!(count(men, "participants").1, Suppression::Primary);
        assert_eq!(count(men, "periods").1, Suppression::Primary);
        assert_eq!(count(women, "periods").1, Suppression::Secondary);
        assert_eq!(table.total.counts["periods"].shown(), Some(11));
        // ITT: 3 of 6 smokers; complete case: 3 of the 5 assessed.
        assert_eq!(women.statistics["abstinence_share_itt"].value, Some(0.5));
        assert_eq!(
            women.statistics["abstinence_share_complete_case"].value,
            Some(0.6)
        );
        // Means need five people: the men's is suppressed.
        assert_eq!(
            women.statistics["six_minute_walk_change_m_mean"].value,
            Some(43.5)
        );
        assert!(men.statistics["six_minute_walk_change_m_mean"].suppressed);
    }

    #[test]
    fn a_renewed_participant_is_one_person_and_two_periods() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let mut t = OutcomeTables::new(vec![]);
        // Period 1: fitness not improved (Δ +10 m), still smoking.
        let mut first = record(1, Sex::Female, true, Some(false), Some(10.0));
        first.ended_on = Some(day(3, 30));
        // Period 2 (renewed): fitness improved (Δ +45 m), abstinent.
        let mut second = record(1, Sex::Female, true, Some(true), Some(45.0));
        second.started_on = day(3, 31);
        second.ended_on = Some(day(6, 22));
        // Period 3: running, week-12 not reached: not an ITT failure.
        let mut running = record(1, Sex::Female, true, None, None);
        running.started_on = day(6, 23);
        running.completed = false;
        running.ended_on = None;
        // Five other people, so the figures are not suppressed.
        for n in 2..7 {
            t.add(&record(n, Sex::Male, true, Some(true), Some(40.0)));
        }
        for r in [&second, &running, &first] {
            t.add(r);
        }
        let total = t.finish().total;
        let shown = |m: &str| total.counts[m].shown();
        assert_eq!(shown("participants"), Some(6));
        assert_eq!(shown("periods"), Some(8));
        // Persons: participant 1 once, on period 2 (their latest completed).
        assert_eq!(shown("improved_fitness"), Some(6));
        assert_eq!(shown("abstinent_7_days"), Some(6));
        assert_eq!(shown("tobacco_users"), Some(6));
        // Periods: both of participant 1's completed periods, and the
        // running one is a tobacco user but not yet assessed.
        assert_eq!(shown("improved_fitness_periods"), Some(6));
        assert_eq!(shown("tobacco_users_periods"), Some(8));
        assert_eq!(shown("abstinent_7_days_periods"), Some(6));
        // ITT over the 7 ended periods: 6 abstinent (the running period is
        // left out, not counted as still using).
        assert_eq!(
            total.statistics["abstinence_share_itt"].value,
            Some(round3(6.0 / 7.0))
        );
        // The mean Δ6MWT is over persons: 5 × 40 and participant 1's 45.
        assert_eq!(
            total.statistics["six_minute_walk_change_m_mean"].value,
            Some(round1((5.0 * 40.0 + 45.0) / 6.0))
        );
    }

    #[test]
    fn age_bands_follow_domain() {
        let bands: Vec<&str> = [
            None,
            Some(17),
            Some(18),
            Some(29),
            Some(30),
            Some(44),
            Some(45),
            Some(66),
            Some(67),
        ]
        .into_iter()
        .map(age_band)
        .collect();
        assert_eq!(
            bands,
            vec![
                "unknown", "0-17", "18-29", "18-29", "30-44", "30-44", "45-66", "45-66", "67+"
            ]
        );
    }
}
