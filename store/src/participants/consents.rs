//! Oral consent as staff handle it: recorded in a conversation, listed, and
//! confirmed by a second staff member of the centre.

use friskliv_domain::consent::ConsentScope;
use uuid::Uuid;

use crate::Store;
use crate::access::Case;
use crate::db::consents::{self, Confirmer, OralRecorded};
use crate::db::sharing::StaffAction;
use crate::error::Result;
use crate::sharing::{ConsentView, OralConsentView, consent_view, oral_consent_view};

/// What recording oral consent led to.
pub enum OralConsentOutcome {
    /// The participant already shares this scope with the centre.
    AlreadyActive(ConsentView),
    /// Recorded; it waits for a second confirmation.
    Pending(OralConsentView),
}

impl Store {
    /// `POST /v1/centres/{c}/participants/{p}/consents`: records oral
    /// consent to `scope`, pending a second confirmation (or the consent
    /// already active).
    pub async fn record_oral_consent(
        &self,
        case: &Case,
        scope: ConsentScope,
    ) -> Result<OralConsentOutcome> {
        let now = self.clock.now();
        let recorded = self
            .as_staff(
                case,
                StaffAction::RecordConsent,
                &format!("consent/{scope}"),
                async |txn, grant| consents::record_oral(txn, grant, scope, now).await,
            )
            .await?;
        Ok(match recorded {
            OralRecorded::AlreadyActive(entry) => {
                OralConsentOutcome::AlreadyActive(consent_view(entry)?)
            }
            OralRecorded::Pending(entry) => OralConsentOutcome::Pending(oral_consent_view(entry)?),
        })
    }

    /// `GET /v1/centres/{c}/participants/{p}/oral-consents`: the oral
    /// consents the centre recorded for the participant, oldest first.
    pub async fn oral_consents_at_centre(&self, case: &Case) -> Result<Vec<OralConsentView>> {
        let now = self.clock.now();
        self.as_staff(
            case,
            StaffAction::ReadConsents,
            "oral-consents",
            async |txn, grant| Ok(consents::oral_at_centre(txn, grant, now).await?),
        )
        .await?
        .into_iter()
        .map(oral_consent_view)
        .collect()
    }

    /// `POST /v1/centres/{c}/participants/{p}/oral-consents/{id}/confirm`:
    /// a second staff member confirms oral consent a colleague recorded.
    pub async fn confirm_oral_consent(
        &self,
        case: &Case,
        oral_consent_id: Uuid,
    ) -> Result<ConsentView> {
        let now = self.clock.now();
        let entry = self
            .as_staff(
                case,
                StaffAction::ConfirmConsent,
                &format!("oral-consents/{oral_consent_id}"),
                async |txn, grant| {
                    consents::confirm_oral(txn, Confirmer::Staff(grant), oral_consent_id, now).await
                },
            )
            .await?;
        consent_view(entry)
    }
}
