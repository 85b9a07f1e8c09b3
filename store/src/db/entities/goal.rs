use sea_orm::entity::prelude::*;

/// A goal in the participant's own words; attainment is set at the end.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub period_id: Option<Uuid>,
    /// The centre whose record it is: the staff author's, or the centre of
    /// the period a participant's own goal joined (else their enrolling centre).
    pub centre_id: Option<Uuid>,
    pub domain: String,
    pub text: String,
    pub target: Option<String>,
    pub attainment: Option<String>,
    pub created_by: Option<Uuid>,
    /// Written by the participant in the app (they may edit it) rather than by a veileder.
    pub created_by_participant: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
