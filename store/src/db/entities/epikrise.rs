use sea_orm::entity::prelude::*;

/// An epikrise (or a self-referral's message to the GP) of one period: the
/// FHIR document Bundle taken when it was drafted, the veileder's
/// assessment, and whether it has been sent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "epikrises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub period_id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    /// `epikrise` or `gp_message`.
    pub kind: String,
    /// `draft` or `sent`.
    pub status: String,
    pub assessment: Option<String>,
    /// The FHIR R4 document Bundle, JSON.
    pub document: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
