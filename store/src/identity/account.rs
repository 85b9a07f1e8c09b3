//! The signed-in account as it sees itself.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::db::{identity as queries, reports};
use crate::error::{Refusal, Result};
use crate::{Principal, Store};

#[derive(Object, Debug, Clone)]
pub struct Me {
    pub id: Uuid,
    /// `participant`, `veileder`, `centre_admin` or `evaluator`.
    pub role: String,
    /// The centre the account belongs to (staff: where they work;
    /// participants: the centre that enrolled them).
    pub centre_id: Option<Uuid>,
    pub centre_name: Option<String>,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    /// When the current session ends unless used again (participants) or
    /// at the latest (staff).
    pub session_expires_at: DateTime<Utc>,
    /// Evaluators: the municipalities and counties they may export beyond
    /// their centre (`municipality=`/`county=` on the export endpoints).
    pub evaluation_areas: Vec<EvaluationAreaView>,
}

/// A municipality or county granted to an evaluator.
#[derive(Object, Debug, Clone)]
pub struct EvaluationAreaView {
    /// `municipality` or `county`.
    pub kind: String,
    /// Four-digit municipality or two-digit county number.
    pub code: String,
}

/// The account `account_id` with the session that ends at `session_expires_at`.
pub(crate) async fn me_of(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    session_expires_at: DateTime<Utc>,
) -> Result<Me> {
    let account = queries::find_account(db, account_id)
        .await?
        .ok_or_else(|| Refusal::not_found("account"))?;
    let centre_name = match account.centre_id {
        Some(id) => queries::find_centre(db, id).await?.map(|c| c.name),
        None => None,
    };
    Ok(Me {
        id: account.id,
        role: account.role,
        centre_id: account.centre_id,
        centre_name,
        display_name: account.display_name,
        created_at: account.created_at,
        session_expires_at,
        evaluation_areas: reports::evaluation_areas(db, account.id)
            .await?
            .iter()
            .map(|a| EvaluationAreaView {
                kind: a.kind().to_owned(),
                code: a.code().to_owned(),
            })
            .collect(),
    })
}

impl Store {
    /// `GET /v1/me`.
    pub async fn me(&self, principal: &Principal) -> Result<Me> {
        me_of(&self.db, principal.account_id, principal.session_expires_at).await
    }
}
