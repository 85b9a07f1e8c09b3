//! The account's own part of "all my data" (`GET /v1/me/export`): who they
//! are and their passkeys. The journey records and diary entries that
//! follow come from their own features.

use chrono::{DateTime, Utc};

use super::account::{Me, me_of};
use super::passkeys::PasskeySummary;
use crate::db::identity as queries;
use crate::error::Result;
use crate::{Principal, Store};

/// The head of the export document.
pub struct AccountExport {
    pub exported_at: DateTime<Utc>,
    pub account: Me,
    /// Labels and dates; never key material.
    pub passkeys: Vec<PasskeySummary>,
}

impl Store {
    /// `GET /v1/me/export`: the account and its passkeys, as of now.
    pub async fn account_export(&self, principal: &Principal) -> Result<AccountExport> {
        let exported_at = self.clock.now();
        let account = me_of(&self.db, principal.account_id, principal.session_expires_at).await?;
        let passkeys = queries::passkeys_of(&self.db, principal.account_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(AccountExport {
            exported_at,
            account,
            passkeys,
        })
    }
}
