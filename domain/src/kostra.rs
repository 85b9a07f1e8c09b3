//! The KOSTRA-style yearly centre report (DOMAIN.md §7, ssb 9731-9897):
//! persons with and without referral, total, men, persons per offer, and
//! referral sources — each person counted once per year and row. Pure: the
//! store hands over each person's contacts in the year.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

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
}
