//! A participant's attributes, referrals and triage.

use friskliv_domain::journey::{ParticipantAttributesInput, ReferralInput, TriageInput};
use friskliv_store::journey::{ParticipantAttributesView, ReferralList, ReferralView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, staff_case};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::IdParam;
use crate::state::AppState;

pub struct ReferralsApi;

#[derive(ApiResponse)]
pub enum ReferralCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ReferralView>),
}

#[OpenApi(tag = "ApiTags::Journey")]
impl ReferralsApi {
    /// A participant's attributes (birth month, sex, height, …)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/attributes",
        method = "get",
        operation_id = "getParticipantAttributes"
    )]
    async fn get_attributes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<ParticipantAttributesView>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let attributes = state.store.participant_attributes(&case).await?;
        Ok(Json(attributes))
    }

    /// Set a participant's attributes (fields given replace, absent ones are kept)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/attributes",
        method = "patch",
        operation_id = "updateParticipantAttributes"
    )]
    async fn update_attributes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<ParticipantAttributesInput>,
    ) -> ApiResult<Json<ParticipantAttributesView>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let attrs = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let attributes = state
            .store
            .update_participant_attributes(&case, &attrs)
            .await?;
        Ok(Json(attributes))
    }

    /// A participant's referrals and their triage
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals",
        method = "get",
        operation_id = "listReferrals"
    )]
    async fn list_referrals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
    ) -> ApiResult<Json<ReferralList>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let referrals = state.store.referrals(&case).await?;
        Ok(Json(referrals))
    }

    /// Record a referral (henvisning) or self-contact (`referrer_type: self`)
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals",
        method = "post",
        operation_id = "createReferral"
    )]
    async fn create_referral(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        body: JsonBody<ReferralInput>,
    ) -> ApiResult<ReferralCreated> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let referral = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let referral = state.store.create_referral(&case, &referral).await?;
        Ok(ReferralCreated::Created(Json(referral)))
    }

    /// Record the triage outcome of the first conversation
    #[oai(
        path = "/v1/centres/:centre_id/participants/:participant_id/referrals/:referral_id/triage",
        method = "put",
        operation_id = "setTriage"
    )]
    async fn set_triage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        participant_id: Path<IdParam>,
        referral_id: Path<IdParam>,
        body: JsonBody<TriageInput>,
    ) -> ApiResult<Json<ReferralView>> {
        let case = staff_case(&state, &auth, &centre_id, &participant_id).await?;
        let referral_id = referral_id.get("referral_id")?;
        let triage = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let referral = state.store.set_triage(&case, referral_id, &triage).await?;
        Ok(Json(referral))
    }
}
