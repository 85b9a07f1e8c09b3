//! `friskliv admin seed-demo`: fills a database with synthetic participants
//! and diaries shaped like a real frisklivssentral (DOMAIN.md §1, §3), for
//! demos, load tests and trying out indicators.
//!
//! **Deterministic for a seed.** Everything random comes from
//! `ChaCha8Rng::seed_from_u64(seed)`, one ChaCha *stream* per participant
//! (stream = the participant's number), so participant 17's diary is the
//! same whether 20 or 2 000 participants are seeded. Entry ids are built
//! from that RNG (`uuid::Builder::from_random_bytes`), never `Uuid::new_v4`.
//! Account ids are ordinary UUIDv7s (time-ordered keys, as everywhere), so
//! seeding twice into one database adds a second set of participants.
//!
//! **Dates move with the run day.** The diaries cover the `weeks × 7` days
//! that end with the day *before* the run day (Europe/Oslo), so every entry
//! lies in the past and passes the "not in the future" rule at any hour.
//! Run on another day, the same seed gives the same diaries shifted to end
//! on the new yesterday; run twice on one day, it gives identical content.
//!
//! **Always valid.** Every entry is built as the wire type
//! [`DiaryEntryInput`] and parsed with [`DiaryEntryInput::parse`], exactly as
//! the API parses a phone's entry, and written with
//! [`crate::db::diary::apply`], the store the routes use.
//!
//! Each participant also gets a journey (`seed_journey.rs`): attributes,
//! referral and triage, follow-up period 1 with conversations, goals,
//! courses, baseline and week-12 assessments, and consents.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Europe::Oslo;
use chrono_tz::Tz;
use friskliv_domain::consent::ConsentScope;
use friskliv_domain::diary::{
    Activity, ActivityType, CessationMedication, DiaryEntryInput, EntryKind, Food, Intensity, Meal,
    PackPrice, QuitAttempt, Sitting, Sleep, Tobacco, TobaccoProduct,
};
use friskliv_domain::journey::PeriodStatus;
use friskliv_domain::{AccountRole, CentreName, FieldError, MunicipalityNumber};
use futures_util::{StreamExt, TryStreamExt};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use uuid::Uuid;

pub mod journey;

use crate::db::diary::{self, Outcome, Write};
use crate::db::identity;
use journey::{JourneyPlan, plan_journey, write_journey};

/// The centre created when `--centre` is not given.
pub const DEMO_CENTRE_NAME: &str = "Demo frisklivssentral";
/// Oslo.
pub const DEMO_MUNICIPALITY: &str = "0301";
/// Writes per `store::diary::apply` call (one transaction), as for a sync.
pub const WRITES_PER_CALL: usize = 500;
pub const MAX_PARTICIPANTS: u32 = 100_000;
pub const MAX_WEEKS: u32 = 104;

/// Share of men among participants (ssb 3196-3321: ~27 %).
pub const SHARE_MEN: f64 = 0.27;
/// Share referred by a GP or other service rather than self-referred (~50 %).
pub const SHARE_REFERRED: f64 = 0.50;
/// Share who smoke or use snus and keep the smoke-free diary (a product choice).
pub const SHARE_TOBACCO: f64 = 0.15;
/// Adherence mix (a product choice): log almost daily for the whole period…
pub const SHARE_DAILY: f64 = 0.30;
/// …start keen and drop off after 1–6 weeks; the rest log sporadically.
pub const SHARE_DROP_OFF: f64 = 0.45;

/// What the command was asked to do.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub participants: u32,
    pub weeks: u32,
    pub seed: u64,
    /// An existing centre; `None` creates "Demo frisklivssentral".
    pub centre: Option<Uuid>,
}

impl SeedOptions {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.participants == 0 || self.participants > MAX_PARTICIPANTS {
            return Err(FieldError::new(
                "--participants",
                "range",
                format!("must be between 1 and {MAX_PARTICIPANTS}"),
            ));
        }
        if self.weeks == 0 || self.weeks > MAX_WEEKS {
            return Err(FieldError::new(
                "--weeks",
                "range",
                format!("must be between 1 and {MAX_WEEKS}"),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adherence {
    /// Logs on ~92 % of days for the whole period.
    Daily,
    /// Logs on ~85 % of days for `keen_weeks`, then on ~4 %.
    DropOff { keen_weeks: u32 },
    /// Logs on ~30 % of days.
    Sporadic,
}

/// A smoker's or snus user's habit and quit attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct TobaccoHabit {
    pub cigarettes_per_day: i64,
    pub snus_per_day: i64,
    pub e_cigarette: bool,
    pub medication: CessationMedication,
    /// Days after the first diary day that the quit attempt is made.
    pub attempt_day: i64,
    /// Days from making the attempt to the target quit date.
    pub days_to_quit: i64,
    /// What a pack/box of each product costs, as a participant knows it.
    pub packs: Vec<PackPrice>,
}

impl TobaccoHabit {
    pub fn products(&self) -> Vec<TobaccoProduct> {
        let mut products = Vec::new();
        if self.cigarettes_per_day > 0 {
            products.push(TobaccoProduct::Cigarettes);
        }
        if self.snus_per_day > 0 {
            products.push(TobaccoProduct::Snus);
        }
        if self.e_cigarette {
            products.push(TobaccoProduct::ECigarettes);
        }
        products
    }
}

/// One synthetic participant, before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantPlan {
    /// 1-based.
    pub number: u32,
    pub display_name: String,
    pub sex: Sex,
    pub referred: bool,
    pub adherence: Adherence,
    pub tobacco: Option<TobaccoHabit>,
    /// Days after the first diary day that logging starts (0–6).
    pub start_offset: i64,
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedSummary {
    pub centre_id: Uuid,
    pub centre_created: bool,
    pub participants: u32,
    pub men: u32,
    pub referred: u32,
    pub tobacco_users: u32,
    pub daily: u32,
    pub drop_off: u32,
    pub sporadic: u32,
    /// Every participant has follow-up period 1; this many are completed.
    pub completed_periods: u32,
    pub research_consents: u32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub entries: BTreeMap<EntryKind, u64>,
    pub elapsed: Duration,
}

impl SeedSummary {
    pub fn total_entries(&self) -> u64 {
        self.entries.values().sum()
    }

    pub fn entries_per_second(&self) -> f64 {
        self.total_entries() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn percent(part: u32, whole: u32) -> f64 {
    100.0 * f64::from(part) / f64::from(whole.max(1))
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.participants;
        writeln!(
            f,
            "centre_id: {}{}",
            self.centre_id,
            if self.centre_created {
                " (created)"
            } else {
                ""
            }
        )?;
        writeln!(f, "diary days: {} to {}", self.first_day, self.last_day)?;
        writeln!(f, "participants: {n}")?;
        writeln!(f, "  men: {} ({:.1} %)", self.men, percent(self.men, n))?;
        writeln!(
            f,
            "  referred: {} ({:.1} %)",
            self.referred,
            percent(self.referred, n)
        )?;
        writeln!(
            f,
            "  smoking/snus: {} ({:.1} %)",
            self.tobacco_users,
            percent(self.tobacco_users, n)
        )?;
        writeln!(
            f,
            "  adherence: {} daily, {} drop-off, {} sporadic",
            self.daily, self.drop_off, self.sporadic
        )?;
        writeln!(
            f,
            "  follow-up periods: {n} ({} completed); research consents: {}",
            self.completed_periods, self.research_consents
        )?;
        writeln!(f, "entries written: {}", self.total_entries())?;
        for kind in EntryKind::ALL {
            writeln!(
                f,
                "  {kind}: {}",
                self.entries.get(kind).copied().unwrap_or(0)
            )?;
        }
        writeln!(f, "elapsed: {:.2} s", self.elapsed.as_secs_f64())?;
        write!(f, "entries/s: {:.0}", self.entries_per_second())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("no centre with id {0}")]
    NoSuchCentre(Uuid),
    /// A generated entry broke a domain rule: a bug in the generator.
    #[error("generated {kind} entry for participant {participant} is invalid: {errors}")]
    InvalidEntry {
        participant: u32,
        kind: EntryKind,
        errors: String,
    },
    #[error("entry {entry_id} of participant {participant} was not applied ({outcome})")]
    NotApplied {
        participant: u32,
        entry_id: Uuid,
        outcome: &'static str,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The RNG for one participant: the seed's ChaCha stream `number`.
pub fn participant_rng(seed: u64, number: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(number));
    rng
}

/// The diary days for a run at `now`: the `weeks × 7` days ending yesterday
/// (Europe/Oslo).
pub fn diary_window(now: DateTime<Utc>, weeks: u32) -> (NaiveDate, NaiveDate) {
    let today = now.with_timezone(&Oslo).date_naive();
    let last = today - TimeDelta::days(1);
    let first = last - TimeDelta::days(i64::from(weeks) * 7 - 1);
    (first, last)
}

/// Draws a participant's attributes. Consumes the start of their stream.
pub fn plan_participant(rng: &mut ChaCha8Rng, number: u32, weeks: u32) -> ParticipantPlan {
    let sex = if rng.random_bool(SHARE_MEN) {
        Sex::Male
    } else {
        Sex::Female
    };
    let referred = rng.random_bool(SHARE_REFERRED);
    let roll: f64 = rng.random();
    let adherence = if roll < SHARE_DAILY {
        Adherence::Daily
    } else if roll < SHARE_DAILY + SHARE_DROP_OFF {
        Adherence::DropOff {
            keen_weeks: rng.random_range(1..=6),
        }
    } else {
        Adherence::Sporadic
    };
    let days = i64::from(weeks) * 7;
    let start_offset = rng.random_range(0..=6).min(days - 1);
    let tobacco = rng.random_bool(SHARE_TOBACCO).then(|| {
        // Snus is about as common as smoking among Norwegians who use tobacco.
        let (cigarettes, snus) = match rng.random_range(0..10) {
            0..=4 => (rng.random_range(6..=20), 0),
            5..=8 => (0, rng.random_range(5..=15)),
            _ => (rng.random_range(3..=10), rng.random_range(3..=8)),
        };
        let medication = match rng.random_range(0..20) {
            0..=9 => CessationMedication::None,
            10..=15 => CessationMedication::NicotineReplacement,
            16..=18 => CessationMedication::Varenicline,
            _ => CessationMedication::Bupropion,
        };
        let latest_attempt = (days - 1).min(start_offset + 21);
        let e_cigarette = rng.random_bool(0.1);
        let (attempt_day, days_to_quit) = (
            rng.random_range(start_offset..=latest_attempt),
            rng.random_range(7..=14),
        );
        // About NOK 140 for a pack of 20 cigarettes and 110 for a box of 24
        // snus portions (the defaults); a pod or bottle of e-liquid lasts
        // a few days.
        let mut packs = Vec::new();
        if cigarettes > 0 {
            packs.push(PackPrice {
                product: TobaccoProduct::Cigarettes,
                price_per_pack_nok: f64::from(rng.random_range(130..=150)),
                units_per_pack: None,
            });
        }
        if snus > 0 {
            packs.push(PackPrice {
                product: TobaccoProduct::Snus,
                price_per_pack_nok: f64::from(rng.random_range(95..=120)),
                units_per_pack: None,
            });
        }
        if e_cigarette {
            packs.push(PackPrice {
                product: TobaccoProduct::ECigarettes,
                price_per_pack_nok: f64::from(rng.random_range(80..=120)),
                units_per_pack: Some(rng.random_range(2..=4)),
            });
        }
        TobaccoHabit {
            cigarettes_per_day: cigarettes,
            snus_per_day: snus,
            e_cigarette,
            medication,
            attempt_day,
            days_to_quit,
            packs,
        }
    });
    ParticipantPlan {
        number,
        display_name: format!("Deltaker {number:04}"),
        sex,
        referred,
        adherence,
        tobacco,
        start_offset,
    }
}

/// A local Oslo time `minutes` after midnight starting `day` (negative: the
/// evening before). A time in the spring-forward gap moves an hour on; an
/// ambiguous autumn time takes the first (summer-time) instant.
fn oslo(day: NaiveDate, minutes: i64) -> DateTime<Tz> {
    local(day.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes))
}

fn local(naive: NaiveDateTime) -> DateTime<Tz> {
    match Oslo.from_local_datetime(&naive) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(first, _) => first,
        LocalResult::None => local(naive + TimeDelta::hours(1)),
    }
}

fn rfc3339(t: DateTime<Tz>) -> String {
    t.to_rfc3339()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, weighted: &'a [(T, u32)]) -> &'a T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in weighted {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    &weighted[weighted.len() - 1].0
}

fn envelope(at: DateTime<Tz>, recorded: DateTime<Tz>) -> DiaryEntryInput {
    DiaryEntryInput {
        version: 1,
        occurred_at: rfc3339(at),
        time_zone: Some("Europe/Oslo".to_owned()),
        recorded_at: Some(rfc3339(recorded)),
        source: None,
        note: None,
        activity: None,
        food: None,
        sleep: None,
        tobacco: None,
        sitting: None,
        quit_attempt: None,
    }
}

fn activity(rng: &mut ChaCha8Rng, day: NaiveDate) -> DiaryEntryInput {
    let winter = matches!(day.month(), 12 | 1 | 2 | 3);
    let types: &[(ActivityType, u32)] = &[
        (ActivityType::Walking, 45),
        (ActivityType::EverydayActivity, 12),
        (ActivityType::Cycling, if winter { 3 } else { 10 }),
        (ActivityType::Strength, 8),
        (ActivityType::GroupTraining, 8),
        (ActivityType::Running, 6),
        (ActivityType::Swimming, 4),
        (ActivityType::Skiing, if winter { 8 } else { 0 }),
        (ActivityType::BallGames, 2),
        (ActivityType::Other, 2),
    ];
    let activity_type = *pick(rng, types);
    let duration = match activity_type {
        ActivityType::Walking | ActivityType::EverydayActivity => rng.random_range(10..=75),
        ActivityType::Strength | ActivityType::GroupTraining => rng.random_range(30..=60),
        _ => rng.random_range(20..=90),
    };
    let intensity = *pick(
        rng,
        match activity_type {
            ActivityType::Walking | ActivityType::EverydayActivity => &[
                (Intensity::Light, 5),
                (Intensity::Moderate, 4),
                (Intensity::Vigorous, 1),
            ],
            _ => &[
                (Intensity::Light, 1),
                (Intensity::Moderate, 5),
                (Intensity::Vigorous, 4),
            ],
        },
    );
    let borg = match intensity {
        Intensity::Light => rng.random_range(7..=11),
        Intensity::Moderate => rng.random_range(12..=14),
        Intensity::Vigorous => rng.random_range(15..=19),
    };
    // Intensity, Borg, or both: the rule asks for at least one.
    let (intensity, borg_rpe) = match rng.random_range(0..3) {
        0 => (Some(intensity), None),
        1 => (None, Some(borg)),
        _ => (Some(intensity), Some(borg)),
    };
    let (steps, distance_km) = match activity_type {
        ActivityType::Walking if rng.random_bool(0.5) => {
            let steps = duration * rng.random_range(90..=115);
            (
                Some(steps),
                Some((steps as f64 * 0.0007 * 10.0).round() / 10.0),
            )
        }
        ActivityType::Running | ActivityType::Cycling | ActivityType::Skiing
            if rng.random_bool(0.6) =>
        {
            let km_per_hour = match activity_type {
                ActivityType::Running => 9.0,
                ActivityType::Cycling => 17.0,
                _ => 10.0,
            };
            let km = duration as f64 / 60.0 * km_per_hour * rng.random_range(0.8..1.2);
            (None, Some((km * 10.0).round() / 10.0))
        }
        _ => (None, None),
    };
    let start = rng.random_range(7 * 60..=20 * 60);
    let mut input = envelope(
        oslo(day, start),
        oslo(day, start + duration + rng.random_range(1..=60)),
    );
    if activity_type == ActivityType::Walking && rng.random_bool(0.05) {
        input.note = Some("Gåtur med hunden".to_owned());
    }
    input.activity = Some(Activity {
        activity_type,
        duration_minutes: duration,
        intensity,
        borg_rpe,
        steps,
        distance_km,
    });
    input
}

const BREAKFASTS: &[&str] = &[
    "Brødskiver med brunost",
    "Havregrøt med blåbær",
    "Yoghurt med müsli",
    "Knekkebrød med egg",
    "Brødskive med makrell i tomat",
];
const LUNCHES: &[&str] = &[
    "Matpakke med leverpostei",
    "Salat med kylling",
    "Grønnsakssuppe og brød",
    "Brødskiver med ost og paprika",
];
const DINNERS: &[&str] = &[
    "Fiskekaker med poteter og gulrøtter",
    "Kyllinggryte med ris",
    "Taco",
    "Laks med brokkoli",
    "Pasta med kjøttsaus",
    "Lapskaus",
    "Fiskesuppe",
];
const SNACKS: &[&str] = &["Eple", "Banan", "Nøtter", "Sjokolade", "Kaffe og kake"];
const SUPPERS: &[&str] = &["Brødskive med ost", "Yoghurt", "Knekkebrød"];

fn food(rng: &mut ChaCha8Rng, day: NaiveDate, meal: Meal) -> DiaryEntryInput {
    let (from, to, dishes) = match meal {
        Meal::Breakfast => (6 * 60 + 30, 9 * 60, BREAKFASTS),
        Meal::Lunch => (11 * 60, 13 * 60, LUNCHES),
        Meal::Dinner => (16 * 60, 18 * 60 + 30, DINNERS),
        Meal::Snack => (14 * 60, 15 * 60 + 30, SNACKS),
        _ => (20 * 60, 21 * 60 + 30, SUPPERS),
    };
    let at = rng.random_range(from..=to);
    let weekend = matches!(day.weekday(), Weekday::Fri | Weekday::Sat);
    let mut input = envelope(oslo(day, at), oslo(day, at + rng.random_range(1..=90)));
    input.food = Some(Food {
        meal,
        description: rng
            .random_bool(0.7)
            .then(|| dishes[rng.random_range(0..dishes.len())].to_owned()),
        veg_fruit_portions: rng.random_range(0..=4),
        whole_grain: rng.random_bool(0.5).then(|| rng.random_bool(0.6)),
        water_glasses: rng.random_range(0..=3),
        sugary_drinks: if rng.random_bool(0.1) {
            rng.random_range(1..=2)
        } else {
            0
        },
        sugar_free_drinks: if rng.random_bool(0.08) { 1 } else { 0 },
        alcohol_units: if meal == Meal::Dinner && weekend && rng.random_bool(0.2) {
            f64::from(rng.random_range(1..=3))
        } else {
            0.0
        },
        hunger_before: rng.random_bool(0.4).then(|| rng.random_range(1..=5)),
        fullness_after: rng.random_bool(0.4).then(|| rng.random_range(1..=5)),
        place: rng.random_bool(0.2).then(|| {
            if matches!(meal, Meal::Lunch) {
                "Jobb".to_owned()
            } else {
                "Hjemme".to_owned()
            }
        }),
        company: None,
    });
    input
}

/// The night that ended on the morning of `day`.
fn sleep(rng: &mut ChaCha8Rng, day: NaiveDate) -> DiaryEntryInput {
    // Minutes relative to midnight at the start of `day`: 22:30 … 00:30.
    let into_bed = rng.random_range(-90..=30);
    let tried = into_bed + rng.random_range(0..=20);
    let sol = rng.random_range(5..=40);
    let awakenings = rng.random_range(0..=4);
    let waso = if awakenings == 0 {
        0
    } else {
        rng.random_range(2..=60)
    };
    let asleep = rng.random_range(330..=480);
    let final_awakening = tried + sol + asleep + waso;
    let out_of_bed = final_awakening + rng.random_range(0..=30);
    let broken = sol + waso;
    let quality = (5 - broken / 25 + rng.random_range(-1..=1)).clamp(1, 5);
    let mut input = envelope(
        oslo(day, final_awakening),
        oslo(day, out_of_bed + rng.random_range(1..=60)),
    );
    input.sleep = Some(Sleep {
        into_bed_at: rfc3339(oslo(day, into_bed)),
        tried_to_sleep_at: rfc3339(oslo(day, tried)),
        minutes_to_fall_asleep: sol,
        awakenings,
        minutes_awake_after_onset: waso,
        out_of_bed_at: rfc3339(oslo(day, out_of_bed)),
        quality,
        nap_minutes: rng.random_bool(0.1).then(|| rng.random_range(10..=40)),
    });
    input
}

fn sitting(rng: &mut ChaCha8Rng, day: NaiveDate) -> DiaryEntryInput {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let half_hours = if weekend {
        rng.random_range(8..=18)
    } else {
        rng.random_range(10..=22)
    };
    let at = 21 * 60 + rng.random_range(0..=60);
    let mut input = envelope(oslo(day, at), oslo(day, at + rng.random_range(0..=30)));
    input.sitting = Some(Sitting {
        hours: f64::from(half_hours) / 2.0,
    });
    input
}

const TRIGGERS: &[&str] = &[
    "coffee",
    "stress",
    "after_meal",
    "alcohol",
    "social",
    "boredom",
];

/// One day's use, tapering from the attempt to the quit date, then mostly
/// abstinent with the odd slip.
fn tobacco(
    rng: &mut ChaCha8Rng,
    day: NaiveDate,
    day_index: i64,
    habit: &TobaccoHabit,
) -> DiaryEntryInput {
    let quit_day = habit.attempt_day + habit.days_to_quit;
    let (factor, craving_base) = if day_index < habit.attempt_day {
        (1.0, 5)
    } else if day_index < quit_day {
        let progress = (day_index - habit.attempt_day) as f64 / habit.days_to_quit as f64;
        (1.0 - 0.7 * progress, 6)
    } else if rng.random_bool(0.75) {
        (0.0, 3)
    } else {
        (0.15, 6)
    };
    let mut count = |per_day: i64| -> i64 {
        if per_day == 0 || factor == 0.0 {
            return 0;
        }
        let noisy = per_day as f64 * factor + f64::from(rng.random_range(-2..=2));
        (noisy.round() as i64).max(i64::from(factor > 0.1))
    };
    let cigarettes = count(habit.cigarettes_per_day);
    let snus_portions = count(habit.snus_per_day);
    let craving = (craving_base + rng.random_range(-2..=2)).clamp(0, 10);
    let triggers = (0..rng.random_range(0..=2))
        .map(|_| TRIGGERS[rng.random_range(0..TRIGGERS.len())].to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let at = 21 * 60 + rng.random_range(0..=90);
    let mut input = envelope(oslo(day, at), oslo(day, at + rng.random_range(0..=20)));
    input.tobacco = Some(Tobacco {
        cigarettes,
        snus_portions,
        e_cigarette: habit.e_cigarette && rng.random_bool(0.3),
        craving: Some(craving),
        triggers,
        cessation_medication: if day_index >= habit.attempt_day {
            habit.medication
        } else {
            CessationMedication::None
        },
    });
    input
}

fn quit_attempt(rng: &mut ChaCha8Rng, day: NaiveDate, habit: &TobaccoHabit) -> DiaryEntryInput {
    let at = rng.random_range(10 * 60..=15 * 60);
    let mut input = envelope(oslo(day, at), oslo(day, at + rng.random_range(0..=10)));
    input.quit_attempt = Some(QuitAttempt {
        target_quit_date: day + TimeDelta::days(habit.days_to_quit),
        products: habit.products(),
        packs: habit.packs.clone(),
        price_per_unit_nok: None,
    });
    input
}

fn entry_id(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Probability of logging on a day in week `week` (0-based).
fn log_probability(adherence: Adherence, week: u32) -> f64 {
    match adherence {
        Adherence::Daily => 0.92,
        Adherence::DropOff { keen_weeks } if week < keen_weeks => 0.85,
        Adherence::DropOff { .. } => 0.04,
        Adherence::Sporadic => 0.30,
    }
}

/// One generated entry as a phone would send it, before it is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    pub kind: EntryKind,
    pub entry_id: Uuid,
    pub input: DiaryEntryInput,
}

/// Builds every entry of one participant's diary, in the order a phone
/// would have made them, as wire inputs (the load generator sends these).
pub fn diary_inputs(
    rng: &mut ChaCha8Rng,
    plan: &ParticipantPlan,
    first_day: NaiveDate,
    weeks: u32,
) -> Vec<PlannedEntry> {
    let days = i64::from(weeks) * 7;
    let mut entries = Vec::with_capacity(days as usize * 7);
    let mut push = |rng: &mut ChaCha8Rng, kind: EntryKind, input: DiaryEntryInput| {
        entries.push(PlannedEntry {
            kind,
            entry_id: entry_id(rng),
            input,
        });
    };
    for index in plan.start_offset..days {
        let day = first_day + TimeDelta::days(index);
        let week = (index / 7) as u32;
        if let Some(habit) = &plan.tobacco
            && index == habit.attempt_day
        {
            let input = quit_attempt(rng, day, habit);
            push(rng, EntryKind::QuitAttempt, input);
        }
        if !rng.random_bool(log_probability(plan.adherence, week)) {
            continue;
        }
        let input = sleep(rng, day);
        push(rng, EntryKind::Sleep, input);
        let meals: &[Meal] = match rng.random_range(2..=4) {
            2 => match rng.random_range(0..3) {
                0 => &[Meal::Breakfast, Meal::Dinner],
                1 => &[Meal::Lunch, Meal::Dinner],
                _ => &[Meal::Breakfast, Meal::Lunch],
            },
            3 => &[Meal::Breakfast, Meal::Lunch, Meal::Dinner],
            _ => {
                if rng.random_bool(0.7) {
                    &[Meal::Breakfast, Meal::Lunch, Meal::Snack, Meal::Dinner]
                } else {
                    &[Meal::Breakfast, Meal::Lunch, Meal::Dinner, Meal::Supper]
                }
            }
        };
        for meal in meals {
            let input = food(rng, day, *meal);
            push(rng, EntryKind::Food, input);
        }
        let activities = *pick(rng, &[(0, 3), (1, 5), (2, 2)]);
        for _ in 0..activities {
            let input = activity(rng, day);
            push(rng, EntryKind::Activity, input);
        }
        let input = sitting(rng, day);
        push(rng, EntryKind::Sitting, input);
        if let Some(habit) = &plan.tobacco
            && rng.random_bool(0.9)
        {
            let input = tobacco(rng, day, index, habit);
            push(rng, EntryKind::Tobacco, input);
        }
    }
    entries
}

/// Parses a generated entry exactly as the API parses a phone's.
pub fn parse_planned(
    planned: PlannedEntry,
    participant: u32,
    now: DateTime<Utc>,
) -> Result<Write, SeedError> {
    let PlannedEntry {
        kind,
        entry_id,
        input,
    } = planned;
    let entry = input
        .parse(kind, now)
        .map_err(|errors| SeedError::InvalidEntry {
            participant,
            kind,
            errors: errors
                .iter()
                .map(|e| format!("{} {} ({})", e.field, e.rule, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    Ok(Write::Upsert { entry_id, entry })
}

/// Builds and parses every entry of one participant's diary.
pub fn generate_diary(
    rng: &mut ChaCha8Rng,
    plan: &ParticipantPlan,
    first_day: NaiveDate,
    weeks: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Write>, SeedError> {
    diary_inputs(rng, plan, first_day, weeks)
        .into_iter()
        .map(|planned| parse_planned(planned, plan.number, now))
        .collect()
}

fn kind_of(write: &Write) -> EntryKind {
    match write {
        Write::Upsert { entry, .. } => entry.kind,
        Write::Delete { kind, .. } => *kind,
    }
}

/// Creates one participant's account and writes their diary, 500 writes
/// per transaction. Returns the plan and the entries written per kind.
async fn seed_participant(
    db: &DatabaseConnection,
    centre_id: Uuid,
    options: &SeedOptions,
    number: u32,
    first_day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(ParticipantPlan, JourneyPlan, BTreeMap<EntryKind, u64>), SeedError> {
    let mut rng = participant_rng(options.seed, number);
    let plan = plan_participant(&mut rng, number, options.weeks);
    let writes = generate_diary(&mut rng, &plan, first_day, options.weeks, now)?;
    let journey = plan_journey(
        &mut rng,
        &plan,
        first_day,
        options.weeks,
        crate::clock::today(now),
    );
    let account = identity::create_account(
        db,
        Uuid::now_v7(),
        AccountRole::Participant,
        centre_id,
        &plan.display_name,
        now,
    )
    .await?;
    let mut counts = BTreeMap::new();
    for batch in writes.chunks(WRITES_PER_CALL) {
        let outcomes = diary::apply(db, account.id, batch, now, None).await?;
        for (write, outcome) in batch.iter().zip(&outcomes) {
            match outcome {
                Outcome::Applied(_) => *counts.entry(kind_of(write)).or_insert(0) += 1,
                Outcome::Unchanged(e) | Outcome::Conflict(e) => {
                    return Err(SeedError::NotApplied {
                        participant: number,
                        entry_id: e.entry_id,
                        outcome: if matches!(outcome, Outcome::Unchanged(_)) {
                            "unchanged"
                        } else {
                            "conflict"
                        },
                    });
                }
            }
        }
    }
    let txn = db.begin().await?;
    write_journey(&txn, account.id, centre_id, &journey, now).await?;
    txn.commit().await?;
    Ok((plan, journey, counts))
}

/// Seeds the (migrated) database. `now` is the run time: it fixes the diary
/// window (see the module docs) and is what entries are validated against.
pub async fn seed_demo(
    db: &DatabaseConnection,
    options: &SeedOptions,
    now: DateTime<Utc>,
) -> Result<SeedSummary, SeedError> {
    options.validate().map_err(SeedError::Invalid)?;
    let started = Instant::now();
    let (centre_id, centre_created) = match options.centre {
        Some(id) => match identity::find_centre(db, id).await? {
            Some(_) => (id, false),
            None => return Err(SeedError::NoSuchCentre(id)),
        },
        None => {
            let name = CentreName::parse(DEMO_CENTRE_NAME).map_err(SeedError::Invalid)?;
            let municipality =
                MunicipalityNumber::parse(DEMO_MUNICIPALITY).map_err(SeedError::Invalid)?;
            (
                identity::create_centre(db, &name, &municipality, now)
                    .await?
                    .id,
                true,
            )
        }
    };
    let (first_day, last_day) = diary_window(now, options.weeks);
    // SQLite has one writer at a time; PostgreSQL takes a few participants
    // at once (each participant's writes stay in order in their own task).
    let concurrency = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => 4,
        _ => 1,
    };
    let mut summary = SeedSummary {
        centre_id,
        centre_created,
        participants: 0,
        men: 0,
        referred: 0,
        tobacco_users: 0,
        daily: 0,
        drop_off: 0,
        sporadic: 0,
        completed_periods: 0,
        research_consents: 0,
        first_day,
        last_day,
        entries: EntryKind::ALL.iter().map(|k| (*k, 0)).collect(),
        elapsed: Duration::ZERO,
    };
    let mut done = futures_util::stream::iter(1..=options.participants)
        .map(|number| seed_participant(db, centre_id, options, number, first_day, now))
        .buffer_unordered(concurrency);
    while let Some((plan, journey, counts)) = done.try_next().await? {
        summary.participants += 1;
        summary.completed_periods += u32::from(journey.status == PeriodStatus::Completed);
        summary.research_consents += u32::from(journey.consents.contains(&ConsentScope::Research));
        summary.men += u32::from(plan.sex == Sex::Male);
        summary.referred += u32::from(plan.referred);
        summary.tobacco_users += u32::from(plan.tobacco.is_some());
        match plan.adherence {
            Adherence::Daily => summary.daily += 1,
            Adherence::DropOff { .. } => summary.drop_off += 1,
            Adherence::Sporadic => summary.sporadic += 1,
        }
        for (kind, n) in counts {
            *summary.entries.entry(kind).or_insert(0) += n;
        }
    }
    // A bulk load leaves PostgreSQL's planner without statistics until
    // autovacuum gets to it; queries planned blind can scan whole tables.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(db, "ANALYZE").await?;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-24T07:00:00Z".parse().unwrap()
    }

    #[test]
    fn window_ends_yesterday_in_oslo() {
        // 23:30 UTC on the 23rd is already the 24th in Oslo.
        let late: DateTime<Utc> = "2026-11-23T23:30:00Z".parse().unwrap();
        let (first, last) = diary_window(late, 2);
        assert_eq!(last, "2026-11-23".parse::<NaiveDate>().unwrap());
        assert_eq!(first, "2026-11-10".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn a_year_of_diaries_validates_across_both_dst_changes() {
        // Every entry goes through `parse`; an invalid one is an error here.
        for number in 1..=40 {
            let mut rng = participant_rng(7, number);
            let plan = plan_participant(&mut rng, number, 52);
            let (first, _) = diary_window(now(), 52);
            let writes = generate_diary(&mut rng, &plan, first, 52, now()).unwrap();
            assert!(plan.adherence == Adherence::Sporadic || writes.len() > 20);
        }
    }

    #[test]
    fn a_participant_is_the_same_whatever_the_count() {
        let draw = |number| {
            let mut rng = participant_rng(3, number);
            let plan = plan_participant(&mut rng, number, 4);
            let (first, _) = diary_window(now(), 4);
            let writes = generate_diary(&mut rng, &plan, first, 4, now()).unwrap();
            let ids: Vec<Uuid> = writes
                .iter()
                .map(|w| match w {
                    Write::Upsert { entry_id, .. } | Write::Delete { entry_id, .. } => *entry_id,
                })
                .collect();
            (plan, ids)
        };
        assert_eq!(draw(5), draw(5));
        assert_ne!(draw(5).1, draw(6).1);
    }

    #[test]
    fn spring_forward_gap_and_autumn_ambiguity_resolve() {
        let spring: NaiveDate = "2026-03-29".parse().unwrap();
        assert_eq!(rfc3339(oslo(spring, 150)), "2026-03-29T03:30:00+02:00");
        let autumn: NaiveDate = "2026-10-25".parse().unwrap();
        assert_eq!(rfc3339(oslo(autumn, 150)), "2026-10-25T02:30:00+02:00");
        assert_eq!(rfc3339(oslo(autumn, -60)), "2026-10-24T23:00:00+02:00");
    }
}
