use sea_orm::entity::prelude::*;

/// An outcome table given to a requester: its year, its centres and a
/// fingerprint of every period it counted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "table_releases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub year: i32,
    /// Sorted centre ids, comma separated.
    pub centres: String,
    /// The dimensions, comma separated.
    pub group_by: String,
    pub periods: i32,
    /// 16 bytes a period, sorted (see `store::releases`).
    pub fingerprints: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
