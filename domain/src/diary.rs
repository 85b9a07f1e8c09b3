//! The participant's diaries (DOMAIN.md §3): activity, food, sleep, tobacco,
//! daily sitting, and quit attempts. The wire types here are what phones
//! send; [`DiaryEntryInput::parse`] turns one into a [`DiaryEntry`] that
//! cannot hold an out-of-range value, unordered sleep times or an unknown
//! time zone, and derives the diary day.
//!
//! Numbers arrive as signed integers / floats on purpose: an out-of-range
//! value (`-5` minutes) is then a 422 naming the rule, not a type error.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, bounded_text};

/// The participant's zone when the phone does not say (DOMAIN.md §3).
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Oslo;
pub const MAX_NOTE_CHARS: usize = 500;
/// Entries may be dated a little ahead (clock skew, a planned quit date is
/// not an entry) but not in the future beyond this.
pub const MAX_FUTURE_SKEW_HOURS: i64 = 24;
/// Entries before this date are certainly typing mistakes.
pub const EARLIEST_YEAR: i32 = 2000;

wire_enum!(
    /// The diaries a participant keeps.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    EntryKind {
        Activity => "activity",
        Food => "food",
        Sleep => "sleep",
        Tobacco => "tobacco",
        Sitting => "sitting",
        QuitAttempt => "quit_attempt",
    }
);

wire_enum!(
    /// Who made the entry.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    EntrySource {
        Participant => "participant",
        Proxy => "proxy",
        DeviceImport => "device_import",
    }
);

wire_enum!(
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    ActivityType {
        Walking => "walking",
        Running => "running",
        Cycling => "cycling",
        Swimming => "swimming",
        Skiing => "skiing",
        Strength => "strength",
        GroupTraining => "group_training",
        BallGames => "ball_games",
        EverydayActivity => "everyday_activity",
        Other => "other",
    }
);

wire_enum!(
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    Intensity {
        Light => "light",
        Moderate => "moderate",
        Vigorous => "vigorous",
    }
);

wire_enum!(
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    Meal {
        Breakfast => "breakfast",
        Lunch => "lunch",
        Dinner => "dinner",
        Supper => "supper",
        Snack => "snack",
        Other => "other",
    }
);

wire_enum!(
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    CessationMedication {
        None => "none",
        NicotineReplacement => "nicotine_replacement",
        Varenicline => "varenicline",
        Bupropion => "bupropion",
        Other => "other",
    }
);

wire_enum!(
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    TobaccoProduct {
        Cigarettes => "cigarettes",
        Snus => "snus",
        ECigarettes => "e_cigarettes",
    }
);

/// Aktivitetsdagbok: one bout of activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Activity {
    pub activity_type: ActivityType,
    /// 1–1440.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "1440")))
    )]
    pub duration_minutes: i64,
    /// Light, moderate or vigorous; give this and/or `borg_rpe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub intensity: Option<Intensity>,
    /// Borg rating of perceived exertion, 6–20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "6"), maximum(value = "20")))
    )]
    pub borg_rpe: Option<i64>,
    /// 0–100 000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "100000")))
    )]
    pub steps: Option<i64>,
    /// 0–1000 km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "1000")))
    )]
    pub distance_km: Option<f64>,
}

/// Matdagbok: one meal or snack. Its time is the entry's `occurred_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Food {
    pub meal: Meal,
    /// What was eaten, in a few words (≤ 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub description: Option<String>,
    /// Vegetable, fruit and berry portions, 0–20.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "20")))
    )]
    pub veg_fruit_portions: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub whole_grain: Option<bool>,
    /// Glasses, 0–30.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, validator(minimum(value = "0"), maximum(value = "30")))
    )]
    pub water_glasses: i64,
    /// Sugary drinks (soft drinks, juice with added sugar), 0–30.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, validator(minimum(value = "0"), maximum(value = "30")))
    )]
    pub sugary_drinks: i64,
    /// Sugar-free soft drinks, 0–30.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, validator(minimum(value = "0"), maximum(value = "30")))
    )]
    pub sugar_free_drinks: i64,
    /// Alcohol units, 0–50.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, validator(minimum(value = "0"), maximum(value = "50")))
    )]
    pub alcohol_units: f64,
    /// 1 (not hungry) – 5 (very hungry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "5")))
    )]
    pub hunger_before: Option<i64>,
    /// 1 (not full) – 5 (very full).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "5")))
    )]
    pub fullness_after: Option<i64>,
    /// Where (≤ 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 100)))]
    pub place: Option<String>,
    /// With whom (≤ 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 100)))]
    pub company: Option<String>,
}

/// One night (Consensus Sleep Diary core). The entry's `occurred_at` is the
/// final awakening, so the night counts for the morning it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Sleep {
    /// RFC 3339 with offset.
    pub into_bed_at: String,
    /// When they tried to fall asleep (lights out); RFC 3339 with offset.
    pub tried_to_sleep_at: String,
    /// Minutes to fall asleep (SOL), 0–720.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "720")))
    )]
    pub minutes_to_fall_asleep: i64,
    /// Awakenings during the night, 0–50.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "50")))
    )]
    pub awakenings: i64,
    /// Minutes awake after sleep onset, not counting the final awakening (WASO), 0–720.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "720")))
    )]
    pub minutes_awake_after_onset: i64,
    /// RFC 3339 with offset.
    pub out_of_bed_at: String,
    /// 1 (very poor) – 5 (very good).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "5")))
    )]
    pub quality: i64,
    /// Minutes napped during the previous day, 0–600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "600")))
    )]
    pub nap_minutes: Option<i64>,
}

/// Røykfri dagbok: one day's use. The day is the entry's diary day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Tobacco {
    /// 0–200.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "200")))
    )]
    pub cigarettes: i64,
    /// 0–200.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "200")))
    )]
    pub snus_portions: i64,
    pub e_cigarette: bool,
    /// 0 (none) – 10 (overwhelming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "10")))
    )]
    pub craving: Option<i64>,
    /// Situations that triggered craving, e.g. `coffee`, `stress` (≤ 10 tags, each ≤ 40 characters).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, validator(max_items = 10, max_length = 40))
    )]
    pub triggers: Vec<String>,
    pub cessation_medication: CessationMedication,
}

/// The day's sitting time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Sitting {
    /// Hours spent sitting that day, 0–24.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "24")))
    )]
    pub hours: f64,
}

/// Cigarettes in a pack as sold in Norway.
pub const DEFAULT_CIGARETTES_PER_PACK: i64 = 20;
/// Snus portions in a box as sold in Norway.
pub const DEFAULT_SNUS_PORTIONS_PER_BOX: i64 = 24;
/// A carton or a roll of boxes still fits; more is a typing mistake.
pub const MAX_PACK_PRICE_NOK: f64 = 10_000.0;
pub const MAX_UNITS_PER_PACK: i64 = 1000;

impl TobaccoProduct {
    /// The units in one pack/box when the participant does not say. None for
    /// e-cigarettes: pods, bottles and disposables last very differently, so
    /// any default would be a guessed number.
    pub fn default_units_per_pack(self) -> Option<i64> {
        match self {
            TobaccoProduct::Cigarettes => Some(DEFAULT_CIGARETTES_PER_PACK),
            TobaccoProduct::Snus => Some(DEFAULT_SNUS_PORTIONS_PER_BOX),
            TobaccoProduct::ECigarettes => None,
        }
    }
}

/// What one pack/box of a product costs: participants know this, not the
/// price of one cigarette.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PackPrice {
    /// One of the attempt's `products`, each at most once.
    pub product: TobaccoProduct,
    /// NOK for one pack/box, 0–10 000.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "10000")))
    )]
    pub price_per_pack_nok: f64,
    /// Units in one pack/box, 1–1000: cigarettes in a pack (default 20), snus
    /// portions in a box (default 24). For `e_cigarettes` the diary counts
    /// days of use, so this is the days one pack lasts; it has no default and
    /// must be given. The server stores the default it applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "1000")))
    )]
    pub units_per_pack: Option<i64>,
}

/// The price of one unit of one product, as money saved uses it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductPrice {
    pub product: TobaccoProduct,
    pub price_per_pack_nok: f64,
    pub units_per_pack: i64,
}

impl ProductPrice {
    pub fn per_unit_nok(&self) -> f64 {
        self.price_per_pack_nok / self.units_per_pack as f64
    }
}

/// A quit attempt: which products, from when, and what a pack/box of each
/// costs (for "money saved").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct QuitAttempt {
    /// YYYY-MM-DD.
    pub target_quit_date: NaiveDate,
    /// The products the attempt covers (abstinence is always reported per product).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(min_items = 1, unique_items = true))
    )]
    pub products: Vec<TobaccoProduct>,
    /// Per product, the price of a pack/box and the units in it. A product
    /// without a price adds nothing to money saved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(
        feature = "openapi",
        oai(default, skip_serializing_if_is_empty, validator(max_items = 3))
    )]
    pub packs: Vec<PackPrice>,
    /// Deprecated: use `packs`. The price of one unit in NOK, 0–1000, for
    /// every product of the attempt (read as a pack of 1). Still accepted
    /// from phones that have not updated; not together with `packs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none, deprecated))]
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "1000")))
    )]
    pub price_per_unit_nok: Option<f64>,
}

impl QuitAttempt {
    /// Each priced product's pack price. An attempt stored with the old
    /// `price_per_unit_nok` prices every product at that, a pack of 1.
    pub fn product_prices(&self) -> Vec<ProductPrice> {
        if let Some(price) = self.price_per_unit_nok {
            return self
                .products
                .iter()
                .map(|&product| ProductPrice {
                    product,
                    price_per_pack_nok: price,
                    units_per_pack: 1,
                })
                .collect();
        }
        self.packs
            .iter()
            .filter_map(|p| {
                Some(ProductPrice {
                    product: p.product,
                    price_per_pack_nok: p.price_per_pack_nok,
                    units_per_pack: p.units_per_pack.or(p.product.default_units_per_pack())?,
                })
            })
            .collect()
    }
}

/// A diary entry as a phone sends it. Exactly one of the kind fields is
/// present, the one for the entry's kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct DiaryEntryInput {
    /// The client's version of this entry, ≥ 1, raised on every edit.
    #[cfg_attr(feature = "openapi", oai(validator(minimum(value = "1"))))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub version: i64,
    /// When it happened: RFC 3339 with the offset of the phone's clock,
    /// e.g. `2026-03-29T07:30:00+02:00`. For sleep: the final awakening.
    pub occurred_at: String,
    /// The participant's IANA zone, e.g. `Europe/Oslo` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub time_zone: Option<String>,
    /// When it was logged on the phone (RFC 3339); defaults to arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub recorded_at: Option<String>,
    /// `participant` (default) or `device_import`; `proxy` is set by the
    /// server when a veileder enters data on the participant's behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub source: Option<EntrySource>,
    /// ≤ 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 500)))]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity: Option<Activity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub food: Option<Food>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sleep: Option<Sleep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub tobacco: Option<Tobacco>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sitting: Option<Sitting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub quit_attempt: Option<QuitAttempt>,
}

/// The kind-specific part of a valid entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryData {
    Activity(Activity),
    Food(Food),
    Sleep(Sleep),
    Tobacco(Tobacco),
    Sitting(Sitting),
    QuitAttempt(QuitAttempt),
}

impl EntryData {
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryData::Activity(_) => EntryKind::Activity,
            EntryData::Food(_) => EntryKind::Food,
            EntryData::Sleep(_) => EntryKind::Sleep,
            EntryData::Tobacco(_) => EntryKind::Tobacco,
            EntryData::Sitting(_) => EntryKind::Sitting,
            EntryData::QuitAttempt(_) => EntryKind::QuitAttempt,
        }
    }
}

/// What an entry says, apart from its version and bookkeeping: two writes
/// with the same version are "the same" exactly when this is equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryContent {
    /// RFC 3339 as sent (the offset is kept: it is the clock the participant lived by).
    pub occurred_at: String,
    pub time_zone: String,
    pub source: EntrySource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub data: EntryData,
}

/// A valid diary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct DiaryEntry {
    pub kind: EntryKind,
    pub version: i64,
    pub occurred_at: DateTime<FixedOffset>,
    pub time_zone: Tz,
    pub diary_day: NaiveDate,
    pub recorded_at: Option<DateTime<FixedOffset>>,
    pub content: EntryContent,
}

/// Parses an RFC 3339 timestamp that must carry an explicit offset.
pub fn parse_instant(field: &str, raw: &str) -> Result<DateTime<FixedOffset>, FieldError> {
    let parsed = DateTime::parse_from_rfc3339(raw.trim()).map_err(|_| {
        FieldError::new(
            field,
            "rfc3339_with_offset",
            "must be an RFC 3339 time with an offset, e.g. 2026-03-29T07:30:00+02:00",
        )
    })?;
    let offset_secs = parsed.offset().local_minus_utc();
    if offset_secs.abs() > 14 * 3600 {
        return Err(FieldError::new(
            field,
            "offset_range",
            "the offset must be between -12:00 and +14:00",
        ));
    }
    Ok(parsed)
}

pub fn parse_time_zone(field: &str, raw: &str) -> Result<Tz, FieldError> {
    raw.trim().parse::<Tz>().map_err(|_| {
        FieldError::new(
            field,
            "iana_time_zone",
            "must be an IANA time zone name such as Europe/Oslo",
        )
    })
}

/// The diary day of an instant: the local date on the clock the participant
/// lived by. That is the offset the phone wrote — when travelling, the
/// destination's — except that a bare UTC offset (`Z`, `+00:00`) where the
/// participant's zone is not on UTC at that instant is read as "no local
/// offset given" and converted to the participant's zone.
pub fn diary_day(occurred_at: DateTime<FixedOffset>, zone: Tz) -> NaiveDate {
    let zone_offset = zone
        .offset_from_utc_datetime(&occurred_at.naive_utc())
        .fix()
        .local_minus_utc();
    if occurred_at.offset().local_minus_utc() == 0 && zone_offset != 0 {
        occurred_at.with_timezone(&zone).date_naive()
    } else {
        occurred_at.date_naive()
    }
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn range_i(&mut self, field: String, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.0.push(FieldError::new(
                field,
                "range",
                format!("must be between {min} and {max}, was {value}"),
            ));
        }
    }

    fn range_f(&mut self, field: String, value: f64, min: f64, max: f64) {
        if !value.is_finite() || value < min || value > max {
            self.0.push(FieldError::new(
                field,
                "range",
                format!("must be a number between {min} and {max}, was {value}"),
            ));
        }
    }

    fn text(&mut self, field: &'static str, prefix: &str, value: &Option<String>, max: usize) {
        if let Some(Err(e)) = value.as_ref().map(|text| bounded_text(field, text, 1, max)) {
            self.0.push(e.at(format!("{prefix}{field}")));
        }
    }

    fn push(&mut self, err: FieldError) {
        self.0.push(err);
    }
}

impl DiaryEntryInput {
    /// Validates an entry for `kind`, as of `now` (for the future-date rule).
    /// Every broken rule is reported, each naming its field.
    pub fn parse(self, kind: EntryKind, now: DateTime<Utc>) -> Result<DiaryEntry, Vec<FieldError>> {
        let mut errs = Errors(Vec::new());
        if self.version < 1 {
            errs.push(FieldError::new("version", "range", "must be at least 1"));
        }
        let time_zone = match self.time_zone.as_deref() {
            None => Some(DEFAULT_TIME_ZONE),
            Some(raw) => parse_time_zone("time_zone", raw)
                .map_err(|e| errs.push(e))
                .ok(),
        };
        let occurred_at = parse_instant("occurred_at", &self.occurred_at)
            .map_err(|e| errs.push(e))
            .ok();
        if let Some(at) = occurred_at {
            if at.year_ce_check() < EARLIEST_YEAR {
                errs.push(FieldError::new(
                    "occurred_at",
                    "not_before_2000",
                    "must not be before the year 2000",
                ));
            }
            if at.with_timezone(&Utc) > now + Duration::hours(MAX_FUTURE_SKEW_HOURS) {
                errs.push(FieldError::new(
                    "occurred_at",
                    "not_in_future",
                    "must not be more than a day in the future",
                ));
            }
        }
        let recorded_at = match self.recorded_at.as_deref() {
            None => None,
            Some(raw) => parse_instant("recorded_at", raw)
                .map_err(|e| errs.push(e))
                .ok(),
        };
        let source = self.source.unwrap_or(EntrySource::Participant);
        if source == EntrySource::Proxy {
            errs.push(FieldError::new(
                "source",
                "not_proxy",
                "`proxy` is set by the server for entries a veileder makes",
            ));
        }
        errs.text("note", "", &self.note, MAX_NOTE_CHARS);

        let present: Vec<EntryKind> = [
            (EntryKind::Activity, self.activity.is_some()),
            (EntryKind::Food, self.food.is_some()),
            (EntryKind::Sleep, self.sleep.is_some()),
            (EntryKind::Tobacco, self.tobacco.is_some()),
            (EntryKind::Sitting, self.sitting.is_some()),
            (EntryKind::QuitAttempt, self.quit_attempt.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.then_some(k))
        .collect();
        if present != [kind] {
            errs.push(FieldError::new(
                kind.as_str(),
                "kind_payload",
                format!("a {kind} entry must have the `{kind}` object and no other kind's object"),
            ));
        }

        let data = match kind {
            EntryKind::Activity => self.activity.map(|a| {
                validate_activity(&a, &mut errs);
                EntryData::Activity(a)
            }),
            EntryKind::Food => self.food.map(|f| {
                let f = normalise_food(f);
                validate_food(&f, &mut errs);
                EntryData::Food(f)
            }),
            EntryKind::Sleep => self.sleep.map(|s| {
                let s = normalise_sleep(s);
                validate_sleep(&s, occurred_at, &mut errs);
                EntryData::Sleep(s)
            }),
            EntryKind::Tobacco => self.tobacco.map(|t| {
                let t = normalise_tobacco(t);
                validate_tobacco(&t, &mut errs);
                EntryData::Tobacco(t)
            }),
            EntryKind::Sitting => self.sitting.map(|s| {
                errs.range_f("sitting.hours".into(), s.hours, 0.0, 24.0);
                EntryData::Sitting(s)
            }),
            EntryKind::QuitAttempt => self.quit_attempt.map(|q| {
                let mut q = normalise_quit_attempt(q);
                validate_quit_attempt(&q, &mut errs);
                // Sorted only now, so that errors name the packs as sent.
                q.packs.sort_by_key(|p| p.product);
                EntryData::QuitAttempt(q)
            }),
        };

        match (errs.0.is_empty(), occurred_at, time_zone, data) {
            (true, Some(occurred_at), Some(time_zone), Some(data)) => Ok(DiaryEntry {
                kind,
                version: self.version,
                occurred_at,
                time_zone,
                diary_day: diary_day(occurred_at, time_zone),
                recorded_at,
                content: EntryContent {
                    occurred_at: occurred_at.to_rfc3339(),
                    time_zone: time_zone.name().to_owned(),
                    source,
                    note: self.note.map(|n| n.trim().to_owned()),
                    data,
                },
            }),
            _ => Err(errs.0),
        }
    }
}

trait YearCheck {
    fn year_ce_check(&self) -> i32;
}

impl YearCheck for DateTime<FixedOffset> {
    fn year_ce_check(&self) -> i32 {
        use chrono::Datelike;
        self.year()
    }
}

fn validate_activity(a: &Activity, errs: &mut Errors) {
    errs.range_i(
        "activity.duration_minutes".into(),
        a.duration_minutes,
        1,
        1440,
    );
    if let Some(rpe) = a.borg_rpe {
        errs.range_i("activity.borg_rpe".into(), rpe, 6, 20);
    }
    if a.intensity.is_none() && a.borg_rpe.is_none() {
        errs.push(FieldError::new(
            "activity.intensity",
            "intensity_or_borg",
            "give the intensity (light, moderate, vigorous) and/or a Borg rating 6–20",
        ));
    }
    if let Some(steps) = a.steps {
        errs.range_i("activity.steps".into(), steps, 0, 100_000);
    }
    if let Some(km) = a.distance_km {
        errs.range_f("activity.distance_km".into(), km, 0.0, 1000.0);
    }
}

fn normalise_food(mut f: Food) -> Food {
    f.description = f.description.map(|s| s.trim().to_owned());
    f.place = f.place.map(|s| s.trim().to_owned());
    f.company = f.company.map(|s| s.trim().to_owned());
    f
}

fn validate_food(f: &Food, errs: &mut Errors) {
    errs.text("description", "food.", &f.description, 200);
    errs.range_i(
        "food.veg_fruit_portions".into(),
        f.veg_fruit_portions,
        0,
        20,
    );
    errs.range_i("food.water_glasses".into(), f.water_glasses, 0, 30);
    errs.range_i("food.sugary_drinks".into(), f.sugary_drinks, 0, 30);
    errs.range_i("food.sugar_free_drinks".into(), f.sugar_free_drinks, 0, 30);
    errs.range_f("food.alcohol_units".into(), f.alcohol_units, 0.0, 50.0);
    if let Some(h) = f.hunger_before {
        errs.range_i("food.hunger_before".into(), h, 1, 5);
    }
    if let Some(h) = f.fullness_after {
        errs.range_i("food.fullness_after".into(), h, 1, 5);
    }
    errs.text("place", "food.", &f.place, 100);
    errs.text("company", "food.", &f.company, 100);
}

/// Times are stored normalised (RFC 3339 as chrono writes it) so two phones
/// writing the same night compare equal.
fn normalise_sleep(mut s: Sleep) -> Sleep {
    for t in [
        &mut s.into_bed_at,
        &mut s.tried_to_sleep_at,
        &mut s.out_of_bed_at,
    ] {
        if let Ok(parsed) = DateTime::parse_from_rfc3339(t.trim()) {
            *t = parsed.to_rfc3339();
        }
    }
    s
}

/// The longest a night may span from bed to getting up.
pub const MAX_SLEEP_SPAN_HOURS: i64 = 24;

fn validate_sleep(s: &Sleep, final_awakening: Option<DateTime<FixedOffset>>, errs: &mut Errors) {
    let into_bed = parse_instant("sleep.into_bed_at", &s.into_bed_at)
        .map_err(|e| errs.push(e))
        .ok();
    let tried = parse_instant("sleep.tried_to_sleep_at", &s.tried_to_sleep_at)
        .map_err(|e| errs.push(e))
        .ok();
    let out_of_bed = parse_instant("sleep.out_of_bed_at", &s.out_of_bed_at)
        .map_err(|e| errs.push(e))
        .ok();
    errs.range_i(
        "sleep.minutes_to_fall_asleep".into(),
        s.minutes_to_fall_asleep,
        0,
        720,
    );
    errs.range_i("sleep.awakenings".into(), s.awakenings, 0, 50);
    errs.range_i(
        "sleep.minutes_awake_after_onset".into(),
        s.minutes_awake_after_onset,
        0,
        720,
    );
    errs.range_i("sleep.quality".into(), s.quality, 1, 5);
    if let Some(nap) = s.nap_minutes {
        errs.range_i("sleep.nap_minutes".into(), nap, 0, 600);
    }
    let (Some(into_bed), Some(tried), Some(awake), Some(out_of_bed)) =
        (into_bed, tried, final_awakening, out_of_bed)
    else {
        return;
    };
    if tried < into_bed {
        errs.push(FieldError::new(
            "sleep.tried_to_sleep_at",
            "order",
            "must not be before into_bed_at",
        ));
    }
    if awake <= tried {
        errs.push(FieldError::new(
            "occurred_at",
            "order",
            "the final awakening (occurred_at) must be after tried_to_sleep_at",
        ));
    }
    if out_of_bed < awake {
        errs.push(FieldError::new(
            "sleep.out_of_bed_at",
            "order",
            "must not be before the final awakening (occurred_at)",
        ));
    }
    if out_of_bed - into_bed > Duration::hours(MAX_SLEEP_SPAN_HOURS) {
        errs.push(FieldError::new(
            "sleep.out_of_bed_at",
            "span",
            format!("a night cannot last more than {MAX_SLEEP_SPAN_HOURS} hours in bed"),
        ));
    }
    let attempt_minutes = (awake - tried).num_minutes();
    if awake > tried && s.minutes_to_fall_asleep + s.minutes_awake_after_onset > attempt_minutes {
        errs.push(FieldError::new(
            "sleep.minutes_awake_after_onset",
            "fits_in_night",
            format!(
                "minutes to fall asleep plus minutes awake ({}) cannot exceed the {attempt_minutes} minutes from trying to sleep to the final awakening",
                s.minutes_to_fall_asleep + s.minutes_awake_after_onset
            ),
        ));
    }
}

fn normalise_tobacco(mut t: Tobacco) -> Tobacco {
    t.triggers = t
        .triggers
        .into_iter()
        .map(|s| s.trim().to_owned())
        .collect();
    t
}

fn validate_tobacco(t: &Tobacco, errs: &mut Errors) {
    errs.range_i("tobacco.cigarettes".into(), t.cigarettes, 0, 200);
    errs.range_i("tobacco.snus_portions".into(), t.snus_portions, 0, 200);
    if let Some(c) = t.craving {
        errs.range_i("tobacco.craving".into(), c, 0, 10);
    }
    if t.triggers.len() > 10 {
        errs.push(FieldError::new(
            "tobacco.triggers",
            "max_items",
            "at most 10 triggers",
        ));
    }
    for (i, tag) in t.triggers.iter().enumerate() {
        if let Err(e) = bounded_text("trigger", tag, 1, 40) {
            errs.push(e.at(format!("tobacco.triggers[{i}]")));
        }
    }
}

fn normalise_quit_attempt(mut q: QuitAttempt) -> QuitAttempt {
    q.products.sort();
    // Stored with the default applied, so a later default cannot change
    // what an old attempt saved.
    for p in &mut q.packs {
        p.units_per_pack = p.units_per_pack.or(p.product.default_units_per_pack());
    }
    q
}

fn validate_quit_attempt(q: &QuitAttempt, errs: &mut Errors) {
    if q.products.is_empty() {
        errs.push(FieldError::new(
            "quit_attempt.products",
            "not_empty",
            "name at least one product: cigarettes, snus, e_cigarettes",
        ));
    }
    if q.products.windows(2).any(|w| w[0] == w[1]) {
        errs.push(FieldError::new(
            "quit_attempt.products",
            "unique",
            "list each product once",
        ));
    }
    if let Some(price) = q.price_per_unit_nok {
        errs.range_f("quit_attempt.price_per_unit_nok".into(), price, 0.0, 1000.0);
        if !q.packs.is_empty() {
            errs.push(FieldError::new(
                "quit_attempt.price_per_unit_nok",
                "not_with_packs",
                "give the price per pack in `packs`, not also a price per unit",
            ));
        }
    }
    if q.packs.len() > TobaccoProduct::ALL.len() {
        errs.push(FieldError::new(
            "quit_attempt.packs",
            "max_items",
            "at most one pack price per product",
        ));
    }
    for (i, p) in q.packs.iter().enumerate() {
        let at = |field: &str| format!("quit_attempt.packs[{i}].{field}");
        if !q.products.contains(&p.product) {
            errs.push(FieldError::new(
                at("product"),
                "in_products",
                format!("{} is not one of the attempt's products", p.product),
            ));
        }
        if q.packs[..i]
            .iter()
            .any(|earlier| earlier.product == p.product)
        {
            errs.push(FieldError::new(
                at("product"),
                "unique",
                format!("{} has a pack price already", p.product),
            ));
        }
        errs.range_f(
            at("price_per_pack_nok"),
            p.price_per_pack_nok,
            0.0,
            MAX_PACK_PRICE_NOK,
        );
        match p.units_per_pack {
            Some(units) => errs.range_i(at("units_per_pack"), units, 1, MAX_UNITS_PER_PACK),
            None => errs.push(FieldError::new(
                at("units_per_pack"),
                "required",
                "for e-cigarettes, give the days of use one pack lasts (there is no default)",
            )),
        }
    }
    use chrono::Datelike;
    if q.target_quit_date.year() < EARLIEST_YEAR {
        errs.push(FieldError::new(
            "quit_attempt.target_quit_date",
            "not_before_2000",
            "must not be before the year 2000",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    fn input(value: serde_json::Value) -> DiaryEntryInput {
        serde_json::from_value(value).unwrap()
    }

    fn day(kind: EntryKind, occurred_at: &str, zone: Option<&str>) -> NaiveDate {
        let mut v = json!({
            "version": 1,
            "occurred_at": occurred_at,
            "sitting": { "hours": 5.0 }
        });
        if let Some(zone) = zone {
            v["time_zone"] = json!(zone);
        }
        input(v).parse(kind, now()).unwrap().diary_day
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn diary_day_is_the_local_date_across_oslo_dst_changes() {
        use EntryKind::Sitting;
        // Spring forward, 2026-03-29 02:00 CET → 03:00 CEST.
        assert_eq!(
            day(Sitting, "2026-03-29T00:30:00+01:00", None),
            d("2026-03-29")
        );
        assert_eq!(
            day(Sitting, "2026-03-29T03:30:00+02:00", None),
            d("2026-03-29")
        );
        assert_eq!(day(Sitting, "2026-03-28T23:30:00Z", None), d("2026-03-29"));
        assert_eq!(day(Sitting, "2026-03-29T21:59:00Z", None), d("2026-03-29"));
        assert_eq!(day(Sitting, "2026-03-29T22:00:00Z", None), d("2026-03-30"));
        // Fall back, 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens twice.
        assert_eq!(
            day(Sitting, "2026-10-25T02:30:00+02:00", None),
            d("2026-10-25")
        );
        assert_eq!(
            day(Sitting, "2026-10-25T02:30:00+01:00", None),
            d("2026-10-25")
        );
        assert_eq!(day(Sitting, "2026-10-24T22:30:00Z", None), d("2026-10-25"));
        assert_eq!(day(Sitting, "2026-10-25T22:59:00Z", None), d("2026-10-25"));
        assert_eq!(day(Sitting, "2026-10-25T23:00:00Z", None), d("2026-10-26"));
    }

    #[test]
    fn travelling_participants_keep_the_clock_they_lived_by() {
        use EntryKind::Sitting;
        // 06:00 in Tokyo is still the evening before in Oslo: the diary day
        // is the Tokyo morning.
        assert_eq!(
            day(Sitting, "2026-06-10T06:00:00+09:00", Some("Europe/Oslo")),
            d("2026-06-10")
        );
        // 20:00 in New York is after midnight in Oslo.
        assert_eq!(
            day(Sitting, "2026-06-10T20:00:00-04:00", Some("Europe/Oslo")),
            d("2026-06-10")
        );
        // A participant living in London on winter time writes +00:00 honestly.
        assert_eq!(
            day(Sitting, "2026-01-10T23:30:00+00:00", Some("Europe/London")),
            d("2026-01-10")
        );
        // Tokyo resident sending UTC: converted to their zone.
        assert_eq!(
            day(Sitting, "2026-06-09T22:00:00Z", Some("Asia/Tokyo")),
            d("2026-06-10")
        );
    }

    #[test]
    fn a_night_counts_for_the_morning_it_ended() {
        let entry = input(json!({
            "version": 1,
            "occurred_at": "2026-03-29T06:40:00+02:00",
            "sleep": {
                "into_bed_at": "2026-03-28T22:45:00+01:00",
                "tried_to_sleep_at": "2026-03-28T23:00:00+01:00",
                "minutes_to_fall_asleep": 20,
                "awakenings": 2,
                "minutes_awake_after_onset": 15,
                "out_of_bed_at": "2026-03-29T07:00:00+02:00",
                "quality": 4
            }
        }))
        .parse(EntryKind::Sleep, now())
        .unwrap();
        assert_eq!(entry.diary_day, d("2026-03-29"));
    }

    fn sleep_errors(sleep: serde_json::Value, occurred_at: &str) -> Vec<(String, &'static str)> {
        input(json!({"version": 1, "occurred_at": occurred_at, "sleep": sleep}))
            .parse(EntryKind::Sleep, now())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    #[test]
    fn impossible_nights_are_refused_naming_the_field() {
        let base = json!({
            "into_bed_at": "2026-05-01T23:00:00+02:00",
            "tried_to_sleep_at": "2026-05-01T23:10:00+02:00",
            "minutes_to_fall_asleep": 10,
            "awakenings": 1,
            "minutes_awake_after_onset": 10,
            "out_of_bed_at": "2026-05-02T07:10:00+02:00",
            "quality": 3
        });
        let mut s = base.clone();
        s["tried_to_sleep_at"] = json!("2026-05-01T22:00:00+02:00");
        assert!(
            sleep_errors(s, "2026-05-02T07:00:00+02:00")
                .contains(&("sleep.tried_to_sleep_at".into(), "order"))
        );
        assert!(
            sleep_errors(base.clone(), "2026-05-01T23:05:00+02:00")
                .contains(&("occurred_at".into(), "order"))
        );
        assert!(
            sleep_errors(base.clone(), "2026-05-02T07:20:00+02:00")
                .contains(&("sleep.out_of_bed_at".into(), "order"))
        );
        let mut s = base.clone();
        s["minutes_awake_after_onset"] = json!(600);
        assert!(
            sleep_errors(s, "2026-05-02T07:00:00+02:00")
                .contains(&("sleep.minutes_awake_after_onset".into(), "fits_in_night"))
        );
        let mut s = base.clone();
        s["quality"] = json!(6);
        s["into_bed_at"] = json!("yesterday");
        let errs = sleep_errors(s, "2026-05-02T07:00:00+02:00");
        assert!(errs.contains(&("sleep.quality".into(), "range")));
        assert!(errs.contains(&("sleep.into_bed_at".into(), "rfc3339_with_offset")));
    }

    #[test]
    fn activity_ranges_and_intensity_or_borg() {
        let parse = |a: serde_json::Value| {
            input(json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "activity": a}))
                .parse(EntryKind::Activity, now())
        };
        assert!(
            parse(
                json!({"activity_type": "walking", "duration_minutes": 30, "intensity": "moderate"})
            )
            .is_ok()
        );
        assert!(
            parse(json!({"activity_type": "walking", "duration_minutes": 1440, "borg_rpe": 6}))
                .is_ok()
        );
        let rules = |a| {
            parse(a)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.rule))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rules(json!({"activity_type": "walking", "duration_minutes": 0, "intensity": "light"})),
            vec![("activity.duration_minutes".to_owned(), "range")]
        );
        assert_eq!(
            rules(
                json!({"activity_type": "walking", "duration_minutes": 1441, "intensity": "light"})
            ),
            vec![("activity.duration_minutes".to_owned(), "range")]
        );
        assert_eq!(
            rules(json!({"activity_type": "walking", "duration_minutes": 10, "borg_rpe": 21})),
            vec![("activity.borg_rpe".to_owned(), "range")]
        );
        assert_eq!(
            rules(json!({"activity_type": "walking", "duration_minutes": 10})),
            vec![("activity.intensity".to_owned(), "intensity_or_borg")]
        );
    }

    #[test]
    fn envelope_rules() {
        let rules = |v: serde_json::Value, kind| {
            input(v)
                .parse(kind, now())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.rule))
                .collect::<Vec<_>>()
        };
        let sitting = json!({"hours": 3.0});
        assert_eq!(
            rules(
                json!({"version": 0, "occurred_at": "2026-05-02T07:00:00+02:00", "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("version".to_owned(), "range")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00", "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("occurred_at".to_owned(), "rfc3339_with_offset")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-11-26T07:00:00+01:00", "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("occurred_at".to_owned(), "not_in_future")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "time_zone": "Europe/Bergen", "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("time_zone".to_owned(), "iana_time_zone")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "sitting": sitting}),
                EntryKind::Food
            ),
            vec![("food".to_owned(), "kind_payload")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "source": "proxy", "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("source".to_owned(), "not_proxy")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "note": "x".repeat(501), "sitting": sitting}),
                EntryKind::Sitting
            ),
            vec![("note".to_owned(), "length")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "sitting": {"hours": 24.5}}),
                EntryKind::Sitting
            ),
            vec![("sitting.hours".to_owned(), "range")]
        );
    }

    #[test]
    fn food_tobacco_and_quit_attempt_rules() {
        let rules = |v: serde_json::Value, kind| {
            input(v)
                .parse(kind, now())
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.rule))
                .collect::<Vec<_>>()
        };
        let at = "2026-05-02T12:00:00+02:00";
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": at, "food": {"meal": "lunch", "veg_fruit_portions": 21, "hunger_before": 0}}),
                EntryKind::Food
            ),
            vec![
                ("food.veg_fruit_portions".to_owned(), "range"),
                ("food.hunger_before".to_owned(), "range")
            ]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": at, "tobacco": {"cigarettes": 3, "snus_portions": 0, "e_cigarette": false, "craving": 11, "triggers": ["coffee", ""], "cessation_medication": "varenicline"}}),
                EntryKind::Tobacco
            ),
            vec![
                ("tobacco.craving".to_owned(), "range"),
                ("tobacco.triggers[1]".to_owned(), "length")
            ]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": at, "quit_attempt": {"target_quit_date": "2026-05-10", "products": []}}),
                EntryKind::QuitAttempt
            ),
            vec![("quit_attempt.products".to_owned(), "not_empty")]
        );
        assert_eq!(
            rules(
                json!({"version": 1, "occurred_at": at, "quit_attempt": {"target_quit_date": "2026-05-10", "products": ["snus", "cigarettes", "snus"]}}),
                EntryKind::QuitAttempt
            ),
            vec![("quit_attempt.products".to_owned(), "unique")]
        );
        assert!(rules(json!({"version": 1, "occurred_at": at, "quit_attempt": {"target_quit_date": "2026-05-10", "products": ["snus", "cigarettes"], "price_per_unit_nok": 5.2}}), EntryKind::QuitAttempt).is_empty());
    }

    fn quit_attempt(value: serde_json::Value) -> Result<QuitAttempt, Vec<(String, &'static str)>> {
        let mut body =
            json!({"target_quit_date": "2026-05-10", "products": ["snus", "cigarettes"]});
        body.as_object_mut()
            .unwrap()
            .extend(value.as_object().unwrap().clone());
        match input(
            json!({"version": 1, "occurred_at": "2026-05-02T12:00:00+02:00", "quit_attempt": body}),
        )
        .parse(EntryKind::QuitAttempt, now())
        {
            Ok(entry) => match entry.content.data {
                EntryData::QuitAttempt(q) => Ok(q),
                other => panic!("{other:?}"),
            },
            Err(errors) => Err(errors.into_iter().map(|e| (e.field, e.rule)).collect()),
        }
    }

    #[test]
    fn pack_prices_default_their_units_and_are_stored_sorted() {
        let q = quit_attempt(json!({"packs": [
            {"product": "snus", "price_per_pack_nok": 110.0},
            {"product": "cigarettes", "price_per_pack_nok": 140.0},
        ]}))
        .unwrap();
        assert_eq!(
            q.packs,
            vec![
                PackPrice {
                    product: TobaccoProduct::Cigarettes,
                    price_per_pack_nok: 140.0,
                    units_per_pack: Some(20)
                },
                PackPrice {
                    product: TobaccoProduct::Snus,
                    price_per_pack_nok: 110.0,
                    units_per_pack: Some(24)
                },
            ]
        );
        let per_unit: Vec<(TobaccoProduct, f64)> = q
            .product_prices()
            .iter()
            .map(|p| (p.product, p.per_unit_nok()))
            .collect();
        // 140 / 20 = 7 NOK a cigarette; 110 / 24 = 4.583… NOK a portion.
        assert_eq!(
            per_unit,
            vec![
                (TobaccoProduct::Cigarettes, 7.0),
                (TobaccoProduct::Snus, 110.0 / 24.0)
            ]
        );
        // A carton of 200 is the buyer's own pack size.
        let carton = quit_attempt(json!({"packs": [{"product": "cigarettes", "price_per_pack_nok": 1350.0, "units_per_pack": 200}]}))
            .unwrap();
        assert_eq!(carton.product_prices()[0].per_unit_nok(), 6.75);
    }

    #[test]
    fn the_old_price_per_unit_is_a_pack_of_one_for_every_product() {
        let q = quit_attempt(json!({"price_per_unit_nok": 5.2})).unwrap();
        assert!(q.packs.is_empty());
        let prices = q.product_prices();
        assert_eq!(prices.len(), 2);
        for p in prices {
            assert_eq!((p.price_per_pack_nok, p.units_per_pack), (5.2, 1));
        }
        // Stored exactly as an old phone sent it, so its retry is `unchanged`.
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            json!({"target_quit_date": "2026-05-10", "products": ["cigarettes", "snus"], "price_per_unit_nok": 5.2})
        );
    }

    #[test]
    fn pack_prices_are_validated_by_field() {
        assert_eq!(
            quit_attempt(json!({"packs": [
                {"product": "snus", "price_per_pack_nok": 10_001.0, "units_per_pack": 0},
                {"product": "e_cigarettes", "price_per_pack_nok": 80.0},
                {"product": "snus", "price_per_pack_nok": -1.0, "units_per_pack": 1001},
            ]}))
            .unwrap_err(),
            vec![
                (
                    "quit_attempt.packs[0].price_per_pack_nok".to_owned(),
                    "range"
                ),
                ("quit_attempt.packs[0].units_per_pack".to_owned(), "range"),
                ("quit_attempt.packs[1].product".to_owned(), "in_products"),
                (
                    "quit_attempt.packs[1].units_per_pack".to_owned(),
                    "required"
                ),
                ("quit_attempt.packs[2].product".to_owned(), "unique"),
                (
                    "quit_attempt.packs[2].price_per_pack_nok".to_owned(),
                    "range"
                ),
                ("quit_attempt.packs[2].units_per_pack".to_owned(), "range"),
            ]
        );
        assert_eq!(
            quit_attempt(json!({"price_per_unit_nok": 7.0, "packs": [{"product": "snus", "price_per_pack_nok": 110.0}]}))
                .unwrap_err(),
            vec![("quit_attempt.price_per_unit_nok".to_owned(), "not_with_packs")]
        );
        // E-cigarettes: the days one pack lasts, given.
        let vape = quit_attempt(json!({"products": ["e_cigarettes"], "packs": [{"product": "e_cigarettes", "price_per_pack_nok": 90.0, "units_per_pack": 3}]}))
            .unwrap();
        assert_eq!(vape.product_prices()[0].per_unit_nok(), 30.0);
    }

    #[test]
    fn equal_content_compares_equal_whatever_the_spelling() {
        let a = input(json!({"version": 2, "occurred_at": "2026-05-02T07:00:00+02:00", "note": " walk ", "activity": {"activity_type": "walking", "duration_minutes": 30, "intensity": "moderate"}}))
            .parse(EntryKind::Activity, now()).unwrap();
        let b = input(json!({"version": 2, "occurred_at": "2026-05-02T07:00:00.000+02:00", "time_zone": "Europe/Oslo", "note": "walk", "activity": {"duration_minutes": 30, "intensity": "moderate", "activity_type": "walking"}}))
            .parse(EntryKind::Activity, now()).unwrap();
        assert_eq!(a.content, b.content);
        assert_eq!(
            serde_json::to_string(&a.content).unwrap(),
            serde_json::to_string(&b.content).unwrap()
        );
    }
}
