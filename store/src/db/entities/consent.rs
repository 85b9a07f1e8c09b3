use sea_orm::entity::prelude::*;

/// One grant of consent; withdrawing sets `withdrawn_at` and keeps the row,
/// so the history of consent events is never lost.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub scope: String,
    /// `in_app`, `oral` (recorded by a veileder) or `guardian`.
    pub method: String,
    pub granted_at: DateTimeUtc,
    pub granted_by_account_id: Option<Uuid>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_by_account_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
