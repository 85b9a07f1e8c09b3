use sea_orm::entity::prelude::*;

/// One test or questionnaire at a timepoint; `values` is the validated
/// instrument values as JSON (`domain::assessment::AssessmentValues`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Option<Uuid>,
    pub period_id: Option<Uuid>,
    pub instrument: String,
    pub timepoint: String,
    pub assessed_on: Date,
    pub values: String,
    /// `staff` (a test at the centre) or `participant` (a questionnaire in the app).
    pub source: String,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
