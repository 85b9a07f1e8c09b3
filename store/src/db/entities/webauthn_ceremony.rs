use sea_orm::entity::prelude::*;

/// Server-side state of a started passkey ceremony. Kept in the database,
/// not in memory, so any instance can finish what another started; deleted
/// when finished (single use) or expired.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webauthn_ceremonies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `registration` or `authentication`.
    pub kind: String,
    /// The serialised webauthn-rs ceremony state (challenge etc.).
    pub state: String,
    pub invite_id: Option<Uuid>,
    /// For registration: the account the passkey will belong to.
    pub account_id: Option<Uuid>,
    pub display_name: Option<String>,
    pub passkey_name: Option<String>,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
