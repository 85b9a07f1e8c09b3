//! Participant attributes, referrals and their triage: the centre's
//! casework, read and written by its staff.

use friskliv_domain::journey::{ParticipantAttributes, Referral, Triage};
use uuid::Uuid;

use super::views::{
    ParticipantAttributesView, ReferralList, ReferralView, attributes_view, referral_view,
};
use crate::Store;
use crate::access::Case;
use crate::db::journey;
use crate::db::sharing::StaffAction;
use crate::error::Result;

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/attributes`
    pub async fn participant_attributes(&self, case: &Case) -> Result<ParticipantAttributesView> {
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            "attributes",
            async |txn, grant| {
                let profile = journey::attributes(txn, grant).await?;
                attributes_view(case.participant_id, profile)
            },
        )
        .await
    }

    /// `PATCH /v1/centres/{c}/participants/{p}/attributes`: the attributes
    /// given replace, absent ones are kept.
    pub async fn update_participant_attributes(
        &self,
        case: &Case,
        attrs: &ParticipantAttributes,
    ) -> Result<ParticipantAttributesView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            "attributes",
            async |txn, grant| {
                let row = journey::update_attributes(txn, grant, attrs, now).await?;
                attributes_view(case.participant_id, Some(row))
            },
        )
        .await
    }

    /// `GET /v1/centres/{c}/participants/{p}/referrals`
    pub async fn referrals(&self, case: &Case) -> Result<ReferralList> {
        self.as_staff(
            case,
            StaffAction::ReadJourney,
            "referrals",
            async |txn, grant| {
                let rows = journey::referrals(txn, grant).await?;
                Ok(ReferralList {
                    referrals: rows.into_iter().map(referral_view).collect::<Result<_>>()?,
                })
            },
        )
        .await
    }

    /// `POST /v1/centres/{c}/participants/{p}/referrals`
    pub async fn create_referral(&self, case: &Case, referral: &Referral) -> Result<ReferralView> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            "referrals",
            async |txn, grant| {
                referral_view(journey::add_referral(txn, grant, referral, now).await?)
            },
        )
        .await
    }

    /// `PUT /v1/centres/{c}/participants/{p}/referrals/{r}/triage`
    pub async fn set_triage(
        &self,
        case: &Case,
        referral_id: Uuid,
        triage: &Triage,
    ) -> Result<ReferralView> {
        self.as_staff(
            case,
            StaffAction::WriteJourney,
            &format!("referrals/{referral_id}/triage"),
            async |txn, grant| {
                referral_view(journey::set_triage(txn, grant, referral_id, triage).await?)
            },
        )
        .await
    }
}
