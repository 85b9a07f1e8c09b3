//! The participant's (or guardian's) side of sharing: consents and their
//! history, the epikrise objection, and the access log of staff reads.

use friskliv_domain::FieldError;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::views::OralConfirmed;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{Bounded, IdParam};
use crate::state::AppState;
use friskliv_store::sharing::access_log::AccessLogPage;
use friskliv_store::sharing::consents::{ConsentHistory, ConsentRequest, Granted};
use friskliv_store::sharing::{ConsentView, OralConsentView};
use friskliv_store::sharing::{manages_consents, reads_own_access_log};

pub struct SharingApi;

#[derive(ApiResponse)]
pub enum ConsentGranted {
    /// A new consent, in force from the next request.
    #[oai(status = 201)]
    Created(Json<ConsentView>),
    /// The same consent was already in force.
    #[oai(status = 200)]
    AlreadyActive(Json<ConsentView>),
}

#[derive(Object, serde::Deserialize)]
pub struct EpikriseObjection {
    /// `true`: do not send an epikrise to my GP or referrer.
    pub objects: bool,
}

#[OpenApi(tag = "ApiTags::Sharing")]
impl SharingApi {
    /// My consents and their history (a guardian: their children's)
    #[oai(
        path = "/v1/me/consents",
        method = "get",
        operation_id = "listMyConsents"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<ConsentHistory>> {
        let principal = authenticate(&state, &auth).await?;
        Ok(Json(state.store.my_consents(&principal).await?))
    }

    /// Consent to share a scope of my data with a centre
    #[oai(
        path = "/v1/me/consents",
        method = "post",
        operation_id = "grantConsent"
    )]
    async fn grant(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<ConsentRequest>,
    ) -> ApiResult<ConsentGranted> {
        let principal = authenticate(&state, &auth).await?;
        Ok(match state.store.grant_consent(&principal, &body).await? {
            Granted::New(view) => ConsentGranted::Created(Json(view)),
            Granted::AlreadyActive(view) => ConsentGranted::AlreadyActive(Json(view)),
        })
    }

    /// Withdraw a consent: the centre loses access on its next request
    #[oai(
        path = "/v1/me/consents/:consent_id",
        method = "delete",
        operation_id = "withdrawConsent"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        consent_id: Path<IdParam>,
    ) -> ApiResult<Json<ConsentView>> {
        let principal = authenticate(&state, &auth).await?;
        // Who may withdraw is judged before the id, as it always was.
        manages_consents(&principal)?;
        let consent_id = consent_id.get("consent_id")?;
        Ok(Json(
            state.store.withdraw_consent(&principal, consent_id).await?,
        ))
    }

    /// Confirm oral consent a veileder recorded for me
    ///
    /// It becomes a consent at once, from the next request on.
    #[oai(
        path = "/v1/me/oral-consents/:oral_consent_id/confirm",
        method = "post",
        operation_id = "confirmMyOralConsent"
    )]
    async fn confirm_oral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        oral_consent_id: Path<IdParam>,
    ) -> ApiResult<OralConfirmed> {
        let principal = authenticate(&state, &auth).await?;
        let id = oral_consent_id.get("oral_consent_id")?;
        let consent = state.store.confirm_my_oral_consent(&principal, id).await?;
        Ok(OralConfirmed::Created(Json(consent)))
    }

    /// Decline oral consent a veileder recorded for me: I did not give it
    #[oai(
        path = "/v1/me/oral-consents/:oral_consent_id/decline",
        method = "post",
        operation_id = "declineMyOralConsent"
    )]
    async fn decline_oral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        oral_consent_id: Path<IdParam>,
    ) -> ApiResult<Json<OralConsentView>> {
        let principal = authenticate(&state, &auth).await?;
        let id = oral_consent_id.get("oral_consent_id")?;
        Ok(Json(
            state.store.decline_my_oral_consent(&principal, id).await?,
        ))
    }

    /// Object (or stop objecting) to an epikrise being sent to my GP or referrer
    #[oai(
        path = "/v1/me/epikrise-objection",
        method = "put",
        operation_id = "setEpikriseObjection"
    )]
    async fn epikrise(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<EpikriseObjection>,
    ) -> ApiResult<Json<EpikriseObjection>> {
        let principal = authenticate(&state, &auth).await?;
        let objects = state
            .store
            .set_epikrise_objection(&principal, body.objects)
            .await?;
        Ok(Json(EpikriseObjection { objects }))
    }

    /// Who at a centre has read or written my data, and who was refused
    #[oai(
        path = "/v1/me/access-log",
        method = "get",
        operation_id = "listMyAccessLog"
    )]
    async fn access_log(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// From the previous page's `next_cursor`.
        cursor: Query<Option<IdParam>>,
        /// 1–500, default 100.
        limit: Query<Option<Bounded<u32, 1, 500>>>,
    ) -> ApiResult<Json<AccessLogPage>> {
        let principal = authenticate(&state, &auth).await?;
        // Whose log it is is judged before the paging parameters, as it
        // always was.
        reads_own_access_log(&principal)?;
        let limit = u64::from(limit.0.map_or(100, |l| l.0));
        if !(1..=500).contains(&limit) {
            return Err(ApiError::validation(FieldError::new(
                "limit",
                "range",
                "must be between 1 and 500",
            )));
        }
        let before = cursor.0.as_ref().map(|c| c.get("cursor")).transpose()?;
        Ok(Json(
            state.store.my_access_log(&principal, before, limit).await?,
        ))
    }
}
