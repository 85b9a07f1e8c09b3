//! A participant's attributes, referrals and triage.

use friskliv_domain::journey::{ParticipantAttributesInput, ReferralInput, TriageInput};
use friskliv_store::journey::{ParticipantAttributesView, ReferralList, ReferralView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::params::{IdParam, ids};
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let attributes = state
            .store
            .participant_attributes(&principal, centre_id, participant_id)
            .await?;
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let attrs = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let attributes = state
            .store
            .update_participant_attributes(&principal, centre_id, participant_id, &attrs)
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let referrals = state
            .store
            .referrals(&principal, centre_id, participant_id)
            .await?;
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let referral = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let referral = state
            .store
            .create_referral(&principal, centre_id, participant_id, &referral)
            .await?;
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
        let principal = authenticate(&state, &auth).await?;
        let (centre_id, participant_id) = ids(&centre_id, &participant_id)?;
        let referral_id = referral_id.get("referral_id")?;
        let triage = body
            .0
            .parse(state.store.clock().today())
            .map_err(ApiError::validation_many)?;
        let referral = state
            .store
            .set_triage(&principal, centre_id, participant_id, referral_id, &triage)
            .await?;
        Ok(Json(referral))
    }
}
