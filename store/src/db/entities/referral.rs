use sea_orm::entity::prelude::*;

/// A referral (henvisning) or self-contact, with the triage outcome of the
/// first conversation once it is known.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub centre_id: Uuid,
    pub referrer_type: String,
    /// JSON array of reasons.
    pub reasons: String,
    pub referred_on: Date,
    pub triage_outcome: Option<String>,
    pub triage_decided_on: Option<Date>,
    pub redirected_to: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Who referred, when the veileder recorded it (the epikrise's second recipient).
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
