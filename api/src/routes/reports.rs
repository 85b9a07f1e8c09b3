//! Anonymised reports for the municipality and evaluators: the KOSTRA-style
//! yearly centre report. Every request, allowed or refused, writes an
//! `export_audit` row with its parameters.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::params::{Bounded, Format, IdParam, MunicipalityParam};
use crate::state::AppState;
use friskliv_domain::kostra::StaffResourcesInput;
use friskliv_store::reports::{KostraReport, StaffResources};

pub struct ReportsApi;

#[derive(ApiResponse)]
pub enum KostraResponse {
    #[oai(status = 200)]
    Json(Json<Box<KostraReport>>),
    /// `measure,category,persons` rows, UTF-8 with a header.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
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
        /// Only participants living in this municipality (four digits): an
        /// inter-municipal centre's report per municipality.
        municipality: Query<Option<MunicipalityParam>>,
    ) -> ApiResult<KostraResponse> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let format = format.0.unwrap_or(Format::Json);
        let report = state
            .store
            .kostra_report(
                &principal,
                centre_id,
                year.0.0,
                municipality.0.as_deref(),
                format.into(),
            )
            .await?;
        Ok(match format {
            Format::Json => KostraResponse::Json(Json(Box::new(report))),
            Format::Csv => KostraResponse::Csv(
                Binary(report.csv().into_bytes()),
                format!("attachment; filename=\"kostra-{}.csv\"", report.year),
            ),
        })
    }

    /// A centre's staff resources of a year (SSB form 5-2-4; centre admin or evaluator of the centre)
    #[oai(
        path = "/v1/centres/:centre_id/staff-resources/:year",
        method = "get",
        operation_id = "getStaffResources"
    )]
    async fn staff_resources(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        /// The calendar year, e.g. 2026.
        year: Path<Bounded<i32, 2000, 9999>>,
    ) -> ApiResult<Json<StaffResources>> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let resources = state
            .store
            .staff_resources(&principal, centre_id, year.0.0)
            .await?;
        Ok(Json(resources))
    }

    /// Record a year's staff resources: agreed hours a week per profession (centre admin; replaces the year's list)
    #[oai(
        path = "/v1/centres/:centre_id/staff-resources/:year",
        method = "put",
        operation_id = "setStaffResources"
    )]
    async fn set_staff_resources(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        /// The calendar year, e.g. 2026.
        year: Path<Bounded<i32, 2000, 9999>>,
        body: JsonBody<StaffResourcesInput>,
    ) -> ApiResult<Json<StaffResources>> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let resources = state
            .store
            .set_staff_resources(&principal, centre_id, year.0.0, body.0)
            .await?;
        Ok(Json(resources))
    }
}
