//! The KOSTRA-style yearly centre report (DOMAIN.md §7; SSB form 5-2,
//! ssb 9988-10060): persons who *used an offer* in the year with and
//! without referral, total, men, women and sex not recorded, persons per
//! offer, referral sources in SSB's six categories — each person counted
//! once per row — and the quality indicators of guideline 5.10.3 that the
//! stored data answer. Pure: the store hands over each person's contacts
//! in the year.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::disclosure::{Cell, Suppression, protect_column};
use crate::journey::{
    CourseKind, EducationLevel, ReferralReason, ReferrerType, Sex, WorkSchoolStatus,
};
use crate::outcome_tables::age_band;

wire_enum!(
    /// The referral sources of SSB's form 5-2-6 (ssb 10030-10052).
    SsbReferralSource {
        /// Fastlegetenesta.
        Fastlege => "fastlege",
        /// Helsestasjons- og skulehelsetenesta (jordmor included).
        HelsestasjonSkolehelsetjeneste => "helsestasjon_skolehelsetjeneste",
        /// Resten av kommunale helse- og omsorgstenester.
        OvrigeKommunaleHelseOgOmsorgstjenester => "ovrige_kommunale_helse_og_omsorgstjenester",
        /// Spesialisthelsetenesta.
        Spesialisthelsetjenesten => "spesialisthelsetjenesten",
        /// NAV.
        Nav => "nav",
        /// Andre.
        Andre => "andre",
    }
);

/// The SSB category a referrer type is reported under; `None` for
/// self-contact, which SSB counts as "utan tilvising". The mapping and its
/// reasons are in docs/DECISIONS.md ("KOSTRA as SSB counts it").
pub fn ssb_referral_source(referrer: ReferrerType) -> Option<SsbReferralSource> {
    use SsbReferralSource as S;
    Some(match referrer {
        ReferrerType::Gp => S::Fastlege,
        ReferrerType::HealthStationSchoolHealth | ReferrerType::Midwife => {
            S::HelsestasjonSkolehelsetjeneste
        }
        ReferrerType::MunicipalHealthOther | ReferrerType::CoordinatingUnit => {
            S::OvrigeKommunaleHelseOgOmsorgstjenester
        }
        ReferrerType::SpecialistHealth => S::Spesialisthelsetjenesten,
        ReferrerType::Nav => S::Nav,
        // Occupational health is the employer's, dental health the county's:
        // neither is a municipal health service.
        ReferrerType::OccupationalHealth | ReferrerType::DentalHealth | ReferrerType::Other => {
            S::Andre
        }
        ReferrerType::SelfContact => return None,
    })
}

/// The quality indicators of guideline 5.10.3 counted as persons, in
/// output order.
pub const QUALITY_INDICATORS: &[&str] = &[
    "under_18",
    "aged_67_plus",
    "other_language_background",
    "interpreter_used",
    "redirected_after_first_conversation",
    "onward_offer_after_period",
];

/// One person's contacts with the centre in the year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonYear {
    pub sex: Option<Sex>,
    /// The participant's municipality number, for an inter-municipal
    /// centre's split.
    pub municipality: Option<String>,
    /// Age at the end of the year (SSB's age in yearly statistics).
    pub age: Option<u32>,
    pub education: Option<EducationLevel>,
    /// Work or school situation (arbeidstilknytning), as last recorded.
    pub work_school: Vec<WorkSchoolStatus>,
    pub other_language_background: Option<bool>,
    /// Follow-up periods (frisklivsresept) running in the year.
    pub periods: u32,
    /// Had a health conversation in the year, or the first conversation
    /// that decided a referral's triage.
    pub conversation: bool,
    /// An interpreter took part in a conversation in the year.
    pub interpreter_used: bool,
    /// Led directly on to another offer after the first conversation.
    pub redirected: bool,
    /// A period ended in the year with onward offers.
    pub onward_offer: bool,
    /// Who referred them, for the referrals behind their contact in the
    /// year (`self` for self-contact).
    pub referrers: Vec<ReferrerType>,
    /// The reasons of those referrals.
    pub reasons: Vec<ReferralReason>,
    /// Courses and groups attended that started in the year.
    pub courses: Vec<CourseKind>,
}

impl PersonYear {
    /// SSB counts a person who *used an offer* (form 5-2-5): a
    /// conversation, a running period or a course. A referral of someone
    /// who never came does not count (the store lists those for follow-up).
    pub fn used_an_offer(&self) -> bool {
        self.periods > 0 || self.conversation || !self.courses.is_empty()
    }
}

/// The offer rows of the report: individual follow-up plus each course kind.
pub const FOLLOW_UP_OFFER: &str = "follow_up_period";

/// A breakdown's category for a value that was not recorded.
pub const NOT_RECORDED: &str = "unknown";

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KostraCounts {
    /// Persons who used an offer in the year.
    pub persons_total: u64,
    /// Referred by someone else than themselves.
    pub persons_with_referral: u64,
    /// Self-contact, or no referral recorded.
    pub persons_without_referral: u64,
    pub men: u64,
    pub women: u64,
    pub sex_not_recorded: u64,
    /// Persons per offer (`follow_up_period` and each course kind).
    pub persons_per_offer: BTreeMap<&'static str, u64>,
    /// Persons per referrer type (a person referred twice by the same
    /// source counts once; by two sources, once under each).
    pub referral_sources: BTreeMap<&'static str, u64>,
    /// Persons per SSB referral category, likewise.
    pub ssb_referral_sources: BTreeMap<&'static str, u64>,
    /// Persons per age band (DOMAIN.md §7) and `unknown`: adds up to the total.
    pub age_bands: BTreeMap<&'static str, u64>,
    /// Persons per education level and `unknown`: adds up to the total.
    pub education: BTreeMap<&'static str, u64>,
    /// Persons per municipality number and `unknown`: adds up to the total.
    pub municipalities: BTreeMap<String, u64>,
    /// Persons per referral reason (a person with two reasons counts under each).
    pub referral_reasons: BTreeMap<&'static str, u64>,
    /// Persons per work/school status (a person in two counts under each;
    /// `unknown`: none recorded).
    pub work_school: BTreeMap<&'static str, u64>,
    /// Persons per [`QUALITY_INDICATORS`] entry.
    pub quality: BTreeMap<&'static str, u64>,
    /// Follow-up periods running in the year, and the persons who had one.
    pub periods: u64,
    pub persons_with_period: u64,
}

/// The report's counts as one reader may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedCounts {
    pub persons_total: Cell,
    pub persons_with_referral: Cell,
    pub persons_without_referral: Cell,
    pub men: Cell,
    pub women: Cell,
    pub sex_not_recorded: Cell,
    pub persons_per_offer: BTreeMap<&'static str, Cell>,
    pub referral_sources: BTreeMap<&'static str, Cell>,
    pub ssb_referral_sources: BTreeMap<&'static str, Cell>,
    pub age_bands: BTreeMap<&'static str, Cell>,
    pub education: BTreeMap<&'static str, Cell>,
    pub municipalities: BTreeMap<String, Cell>,
    pub referral_reasons: BTreeMap<&'static str, Cell>,
    pub work_school: BTreeMap<&'static str, Cell>,
    pub quality: BTreeMap<&'static str, Cell>,
    /// Periods per person with a period, to two decimals; `None` when
    /// nobody had one, or (protected) fewer than five did.
    pub periods_per_person: Option<f64>,
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

fn each<K: Clone + Ord>(map: &BTreeMap<K, u64>, f: impl Fn(u64) -> Cell) -> BTreeMap<K, Cell> {
    map.iter().map(|(k, v)| (k.clone(), f(*v))).collect()
}

/// A breakdown whose categories add up to the published total, protected
/// so that no hidden cell can be recomputed from it.
fn adding_up<K: Clone + Ord>(map: &BTreeMap<K, u64>) -> BTreeMap<K, Cell> {
    let values: Vec<u64> = map.values().copied().collect();
    let (cells, _) = protect_column(&values, true);
    map.keys().cloned().zip(cells).collect()
}

fn per_person(periods: u64, persons: u64) -> Option<f64> {
    (persons > 0).then(|| (periods as f64 / persons as f64 * 100.0).round() / 100.0)
}

impl KostraCounts {
    /// The exact counts, for the centre admin who files them with SSB.
    pub fn exact(&self) -> ReleasedCounts {
        ReleasedCounts {
            persons_total: exact(self.persons_total),
            persons_with_referral: exact(self.persons_with_referral),
            persons_without_referral: exact(self.persons_without_referral),
            men: exact(self.men),
            women: exact(self.women),
            sex_not_recorded: exact(self.sex_not_recorded),
            persons_per_offer: each(&self.persons_per_offer, exact),
            referral_sources: each(&self.referral_sources, exact),
            ssb_referral_sources: each(&self.ssb_referral_sources, exact),
            age_bands: each(&self.age_bands, exact),
            education: each(&self.education, exact),
            municipalities: each(&self.municipalities, exact),
            referral_reasons: each(&self.referral_reasons, exact),
            work_school: each(&self.work_school, exact),
            quality: each(&self.quality, exact),
            periods_per_person: per_person(self.periods, self.persons_with_period),
        }
    }

    /// The counts under the outcome tables' disclosure control, for
    /// evaluators: otherwise a count the tables suppress could be read
    /// here. With and without referral, the three sexes, and each of the
    /// age, education and municipality breakdowns add up to the total, so
    /// each is protected against it; a person can have several offers,
    /// referrers and reasons, so those rows are not sums and each is
    /// protected alone.
    pub fn protected(&self) -> ReleasedCounts {
        let (mut split, total) = protect_column(
            &[self.persons_with_referral, self.persons_without_referral],
            true,
        );
        let without = split.pop().expect("two cells");
        let with = split.pop().expect("two cells");
        let (mut sexes, _) = protect_column(&[self.men, self.women, self.sex_not_recorded], true);
        let sex_not_recorded = sexes.pop().expect("three cells");
        let women = sexes.pop().expect("three cells");
        let men = sexes.pop().expect("three cells");
        ReleasedCounts {
            persons_total: total,
            persons_with_referral: with,
            persons_without_referral: without,
            men,
            women,
            sex_not_recorded,
            persons_per_offer: each(&self.persons_per_offer, primary),
            referral_sources: each(&self.referral_sources, primary),
            ssb_referral_sources: each(&self.ssb_referral_sources, primary),
            age_bands: adding_up(&self.age_bands),
            education: adding_up(&self.education),
            municipalities: adding_up(&self.municipalities),
            referral_reasons: each(&self.referral_reasons, primary),
            work_school: each(&self.work_school, primary),
            quality: each(&self.quality, primary),
            periods_per_person: (self.persons_with_period >= 5)
                .then(|| per_person(self.periods, self.persons_with_period))
                .flatten(),
        }
    }
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    *map.entry(key).or_default() += 1;
}

/// Counts the persons who used an offer; `persons` may hold others (a
/// referral only), who are left out.
pub fn count(persons: &[PersonYear]) -> KostraCounts {
    let mut out = KostraCounts::default();
    for name in QUALITY_INDICATORS {
        out.quality.insert(name, 0);
    }
    for p in persons.iter().filter(|p| p.used_an_offer()) {
        out.persons_total += 1;
        let referred = p.referrers.iter().any(|r| *r != ReferrerType::SelfContact);
        if referred {
            out.persons_with_referral += 1;
        } else {
            out.persons_without_referral += 1;
        }
        match p.sex {
            Some(Sex::Male) => out.men += 1,
            Some(Sex::Female) => out.women += 1,
            None => out.sex_not_recorded += 1,
        }
        let mut offers: BTreeSet<&'static str> = p.courses.iter().map(|c| c.as_str()).collect();
        if p.periods > 0 {
            offers.insert(FOLLOW_UP_OFFER);
            out.periods += u64::from(p.periods);
            out.persons_with_period += 1;
        }
        for offer in offers {
            bump(&mut out.persons_per_offer, offer);
        }
        let sources: BTreeSet<&'static str> = p.referrers.iter().map(|r| r.as_str()).collect();
        for source in sources {
            bump(&mut out.referral_sources, source);
        }
        let ssb: BTreeSet<SsbReferralSource> = p
            .referrers
            .iter()
            .filter_map(|r| ssb_referral_source(*r))
            .collect();
        for source in ssb {
            bump(&mut out.ssb_referral_sources, source.as_str());
        }
        bump(&mut out.age_bands, age_band(p.age));
        bump(
            &mut out.education,
            p.education.map_or(NOT_RECORDED, |e| e.as_str()),
        );
        bump(
            &mut out.municipalities,
            p.municipality
                .clone()
                .unwrap_or_else(|| NOT_RECORDED.to_owned()),
        );
        let reasons: BTreeSet<&'static str> = p.reasons.iter().map(|r| r.as_str()).collect();
        for reason in reasons {
            bump(&mut out.referral_reasons, reason);
        }
        let statuses: BTreeSet<&'static str> = p.work_school.iter().map(|w| w.as_str()).collect();
        if statuses.is_empty() {
            bump(&mut out.work_school, NOT_RECORDED);
        }
        for status in statuses {
            bump(&mut out.work_school, status);
        }
        let quality = [
            p.age.is_some_and(|a| a < 18),
            p.age.is_some_and(|a| a >= 67),
            p.other_language_background == Some(true),
            p.interpreter_used,
            p.redirected,
            p.onward_offer,
        ];
        for (name, yes) in QUALITY_INDICATORS.iter().zip(quality) {
            if yes {
                bump(&mut out.quality, name);
            }
        }
    }
    out
}

wire_enum!(
    /// The professions of SSB's form 5-2-4 (ssb 9988-10010).
    Profession {
        /// Klinisk ernæringsfysiolog.
        ClinicalDietitian => "clinical_dietitian",
        /// Bachelor i ernæring.
        NutritionBachelor => "nutrition_bachelor",
        /// Fysioterapeut.
        Physiotherapist => "physiotherapist",
        /// Psykolog.
        Psychologist => "psychologist",
        /// Sykepleier.
        Nurse => "nurse",
        /// Lege.
        Physician => "physician",
        /// Ergoterapeut.
        OccupationalTherapist => "occupational_therapist",
        /// Pedagog.
        Educator => "educator",
        /// Andre (spesifiser).
        Other => "other",
    }
);

/// Hours a week of one full-time position ("årsverk"), the working week of
/// the municipal collective agreement.
pub const FULL_TIME_HOURS_PER_WEEK: f64 = 37.5;

/// The most hours a week one profession's row may hold (many people of one
/// profession at a large centre; 40 full-time positions).
pub const MAX_HOURS_PER_WEEK: f64 = 1500.0;

/// One profession's agreed hours a week at the centre in the year.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct StaffResourceInput {
    pub profession: Profession,
    /// Agreed hours a week, all staff of the profession together (0–1500).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "0"), maximum(value = "1500")))
    )]
    pub hours_per_week: f64,
    /// What "other" is (1–200 characters; only for `other`, and then required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 200)))]
    pub specified: Option<String>,
}

/// A year's staff resources, replacing what was recorded before.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct StaffResourcesInput {
    /// At most one row per profession (0–9 rows; empty clears the year).
    #[cfg_attr(feature = "openapi", oai(validator(max_items = 9)))]
    pub resources: Vec<StaffResourceInput>,
}

/// A valid row of staff resources.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffResource {
    pub profession: Profession,
    pub hours_per_week: f64,
    pub specified: Option<String>,
}

impl StaffResource {
    /// Full-time equivalents ("årsverk"), to two decimals.
    pub fn full_time_equivalents(&self) -> f64 {
        full_time_equivalents(self.hours_per_week)
    }
}

pub fn full_time_equivalents(hours_per_week: f64) -> f64 {
    (hours_per_week / FULL_TIME_HOURS_PER_WEEK * 100.0).round() / 100.0
}

impl StaffResourcesInput {
    pub fn parse(self) -> Result<Vec<StaffResource>, Vec<crate::FieldError>> {
        use crate::FieldError;
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(self.resources.len());
        if self.resources.len() > Profession::ALL.len() {
            errors.push(FieldError::new(
                "resources",
                "max_items",
                format!("at most {} rows, one per profession", Profession::ALL.len()),
            ));
        }
        for (i, r) in self.resources.into_iter().enumerate() {
            if !seen.insert(r.profession) {
                errors.push(FieldError::new(
                    format!("resources[{i}].profession"),
                    "unique",
                    format!("{} is listed twice", r.profession),
                ));
            }
            if !r.hours_per_week.is_finite()
                || !(0.0..=MAX_HOURS_PER_WEEK).contains(&r.hours_per_week)
            {
                errors.push(FieldError::new(
                    format!("resources[{i}].hours_per_week"),
                    "range",
                    format!("must be between 0 and {MAX_HOURS_PER_WEEK}"),
                ));
            }
            let specified = r.specified.map(|s| s.trim().to_owned());
            match (&specified, r.profession) {
                (Some(s), Profession::Other) if (1..=200).contains(&s.chars().count()) => {}
                (_, Profession::Other) => errors.push(FieldError::new(
                    format!("resources[{i}].specified"),
                    "required",
                    "say what the other profession is (1–200 characters)",
                )),
                (Some(_), _) => errors.push(FieldError::new(
                    format!("resources[{i}].specified"),
                    "consistent",
                    "only for the profession other",
                )),
                (None, _) => {}
            }
            out.push(StaffResource {
                profession: r.profession,
                hours_per_week: r.hours_per_week,
                specified,
            });
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(sex: Option<Sex>) -> PersonYear {
        PersonYear {
            sex,
            periods: 1,
            ..PersonYear::default()
        }
    }

    #[test]
    fn each_person_once_per_row() {
        let persons = vec![
            PersonYear {
                sex: Some(Sex::Male),
                periods: 2,
                referrers: vec![ReferrerType::Gp, ReferrerType::Gp, ReferrerType::Nav],
                reasons: vec![ReferralReason::Tobacco, ReferralReason::Tobacco],
                courses: vec![CourseKind::BraMat, CourseKind::BraMat],
                age: Some(70),
                ..PersonYear::default()
            },
            PersonYear {
                sex: Some(Sex::Female),
                periods: 1,
                referrers: vec![ReferrerType::SelfContact],
                age: Some(16),
                ..PersonYear::default()
            },
            PersonYear {
                sex: None,
                courses: vec![CourseKind::BraMat],
                ..PersonYear::default()
            },
        ];
        let c = count(&persons);
        assert_eq!(
            (
                c.persons_total,
                c.persons_with_referral,
                c.persons_without_referral,
                c.men,
                c.women,
                c.sex_not_recorded
            ),
            (3, 1, 2, 1, 1, 1)
        );
        assert_eq!(c.persons_per_offer["bra_mat"], 2);
        assert_eq!(c.persons_per_offer[FOLLOW_UP_OFFER], 2);
        assert_eq!(c.referral_sources["gp"], 1);
        assert_eq!(c.referral_sources["nav"], 1);
        assert_eq!(c.referral_sources["self"], 1);
        assert_eq!(c.ssb_referral_sources["fastlege"], 1);
        assert_eq!(c.ssb_referral_sources["nav"], 1);
        assert!(!c.ssb_referral_sources.contains_key("andre"));
        assert_eq!(c.referral_reasons["tobacco"], 1);
        assert_eq!(c.work_school["unknown"], 3);
        assert_eq!(c.quality["aged_67_plus"], 1);
        assert_eq!(c.quality["under_18"], 1);
        assert_eq!(c.quality["interpreter_used"], 0);
        assert_eq!(c.age_bands["unknown"], 1);
        // 3 periods over the 2 persons who had one.
        assert_eq!(c.exact().periods_per_person, Some(1.5));
    }

    #[test]
    fn a_referral_alone_is_not_a_person_who_used_an_offer() {
        let referred_only = PersonYear {
            sex: Some(Sex::Female),
            referrers: vec![ReferrerType::Gp],
            ..PersonYear::default()
        };
        let came_to_a_conversation = PersonYear {
            conversation: true,
            redirected: true,
            ..referred_only.clone()
        };
        let c = count(&[referred_only, came_to_a_conversation]);
        assert_eq!(c.persons_total, 1);
        assert_eq!(c.ssb_referral_sources["fastlege"], 1);
        assert_eq!(c.quality["redirected_after_first_conversation"], 1);
        assert!(!c.persons_per_offer.contains_key(FOLLOW_UP_OFFER));
    }

    #[test]
    fn every_referrer_type_has_its_ssb_category() {
        use SsbReferralSource as S;
        let expected = [
            (ReferrerType::Gp, Some(S::Fastlege)),
            (
                ReferrerType::HealthStationSchoolHealth,
                Some(S::HelsestasjonSkolehelsetjeneste),
            ),
            (
                ReferrerType::Midwife,
                Some(S::HelsestasjonSkolehelsetjeneste),
            ),
            (
                ReferrerType::MunicipalHealthOther,
                Some(S::OvrigeKommunaleHelseOgOmsorgstjenester),
            ),
            (
                ReferrerType::CoordinatingUnit,
                Some(S::OvrigeKommunaleHelseOgOmsorgstjenester),
            ),
            (
                ReferrerType::SpecialistHealth,
                Some(S::Spesialisthelsetjenesten),
            ),
            (ReferrerType::Nav, Some(S::Nav)),
            (ReferrerType::OccupationalHealth, Some(S::Andre)),
            (ReferrerType::DentalHealth, Some(S::Andre)),
            (ReferrerType::Other, Some(S::Andre)),
            (ReferrerType::SelfContact, None),
        ];
        assert_eq!(expected.len(), ReferrerType::ALL.len());
        for (referrer, category) in expected {
            assert_eq!(ssb_referral_source(referrer), category, "{referrer}");
        }
    }

    #[test]
    fn women_are_the_total_less_men_and_not_recorded() {
        let mut persons = vec![person(Some(Sex::Male)); 7];
        persons.extend(vec![person(Some(Sex::Female)); 9]);
        persons.extend(vec![person(None); 2]);
        let c = count(&persons);
        assert_eq!(c.women, c.persons_total - c.men - c.sex_not_recorded);
        assert_eq!((c.men, c.women, c.sex_not_recorded), (7, 9, 2));
        // Protected: the 2 is hidden, and so is the smallest other cell (7),
        // so that 18 − 9 − 7 cannot give it back.
        let p = c.protected();
        assert_eq!(p.sex_not_recorded.shown(), None);
        assert_eq!(p.men.shown(), None);
        assert_eq!(p.women.shown(), Some(9));
        assert_eq!(p.persons_total.shown(), Some(18));
    }

    #[test]
    fn staff_resources_are_one_row_per_profession_with_full_time_equivalents() {
        let row = |profession, hours_per_week, specified: Option<&str>| StaffResourceInput {
            profession,
            hours_per_week,
            specified: specified.map(str::to_owned),
        };
        let ok = StaffResourcesInput {
            resources: vec![
                row(Profession::Physiotherapist, 56.25, None),
                row(Profession::Other, 7.5, Some("aktivitetskoordinator")),
            ],
        }
        .parse()
        .unwrap();
        assert_eq!(ok[0].full_time_equivalents(), 1.5);
        assert_eq!(ok[1].full_time_equivalents(), 0.2);
        let errors = StaffResourcesInput {
            resources: vec![
                row(Profession::Nurse, 10.0, Some("x")),
                row(Profession::Nurse, -1.0, None),
                row(Profession::Other, 1.0, None),
            ],
        }
        .parse()
        .unwrap_err();
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            fields,
            vec![
                ("resources[0].specified", "consistent"),
                ("resources[1].profession", "unique"),
                ("resources[1].hours_per_week", "range"),
                ("resources[2].specified", "required"),
            ]
        );
    }

    #[test]
    fn evaluators_get_the_counts_under_disclosure_control() {
        let counts = KostraCounts {
            persons_total: 23,
            persons_with_referral: 20,
            persons_without_referral: 3,
            men: 4,
            women: 19,
            persons_per_offer: BTreeMap::from([("follow_up_period", 21), ("kosthold", 2)]),
            referral_sources: BTreeMap::from([("gp", 20)]),
            ..KostraCounts::default()
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
