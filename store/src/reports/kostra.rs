//! The KOSTRA-style yearly centre report. Every request, allowed or
//! refused, writes an `export_audit` row with its parameters.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use friskliv_domain::FieldError;
use friskliv_domain::disclosure::Cell;
use friskliv_domain::kostra::{self, Profession, StaffResource, StaffResourcesInput};
use friskliv_domain::{AccountRole, MunicipalityNumber};
use poem_openapi::Object;
use uuid::Uuid;

use super::TableFormat;
use crate::db::reports::{self as queries, KostraDetail};
use crate::error::{Error, Refusal, Result};
use crate::{Principal, Store};

#[derive(Object)]
pub struct Count {
    pub category: String,
    /// Absent when suppressed.
    #[oai(skip_serializing_if_is_none)]
    pub persons: Option<u64>,
    pub suppressed: bool,
}

/// The KOSTRA-style yearly report of one centre (SSB form 5-2). Each person
/// is counted once per row; the persons counted are those who *used an
/// offer* in the year: a health conversation (or the first conversation of
/// a referral's triage), a follow-up period running, or a course started.
/// A referral of someone who never came is not counted (it is on the
/// centre's worklist, `listReferralsWithoutContact`).
/// The centre's own admin gets the exact counts (they file them with SSB);
/// evaluators get them under the outcome tables' disclosure control, so a
/// count the tables suppress cannot be read here: a suppressed count is
/// absent and named in `suppressed`.
#[derive(Object)]
pub struct KostraReport {
    pub centre_id: Uuid,
    pub year: i32,
    /// `true`: exact counts; `false`: counts 1–4 (and what would reveal them) suppressed.
    pub exact: bool,
    #[oai(skip_serializing_if_is_none)]
    pub persons_total: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub persons_with_referral: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub persons_without_referral: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub men: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub women: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub sex_not_recorded: Option<u64>,
    /// The participant's municipality the report is limited to (an
    /// inter-municipal centre reports per municipality).
    #[oai(skip_serializing_if_is_none)]
    pub municipality: Option<String>,
    /// The top-level counts that are suppressed.
    pub suppressed: Vec<String>,
    /// `follow_up_period` (frisklivsresept) and each course kind.
    pub persons_per_offer: Vec<Count>,
    /// By referrer type (`self` = self-contact); KOSTRA itself lacks this.
    pub referral_sources: Vec<Count>,
    /// By SSB's referral categories (form 5-2-6): fastlege,
    /// helsestasjon_skolehelsetjeneste, ovrige_kommunale_helse_og_omsorgstjenester,
    /// spesialisthelsetjenesten, nav, andre.
    pub ssb_referral_sources: Vec<Count>,
    /// By age at the end of the year (0-17, 18-29, 30-44, 45-66, 67+, unknown).
    pub age_bands: Vec<Count>,
    /// By education level (`unknown`: not recorded).
    pub education: Vec<Count>,
    /// By the participant's municipality number (`unknown`: not recorded);
    /// adds up to the total.
    pub municipalities: Vec<Count>,
    /// By referral reason (a person with two reasons counts under each).
    pub referral_reasons: Vec<Count>,
    /// By work or school situation (arbeidstilknytning; a person in two
    /// counts under each; `unknown`: none recorded).
    pub work_school: Vec<Count>,
    /// The quality indicators of guideline 5.10.3, as persons: under_18,
    /// aged_67_plus, other_language_background, interpreter_used,
    /// redirected_after_first_conversation, onward_offer_after_period.
    pub quality_indicators: Vec<Count>,
    /// Follow-up periods per person who had one; absent when nobody had
    /// one or (protected) fewer than five did.
    #[oai(skip_serializing_if_is_none)]
    pub periods_per_person: Option<f64>,
    /// Staff resources (form 5-2-4), as the centre admin recorded them for
    /// the year; not split by municipality.
    pub staff_resources: StaffResources,
}

/// A year's staff resources of a centre (SSB form 5-2-4).
#[derive(Object)]
pub struct StaffResources {
    pub year: i32,
    pub resources: Vec<StaffResourceView>,
    /// "Talet på timeverk i alt": hours a week, all professions.
    pub hours_per_week_total: f64,
    /// Full-time equivalents (årsverk; 37.5 hours a week each).
    pub full_time_equivalents_total: f64,
}

#[derive(Object)]
pub struct StaffResourceView {
    pub profession: Profession,
    /// What "other" is.
    #[oai(skip_serializing_if_is_none)]
    pub specified: Option<String>,
    pub hours_per_week: f64,
    pub full_time_equivalents: f64,
}

impl StaffResources {
    fn of(year: i32, mut resources: Vec<StaffResource>) -> Self {
        resources.sort_by_key(|r| r.profession);
        let hours: f64 = resources.iter().map(|r| r.hours_per_week).sum();
        StaffResources {
            year,
            hours_per_week_total: hours,
            full_time_equivalents_total: kostra::full_time_equivalents(hours),
            resources: resources
                .into_iter()
                .map(|r| StaffResourceView {
                    full_time_equivalents: r.full_time_equivalents(),
                    profession: r.profession,
                    specified: r.specified,
                    hours_per_week: r.hours_per_week,
                })
                .collect(),
        }
    }
}

fn counts<K: AsRef<str>>(map: &BTreeMap<K, Cell>) -> Vec<Count> {
    map.iter()
        .map(|(category, cell)| Count {
            category: category.as_ref().to_owned(),
            persons: cell.shown(),
            suppressed: cell.is_suppressed(),
        })
        .collect()
}

fn shown(n: Option<u64>) -> String {
    n.map_or_else(|| ":".to_owned(), |n| n.to_string())
}

impl KostraReport {
    /// `measure,category,persons` rows, UTF-8 with a header; suppressed
    /// counts are `:`.
    pub fn csv(&self) -> String {
        let mut out = String::from("measure,category,persons\n");
        for (measure, category, n) in [
            ("persons", "total", self.persons_total),
            ("persons", "with_referral", self.persons_with_referral),
            ("persons", "without_referral", self.persons_without_referral),
            ("persons", "men", self.men),
            ("persons", "women", self.women),
            ("persons", "sex_not_recorded", self.sex_not_recorded),
        ] {
            out.push_str(&format!("{measure},{category},{}\n", shown(n)));
        }
        for (measure, list) in [
            ("offer", &self.persons_per_offer),
            ("referral_source", &self.referral_sources),
            ("ssb_referral_source", &self.ssb_referral_sources),
            ("age_band", &self.age_bands),
            ("education", &self.education),
            ("municipality", &self.municipalities),
            ("referral_reason", &self.referral_reasons),
            ("work_school", &self.work_school),
            ("quality_indicator", &self.quality_indicators),
        ] {
            for c in list {
                out.push_str(&format!(
                    "{measure},{},{}\n",
                    crate::csv::field(&c.category),
                    shown(c.persons)
                ));
            }
        }
        if let Some(ratio) = self.periods_per_person {
            out.push_str(&format!("periods_per_person,all,{ratio}\n"));
        }
        for r in &self.staff_resources.resources {
            out.push_str(&format!(
                "hours_per_week,{},{}\n",
                crate::csv::field(r.specified.as_deref().unwrap_or(r.profession.as_str())),
                r.hours_per_week
            ));
        }
        out.push_str(&format!(
            "hours_per_week,total,{}\nfull_time_equivalents,total,{}\n",
            self.staff_resources.hours_per_week_total,
            self.staff_resources.full_time_equivalents_total
        ));
        out
    }
}

impl Store {
    /// `GET /v1/centres/{c}/reports/kostra`: the report of `year` (2000 up
    /// to this year), exact for the centre's own admin, disclosure-controlled
    /// for evaluators; audited, allowed or refused.
    pub async fn kostra_report(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        year: i32,
        municipality: Option<&str>,
        format: TableFormat,
    ) -> Result<KostraReport> {
        let now = self.clock.now();
        let this_year = crate::clock::today(now).year();
        if !(2000..=this_year).contains(&year) {
            return Err(FieldError::new(
                "year",
                "range",
                format!("must be between 2000 and {this_year}"),
            )
            .into());
        }
        let municipality = municipality
            .map(|m| {
                MunicipalityNumber::parse(m)
                    .map(|m| m.as_str().to_owned())
                    .map_err(|_| {
                        FieldError::new(
                            "municipality",
                            "format",
                            "must be a four-digit municipality number",
                        )
                    })
            })
            .transpose()?;
        let actor = principal.actor();
        let detail = queries::kostra_detail(&self.db, &actor, centre_id).await?;
        let parameters = serde_json::json!({
            "year": year,
            "format": format.as_str(),
            "municipality": municipality,
            "exact": detail == Some(KostraDetail::Exact),
        });
        queries::audit(
            &self.db,
            &actor,
            "kostra_report",
            Some(centre_id),
            parameters,
            detail.is_some(),
            now,
        )
        .await?;
        let Some(detail) = detail else {
            return Err(Refusal::forbidden(
                "only centre admins and evaluators of this centre, and evaluators granted its municipality or county, see its reports",
            )
            .into());
        };
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| Error::internal("year"))?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| Error::internal("year"))?;
        let mut persons = queries::kostra_persons(&self.db, centre_id, from, to).await?;
        if let Some(m) = &municipality {
            persons.retain(|p| p.municipality.as_deref() == Some(m.as_str()));
        }
        let raw = kostra::count(&persons);
        let resources = queries::staff_resources(&self.db, centre_id, year).await?;
        let released = match detail {
            KostraDetail::Exact => raw.exact(),
            KostraDetail::Protected => raw.protected(),
        };
        let top = [
            ("persons_total", &released.persons_total),
            ("persons_with_referral", &released.persons_with_referral),
            (
                "persons_without_referral",
                &released.persons_without_referral,
            ),
            ("men", &released.men),
            ("women", &released.women),
            ("sex_not_recorded", &released.sex_not_recorded),
        ];
        Ok(KostraReport {
            centre_id,
            year,
            exact: detail == KostraDetail::Exact,
            persons_total: released.persons_total.shown(),
            persons_with_referral: released.persons_with_referral.shown(),
            persons_without_referral: released.persons_without_referral.shown(),
            men: released.men.shown(),
            women: released.women.shown(),
            sex_not_recorded: released.sex_not_recorded.shown(),
            municipality,
            suppressed: top
                .iter()
                .filter(|(_, c)| c.is_suppressed())
                .map(|(n, _)| (*n).to_owned())
                .collect(),
            persons_per_offer: counts(&released.persons_per_offer),
            referral_sources: counts(&released.referral_sources),
            ssb_referral_sources: counts(&released.ssb_referral_sources),
            age_bands: counts(&released.age_bands),
            education: counts(&released.education),
            municipalities: counts(&released.municipalities),
            referral_reasons: counts(&released.referral_reasons),
            work_school: counts(&released.work_school),
            quality_indicators: counts(&released.quality),
            periods_per_person: released.periods_per_person,
            staff_resources: StaffResources::of(year, resources),
        })
    }
}

fn report_year(year: i32, today: NaiveDate) -> Result<()> {
    let this_year = today.year();
    if (2000..=this_year).contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(
            "year",
            "range",
            format!("must be between 2000 and {this_year}"),
        )
        .into())
    }
}

impl Store {
    /// `GET /v1/centres/{c}/staff-resources/{year}`: what the KOSTRA report
    /// will show under form 5-2-4; for those who may see the centre's
    /// reports.
    pub async fn staff_resources(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        year: i32,
    ) -> Result<StaffResources> {
        report_year(year, crate::clock::today(self.clock.now()))?;
        if !queries::may_report_on(&self.db, &principal.actor(), centre_id).await? {
            return Err(Refusal::forbidden(
                "only centre admins and evaluators of this centre see its staff resources",
            )
            .into());
        }
        let resources = queries::staff_resources(&self.db, centre_id, year).await?;
        Ok(StaffResources::of(year, resources))
    }

    /// `PUT /v1/centres/{c}/staff-resources/{year}`: the centre admin
    /// records the year's agreed hours per profession, replacing the list.
    pub async fn set_staff_resources(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        year: i32,
        input: StaffResourcesInput,
    ) -> Result<StaffResources> {
        let now = self.clock.now();
        // Who may record is judged before what they sent.
        if principal.staff_role_at(centre_id)? != AccountRole::CentreAdmin {
            return Err(
                Refusal::forbidden("only the centre's admin records its staff resources").into(),
            );
        }
        report_year(year, crate::clock::today(now))?;
        let resources = input.parse().map_err(Refusal::Invalid)?;
        self.writing(async |txn| {
            queries::replace_staff_resources(
                txn,
                principal.account_id,
                centre_id,
                year,
                &resources,
                now,
            )
            .await?;
            Ok(())
        })
        .await?;
        Ok(StaffResources::of(year, resources))
    }
}
