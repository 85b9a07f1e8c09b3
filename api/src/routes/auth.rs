//! Passkey registration with a one-time invite, discoverable passkey
//! sign-in, and sign-out. Ceremony options are the standard WebAuthn JSON
//! (base64url binary fields) that browsers and phone passkey APIs accept as
//! they are.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use friskliv_domain::{DisplayName, FieldError, InviteCode, PasskeyName};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::TransactionTrait;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::ApiTags;
use super::me::Me;
use crate::auth::{BearerAuth, authenticate, parse_role};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::rate_limit;
use crate::state::AppState;
use friskliv_store::db::entities::webauthn_ceremony;
use friskliv_store::db::identity::{
    self, CEREMONY_AUTHENTICATION, CEREMONY_REGISTRATION, InviteRefusal, NewPasskey,
};
use friskliv_store::db::sharing;
use friskliv_store::identity::account::me_of;
use friskliv_store::identity::{sha256_hex, start_session};

/// How long a started ceremony can be finished: enough for a person to
/// answer their phone's prompt, short enough to bound stored challenges.
const CEREMONY_LIFETIME_MINUTES: i64 = 5;
const DEFAULT_PASSKEY_NAME: &str = "Passkey";

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

#[derive(Object)]
pub struct CeremonyStart {
    /// Send this back with the authenticator's answer to finish.
    pub ceremony_id: Uuid,
    /// The ceremony must be finished before this time.
    pub expires_at: DateTime<Utc>,
    /// WebAuthn options: `{"publicKey": {...}}` as for
    /// `navigator.credentials.create()` / `.get()`, binary fields base64url.
    pub options: serde_json::Value,
}

#[derive(Object, serde::Deserialize)]
pub struct CeremonyFinish {
    pub ceremony_id: Uuid,
    /// The authenticator's answer as WebAuthn JSON (`PublicKeyCredential`
    /// with base64url binary fields).
    pub credential: serde_json::Value,
}

#[derive(Object)]
pub struct NewSession {
    /// Bearer token for `Authorization: Bearer …`. Shown once; keep it in
    /// the phone's secure storage.
    pub token: String,
    /// Participants: 30 days, extended while the app is used. Staff: 12 hours.
    pub expires_at: DateTime<Utc>,
    pub account: Me,
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// Signed out: the token no longer works.
    #[oai(status = 204)]
    SignedOut,
}

pub fn ceremony_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(CEREMONY_LIFETIME_MINUTES)
}

/// What a started ceremony is for, kept with its state until it is finished.
#[derive(Default)]
pub struct CeremonyContext {
    pub invite_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub display_name: Option<String>,
    pub passkey_name: Option<String>,
}

/// Stores a started ceremony's server state and returns what the client
/// needs to run it.
pub async fn offer_ceremony(
    state: &AppState,
    kind: &str,
    server_state: &impl serde::Serialize,
    options: &impl serde::Serialize,
    context: CeremonyContext,
    now: DateTime<Utc>,
) -> ApiResult<CeremonyStart> {
    let ceremony_id = Uuid::new_v4();
    let expires_at = ceremony_expiry(now);
    identity::save_ceremony(
        &state.db,
        webauthn_ceremony::Model {
            id: ceremony_id,
            kind: kind.to_owned(),
            state: to_json(server_state)?,
            invite_id: context.invite_id,
            account_id: context.account_id,
            display_name: context.display_name,
            passkey_name: context.passkey_name,
            expires_at,
        },
        now,
    )
    .await?;
    Ok(CeremonyStart {
        ceremony_id,
        expires_at,
        options: serde_json::to_value(options).map_err(ApiError::internal)?,
    })
}

pub fn to_json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

pub fn from_json<T: serde::de::DeserializeOwned>(raw: &str) -> ApiResult<T> {
    serde_json::from_str(raw).map_err(ApiError::internal)
}

pub fn parse_credential<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(
            "credential",
            "webauthn_json",
            format!("is not a WebAuthn credential in JSON form ({e})"),
        )
    })
}

fn credential_id_text(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// A recovery invite was redeemed: whoever held the account's old
/// passkeys or sessions loses them (the sessions end now; the person
/// removes passkeys they no longer trust), and the event is recorded where
/// the account holder sees it — a participant in their access log.
async fn recovered(
    txn: &sea_orm::DatabaseTransaction,
    invite: &friskliv_store::db::entities::invite::Model,
    account: &friskliv_store::db::entities::account::Model,
    role: friskliv_domain::AccountRole,
    passkey: &friskliv_store::db::entities::passkey::Model,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let revoked = identity::revoke_sessions_of(txn, account.id, now).await?;
    identity::audit(
        txn,
        account.id,
        invite.created_by_account_id,
        "recovery_redeemed",
        serde_json::json!({
            "invite": invite.id,
            "passkey": passkey.id,
            "sessions_revoked": revoked,
        }),
        now,
    )
    .await?;
    if role != friskliv_domain::AccountRole::Participant {
        return Ok(());
    }
    let issuer = match invite.created_by_account_id {
        Some(id) => identity::find_account(txn, id).await?,
        None => None,
    };
    let actor = sharing::Actor {
        account_id: issuer.as_ref().map_or(account.id, |a| a.id),
        role: match &issuer {
            Some(a) => parse_role(&a.role)?,
            None => role,
        },
        centre_id: Some(invite.centre_id),
    };
    sharing::write_log(
        txn,
        vec![sharing::LogRow {
            participant_id: account.id,
            centre_id: Some(invite.centre_id),
            actor: &actor,
            action: "recovery_passkey_added",
            resource: &format!("passkeys/{}", passkey.id),
            consent_id: None,
            allowed: true,
        }],
        now,
    )
    .await?;
    Ok(())
}

pub fn passkey_not_accepted() -> ApiError {
    ApiError::unauthorized(
        "passkey-not-accepted",
        "the passkey was not accepted; try again or ask your centre for a recovery invite",
    )
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
        rate_limit(&state, req)?;
        let now = Utc::now();
        let code = InviteCode::parse(&body.invite_code)?;
        let passkey_name = body
            .passkey_name
            .as_deref()
            .map(PasskeyName::parse)
            .transpose()?
            .map(PasskeyName::into_inner)
            .unwrap_or_else(|| DEFAULT_PASSKEY_NAME.to_owned());

        let invite =
            match identity::find_usable_invite(&state.db, &sha256_hex(code.canonical()), now)
                .await?
            {
                Ok(invite) => invite,
                // A well-formed code names an invite: 404 when there is none,
                // 410 when it is past its expiry, 409 when it was used.
                Err(InviteRefusal::Unknown) => {
                    return Err(ApiError::not_found_field(
                        "invite_code",
                        "unknown",
                        "is not a code we issued; check it with your centre",
                    ));
                }
                Err(InviteRefusal::Expired) => {
                    return Err(ApiError::gone_field(
                        "invite_code",
                        "expired",
                        "has expired; ask your centre for a new invite",
                    ));
                }
                Err(InviteRefusal::Used) => {
                    return Err(ApiError::conflict(
                        "invite-used",
                        "this invite code has already been used; each code works once",
                    ));
                }
            };

        let (account_id, display_name, exclude) = match invite.recovery_for_account_id {
            Some(account_id) => {
                let account = identity::find_account(&state.db, account_id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("account for this recovery invite"))?;
                let existing = identity::passkeys_of(&state.db, account_id)
                    .await?
                    .iter()
                    .map(|p| from_json::<Passkey>(&p.credential).map(|k| k.cred_id().clone()))
                    .collect::<ApiResult<Vec<_>>>()?;
                (account_id, account.display_name, Some(existing))
            }
            None => {
                let raw = body.display_name.as_deref().ok_or_else(|| {
                    FieldError::new(
                        "display_name",
                        "required",
                        "is required when creating an account",
                    )
                })?;
                (Uuid::new_v4(), DisplayName::parse(raw)?.into_inner(), None)
            }
        };

        let (mut options, registration) = state
            .webauthn
            .start_passkey_registration(account_id, &display_name, &display_name, exclude)
            .map_err(ApiError::internal)?;
        // Sign-in is discoverable (no user name typed), so the passkey must
        // be stored on the authenticator.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }

        let context = CeremonyContext {
            invite_id: Some(invite.id),
            account_id: Some(account_id),
            display_name: Some(display_name),
            passkey_name: Some(passkey_name),
        };
        Ok(Json(
            offer_ceremony(
                &state,
                CEREMONY_REGISTRATION,
                &registration,
                &options,
                context,
                now,
            )
            .await?,
        ))
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
        rate_limit(&state, req)?;
        let now = Utc::now();
        let body = body.0;
        // The ceremony first: an unknown one is 404 whatever the credential.
        let ceremony =
            identity::take_ceremony(&state.db, body.ceremony_id, CEREMONY_REGISTRATION, now)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found("registration in progress (expired or already finished)")
                })?;
        let credential: RegisterPublicKeyCredential = parse_credential(body.credential)?;
        let (Some(invite_id), Some(account_id)) = (ceremony.invite_id, ceremony.account_id) else {
            return Err(ApiError::internal(
                "registration ceremony without invite or account",
            ));
        };
        let registration: PasskeyRegistration = from_json(&ceremony.state)?;
        let passkey = state
            .webauthn
            .finish_passkey_registration(&credential, &registration)
            .map_err(|e| {
                tracing::info!(error = ?e, "passkey registration refused");
                ApiError::validation(FieldError::new(
                    "credential",
                    "webauthn",
                    "the authenticator's answer did not verify against this ceremony",
                ))
            })?;

        let txn = state.db.begin().await?;
        let invite = identity::find_invite(&txn, invite_id)
            .await?
            .ok_or_else(|| ApiError::conflict("invite-used", "the invite no longer exists"))?;
        let role = parse_role(&invite.role)?;
        let account = match invite.recovery_for_account_id {
            Some(existing) => identity::find_account(&txn, existing)
                .await?
                .ok_or_else(|| ApiError::not_found("account for this recovery invite"))?,
            None => {
                let display_name = ceremony.display_name.as_deref().unwrap_or_default();
                identity::create_account(
                    &txn,
                    account_id,
                    role,
                    invite.centre_id,
                    display_name,
                    now,
                )
                .await?
            }
        };
        if invite.recovery_for_account_id.is_none() {
            sharing::apply_invite_details(&txn, invite.id, account.id, now).await?;
        }
        if !identity::consume_invite(&txn, invite.id, account.id, now).await? {
            return Err(ApiError::conflict(
                "invite-used",
                "this invite code was used or expired while the passkey was being made",
            ));
        }
        let added = identity::add_passkey(
            &txn,
            NewPasskey {
                account_id: account.id,
                credential_id: credential_id_text(passkey.cred_id().as_ref()),
                name: ceremony
                    .passkey_name
                    .unwrap_or_else(|| DEFAULT_PASSKEY_NAME.to_owned()),
                credential: to_json(&passkey)?,
            },
            now,
        )
        .await?;
        let Some(added) = added else {
            return Err(ApiError::conflict(
                "passkey-already-registered",
                "this passkey is already registered to an account",
            ));
        };
        let account_role = parse_role(&account.role)?;
        if invite.recovery_for_account_id.is_some() {
            recovered(&txn, &invite, &account, account_role, &added, now).await?;
        }
        let (token, session) = start_session(&txn, account.id, account_role, now).await?;
        txn.commit().await?;
        tracing::info!(account = %account.id, role = %account_role, recovery = invite.recovery_for_account_id.is_some(), "passkey registered");
        Ok(Json(NewSession {
            token,
            expires_at: session.expires_at,
            account: me_of(&state.db, account.id, session.expires_at).await?,
        }))
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
        rate_limit(&state, req)?;
        let now = Utc::now();
        let (options, authentication) = state
            .webauthn
            .start_discoverable_authentication()
            .map_err(ApiError::internal)?;
        Ok(Json(
            offer_ceremony(
                &state,
                CEREMONY_AUTHENTICATION,
                &authentication,
                &options,
                CeremonyContext::default(),
                now,
            )
            .await?,
        ))
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
        rate_limit(&state, req)?;
        let now = Utc::now();
        let body = body.0;
        let ceremony =
            identity::take_ceremony(&state.db, body.ceremony_id, CEREMONY_AUTHENTICATION, now)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found("sign-in in progress (expired or already finished)")
                })?;
        let credential: PublicKeyCredential = parse_credential(body.credential)?;
        let authentication: DiscoverableAuthentication = from_json(&ceremony.state)?;
        let (account_id, credential_id) = state
            .webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|_| passkey_not_accepted())?;
        let stored = identity::find_passkey_by_credential(
            &state.db,
            account_id,
            &credential_id_text(credential_id),
        )
        .await?
        .ok_or_else(passkey_not_accepted)?;
        let mut passkey: Passkey = from_json(&stored.credential)?;
        let result = state
            .webauthn
            .finish_discoverable_authentication_v2(&credential, authentication, &passkey)
            .map_err(|e| {
                tracing::info!(error = ?e, "passkey sign-in refused");
                passkey_not_accepted()
            })?;
        let updated = match passkey.update_credential(&result) {
            Some(true) => Some(to_json(&passkey)?),
            _ => None,
        };
        let account = identity::find_account(&state.db, account_id)
            .await?
            .ok_or_else(passkey_not_accepted)?;
        let role = parse_role(&account.role)?;
        let txn = state.db.begin().await?;
        identity::record_passkey_use(&txn, stored.id, updated, now).await?;
        let (token, session) = start_session(&txn, account.id, role, now).await?;
        txn.commit().await?;
        Ok(Json(NewSession {
            token,
            expires_at: session.expires_at,
            account: me_of(&state.db, account.id, session.expires_at).await?,
        }))
    }

    /// Sign out: revoke the session this token belongs to
    #[oai(path = "/v1/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<LogoutResponse> {
        let principal = authenticate(&state, &auth).await?;
        identity::revoke_session(&state.db, principal.session_id, Utc::now()).await?;
        Ok(LogoutResponse::SignedOut)
    }
}
