//! Anonymised reports for the municipality and evaluators: the KOSTRA-style
//! yearly centre report. Every request, allowed or refused, writes an
//! `export_audit` row with its parameters.

use chrono::{Datelike, NaiveDate, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::kostra::{self, KostraCounts};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::participants::actor_of;
use crate::auth::{BearerAuth, authenticate};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::params::{Bounded, IdParam};
use crate::state::AppState;
use crate::store::reports;

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
    pub persons: u64,
}

/// The KOSTRA-style yearly report of one centre. Each person is counted
/// once per row; persons with contact in the year are those with a
/// follow-up period running, a referral dated, or a course started in it.
#[derive(Object)]
pub struct KostraReport {
    pub centre_id: Uuid,
    pub year: i32,
    pub persons_total: u64,
    pub persons_with_referral: u64,
    pub persons_without_referral: u64,
    pub men: u64,
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

fn counts(map: &std::collections::BTreeMap<&'static str, u64>) -> Vec<Count> {
    map.iter()
        .map(|(category, persons)| Count {
            category: (*category).to_owned(),
            persons: *persons,
        })
        .collect()
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
        out.push_str(&format!("{measure},{category},{n}\n"));
    }
    for c in &report.persons_per_offer {
        out.push_str(&format!("offer,{},{}\n", c.category, c.persons));
    }
    for c in &report.referral_sources {
        out.push_str(&format!("referral_source,{},{}\n", c.category, c.persons));
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
        let allowed = reports::may_report_on(&state.db, &actor, centre_id).await?;
        let parameters = serde_json::json!({
            "year": year,
            "format": if format == Format::Csv { "csv" } else { "json" },
        });
        reports::audit(
            &state.db,
            &actor,
            "kostra_report",
            Some(centre_id),
            parameters,
            allowed,
            now,
        )
        .await?;
        if !allowed {
            return Err(ApiError::forbidden(
                "only centre admins and evaluators of this centre, and evaluators granted its municipality or county, see its reports",
            ));
        }
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| ApiError::internal("year"))?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| ApiError::internal("year"))?;
        let persons = reports::kostra_persons(&state.db, centre_id, from, to).await?;
        let KostraCounts {
            persons_total,
            persons_with_referral,
            persons_without_referral,
            men,
            persons_per_offer,
            referral_sources,
        } = kostra::count(&persons);
        let report = KostraReport {
            centre_id,
            year,
            persons_total,
            persons_with_referral,
            persons_without_referral,
            men,
            persons_per_offer: counts(&persons_per_offer),
            referral_sources: counts(&referral_sources),
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
