use sea_orm::entity::prelude::*;

/// Hours per week a profession works at a centre in a year (SSB form 5-2-4).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub centre_id: Uuid,
    pub year: i32,
    pub profession: String,
    pub hours_per_week: f64,
    /// What "other" is (SSB: "Viss «Andre», spesifiser").
    pub specified: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
