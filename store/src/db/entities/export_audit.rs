use sea_orm::entity::prelude::*;

/// One anonymised export or report: who, what, with which parameters.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_audit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_account_id: Option<Uuid>,
    pub actor_role: String,
    /// e.g. `kostra_report`, `outcome_tables`.
    pub action: String,
    pub centre_id: Option<Uuid>,
    /// The request's parameters as JSON.
    pub parameters: String,
    pub allowed: bool,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
