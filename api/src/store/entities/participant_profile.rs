use sea_orm::entity::prelude::*;

/// The participant attributes sharing needs (more come with the journey).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participant_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    pub birth_year: Option<i32>,
    pub birth_month: Option<i32>,
    /// The participant objects to an epikrise being sent to their GP/referrer.
    pub epikrise_objection: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
