//! The service's calendar: centres are in Norway, so "today" for journey
//! dates (period weeks, "not in the future") is the date in Europe/Oslo,
//! whatever zone the server runs in.

use chrono::{DateTime, NaiveDate, Utc};

pub const SERVICE_ZONE: chrono_tz::Tz = chrono_tz::Europe::Oslo;

pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&SERVICE_ZONE).date_naive()
}
