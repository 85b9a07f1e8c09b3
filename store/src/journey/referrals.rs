//! Participant attributes, referrals and their triage: the centre's
//! casework, read and written by its staff.

use friskliv_domain::journey::{ParticipantAttributes, Referral, Triage};
use uuid::Uuid;

use super::views::{
    ParticipantAttributesView, ReferralList, ReferralView, attributes_view, referral_view,
};
use crate::db::journey;
use crate::db::sharing::StaffAction;
use crate::error::Result;
use crate::{Principal, Store};

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/attributes`
    pub async fn participant_attributes(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        participant_id: Uuid,
    ) -> Result<ParticipantAttributesView> {
        self.as_staff(
            principal,
            centre_id,
            participant_id,
            StaffAction::ReadJourney,
            "attributes",
            async |txn, grant| {
                let profile = journey::attributes(txn, grant).await?;
                attributes_view(participant_id, profile)
            },
        )
        .await
    }

    /// `PATCH /v1/centres/{c}/participants/{p}/attributes`: the attributes
    /// given replace, absent ones are kept.
    pub async fn update_participant_attributes(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        participant_id: Uuid,
        attrs: &ParticipantAttributes,
    ) -> Result<ParticipantAttributesView> {
        let now = self.clock.now();
        self.as_staff(
            principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            "attributes",
            async |txn, grant| {
                let row = journey::update_attributes(txn, grant, attrs, now).await?;
                attributes_view(participant_id, Some(row))
            },
        )
        .await
    }

    /// `GET /v1/centres/{c}/participants/{p}/referrals`
    pub async fn referrals(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        participant_id: Uuid,
    ) -> Result<ReferralList> {
        self.as_staff(
            principal,
            centre_id,
            participant_id,
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
    pub async fn create_referral(
        &self,
        principal: &Principal,
        centre_id: Uuid,
        participant_id: Uuid,
        referral: &Referral,
    ) -> Result<ReferralView> {
        let now = self.clock.now();
        self.as_staff(
            principal,
            centre_id,
            participant_id,
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
        principal: &Principal,
        centre_id: Uuid,
        participant_id: Uuid,
        referral_id: Uuid,
        triage: &Triage,
    ) -> Result<ReferralView> {
        self.as_staff(
            principal,
            centre_id,
            participant_id,
            StaffAction::WriteJourney,
            &format!("referrals/{referral_id}/triage"),
            async |txn, grant| {
                referral_view(journey::set_triage(txn, grant, referral_id, triage).await?)
            },
        )
        .await
    }
}
