//! Passkey ceremonies: registration with a one-time invite (a new account,
//! or a recovery invite's passkey for an existing one), discoverable
//! sign-in, and the passkey confirmation before an account is erased. A
//! started ceremony's server state is stored; finishing takes it out, once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use friskliv_domain::{AccountRole, DisplayName, FieldError, InviteCode, PasskeyName};
use poem_openapi::Object;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::account::{Me, me_of};
use super::{sha256_hex, start_session};
use crate::db::entities::{account, invite, passkey, webauthn_ceremony};
use crate::db::identity::{
    self as queries, CEREMONY_AUTHENTICATION, CEREMONY_ERASURE, CEREMONY_REGISTRATION,
    InviteRefusal, NewPasskey,
};
use crate::db::sharing;
use crate::error::{Error, Refusal, Result, stored_enum};
use crate::{Principal, Store};

/// How long a started ceremony can be finished: enough for a person to
/// answer their phone's prompt, short enough to bound stored challenges.
const CEREMONY_LIFETIME_MINUTES: i64 = 5;
const DEFAULT_PASSKEY_NAME: &str = "Passkey";

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

#[derive(Object)]
pub struct NewSession {
    /// Bearer token for `Authorization: Bearer …`. Shown once; keep it in
    /// the phone's secure storage.
    pub token: String,
    /// Participants: 30 days, extended while the app is used. Staff: 12 hours.
    pub expires_at: DateTime<Utc>,
    pub account: Me,
}

/// A registration to start, as the api read it: the invite code and the
/// passkey's name are checked; the display name is judged only once the
/// invite says whether a new account is made.
pub struct RegistrationStart {
    pub code: InviteCode,
    /// Required for a new account, ignored for a recovery invite.
    pub display_name: Option<String>,
    pub passkey_name: Option<PasskeyName>,
}

/// A ceremony's finish as the client sent it. The credential is as the api
/// parsed it: an unreadable one is refused only once the ceremony is known
/// (an unknown ceremony is 404 whatever the credential).
pub struct Finish<C> {
    pub ceremony_id: Uuid,
    pub credential: std::result::Result<C, FieldError>,
}

impl<C> Finish<C> {
    fn credential(self) -> Result<C> {
        self.credential.map_err(|e| Refusal::Unreadable(e).into())
    }
}

fn ceremony_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(CEREMONY_LIFETIME_MINUTES)
}

/// What a started ceremony is for, kept with its state until it is finished.
#[derive(Default)]
struct CeremonyContext {
    invite_id: Option<Uuid>,
    account_id: Option<Uuid>,
    display_name: Option<String>,
    passkey_name: Option<String>,
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::internal)
}

fn from_json<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(Error::internal)
}

fn credential_id_text(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn passkey_not_accepted() -> Refusal {
    Refusal::Unauthenticated {
        code: "passkey-not-accepted",
        detail: "the passkey was not accepted; try again or ask your centre for a recovery invite"
            .to_owned(),
    }
}

impl Store {
    /// Stores a started ceremony's server state and returns what the client
    /// needs to run it.
    async fn offer_ceremony(
        &self,
        kind: &str,
        server_state: &impl serde::Serialize,
        options: &impl serde::Serialize,
        context: CeremonyContext,
        now: DateTime<Utc>,
    ) -> Result<CeremonyStart> {
        let ceremony_id = Uuid::new_v4();
        let expires_at = ceremony_expiry(now);
        queries::save_ceremony(
            &self.db,
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
            options: serde_json::to_value(options).map_err(Error::internal)?,
        })
    }

    /// `POST /v1/auth/register/start`: a new invite makes an account with
    /// the invite's role and centre; a recovery invite adds a passkey to the
    /// account it was issued for.
    pub async fn register_start(&self, start: RegistrationStart) -> Result<CeremonyStart> {
        let now = self.clock.now();
        let passkey_name = start
            .passkey_name
            .map(PasskeyName::into_inner)
            .unwrap_or_else(|| DEFAULT_PASSKEY_NAME.to_owned());

        let invite =
            match queries::find_usable_invite(&self.db, &sha256_hex(start.code.canonical()), now)
                .await?
            {
                Ok(invite) => invite,
                // A well-formed code names an invite: 404 when there is none,
                // 410 when it is past its expiry, 409 when it was used.
                Err(InviteRefusal::Unknown) => {
                    return Err(Refusal::NotFoundField(FieldError::new(
                        "invite_code",
                        "unknown",
                        "is not a code we issued; check it with your centre",
                    ))
                    .into());
                }
                Err(InviteRefusal::Expired) => {
                    return Err(Refusal::GoneField(FieldError::new(
                        "invite_code",
                        "expired",
                        "has expired; ask your centre for a new invite",
                    ))
                    .into());
                }
                Err(InviteRefusal::Used) => {
                    return Err(Refusal::conflict(
                        "invite-used",
                        "this invite code has already been used; each code works once",
                    )
                    .into());
                }
            };

        let (account_id, display_name, exclude) = match invite.recovery_for_account_id {
            Some(account_id) => {
                let account = queries::find_account(&self.db, account_id)
                    .await?
                    .ok_or_else(|| Refusal::not_found("account for this recovery invite"))?;
                let existing = queries::passkeys_of(&self.db, account_id)
                    .await?
                    .iter()
                    .map(|p| from_json::<Passkey>(&p.credential).map(|k| k.cred_id().clone()))
                    .collect::<Result<Vec<_>>>()?;
                (account_id, account.display_name, Some(existing))
            }
            None => {
                let raw = start.display_name.as_deref().ok_or_else(|| {
                    FieldError::new(
                        "display_name",
                        "required",
                        "is required when creating an account",
                    )
                })?;
                (Uuid::new_v4(), DisplayName::parse(raw)?.into_inner(), None)
            }
        };

        let (mut options, registration) = self
            .relying_party()?
            .start_passkey_registration(account_id, &display_name, &display_name, exclude)
            .map_err(Error::internal)?;
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
        self.offer_ceremony(CEREMONY_REGISTRATION, &registration, &options, context, now)
            .await
    }

    /// `POST /v1/auth/register/finish`: records the passkey (and the new
    /// account), uses up the invite and starts a session, in one
    /// transaction.
    pub async fn register_finish(
        &self,
        finish: Finish<RegisterPublicKeyCredential>,
    ) -> Result<NewSession> {
        let now = self.clock.now();
        // The ceremony first: an unknown one is 404 whatever the credential.
        let ceremony =
            queries::take_ceremony(&self.db, finish.ceremony_id, CEREMONY_REGISTRATION, now)
                .await?
                .ok_or_else(|| {
                    Refusal::not_found("registration in progress (expired or already finished)")
                })?;
        let credential = finish.credential()?;
        let (Some(invite_id), Some(account_id)) = (ceremony.invite_id, ceremony.account_id) else {
            return Err(Error::internal(
                "registration ceremony without invite or account",
            ));
        };
        let registration: PasskeyRegistration = from_json(&ceremony.state)?;
        let passkey = self
            .relying_party()?
            .finish_passkey_registration(&credential, &registration)
            .map_err(|e| {
                tracing::info!(error = ?e, "passkey registration refused");
                Error::from(FieldError::new(
                    "credential",
                    "webauthn",
                    "the authenticator's answer did not verify against this ceremony",
                ))
            })?;

        let (token, session, account_id, account_role, recovery) = self
            .writing(async |txn| {
                let invite = queries::find_invite(txn, invite_id).await?.ok_or_else(|| {
                    Refusal::conflict("invite-used", "the invite no longer exists")
                })?;
                let role: AccountRole = stored_enum("role", &invite.role)?;
                let account = match invite.recovery_for_account_id {
                    Some(existing) => queries::find_account(txn, existing)
                        .await?
                        .ok_or_else(|| Refusal::not_found("account for this recovery invite"))?,
                    None => {
                        let display_name = ceremony.display_name.as_deref().unwrap_or_default();
                        queries::create_account(
                            txn,
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
                    sharing::apply_invite_details(txn, invite.id, account.id, now).await?;
                }
                if !queries::consume_invite(txn, invite.id, account.id, now).await? {
                    return Err(Refusal::conflict(
                        "invite-used",
                        "this invite code was used or expired while the passkey was being made",
                    )
                    .into());
                }
                let added = queries::add_passkey(
                    txn,
                    NewPasskey {
                        account_id: account.id,
                        credential_id: credential_id_text(passkey.cred_id().as_ref()),
                        name: ceremony
                            .passkey_name
                            .clone()
                            .unwrap_or_else(|| DEFAULT_PASSKEY_NAME.to_owned()),
                        credential: to_json(&passkey)?,
                    },
                    now,
                )
                .await?;
                let Some(added) = added else {
                    return Err(Refusal::conflict(
                        "passkey-already-registered",
                        "this passkey is already registered to an account",
                    )
                    .into());
                };
                let account_role: AccountRole = stored_enum("role", &account.role)?;
                let recovery = invite.recovery_for_account_id.is_some();
                if recovery {
                    recovered(txn, &invite, &account, account_role, &added, now).await?;
                }
                let (token, session) = start_session(txn, account.id, account_role, now).await?;
                Ok((token, session, account.id, account_role, recovery))
            })
            .await?;
        tracing::info!(account = %account_id, role = %account_role, recovery, "passkey registered");
        Ok(NewSession {
            token,
            expires_at: session.expires_at,
            account: me_of(&self.db, account_id, session.expires_at).await?,
        })
    }

    /// `POST /v1/auth/login/start`: a discoverable sign-in (no user name).
    pub async fn login_start(&self) -> Result<CeremonyStart> {
        let now = self.clock.now();
        let (options, authentication) = self
            .relying_party()?
            .start_discoverable_authentication()
            .map_err(Error::internal)?;
        self.offer_ceremony(
            CEREMONY_AUTHENTICATION,
            &authentication,
            &options,
            CeremonyContext::default(),
            now,
        )
        .await
    }

    /// `POST /v1/auth/login/finish`: verifies the passkey and starts a
    /// session.
    pub async fn login_finish(&self, finish: Finish<PublicKeyCredential>) -> Result<NewSession> {
        let now = self.clock.now();
        let ceremony =
            queries::take_ceremony(&self.db, finish.ceremony_id, CEREMONY_AUTHENTICATION, now)
                .await?
                .ok_or_else(|| {
                    Refusal::not_found("sign-in in progress (expired or already finished)")
                })?;
        let credential = finish.credential()?;
        let authentication: DiscoverableAuthentication = from_json(&ceremony.state)?;
        let (account_id, credential_id) = self
            .relying_party()?
            .identify_discoverable_authentication(&credential)
            .map_err(|_| passkey_not_accepted())?;
        let stored = queries::find_passkey_by_credential(
            &self.db,
            account_id,
            &credential_id_text(credential_id),
        )
        .await?
        .ok_or_else(passkey_not_accepted)?;
        let mut passkey: Passkey = from_json(&stored.credential)?;
        let result = self
            .relying_party()?
            .finish_discoverable_authentication_v2(&credential, authentication, &passkey)
            .map_err(|e| {
                tracing::info!(error = ?e, "passkey sign-in refused");
                passkey_not_accepted()
            })?;
        let updated = match passkey.update_credential(&result) {
            Some(true) => Some(to_json(&passkey)?),
            _ => None,
        };
        let account = queries::find_account(&self.db, account_id)
            .await?
            .ok_or_else(passkey_not_accepted)?;
        let role: AccountRole = stored_enum("role", &account.role)?;
        let (token, session) = self
            .writing(async |txn| {
                queries::record_passkey_use(txn, stored.id, updated, now).await?;
                Ok(start_session(txn, account.id, role, now).await?)
            })
            .await?;
        Ok(NewSession {
            token,
            expires_at: session.expires_at,
            account: me_of(&self.db, account.id, session.expires_at).await?,
        })
    }

    /// `POST /v1/me/erasure/start`: a passkey confirmation with one of the
    /// caller's passkeys, before the account is erased.
    pub async fn start_erasure(&self, principal: &Principal) -> Result<CeremonyStart> {
        let now = self.clock.now();
        let passkeys = queries::passkeys_of(&self.db, principal.account_id)
            .await?
            .iter()
            .map(|p| from_json(&p.credential))
            .collect::<Result<Vec<Passkey>>>()?;
        let (options, authentication) = self
            .relying_party()?
            .start_passkey_authentication(&passkeys)
            .map_err(Error::internal)?;
        let context = CeremonyContext {
            account_id: Some(principal.account_id),
            ..CeremonyContext::default()
        };
        self.offer_ceremony(CEREMONY_ERASURE, &authentication, &options, context, now)
            .await
    }

    /// `DELETE /v1/me`: erases the account and everything that is theirs,
    /// after the passkey confirmation. Irreversible.
    pub async fn erase(
        &self,
        principal: &Principal,
        finish: Finish<PublicKeyCredential>,
    ) -> Result<()> {
        let now = self.clock.now();
        // The ceremony first: an unknown one is 404 whatever the credential.
        let ceremony = queries::take_ceremony(&self.db, finish.ceremony_id, CEREMONY_ERASURE, now)
            .await?
            .filter(|c| c.account_id == Some(principal.account_id))
            .ok_or_else(|| Refusal::not_found("erasure confirmation (expired or already used)"))?;
        let credential = finish.credential()?;
        let authentication: PasskeyAuthentication = from_json(&ceremony.state)?;
        self.relying_party()?
            .finish_passkey_authentication(&credential, &authentication)
            .map_err(|e| {
                tracing::info!(error = ?e, "erasure confirmation refused");
                passkey_not_accepted()
            })?;
        queries::delete_account(&self.db, principal.account_id).await?;
        tracing::info!(account = %principal.account_id, "account erased");
        Ok(())
    }

    /// `POST /v1/auth/logout`: revokes the caller's session.
    pub async fn logout(&self, principal: &Principal) -> Result<()> {
        queries::revoke_session(&self.db, principal.session_id, self.clock.now()).await?;
        Ok(())
    }
}

/// A recovery invite was redeemed: whoever held the account's old
/// passkeys or sessions loses them (the sessions end now; the person
/// removes passkeys they no longer trust), and the event is recorded where
/// the account holder sees it — a participant in their access log.
async fn recovered(
    txn: &DatabaseTransaction,
    invite: &invite::Model,
    account: &account::Model,
    role: AccountRole,
    passkey: &passkey::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let revoked = queries::revoke_sessions_of(txn, account.id, now).await?;
    queries::audit(
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
    if role != AccountRole::Participant {
        return Ok(());
    }
    let issuer = match invite.created_by_account_id {
        Some(id) => queries::find_account(txn, id).await?,
        None => None,
    };
    let actor = sharing::Actor {
        account_id: issuer.as_ref().map_or(account.id, |a| a.id),
        role: match &issuer {
            Some(a) => stored_enum("role", &a.role)?,
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
