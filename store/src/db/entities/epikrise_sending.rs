use sea_orm::entity::prelude::*;

/// One recorded sending of an epikrise: to whom, how and when.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "epikrise_sendings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub epikrise_id: Uuid,
    /// `gp`, `referrer`, `nav` or `other`.
    pub recipient_kind: String,
    pub recipient_name: String,
    /// `helsenett`, `post`, `hand` or `other`.
    pub channel: String,
    pub sent_on: Date,
    pub sent_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
