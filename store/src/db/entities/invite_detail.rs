use sea_orm::entity::prelude::*;

/// What a participant or guardian invite carries besides the role.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite_details")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invite_id: Uuid,
    pub birth_year: Option<i32>,
    pub birth_month: Option<i32>,
    /// For a guardian invite: the participant (child) the guardian is linked to.
    pub guardian_for_account_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
