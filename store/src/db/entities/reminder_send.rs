use sea_orm::entity::prelude::*;

/// One reminder occurrence taken by a scheduler: `claimed`, then `sent`,
/// `skipped` (with the reason) or `failed`. Unique per (account, kind,
/// local date), so it is taken once.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_sends")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub local_date: Date,
    pub due_at: DateTimeUtc,
    pub status: String,
    pub reason: Option<String>,
    pub claimed_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
