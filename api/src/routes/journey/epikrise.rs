//! A period's epikrise to the fastlege and the referrer, or a
//! self-referral's message to the GP: drafted from the period, viewed as
//! JSON, FHIR R4 or PDF, its assessment edited while a draft, then sent.

use friskliv_domain::journey::{
    EpikriseAssessmentInput, EpikriseDraftInput, EpikriseKind, EpikriseSendingInput,
    assessment_text,
};
use friskliv_store::journey::epikrise::EpikriseView;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, staff_period};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, PeriodParam};
use crate::state::AppState;

pub struct EpikriseApi;

#[derive(ApiResponse)]
pub enum EpikriseDrafted {
    /// Drafted (or redrafted from the period as it is now).
    #[oai(status = 201)]
    Created(Json<EpikriseView>),
}

#[derive(ApiResponse)]
pub enum EpikriseFhir {
    /// A FHIR R4 `Bundle` of type `document`, its `Composition` first.
    #[oai(status = 200, content_type = "application/fhir+json")]
    Bundle(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum EpikrisePdf {
    /// An A4 PDF with the document's content.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

/// `epikrise` (default) or `gp_message`; another word names no document (404).
fn kind_of(raw: Option<&str>) -> ApiResult<EpikriseKind> {
    match raw {
        None => Ok(EpikriseKind::Epikrise),
        Some(raw) => raw.parse().map_err(|_: String| {
            ApiError::not_found_field("kind", "one_of", "must be epikrise or gp_message")
        }),
    }
}

#[OpenApi(tag = "ApiTags::Journey")]
impl EpikriseApi {
    /// Draft the period's epikrise (after its end) or message to the GP (from its start); redrafts a draft. Refused (403) when the participant objects to an epikrise
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise",
        method = "post",
        operation_id = "draftEpikrise"
    )]
    async fn draft(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<EpikriseDraftInput>,
    ) -> ApiResult<EpikriseDrafted> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let draft = body.0.parse().map_err(ApiError::validation_many)?;
        let view = state.store.draft_epikrise(&case, seq, draft).await?;
        Ok(EpikriseDrafted::Created(Json(view)))
    }

    /// The period's epikrise or message to the GP: status, assessment, recipients, sendings and the FHIR Bundle
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise",
        method = "get",
        operation_id = "getEpikrise"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        /// `epikrise` (default) or `gp_message`.
        kind: Query<Option<String>>,
    ) -> ApiResult<Json<EpikriseView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let kind = kind_of(kind.0.as_deref())?;
        Ok(Json(state.store.epikrise(&case, seq, kind).await?))
    }

    /// The document as a FHIR R4 document Bundle (Composition, Patient, Organization, Practitioner, Observations)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise/fhir",
        method = "get",
        operation_id = "getEpikriseFhir"
    )]
    async fn fhir(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        /// `epikrise` (default) or `gp_message`.
        kind: Query<Option<String>>,
    ) -> ApiResult<EpikriseFhir> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let kind = kind_of(kind.0.as_deref())?;
        let bundle = state.store.epikrise_fhir(&case, seq, kind).await?;
        let bytes = serde_json::to_vec(&bundle).map_err(ApiError::internal)?;
        Ok(EpikriseFhir::Bundle(Binary(bytes)))
    }

    /// The document as a printable A4 PDF (bokmål)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise/pdf",
        method = "get",
        operation_id = "getEpikrisePdf"
    )]
    async fn pdf(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        /// `epikrise` (default) or `gp_message`.
        kind: Query<Option<String>>,
    ) -> ApiResult<EpikrisePdf> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let kind = kind_of(kind.0.as_deref())?;
        let pdf = state.store.epikrise_pdf(&case, seq, kind).await?;
        Ok(EpikrisePdf::Pdf(
            Binary(pdf),
            format!("inline; filename=\"{kind}-periode-{seq}.pdf\""),
        ))
    }

    /// Edit the veileder's assessment of a draft (409 once sent)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise/assessment",
        method = "put",
        operation_id = "editEpikriseAssessment"
    )]
    async fn edit_assessment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<EpikriseAssessmentInput>,
    ) -> ApiResult<Json<EpikriseView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let input = body.0;
        let assessment = assessment_text(&input.assessment).map_err(ApiError::validation)?;
        let kind = input.kind.unwrap_or(EpikriseKind::Epikrise);
        let view = state
            .store
            .edit_epikrise_assessment(&case, seq, kind, assessment)
            .await?;
        Ok(Json(view))
    }

    /// Record that the document was sent (to whom, how, when); it is then final. Further sendings may follow (GP, then referrer). Refused (403) when the participant objects
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/periods/:period/epikrise/send",
        method = "post",
        operation_id = "markEpikriseSent"
    )]
    async fn send(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        period: Path<PeriodParam>,
        body: JsonBody<EpikriseSendingInput>,
    ) -> ApiResult<Json<EpikriseView>> {
        let (case, seq) = staff_period(&state, &auth, &centre_id, &participant_id, &period).await?;
        let sending = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let view = state.store.mark_epikrise_sent(&case, seq, sending).await?;
        Ok(Json(view))
    }
}
