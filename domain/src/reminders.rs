//! Diary reminders (issue 15): which reminders a participant wants, at what
//! local time and on which weekdays, when each is next due in their time
//! zone (through daylight-saving changes), quiet hours, and the neutral text
//! a lock screen may show. Pure rules: the store keeps the schedule, the
//! sender delivers.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::diary::{EntryKind, parse_time_zone};
use crate::validation::{FieldError, bounded_text};

wire_enum!(
    /// What a reminder is for: one of the diaries, or the weekly check-in.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    ReminderKind {
        Activity => "activity",
        Food => "food",
        Sleep => "sleep",
        Tobacco => "tobacco",
        Sitting => "sitting",
        WeeklyCheckin => "weekly_checkin",
    }
);

wire_enum!(
    /// A phone's platform (its push token is an FCM registration token on both).
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    Platform {
        Android => "android",
        Ios => "ios",
    }
);

impl ReminderKind {
    /// The diary whose entry makes an `only_if_not_logged` reminder quiet.
    pub fn diary(self) -> Option<EntryKind> {
        match self {
            ReminderKind::Activity => Some(EntryKind::Activity),
            ReminderKind::Food => Some(EntryKind::Food),
            ReminderKind::Sleep => Some(EntryKind::Sleep),
            ReminderKind::Tobacco => Some(EntryKind::Tobacco),
            ReminderKind::Sitting => Some(EntryKind::Sitting),
            ReminderKind::WeeklyCheckin => None,
        }
    }
}

/// The longest FCM registration token accepted (they are ~160–200 characters).
pub const MAX_TOKEN_CHARS: usize = 4096;

/// A character an FCM registration token may hold (the spec's pattern
/// `^[A-Za-z0-9_:.-]+$`).
pub fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')
}

/// One reminder as the phone sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ReminderInput {
    pub kind: ReminderKind,
    pub enabled: bool,
    /// Local time of day, `HH:MM` (24 h), in the participant's `time_zone`.
    pub time: String,
    /// ISO weekdays it fires on, 1 (Monday) – 7 (Sunday); default every day.
    #[serde(default = "every_day")]
    #[cfg_attr(
        feature = "openapi",
        oai(default = "every_day", validator(max_items = 7, unique_items = true))
    )]
    pub weekdays: Vec<i64>,
    /// Only when that diary has no entry for the day yet (ignored for the
    /// weekly check-in). Default `true`.
    #[serde(default = "yes")]
    #[cfg_attr(feature = "openapi", oai(default = "yes"))]
    pub only_if_not_logged: bool,
}

fn every_day() -> Vec<i64> {
    (1..=7).collect()
}

fn yes() -> bool {
    true
}

/// Hours in which no reminder is sent, e.g. 22:00–07:00.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct QuietHoursInput {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; before `start` means the quiet hours run over midnight.
    pub end: String,
}

/// `PUT /v1/me/reminders`: the whole set (kinds not listed are off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct RemindersInput {
    /// The participant's IANA zone, e.g. `Europe/Oslo`; the app updates it
    /// when the phone's zone changes.
    pub time_zone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub quiet_hours: Option<QuietHoursInput>,
    /// At most one per kind.
    #[cfg_attr(feature = "openapi", oai(validator(max_items = 6)))]
    pub reminders: Vec<ReminderInput>,
}

/// A valid reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub enabled: bool,
    pub time: NaiveTime,
    /// ISO weekday numbers, 1 = Monday.
    pub weekdays: BTreeSet<u32>,
    pub only_if_not_logged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether a local time of day is inside (start inclusive, end exclusive).
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// A participant's valid reminder settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    pub time_zone: Tz,
    pub quiet_hours: Option<QuietHours>,
    pub reminders: Vec<Reminder>,
}

fn parse_time(field: String, raw: &str) -> Result<NaiveTime, FieldError> {
    let valid = raw.len() == 5 && raw.as_bytes()[2] == b':';
    NaiveTime::parse_from_str(raw, "%H:%M")
        .ok()
        .filter(|_| valid)
        .ok_or_else(|| {
            FieldError::new(
                field,
                "time_of_day",
                "must be a time of day, HH:MM (00:00–23:59)",
            )
        })
}

impl RemindersInput {
    /// Validates the whole set; every broken rule is reported.
    pub fn parse(self) -> Result<ReminderSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let time_zone = parse_time_zone("time_zone", &self.time_zone)
            .map_err(|e| errors.push(e))
            .ok();
        let quiet_hours = self.quiet_hours.as_ref().and_then(|q| {
            let start =
                parse_time("quiet_hours.start".into(), &q.start).map_err(|e| errors.push(e));
            let end = parse_time("quiet_hours.end".into(), &q.end).map_err(|e| errors.push(e));
            match (start, end) {
                (Ok(start), Ok(end)) if start == end => {
                    errors.push(FieldError::new(
                        "quiet_hours.end",
                        "order",
                        "must differ from `start` (leave quiet hours out for none)",
                    ));
                    None
                }
                (Ok(start), Ok(end)) => Some(QuietHours { start, end }),
                _ => None,
            }
        });
        let mut seen = BTreeSet::new();
        let mut reminders = Vec::new();
        for (i, r) in self.reminders.into_iter().enumerate() {
            let at = |name: &str| format!("reminders[{i}].{name}");
            if !seen.insert(r.kind) {
                errors.push(FieldError::new(
                    at("kind"),
                    "unique",
                    "each kind at most once",
                ));
            }
            let time = parse_time(at("time"), &r.time)
                .map_err(|e| errors.push(e))
                .ok();
            let mut weekdays = BTreeSet::new();
            for (j, &day) in r.weekdays.iter().enumerate() {
                if !(1..=7).contains(&day) {
                    errors.push(FieldError::new(
                        format!("reminders[{i}].weekdays[{j}]"),
                        "range",
                        format!("must be an ISO weekday, 1 (Monday) – 7 (Sunday), was {day}"),
                    ));
                } else if !weekdays.insert(day as u32) {
                    errors.push(FieldError::new(
                        format!("reminders[{i}].weekdays[{j}]"),
                        "unique",
                        "each weekday at most once",
                    ));
                }
            }
            if r.enabled && r.weekdays.is_empty() {
                errors.push(FieldError::new(
                    at("weekdays"),
                    "min_items",
                    "an enabled reminder needs at least one weekday",
                ));
            }
            if let (Some(time), Some(quiet)) = (time, quiet_hours)
                && r.enabled
                && quiet.contains(time)
            {
                errors.push(FieldError::new(
                    at("time"),
                    "quiet_hours",
                    "is inside the quiet hours, so it would never be sent",
                ));
            }
            if let Some(time) = time {
                reminders.push(Reminder {
                    kind: r.kind,
                    enabled: r.enabled,
                    time,
                    weekdays,
                    only_if_not_logged: r.only_if_not_logged && r.kind.diary().is_some(),
                });
            }
        }
        match (errors.is_empty(), time_zone) {
            (true, Some(time_zone)) => {
                reminders.sort_by_key(|r| r.kind);
                Ok(ReminderSettings {
                    time_zone,
                    quiet_hours,
                    reminders,
                })
            }
            _ => Err(errors),
        }
    }
}

impl ReminderSettings {
    /// What a participant gets on registering their first device: the
    /// morning sleep diary at 08:00 and the activity diary at 20:00 every
    /// day, only when not yet logged, and the weekly check-in on Sunday at
    /// 18:00; the other diaries off; quiet 22:00–07:00.
    pub fn defaults(time_zone: Tz) -> Self {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a valid time");
        let every_day: BTreeSet<u32> = (1..=7).collect();
        let reminder = |kind, enabled, time, weekdays: &BTreeSet<u32>| Reminder {
            kind,
            enabled,
            time,
            weekdays: weekdays.clone(),
            only_if_not_logged: kind != ReminderKind::WeeklyCheckin,
        };
        ReminderSettings {
            time_zone,
            quiet_hours: Some(QuietHours {
                start: at(22, 0),
                end: at(7, 0),
            }),
            reminders: vec![
                reminder(ReminderKind::Activity, true, at(20, 0), &every_day),
                reminder(ReminderKind::Food, false, at(12, 0), &every_day),
                reminder(ReminderKind::Sleep, true, at(8, 0), &every_day),
                reminder(ReminderKind::Tobacco, false, at(21, 0), &every_day),
                reminder(ReminderKind::Sitting, false, at(21, 0), &every_day),
                reminder(
                    ReminderKind::WeeklyCheckin,
                    true,
                    at(18, 0),
                    &BTreeSet::from([7]),
                ),
            ],
        }
    }

    /// The settings as the API shows them (and as they are stored).
    pub fn to_input(&self) -> RemindersInput {
        let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
        RemindersInput {
            time_zone: self.time_zone.name().to_owned(),
            quiet_hours: self.quiet_hours.map(|q| QuietHoursInput {
                start: hhmm(q.start),
                end: hhmm(q.end),
            }),
            reminders: self
                .reminders
                .iter()
                .map(|r| ReminderInput {
                    kind: r.kind,
                    enabled: r.enabled,
                    time: hhmm(r.time),
                    weekdays: r.weekdays.iter().map(|&d| i64::from(d)).collect(),
                    only_if_not_logged: r.only_if_not_logged,
                })
                .collect(),
        }
    }

    /// Whether an instant is inside the quiet hours in the participant's zone.
    pub fn is_quiet(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.time_zone).time();
        self.quiet_hours.is_some_and(|q| q.contains(local))
    }
}

/// One occurrence of a reminder: when (UTC) and for which local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub local_date: NaiveDate,
}

/// The instant a local time of day happens on `date` in `zone`. A time that
/// does not exist that day (spring forward) happens at the first valid
/// minute after it; one that happens twice (autumn) happens the first time.
pub fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = date.and_time(time);
    // A gap is at most a few hours (usually one); a day's minutes bound the search.
    for _ in 0..(24 * 60) {
        if let Some(at) = zone.from_local_datetime(&naive).earliest() {
            return at.with_timezone(&Utc);
        }
        naive = naive.with_second(0).expect("second 0") + Duration::minutes(1);
        naive = naive.with_second(0).expect("second 0");
    }
    // No zone has a day-long gap; as a last resort read the time as UTC.
    Utc.from_utc_datetime(&date.and_time(time))
}

/// The reminder's first occurrence strictly after `after`, or `None` when it
/// is off or has no weekdays.
pub fn next_due(reminder: &Reminder, zone: Tz, after: DateTime<Utc>) -> Option<Due> {
    if !reminder.enabled || reminder.weekdays.is_empty() {
        return None;
    }
    let start = after.with_timezone(&zone).date_naive() - Duration::days(1);
    (0..9)
        .map(|d| start + Duration::days(d))
        .filter(|date| {
            reminder
                .weekdays
                .contains(&date.weekday().number_from_monday())
        })
        .map(|local_date| Due {
            at: local_instant(zone, local_date, reminder.time),
            local_date,
        })
        .find(|due| due.at > after)
}

/// Whether a due reminder may still be sent at `now`: on its own local day
/// (one that fell due while the server was down is sent late on the same
/// day, else dropped) and outside quiet hours.
pub fn still_sendable(settings: &ReminderSettings, due: Due, now: DateTime<Utc>) -> bool {
    now.with_timezone(&settings.time_zone).date_naive() == due.local_date && !settings.is_quiet(now)
}

/// The lock-screen text: a neutral prompt with no health data, in the
/// device's language (bokmål unless the locale says nynorsk or English).
pub fn notification_text(kind: ReminderKind, locale: Option<&str>) -> (&'static str, &'static str) {
    let language = locale
        .unwrap_or("nb")
        .split(['-', '_'])
        .next()
        .unwrap_or("nb")
        .to_ascii_lowercase();
    let checkin = kind == ReminderKind::WeeklyCheckin;
    match (language.as_str(), checkin) {
        ("nn", false) => ("Friskliv", "Hugs dagboka di i dag"),
        ("nn", true) => ("Friskliv", "Tid for sjekk-inn for veka"),
        ("en", false) => ("Friskliv", "Remember your diary today"),
        ("en", true) => ("Friskliv", "Time for this week's check-in"),
        (_, false) => ("Friskliv", "Husk dagboka di i dag"),
        (_, true) => ("Friskliv", "Tid for ukas sjekk-inn"),
    }
}

/// `PUT /v1/me/devices/{device_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct DeviceInput {
    pub platform: Platform,
    /// The FCM registration token (on iOS too: FCM delivers through APNs).
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 4096)))]
    pub push_token: String,
    /// e.g. `1.4.0` (≤ 40 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        oai(skip_serializing_if_is_none, validator(max_length = 40))
    )]
    pub app_version: Option<String>,
    /// The phone's language, BCP 47, e.g. `nb-NO`, `nn-NO`, `en-GB` (≤ 35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        oai(skip_serializing_if_is_none, validator(max_length = 35))
    )]
    pub locale: Option<String>,
}

/// A valid device registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub platform: Platform,
    pub push_token: String,
    pub app_version: Option<String>,
    pub locale: Option<String>,
}

impl DeviceInput {
    pub fn parse(self) -> Result<Device, Vec<FieldError>> {
        let mut errors = Vec::new();
        // FCM registration tokens are ASCII letters, digits and `-_:`; the
        // spec's pattern says the same, so what the schema allows is what is
        // stored, as it was sent.
        let token = self.push_token;
        if token.trim().is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
            errors.push(FieldError::new(
                "push_token",
                "length",
                format!("must be the FCM registration token, 1–{MAX_TOKEN_CHARS} characters"),
            ));
        } else if !token.chars().all(is_token_char) {
            errors.push(FieldError::new(
                "push_token",
                "format",
                "must be an FCM registration token: letters, digits, '-', '_', ':' and '.'",
            ));
        }
        let app_version = self
            .app_version
            .map(|v| bounded_text("app_version", &v, 1, 40))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let locale = self.locale.and_then(|raw| {
            let ok = !raw.is_empty()
                && raw.len() <= 35
                && raw.split(['-', '_']).all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if ok {
                Some(raw)
            } else {
                errors.push(FieldError::new(
                    "locale",
                    "format",
                    "must be a BCP 47 language tag such as nb-NO",
                ));
                None
            }
        });
        if errors.is_empty() {
            Ok(Device {
                platform: self.platform,
                push_token: token,
                app_version,
                locale,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo() -> Tz {
        chrono_tz::Europe::Oslo
    }

    fn daily(h: u32, m: u32) -> Reminder {
        Reminder {
            kind: ReminderKind::Activity,
            enabled: true,
            time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
            weekdays: (1..=7).collect(),
            only_if_not_logged: true,
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Every occurrence from `from` for `days` days.
    fn occurrences(r: &Reminder, zone: Tz, from: &str, count: usize) -> Vec<Due> {
        let mut after = utc(from);
        let mut all = Vec::new();
        for _ in 0..count {
            let due = next_due(r, zone, after).unwrap();
            all.push(due);
            after = due.at;
        }
        all
    }

    #[test]
    fn twenty_hundred_in_oslo_fires_once_a_day_across_both_dst_changes() {
        // Spring forward: 2027-03-28 02:00 → 03:00. 20:00 is CET before, CEST after.
        let spring = occurrences(&daily(20, 0), oslo(), "2027-03-26T12:00:00Z", 4);
        let at: Vec<String> = spring.iter().map(|d| d.at.to_rfc3339()).collect();
        assert_eq!(
            at,
            [
                "2027-03-26T19:00:00+00:00",
                "2027-03-27T19:00:00+00:00",
                "2027-03-28T18:00:00+00:00",
                "2027-03-29T18:00:00+00:00"
            ]
        );
        // Fall back: 2026-10-25 03:00 → 02:00.
        let autumn = occurrences(&daily(20, 0), oslo(), "2026-10-24T12:00:00Z", 3);
        let days: Vec<String> = autumn.iter().map(|d| d.local_date.to_string()).collect();
        assert_eq!(days, ["2026-10-24", "2026-10-25", "2026-10-26"]);
        assert_eq!(autumn[1].at, utc("2026-10-25T19:00:00Z"));
    }

    #[test]
    fn a_time_in_the_spring_gap_fires_at_the_first_valid_minute_and_a_doubled_one_once() {
        let gap = occurrences(&daily(2, 30), oslo(), "2027-03-27T12:00:00Z", 2);
        assert_eq!(gap[0].local_date.to_string(), "2027-03-28");
        // 03:00 CEST = 01:00 UTC.
        assert_eq!(gap[0].at, utc("2027-03-28T01:00:00Z"));
        assert_eq!(gap[1].at, utc("2027-03-29T00:30:00Z"));
        // 02:30 happens twice on 2026-10-25 (CEST, then CET): once, the first.
        let doubled = occurrences(&daily(2, 30), oslo(), "2026-10-24T12:00:00Z", 2);
        assert_eq!(doubled[0].at, utc("2026-10-25T00:30:00Z"));
        assert_eq!(doubled[1].local_date.to_string(), "2026-10-26");
    }

    #[test]
    fn a_participant_in_new_york_gets_it_at_twenty_hundred_new_york_time() {
        let ny = chrono_tz::America::New_York;
        let due = next_due(&daily(20, 0), ny, utc("2026-06-01T12:00:00Z")).unwrap();
        assert_eq!(due.at, utc("2026-06-02T00:00:00Z"));
        assert_eq!(due.local_date.to_string(), "2026-06-01");
    }

    #[test]
    fn weekdays_and_disabled_reminders() {
        let mut sunday = daily(18, 0);
        sunday.weekdays = BTreeSet::from([7]);
        // 2026-12-03 is a Thursday; the next Sunday is 2026-12-06.
        let due = next_due(&sunday, oslo(), utc("2026-12-03T12:00:00Z")).unwrap();
        assert_eq!(due.local_date.to_string(), "2026-12-06");
        sunday.enabled = false;
        assert_eq!(next_due(&sunday, oslo(), utc("2026-12-03T12:00:00Z")), None);
    }

    #[test]
    fn quiet_hours_over_midnight_and_late_sends() {
        let settings = ReminderSettings::defaults(oslo());
        assert!(settings.is_quiet(utc("2026-12-03T22:30:00Z"))); // 23:30 Oslo
        assert!(settings.is_quiet(utc("2026-12-04T05:00:00Z"))); // 06:00
        assert!(!settings.is_quiet(utc("2026-12-04T06:00:00Z"))); // 07:00
        let due = next_due(&daily(20, 0), oslo(), utc("2026-12-03T12:00:00Z")).unwrap();
        assert!(still_sendable(
            &settings,
            due,
            due.at + Duration::minutes(30)
        ));
        // After 22:00 it is quiet; the next day it is dropped.
        assert!(!still_sendable(&settings, due, due.at + Duration::hours(3)));
        assert!(!still_sendable(
            &settings,
            due,
            due.at + Duration::hours(14)
        ));
    }

    #[test]
    fn bad_settings_name_the_field_and_rule() {
        let input = RemindersInput {
            time_zone: "Europe/Olso".into(),
            quiet_hours: Some(QuietHoursInput {
                start: "22:00".into(),
                end: "7:00".into(),
            }),
            reminders: vec![
                ReminderInput {
                    kind: ReminderKind::Sleep,
                    enabled: true,
                    time: "25:00".into(),
                    weekdays: vec![0, 3, 3],
                    only_if_not_logged: true,
                },
                ReminderInput {
                    kind: ReminderKind::Sleep,
                    enabled: true,
                    time: "08:00".into(),
                    weekdays: vec![],
                    only_if_not_logged: true,
                },
            ],
        };
        let errors: Vec<(String, &str)> = input
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect();
        for expected in [
            ("time_zone", "iana_time_zone"),
            ("quiet_hours.end", "time_of_day"),
            ("reminders[0].time", "time_of_day"),
            ("reminders[0].weekdays[0]", "range"),
            ("reminders[0].weekdays[2]", "unique"),
            ("reminders[1].kind", "unique"),
            ("reminders[1].weekdays", "min_items"),
        ] {
            assert!(
                errors.iter().any(|(f, r)| (f.as_str(), *r) == expected),
                "{expected:?} in {errors:?}"
            );
        }
    }

    #[test]
    fn a_time_inside_quiet_hours_is_refused_and_defaults_round_trip() {
        let mut input = ReminderSettings::defaults(oslo()).to_input();
        assert_eq!(
            input.clone().parse().unwrap(),
            ReminderSettings::defaults(oslo())
        );
        input.reminders[0].time = "23:00".into();
        let errors = input.parse().unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("reminders[0].time", "quiet_hours")
        );
    }

    #[test]
    fn lock_screen_text_is_neutral_and_localised() {
        assert_eq!(
            notification_text(ReminderKind::Sleep, Some("nb-NO")).1,
            "Husk dagboka di i dag"
        );
        assert_eq!(
            notification_text(ReminderKind::Tobacco, Some("nn-NO")).1,
            "Hugs dagboka di i dag"
        );
        assert_eq!(
            notification_text(ReminderKind::Food, Some("en_GB")).1,
            "Remember your diary today"
        );
        assert_eq!(
            notification_text(ReminderKind::WeeklyCheckin, None).1,
            "Tid for ukas sjekk-inn"
        );
        for kind in ReminderKind::ALL {
            let (title, body) = notification_text(*kind, Some("nb"));
            for word in ["røyk", "snus", "søvn", "mat", "aktivitet", "vekt"] {
                assert!(
                    !title.to_lowercase().contains(word) && !body.to_lowercase().contains(word)
                );
            }
        }
    }

    #[test]
    fn device_tokens_are_checked() {
        let device = |token: &str, locale: Option<&str>| DeviceInput {
            platform: Platform::Android,
            push_token: token.into(),
            app_version: Some("1.4.0".into()),
            locale: locale.map(str::to_owned),
        };
        assert!(device("fcm-token_123:abc", Some("nb-NO")).parse().is_ok());
        let empty = device("  ", None).parse().unwrap_err();
        assert_eq!(
            (empty[0].field.as_str(), empty[0].rule),
            ("push_token", "length")
        );
        let bad_locale = device("t", Some("nb NO")).parse().unwrap_err();
        assert_eq!(
            (bad_locale[0].field.as_str(), bad_locale[0].rule),
            ("locale", "format")
        );
    }
}
