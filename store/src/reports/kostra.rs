//! The KOSTRA-style yearly centre report. Every request, allowed or
//! refused, writes an `export_audit` row with its parameters.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use friskliv_domain::FieldError;
use friskliv_domain::disclosure::Cell;
use friskliv_domain::kostra;
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

/// The KOSTRA-style yearly report of one centre. Each person is counted
/// once per row; persons with contact in the year are those with a
/// follow-up period running, a referral dated, or a course started in it.
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
    /// The top-level counts that are suppressed.
    pub suppressed: Vec<String>,
    /// `follow_up_period` (frisklivsresept) and each course kind.
    pub persons_per_offer: Vec<Count>,
    /// By referrer type (`self` = self-contact); KOSTRA itself lacks this.
    pub referral_sources: Vec<Count>,
}

fn counts(map: &BTreeMap<&'static str, Cell>) -> Vec<Count> {
    map.iter()
        .map(|(category, cell)| Count {
            category: (*category).to_owned(),
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
        ] {
            out.push_str(&format!("{measure},{category},{}\n", shown(n)));
        }
        for (measure, list) in [
            ("offer", &self.persons_per_offer),
            ("referral_source", &self.referral_sources),
        ] {
            for c in list {
                out.push_str(&format!(
                    "{measure},{},{}\n",
                    crate::csv::field(&c.category),
                    shown(c.persons)
                ));
            }
        }
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
        let actor = principal.actor();
        let detail = queries::kostra_detail(&self.db, &actor, centre_id).await?;
        let parameters = serde_json::json!({
            "year": year,
            "format": format.as_str(),
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
        let persons = queries::kostra_persons(&self.db, centre_id, from, to).await?;
        let raw = kostra::count(&persons);
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
        ];
        Ok(KostraReport {
            centre_id,
            year,
            exact: detail == KostraDetail::Exact,
            persons_total: released.persons_total.shown(),
            persons_with_referral: released.persons_with_referral.shown(),
            persons_without_referral: released.persons_without_referral.shown(),
            men: released.men.shown(),
            suppressed: top
                .iter()
                .filter(|(_, c)| c.is_suppressed())
                .map(|(n, _)| (*n).to_owned())
                .collect(),
            persons_per_offer: counts(&released.persons_per_offer),
            referral_sources: counts(&released.referral_sources),
        })
    }
}
