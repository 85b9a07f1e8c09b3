use sea_orm::entity::prelude::*;

/// The participant attributes sharing and the indicators need, and no more
/// (data minimisation, veileder 2831-2839).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "participant_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    pub birth_year: Option<i32>,
    pub birth_month: Option<i32>,
    /// The participant objects to an epikrise being sent to their GP/referrer.
    pub epikrise_objection: bool,
    pub updated_at: DateTimeUtc,
    pub sex: Option<String>,
    pub height_cm: Option<f64>,
    /// Municipality number (4 digits).
    pub municipality: Option<String>,
    pub education: Option<String>,
    /// JSON array of work/school statuses.
    pub work_school: Option<String>,
    pub preferred_language: Option<String>,
    pub interpreter_needed: Option<bool>,
    pub other_language_background: Option<bool>,
    /// The fastlege the epikrise goes to.
    pub gp_name: Option<String>,
    /// HPR number, 1–9 digits.
    pub gp_hpr_number: Option<String>,
    pub gp_practice: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
