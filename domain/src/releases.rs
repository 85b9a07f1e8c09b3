//! The rules that stop differencing of outcome tables (DOMAIN.md §6–§7;
//! docs/DECISIONS.md "Disclosure control across requests"). Suppression
//! protects one table; a requester who gets two tables can subtract them.
//! So tables are released over fixed windows only — whole calendar years,
//! once the year is over — and each requester's releases for a year are
//! kept (a fingerprint per period, not the periods), so that a new table
//! is refused when, together with an earlier one, it would single out
//! fewer than five people:
//!
//! - **scopes are equal or disjoint**: a table over centres that partly
//!   overlap an earlier one's, or nest in it (a centre inside a county
//!   already released), would show the difference;
//! - **breakdowns do not share a dimension**: a sex × age table and a sex
//!   table of the same people are linked by the sex margins; so are centre
//!   and municipality (a municipality is a sum of centres). Each dimension
//!   appears in at most one of a requester's tables for a year and scope;
//!   the same breakdown again (e.g. as CSV) is the same table;
//! - **the same people, or at least five changed**: a table whose periods
//!   differ from an earlier one's in 1–4 periods (added, gone, or with a
//!   changed outcome) is refused.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::FieldError;
use crate::disclosure::MIN_GROUP;
use crate::outcome_tables::Dimension;

/// A fixed release window: one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseYear(i32);

impl ReleaseYear {
    /// The year a request names, either as `year` or as `from`/`to` that
    /// span exactly one calendar year; it must have ended by `today`.
    pub fn from_request(
        year: Option<i32>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, FieldError> {
        let year = match (year, from, to) {
            (Some(year), None, None) => year,
            (Some(_), _, _) => {
                return Err(FieldError::new(
                    "year",
                    "exclusive",
                    "give either year or from and to, not both",
                ));
            }
            (None, Some(from), Some(to)) => {
                let whole = from.month() == 1
                    && from.day() == 1
                    && to.year() == from.year()
                    && to.month() == 12
                    && to.day() == 31;
                if !whole {
                    return Err(FieldError::new(
                        "from",
                        "calendar_year",
                        "tables and extracts cover one whole calendar year: from=YYYY-01-01 and to=YYYY-12-31 (or year=YYYY)",
                    ));
                }
                from.year()
            }
            (None, None, Some(_)) | (None, None, None) => {
                return Err(FieldError::new(
                    "year",
                    "required",
                    "name the calendar year (year=YYYY)",
                ));
            }
            (None, Some(_), None) => {
                return Err(FieldError::new(
                    "to",
                    "required",
                    "give to=YYYY-12-31 with from, or year=YYYY",
                ));
            }
        };
        if !(2000..today.year()).contains(&year) {
            return Err(FieldError::new(
                "year",
                "ended",
                format!(
                    "must be a calendar year that has ended, from 2000 to {}: a running year's figures change from day to day",
                    today.year() - 1
                ),
            ));
        }
        Ok(ReleaseYear(year))
    }

    pub fn year(self) -> i32 {
        self.0
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 1, 1).expect("1 January exists")
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 12, 31).expect("31 December exists")
    }
}

/// A period as a table counted it: 8 bytes naming the period, 8 bytes
/// standing for everything the table counted of it. Neither can be turned
/// back into the period or its values.
pub type Fingerprint = [u8; 16];

/// One table given to a requester for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub centres: BTreeSet<Uuid>,
    pub group_by: Vec<Dimension>,
    /// Sorted.
    pub fingerprints: Vec<Fingerprint>,
}

/// Why a table cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseRefusal {
    /// Its centres overlap an earlier table's without being the same.
    OverlappingScope,
    /// It breaks down by a dimension an earlier table of the same people
    /// used in another breakdown.
    LinkedBreakdown(Dimension),
    /// Compared with an earlier table of the same scope, this many periods
    /// (1–4) changed.
    SmallChange(usize),
}

/// The family of a dimension: dimensions of one family are sums of one
/// another. Year is one value within a one-year window, so it links nothing.
fn family(d: Dimension) -> Option<&'static str> {
    match d {
        Dimension::Year => None,
        Dimension::Centre | Dimension::Municipality => Some("place"),
        Dimension::Sex => Some("sex"),
        Dimension::AgeBand => Some("age_band"),
        Dimension::ReferralSource => Some("referral_source"),
    }
}

fn same_breakdown(a: &[Dimension], b: &[Dimension]) -> bool {
    let set = |dims: &[Dimension]| -> BTreeSet<Dimension> {
        dims.iter()
            .copied()
            .filter(|d| *d != Dimension::Year)
            .collect()
    };
    set(a) == set(b)
}

/// How many periods differ between two sorted fingerprint lists: in one
/// and not the other, or in both with something counted changed.
pub fn changed_periods(a: &[Fingerprint], b: &[Fingerprint]) -> usize {
    let (mut i, mut j, mut changed) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i][..8].cmp(&b[j][..8]) {
            std::cmp::Ordering::Less => {
                changed += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                changed += 1;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                changed += usize::from(a[i][8..] != b[j][8..]);
                i += 1;
                j += 1;
            }
        }
    }
    changed + (a.len() - i) + (b.len() - j)
}

/// Whether `next` may be given to a requester who already has `earlier`
/// for the same year.
pub fn may_release(earlier: &[Release], next: &Release) -> Result<(), ReleaseRefusal> {
    for e in earlier {
        if e.centres.is_disjoint(&next.centres) {
            continue;
        }
        if e.centres != next.centres {
            return Err(ReleaseRefusal::OverlappingScope);
        }
        if !same_breakdown(&e.group_by, &next.group_by) {
            let used: BTreeSet<&str> = e.group_by.iter().filter_map(|d| family(*d)).collect();
            if let Some(d) = next
                .group_by
                .iter()
                .find(|d| family(**d).is_some_and(|f| used.contains(f)))
            {
                return Err(ReleaseRefusal::LinkedBreakdown(*d));
            }
        }
        let changed = changed_periods(&e.fingerprints, &next.fingerprints);
        if changed > 0 && (changed as u64) < MIN_GROUP {
            return Err(ReleaseRefusal::SmallChange(changed));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fp(id: u8, content: u8) -> Fingerprint {
        let mut f = [0u8; 16];
        f[0] = id;
        f[8] = content;
        f
    }

    fn release(centres: &[u128], group_by: &[Dimension], periods: &[(u8, u8)]) -> Release {
        let mut fingerprints: Vec<Fingerprint> = periods.iter().map(|(i, c)| fp(*i, *c)).collect();
        fingerprints.sort();
        Release {
            centres: centres.iter().map(|c| Uuid::from_u128(*c)).collect(),
            group_by: group_by.to_vec(),
            fingerprints,
        }
    }

    fn people(n: u8) -> Vec<(u8, u8)> {
        (0..n).map(|i| (i, 0)).collect()
    }

    #[test]
    fn windows_are_whole_calendar_years_that_have_ended() {
        let today = d("2026-12-03");
        let y = ReleaseYear::from_request(Some(2025), None, None, today).unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            (d("2025-01-01"), d("2025-12-31"))
        );
        assert_eq!(
            ReleaseYear::from_request(None, Some(d("2024-01-01")), Some(d("2024-12-31")), today)
                .unwrap()
                .year(),
            2024
        );
        let rule = |r: Result<ReleaseYear, FieldError>| {
            let e = r.unwrap_err();
            (e.field, e.rule)
        };
        // A one-day window would pin a record's start day.
        assert_eq!(
            rule(ReleaseYear::from_request(
                None,
                Some(d("2025-03-01")),
                Some(d("2025-03-01")),
                today
            )),
            ("from".to_owned(), "calendar_year")
        );
        assert_eq!(
            rule(ReleaseYear::from_request(
                None,
                Some(d("2024-01-01")),
                Some(d("2025-12-31")),
                today
            )),
            ("from".to_owned(), "calendar_year")
        );
        assert_eq!(
            rule(ReleaseYear::from_request(Some(2026), None, None, today)),
            ("year".to_owned(), "ended")
        );
        assert_eq!(
            rule(ReleaseYear::from_request(Some(1999), None, None, today)),
            ("year".to_owned(), "ended")
        );
        assert_eq!(
            rule(ReleaseYear::from_request(None, None, None, today)),
            ("year".to_owned(), "required")
        );
        assert_eq!(
            rule(ReleaseYear::from_request(
                Some(2025),
                Some(d("2025-01-01")),
                None,
                today
            )),
            ("year".to_owned(), "exclusive")
        );
    }

    #[test]
    fn changed_periods_counts_added_removed_and_changed() {
        let a = release(&[1], &[], &[(1, 0), (2, 0), (3, 0)]).fingerprints;
        let b = release(&[1], &[], &[(2, 0), (3, 9), (4, 0), (5, 0)]).fingerprints;
        // 1 gone, 3 changed, 4 and 5 new.
        assert_eq!(changed_periods(&a, &b), 4);
        assert_eq!(changed_periods(&b, &a), 4);
        assert_eq!(changed_periods(&a, &a), 0);
        assert_eq!(changed_periods(&[], &a), 3);
    }

    #[test]
    fn scopes_must_be_equal_or_disjoint() {
        let county = release(&[1, 2, 3], &[], &people(40));
        let other = release(&[7], &[], &people(40));
        assert_eq!(may_release(std::slice::from_ref(&county), &other), Ok(()));
        let centre_inside = release(&[2], &[], &people(20));
        assert_eq!(
            may_release(std::slice::from_ref(&county), &centre_inside),
            Err(ReleaseRefusal::OverlappingScope)
        );
        // Nested the other way round too.
        assert_eq!(
            may_release(&[centre_inside], &county),
            Err(ReleaseRefusal::OverlappingScope)
        );
        let partly = release(&[3, 4], &[], &people(40));
        assert_eq!(
            may_release(&[county], &partly),
            Err(ReleaseRefusal::OverlappingScope)
        );
    }

    #[test]
    fn breakdowns_of_the_same_people_do_not_share_a_dimension() {
        use Dimension::*;
        let cross = release(&[1], &[Sex, AgeBand], &people(40));
        // The sex margins of the cross table would be published.
        assert_eq!(
            may_release(
                std::slice::from_ref(&cross),
                &release(&[1], &[Sex], &people(40))
            ),
            Err(ReleaseRefusal::LinkedBreakdown(Sex))
        );
        // The same breakdown again (another format, another order) is the same table.
        assert_eq!(
            may_release(
                std::slice::from_ref(&cross),
                &release(&[1], &[AgeBand, Sex], &people(40))
            ),
            Ok(())
        );
        // Linked only through the total, which every table has.
        assert_eq!(
            may_release(
                std::slice::from_ref(&cross),
                &release(&[1], &[ReferralSource], &people(40))
            ),
            Ok(())
        );
        assert_eq!(
            may_release(&[cross], &release(&[1], &[], &people(40))),
            Ok(())
        );
        // A municipality is a sum of centres.
        let by_centre = release(&[1, 2], &[Centre], &people(40));
        assert_eq!(
            may_release(
                &[by_centre],
                &release(&[1, 2], &[Municipality], &people(40))
            ),
            Err(ReleaseRefusal::LinkedBreakdown(Municipality))
        );
        // Year is one value in a one-year window.
        assert_eq!(
            may_release(
                &[release(&[1], &[Year, Sex], &people(40))],
                &release(&[1], &[Year, AgeBand], &people(40))
            ),
            Ok(())
        );
    }

    #[test]
    fn a_later_table_differs_by_none_or_at_least_five_periods() {
        let first = release(&[1], &[], &people(30));
        let mut late = people(30);
        late.push((100, 0));
        assert_eq!(
            may_release(std::slice::from_ref(&first), &release(&[1], &[], &late)),
            Err(ReleaseRefusal::SmallChange(1))
        );
        // A week-12 test recorded late changes one period's outcome.
        let mut retested = people(30);
        retested[4].1 = 1;
        assert_eq!(
            may_release(std::slice::from_ref(&first), &release(&[1], &[], &retested)),
            Err(ReleaseRefusal::SmallChange(1))
        );
        let mut five_more = people(30);
        five_more.extend((100..105).map(|i| (i, 0)));
        assert_eq!(
            may_release(
                std::slice::from_ref(&first),
                &release(&[1], &[], &five_more)
            ),
            Ok(())
        );
        assert_eq!(
            may_release(&[first], &release(&[1], &[], &people(30))),
            Ok(())
        );
    }
}
