//! Anonymous outcome tables for evaluation (DOMAIN.md §7; tilskudd
//! 841-859): per group of periods, the counts of participants, periods,
//! completed periods and of each outcome, and the means of Δ6MWT, ΔMVPA
//! and ΔTST — with disclosure control applied before anything leaves.
//! Pure: the caller feeds one [`PeriodRecord`] at a time (memory holds only
//! the groups), then [`OutcomeTables::finish`] protects and returns rows.

use std::collections::{BTreeMap, BTreeSet};

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

/// The counted measures, in output order.
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
];

/// The statistics, in output order.
pub const STATISTICS: &[&str] = &[
    "abstinence_share_itt",
    "abstinence_share_complete_case",
    "six_minute_walk_change_m_mean",
    "mvpa_equivalent_change_mean",
    "total_sleep_minutes_change_mean",
];

#[derive(Debug, Default, Clone)]
struct Group {
    participants: BTreeSet<Uuid>,
    counts: [u64; 10],
    walk: (f64, u64),
    mvpa: (f64, u64),
    sleep: (f64, u64),
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
        let tobacco_user = !matches!(
            r.outcomes
                .indicators
                .iter()
                .find(|i| i.name == "seven_day_point_prevalence_abstinence")
                .and_then(|i| i.missing),
            Some(indicators::Missing::NotApplicable)
        );
        let abstinent = r.flag("seven_day_point_prevalence_abstinence");
        let c = &mut self.counts;
        c[1] += 1;
        c[2] += u64::from(r.completed);
        c[3] += u64::from(r.flag("improved_fitness") == Some(true));
        c[4] += u64::from(tobacco_user);
        c[5] += u64::from(tobacco_user && abstinent == Some(true));
        c[6] += u64::from(tobacco_user && abstinent.is_some());
        c[7] += u64::from(r.improved("self_rated_health_change"));
        c[8] += u64::from(r.improved("work_school_change"));
        c[9] +=
            u64::from(r.completed && r.flag("activity_recommendation_met_last_week") == Some(true));
        add_mean(&mut self.walk, r.number("six_minute_walk_change_m"));
        add_mean(&mut self.mvpa, r.number("mvpa_equivalent_change"));
        add_mean(&mut self.sleep, r.sleep_change());
    }

    fn raw_counts(&self) -> [u64; 10] {
        let mut c = self.counts;
        c[0] = self.participants.len() as u64;
        c
    }

    fn statistics(&self) -> BTreeMap<&'static str, Statistic> {
        let c = self.raw_counts();
        let share =
            |num: u64, den: u64| statistic((den > 0).then(|| round3(num as f64 / den as f64)), den);
        let mean = |(sum, n): (f64, u64)| statistic((n > 0).then(|| round1(sum / n as f64)), n);
        BTreeMap::from([
            (STATISTICS[0], share(c[5], c[4])),
            (STATISTICS[1], share(c[5], c[6])),
            (STATISTICS[2], mean(self.walk)),
            (STATISTICS[3], mean(self.mvpa)),
            (STATISTICS[4], mean(self.sleep)),
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
        let raw: Vec<[u64; 10]> = groups.iter().map(|(_, g)| g.raw_counts()).collect();
        let total_raw = self.total.raw_counts();
        let mut columns: Vec<(Vec<Cell>, Cell)> = Vec::with_capacity(COUNTS.len());
        for m in 0..COUNTS.len() {
            let column: Vec<u64> = raw.iter().map(|c| c[m]).collect();
            let (cells, line_total) = protect_column(&column, true);
            // Participants can be in several groups (two periods at two
            // centres), so their total is the people counted, not the sum.
            // It is nearly the sum, though, so their column is protected
            // against it as if it were: otherwise total − shown cells would
            // give the hidden one.
            let total = if m == 0 {
                let mut distinct = protect_column(&[total_raw[0]], false).0[0].clone();
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
