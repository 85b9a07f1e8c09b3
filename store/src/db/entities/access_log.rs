use sea_orm::entity::prelude::*;

/// One staff read or write of a participant's data, allowed or denied.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Option<Uuid>,
    pub actor_account_id: Option<Uuid>,
    pub actor_role: String,
    pub action: String,
    pub resource: String,
    /// The consent that allowed it, when one was needed.
    pub consent_id: Option<Uuid>,
    pub allowed: bool,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
