//! The signed-in account's passkeys: listed by label and date (never key
//! material), removed one at a time but never the last.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::entities::passkey;
use crate::db::identity::{self as queries, PasskeyRemoval};
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

#[derive(Object)]
pub struct PasskeySummary {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<passkey::Model> for PasskeySummary {
    fn from(p: passkey::Model) -> Self {
        PasskeySummary {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

impl Store {
    /// `GET /v1/me/passkeys`.
    pub async fn my_passkeys(&self, principal: &Principal) -> Result<Vec<PasskeySummary>> {
        let passkeys = queries::passkeys_of(&self.db, principal.account_id).await?;
        Ok(passkeys.into_iter().map(Into::into).collect())
    }

    /// `DELETE /v1/me/passkeys/{id}`: never the last one.
    pub async fn remove_my_passkey(&self, principal: &Principal, passkey_id: Uuid) -> Result<()> {
        match queries::remove_passkey(&self.db, principal.account_id, passkey_id).await? {
            PasskeyRemoval::Removed => Ok(()),
            PasskeyRemoval::NotFound => Err(Refusal::not_found("passkey").into()),
            PasskeyRemoval::LastPasskey => Err(Refusal::conflict(
                "last-passkey",
                "this is your only passkey; add another before removing it, or you could not sign in again",
            )
            .into()),
        }
    }
}
