use sea_orm::entity::prelude::*;

/// A follow-up period (oppfølgingsperiode); `seq` is n = 1, 2, … per participant.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub seq: i32,
    pub referral_id: Option<Uuid>,
    pub start_date: Date,
    pub planned_end: Date,
    pub status: String,
    pub paused_since: Option<Date>,
    pub paused_days: i32,
    pub ended_on: Option<Date>,
    pub discontinue_reason: Option<String>,
    /// JSON array of onward offers, set when the period is completed.
    pub onward_offers: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
