use sea_orm::entity::prelude::*;

/// A research extract job.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requested_by: Option<Uuid>,
    pub centre_id: Uuid,
    /// `csv`, `json` or `fhir`.
    pub format: String,
    pub parameters: String,
    /// `queued`, `running`, `done`, `failed` or `expired` (file deleted).
    pub status: String,
    pub rows_written: i64,
    /// JSON: what was generalised or dropped to keep classes of ≥ 5.
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
