//! The KOSTRA-style yearly centre report (DOMAIN.md §7, ssb 9731-9897):
//! persons with and without referral, total, men, persons per offer, and
//! referral sources — each person counted once per year and row. Pure: the
//! store hands over each person's contacts in the year.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::disclosure::{Cell, Suppression, protect_column};
use crate::journey::{CourseKind, ReferrerType, Sex};

/// One person's contacts with the centre in the year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonYear {
    pub sex: Option<Sex>,
    /// Had a follow-up period (frisklivsresept) running in the year.
    pub follow_up: bool,
    /// Who referred them, for the referrals behind their contact in the year
    /// (`self` for self-contact).
    pub referrers: Vec<ReferrerType>,
    /// Courses and groups attended that started in the year.
    pub courses: Vec<CourseKind>,
}

/// The offer rows of the report: individual follow-up plus each course kind.
pub const FOLLOW_UP_OFFER: &str = "follow_up_period";

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KostraCounts {
    pub persons_total: u64,
    /// Referred by someone else than themselves.
    pub persons_with_referral: u64,
    /// Self-contact, or no referral recorded.
    pub persons_without_referral: u64,
    pub men: u64,
    /// Persons per offer (`follow_up_period` and each course kind).
    pub persons_per_offer: BTreeMap<&'static str, u64>,
    /// Persons per referral source (a person referred twice by the same
    /// source counts once; by two sources, once under each).
    pub referral_sources: BTreeMap<&'static str, u64>,
}

/// The report's counts as one reader may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedCounts {
    pub persons_total: Cell,
    pub persons_with_referral: Cell,
    pub persons_without_referral: Cell,
    pub men: Cell,
    pub persons_per_offer: BTreeMap<&'static str, Cell>,
    pub referral_sources: BTreeMap<&'static str, Cell>,
}

fn exact(n: u64) -> Cell {
    Cell {
        count: n,
        suppression: Suppression::None,
    }
}

fn primary(n: u64) -> Cell {
    protect_column(&[n], false).0.remove(0)
}

impl KostraCounts {
    /// The exact counts, for the centre admin who files them with SSB.
    pub fn exact(&self) -> ReleasedCounts {
        ReleasedCounts {
            persons_total: exact(self.persons_total),
            persons_with_referral: exact(self.persons_with_referral),
            persons_without_referral: exact(self.persons_without_referral),
            men: exact(self.men),
            persons_per_offer: self
                .persons_per_offer
                .iter()
                .map(|(k, v)| (*k, exact(*v)))
                .collect(),
            referral_sources: self
                .referral_sources
                .iter()
                .map(|(k, v)| (*k, exact(*v)))
                .collect(),
        }
    }

    /// The counts under the outcome tables' disclosure control, for
    /// evaluators: otherwise a count the tables suppress could be read
    /// here. With and without referral add up to the total, so they are
    /// protected against it; a person can have several offers and
    /// referrers, so those rows are not sums and each is protected alone.
    pub fn protected(&self) -> ReleasedCounts {
        let (mut split, total) = protect_column(
            &[self.persons_with_referral, self.persons_without_referral],
            true,
        );
        let without = split.pop().expect("two cells");
        let with = split.pop().expect("two cells");
        ReleasedCounts {
            persons_total: total,
            persons_with_referral: with,
            persons_without_referral: without,
            men: primary(self.men),
            persons_per_offer: self
                .persons_per_offer
                .iter()
                .map(|(k, v)| (*k, primary(*v)))
                .collect(),
            referral_sources: self
                .referral_sources
                .iter()
                .map(|(k, v)| (*k, primary(*v)))
                .collect(),
        }
    }
}

pub fn count(persons: &[PersonYear]) -> KostraCounts {
    let mut out = KostraCounts::default();
    for p in persons {
        out.persons_total += 1;
        let referred = p.referrers.iter().any(|r| *r != ReferrerType::SelfContact);
        if referred {
            out.persons_with_referral += 1;
        } else {
            out.persons_without_referral += 1;
        }
        out.men += u64::from(p.sex == Some(Sex::Male));
        let mut offers: BTreeSet<&'static str> = p.courses.iter().map(|c| c.as_str()).collect();
        if p.follow_up {
            offers.insert(FOLLOW_UP_OFFER);
        }
        for offer in offers {
            *out.persons_per_offer.entry(offer).or_default() += 1;
        }
        let sources: BTreeSet<&'static str> = p.referrers.iter().map(|r| r.as_str()).collect();
        for source in sources {
            *out.referral_sources.entry(source).or_default() += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_once_per_row() {
        let persons = vec![
            PersonYear {
                sex: Some(Sex::Male),
                follow_up: true,
                referrers: vec![ReferrerType::Gp, ReferrerType::Gp, ReferrerType::Nav],
                courses: vec![CourseKind::BraMat, CourseKind::BraMat],
            },
            PersonYear {
                sex: Some(Sex::Female),
                follow_up: true,
                referrers: vec![ReferrerType::SelfContact],
                courses: vec![],
            },
            PersonYear {
                sex: None,
                follow_up: false,
                referrers: vec![],
                courses: vec![CourseKind::BraMat],
            },
        ];
        let c = count(&persons);
        assert_eq!(
            (
                c.persons_total,
                c.persons_with_referral,
                c.persons_without_referral,
                c.men
            ),
            (3, 1, 2, 1)
        );
        assert_eq!(c.persons_per_offer["bra_mat"], 2);
        assert_eq!(c.persons_per_offer[FOLLOW_UP_OFFER], 2);
        assert_eq!(c.referral_sources["gp"], 1);
        assert_eq!(c.referral_sources["nav"], 1);
        assert_eq!(c.referral_sources["self"], 1);
    }

    #[test]
    fn evaluators_get_the_counts_under_disclosure_control() {
        let counts = KostraCounts {
            persons_total: 23,
            persons_with_referral: 20,
            persons_without_referral: 3,
            men: 4,
            persons_per_offer: BTreeMap::from([("follow_up_period", 21), ("kosthold", 2)]),
            referral_sources: BTreeMap::from([("gp", 20)]),
        };
        let exact = counts.exact();
        assert_eq!(exact.men.shown(), Some(4));
        assert_eq!(exact.persons_without_referral.shown(), Some(3));
        let protected = counts.protected();
        assert_eq!(protected.men.shown(), None);
        assert_eq!(protected.persons_without_referral.shown(), None);
        // 23 − 20 would give the 3 back, so the 20 is hidden too.
        assert_eq!(protected.persons_with_referral.shown(), None);
        assert_eq!(protected.persons_total.shown(), Some(23));
        assert_eq!(protected.persons_per_offer["kosthold"].shown(), None);
        assert_eq!(
            protected.persons_per_offer["follow_up_period"].shown(),
            Some(21)
        );
        assert_eq!(protected.referral_sources["gp"].shown(), Some(20));
    }
}
