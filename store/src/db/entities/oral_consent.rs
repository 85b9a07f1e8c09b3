use sea_orm::entity::prelude::*;

/// Oral consent as one staff member recorded it, until a second staff
/// member (or the participant, in the app) confirms it into a consent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oral_consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub scope: String,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
    /// `staff` or `participant`: who may confirm it.
    pub confirmation_by: String,
    pub expires_at: DateTimeUtc,
    /// `pending`, `confirmed` or `declined`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub consent_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
