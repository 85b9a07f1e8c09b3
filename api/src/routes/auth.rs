//! Passkey registration with a one-time invite, discoverable passkey
//! sign-in, and sign-out. Ceremony options are the standard WebAuthn JSON
//! (base64url binary fields) that browsers and phone passkey APIs accept as
//! they are.

use friskliv_domain::{InviteCode, PasskeyName};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::ApiTags;
use super::passkey::CeremonyFinish;
use crate::auth::{BearerAuth, authenticate};
use crate::body::JsonBody;
use crate::error::ApiResult;
use crate::rate_limit::rate_limit;
use crate::state::AppState;
use friskliv_store::identity::ceremonies::RegistrationStart;
use friskliv_store::identity::ceremonies::{CeremonyStart, NewSession};

pub struct AuthApi;

#[derive(Object, serde::Deserialize)]
pub struct RegistrationStartRequest {
    /// The one-time code from the invite, e.g. `ABCD-EFGH-JKMN-PQRS`
    /// (case, spaces and dashes do not matter).
    pub invite_code: String,
    /// What the new account is called (1–80 characters). Required for a
    /// new account, ignored for a recovery invite.
    #[oai(validator(max_length = 80))]
    pub display_name: Option<String>,
    /// A label for this passkey, e.g. the phone's name (1–60 characters).
    #[oai(validator(max_length = 60))]
    pub passkey_name: Option<String>,
}

impl RegistrationStartRequest {
    /// The invite code and passkey name checked; the display name is judged
    /// by the store once the invite says whether an account is made.
    fn parse(self) -> ApiResult<RegistrationStart> {
        let code = InviteCode::parse(&self.invite_code)?;
        let passkey_name = self
            .passkey_name
            .as_deref()
            .map(PasskeyName::parse)
            .transpose()?;
        Ok(RegistrationStart {
            code,
            display_name: self.display_name,
            passkey_name,
        })
    }
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// Signed out: the token no longer works.
    #[oai(status = 204)]
    SignedOut,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Start registering a passkey with a one-time invite code
    ///
    /// A new invite creates an account with the invite's role and centre; a
    /// recovery invite adds a passkey to the account it was issued for.
    #[oai(
        path = "/v1/auth/register/start",
        method = "post",
        operation_id = "registerStart"
    )]
    async fn register_start(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<RegistrationStartRequest>,
    ) -> ApiResult<Json<CeremonyStart>> {
        rate_limit(&state.auth_limiter, &state.config.trusted_proxies, req)?;
        let start = body.0.parse()?;
        Ok(Json(state.store.register_start(start).await?))
    }

    /// Finish registering a passkey; signs the account in
    #[oai(
        path = "/v1/auth/register/finish",
        method = "post",
        operation_id = "registerFinish"
    )]
    async fn register_finish(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<CeremonyFinish>,
    ) -> ApiResult<Json<NewSession>> {
        rate_limit(&state.auth_limiter, &state.config.trusted_proxies, req)?;
        let finish = body.0.parse::<RegisterPublicKeyCredential>();
        Ok(Json(state.store.register_finish(finish).await?))
    }

    /// Start a passkey sign-in (discoverable: no user name needed)
    #[oai(
        path = "/v1/auth/login/start",
        method = "post",
        operation_id = "loginStart"
    )]
    async fn login_start(
        &self,
        state: Data<&AppState>,
        req: &Request,
    ) -> ApiResult<Json<CeremonyStart>> {
        rate_limit(&state.auth_limiter, &state.config.trusted_proxies, req)?;
        Ok(Json(state.store.login_start().await?))
    }

    /// Finish a passkey sign-in; returns a session token
    #[oai(
        path = "/v1/auth/login/finish",
        method = "post",
        operation_id = "loginFinish"
    )]
    async fn login_finish(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<CeremonyFinish>,
    ) -> ApiResult<Json<NewSession>> {
        rate_limit(&state.auth_limiter, &state.config.trusted_proxies, req)?;
        let finish = body.0.parse::<PublicKeyCredential>();
        Ok(Json(state.store.login_finish(finish).await?))
    }

    /// Sign out: revoke the session this token belongs to
    #[oai(path = "/v1/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<LogoutResponse> {
        let principal = authenticate(&state, &auth).await?;
        state.store.logout(&principal).await?;
        Ok(LogoutResponse::SignedOut)
    }
}
