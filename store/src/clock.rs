//! The service's calendar: centres are in Norway, so "today" for journey
//! dates (period weeks, "not in the future") is the date in Europe/Oslo,
//! whatever zone the server runs in.

use chrono::{DateTime, NaiveDate, Utc};

pub const SERVICE_ZONE: chrono_tz::Tz = chrono_tz::Europe::Oslo;

pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&SERVICE_ZONE).date_naive()
}

/// Where "now" comes from: the system clock, or a fixed instant (tests and
/// demos). Use cases take it from the store, never from `Utc::now()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }

    /// Today in Europe/Oslo.
    pub fn today(&self) -> NaiveDate {
        today(self.now())
    }
}
