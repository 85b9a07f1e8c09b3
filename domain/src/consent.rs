//! Consent to share with a centre (DOMAIN.md §6): scopes, how it was given,
//! and who must give it. A centre sees nothing of a participant's diaries
//! without an active consent for the scope in question.

use chrono::{Datelike, NaiveDate};

use crate::validation::FieldError;

wire_enum!(
    /// What a consent lets the centre see.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    ConsentScope {
        Summaries => "summaries",
        Entries => "entries",
        Assessments => "assessments",
        Research => "research",
    }
);

wire_enum!(
    /// How a consent was given.
    ConsentMethod {
        InApp => "in_app",
        Oral => "oral",
        Guardian => "guardian",
    }
);

/// Below this age a guardian consents for the participant (veileder
/// 2926-2932). 16–18 year olds without capacity are a veileder's judgement,
/// recorded as guardian consent.
pub const GUARDIAN_CONSENT_BELOW_AGE: u32 = 16;

/// A birth month: the only birth datum collected (data minimisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BirthMonth {
    pub year: i32,
    pub month: u32,
}

impl BirthMonth {
    /// Parses `YYYY-MM`, refusing months in the future of `today` and
    /// implausible years.
    pub fn parse(field: &str, raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, "year_month", "must be a birth month like 2011-05");
        let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        let birth = BirthMonth { year, month };
        if birth > BirthMonth::of(today) || year < today.year() - 120 {
            return Err(FieldError::new(
                field,
                "plausible",
                "must not be in the future or more than 120 years ago",
            ));
        }
        Ok(birth)
    }

    pub fn of(day: NaiveDate) -> Self {
        BirthMonth {
            year: day.year(),
            month: day.month(),
        }
    }

    /// Age in whole years on `today`. The day of birth is not known, so in
    /// the birth month the birthday is taken as not yet reached: the age is
    /// never overstated, and a guardian is asked for rather than skipped.
    pub fn age_on(self, today: NaiveDate) -> u32 {
        let years = today.year() - self.year;
        let had_birthday = today.month() > self.month;
        let age = if had_birthday { years } else { years - 1 };
        age.max(0) as u32
    }

    pub fn needs_guardian(self, today: NaiveDate) -> bool {
        self.age_on(today) < GUARDIAN_CONSENT_BELOW_AGE
    }

    pub fn to_wire(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_is_never_overstated_in_the_birth_month() {
        let born = BirthMonth {
            year: 2010,
            month: 6,
        };
        assert_eq!(born.age_on(d("2026-05-31")), 15);
        assert_eq!(
            born.age_on(d("2026-06-30")),
            15,
            "birthday may be later this month"
        );
        assert_eq!(born.age_on(d("2026-07-01")), 16);
        assert!(born.needs_guardian(d("2026-06-15")));
        assert!(!born.needs_guardian(d("2026-07-01")));
    }

    #[test]
    fn birth_month_parsing() {
        let today = d("2026-11-24");
        assert_eq!(
            BirthMonth::parse("b", "2011-05", today).unwrap().to_wire(),
            "2011-05"
        );
        assert_eq!(
            BirthMonth::parse("b", "2011-5", today).unwrap_err().rule,
            "year_month"
        );
        assert_eq!(
            BirthMonth::parse("b", "2011-13", today).unwrap_err().rule,
            "year_month"
        );
        assert_eq!(
            BirthMonth::parse("b", "2026-12", today).unwrap_err().rule,
            "plausible"
        );
        assert_eq!(
            BirthMonth::parse("b", "1890-01", today).unwrap_err().rule,
            "plausible"
        );
        assert!(BirthMonth::parse("b", "2026-11", today).is_ok());
    }

    #[test]
    fn scopes_parse() {
        assert_eq!(
            "entries".parse::<ConsentScope>().unwrap(),
            ConsentScope::Entries
        );
        assert!("everything".parse::<ConsentScope>().is_err());
    }
}
