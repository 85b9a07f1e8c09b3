//! Who is calling: sessions from bearer tokens, and the secrets behind
//! them. Tokens and invite codes are random, shown once, and stored only as
//! SHA-256 hashes: they carry 256 and 80 bits of entropy, so a fast hash is
//! enough and lets lookups use an index.

pub mod account;
pub mod ceremonies;
pub mod export;
pub mod invites;
pub mod passkeys;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use friskliv_domain::{AccountRole, InviteCode, InviteLifetime, SessionPolicy, SessionUse};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Store;
use crate::db::entities::{invite, session};
use crate::db::identity::{self as queries, NewInvite};
use crate::db::sharing::Actor;
use crate::error::{Refusal, Result, stored_enum};

pub fn sha256_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: Uuid,
    pub role: AccountRole,
    /// Staff: where they work; participants: the centre that enrolled them.
    pub centre_id: Option<Uuid>,
    pub display_name: String,
    pub account_created_at: DateTime<Utc>,
    pub session_id: Uuid,
    pub session_expires_at: DateTime<Utc>,
}

impl Principal {
    /// The caller as the sharing rules see them.
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.account_id,
            role: self.role,
            centre_id: self.centre_id,
        }
    }

    /// Their role, if they are staff of `centre_id`; refused otherwise
    /// (participants, staff of other centres).
    pub fn staff_role_at(&self, centre_id: Uuid) -> Result<AccountRole> {
        if self.role.is_staff() && self.centre_id == Some(centre_id) {
            Ok(self.role)
        } else {
            Err(Refusal::forbidden("only staff of this centre may do this").into())
        }
    }
}

fn invalid_token() -> Refusal {
    Refusal::Unauthenticated {
        code: "invalid-token",
        detail: "the session is unknown, expired or signed out; sign in with your passkey"
            .to_owned(),
    }
}

impl Store {
    /// Resolves a bearer token to its live session, sliding a participant's
    /// expiry forward when it is due (never past the session's absolute
    /// maximum, `SessionPolicy::max_age` from sign-in).
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let now = self.clock.now();
        let token_hash = sha256_hex(token.trim());
        let Some((mut session, account)) =
            queries::live_session(&self.db, &token_hash, now).await?
        else {
            return Err(invalid_token().into());
        };
        let role: AccountRole = stored_enum("role", &account.role)?;
        match SessionPolicy::for_role(role).on_use(session.created_at, session.expires_at, now) {
            SessionUse::Expired => return Err(invalid_token().into()),
            SessionUse::Keep => {}
            SessionUse::ExtendTo(expires_at) => {
                queries::extend_session(&self.db, session.id, expires_at).await?;
                session.expires_at = expires_at;
            }
        }
        Ok(Principal {
            account_id: account.id,
            role,
            centre_id: account.centre_id,
            display_name: account.display_name,
            account_created_at: account.created_at,
            session_id: session.id,
            session_expires_at: session.expires_at,
        })
    }
}

/// Starts a session for an account that has just proven a passkey.
/// Returns the token (shown once) and the stored session.
pub async fn start_session(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    role: AccountRole,
    now: DateTime<Utc>,
) -> std::result::Result<(String, session::Model), DbErr> {
    let token = random_token();
    let expires_at = SessionPolicy::for_role(role).first_expiry(now);
    let session =
        queries::create_session(db, account_id, sha256_hex(&token), expires_at, now).await?;
    Ok((token, session))
}

/// Issues a one-time invite and returns the code (shown once) with the row.
pub async fn issue_invite(
    db: &impl ConnectionTrait,
    centre_id: Uuid,
    role: AccountRole,
    recovery_for_account_id: Option<Uuid>,
    created_by_account_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> std::result::Result<(InviteCode, invite::Model), DbErr> {
    let mut bytes = [0u8; InviteCode::RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    let code = InviteCode::from_random_bytes(bytes);
    let invite = queries::create_invite(
        db,
        NewInvite {
            code_hash: sha256_hex(code.canonical()),
            centre_id,
            role,
            recovery_for_account_id,
            created_by_account_id,
            expires_at: now + InviteLifetime::for_role(role),
        },
        now,
    )
    .await?;
    Ok((code, invite))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(sha256_hex("abc").len(), 64);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
