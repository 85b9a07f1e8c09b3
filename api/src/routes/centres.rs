//! Centre administration: invites for staff and participants, including
//! recovery invites that add a passkey to an existing account.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::params::IdParam;
use crate::state::AppState;
pub use friskliv_store::identity::invites::{InviteRequest, IssuedInvite};

pub struct CentresApi;

#[derive(ApiResponse)]
pub enum InviteCreated {
    /// The invite was issued.
    #[oai(status = 201)]
    Created(Json<IssuedInvite>),
}

#[OpenApi(tag = "ApiTags::Centres")]
impl CentresApi {
    /// Issue a one-time invite (or recovery invite) at a centre
    #[oai(
        path = "/v1/centres/:centre_id/invites",
        method = "post",
        operation_id = "createInvite"
    )]
    async fn create_invite(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        centre_id: Path<IdParam>,
        body: JsonBody<InviteRequest>,
    ) -> ApiResult<InviteCreated> {
        let principal = authenticate(&state, &auth).await?;
        let centre_id = centre_id.get("centre_id")?;
        let invite = state
            .store
            .create_invite(&principal, centre_id, &body)
            .await?;
        Ok(InviteCreated::Created(Json(invite)))
    }
}
