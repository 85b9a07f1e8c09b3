//! Anonymised reports for the municipality and evaluators: the KOSTRA-style
//! yearly centre report. Every request, allowed or refused, writes an
//! `export_audit` row with its parameters.

use chrono::{Datelike, NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::disclosure::Cell;
use friskliv_domain::kostra;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::participants::actor_of;
use crate::auth::{BearerAuth, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::params::{Bounded, IdParam};
use crate::state::AppState;
use friskliv_store::clock;
use friskliv_store::db::reports;

pub struct ReportsApi;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

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

#[derive(ApiResponse)]
pub enum KostraResponse {
    #[oai(status = 200)]
    Json(Json<KostraReport>),
    /// `measure,category,persons` rows, UTF-8 with a header.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

fn counts(map: &std::collections::BTreeMap<&'static str, Cell>) -> Vec<Count> {
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

fn csv(report: &KostraReport) -> String {
    let mut out = String::from("measure,category,persons\n");
    for (measure, category, n) in [
        ("persons", "total", report.persons_total),
        ("persons", "with_referral", report.persons_with_referral),
        (
            "persons",
            "without_referral",
            report.persons_without_referral,
        ),
        ("persons", "men", report.men),
    ] {
        out.push_str(&format!("{measure},{category},{}\n", shown(n)));
    }
    for (measure, list) in [
        ("offer", &report.persons_per_offer),
        ("referral_source", &report.referral_sources),
    ] {
        for c in list {
            out.push_str(&format!(
                "{measure},{},{}\n",
                friskliv_store::csv::field(&c.category),
                shown(c.persons)
            ));
        }
    }
    out
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ReportsApi {
    /// KOSTRA-style yearly report of a centre (centre admin or evaluator of the centre)
    #[oai(
        path = "/v1/centres/:centre_id/reports/kostra",
        method = "get",
        operation_id = "getKostraReport"
    )]
    async fn kostra(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        /// The calendar year, e.g. 2026.
        year: Query<Bounded<i32, 2000, 9999>>,
        /// `json` (default) or `csv`.
        format: Query<Option<Format>>,
    ) -> ApiResult<KostraResponse> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let now = Utc::now();
        let this_year = clock::today(now).year();
        let year = year.0.0;
        if !(2000..=this_year).contains(&year) {
            return Err(ApiError::validation(FieldError::new(
                "year",
                "range",
                format!("must be between 2000 and {this_year}"),
            )));
        }
        let format = format.0.unwrap_or(Format::Json);
        let actor = actor_of(&principal);
        let detail = reports::kostra_detail(&state.db, &actor, centre_id).await?;
        let parameters = serde_json::json!({
            "year": year,
            "format": if format == Format::Csv { "csv" } else { "json" },
            "exact": detail == Some(reports::KostraDetail::Exact),
        });
        reports::audit(
            &state.db,
            &actor,
            "kostra_report",
            Some(centre_id),
            parameters,
            detail.is_some(),
            now,
        )
        .await?;
        let Some(detail) = detail else {
            return Err(ApiError::forbidden(
                "only centre admins and evaluators of this centre, and evaluators granted its municipality or county, see its reports",
            ));
        };
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| ApiError::internal("year"))?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| ApiError::internal("year"))?;
        let persons = reports::kostra_persons(&state.db, centre_id, from, to).await?;
        let raw = kostra::count(&persons);
        let released = match detail {
            reports::KostraDetail::Exact => raw.exact(),
            reports::KostraDetail::Protected => raw.protected(),
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
        let report = KostraReport {
            centre_id,
            year,
            exact: detail == reports::KostraDetail::Exact,
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
        };
        Ok(match format {
            Format::Json => KostraResponse::Json(Json(report)),
            Format::Csv => KostraResponse::Csv(
                Binary(csv(&report).into_bytes()),
                format!("attachment; filename=\"kostra-{year}.csv\""),
            ),
        })
    }
}
