//! Consent, the oral-consent two-person rule, the epikrise objection, the
//! access log, and the veileder's view of the centre's participants.

pub mod access_log;
pub mod consents;
pub mod views;

pub use views::{ConsentView, OralConsentView, PersonView, consent_view, oral_consent_view};

use friskliv_domain::AccountRole;

use crate::Principal;
use crate::error::{Refusal, Result};

/// Refuses a caller who has no consents to manage (only participants and
/// guardians do). Pure, so the api can ask before it judges the request's
/// parameters, as the refusals have always been ordered.
pub fn manages_consents(principal: &Principal) -> Result<()> {
    match principal.role {
        AccountRole::Participant | AccountRole::Guardian => Ok(()),
        _ => {
            Err(Refusal::forbidden("consents are given by participants and their guardians").into())
        }
    }
}

/// Refuses a caller who has no access log (only participants do). Pure, as
/// [`manages_consents`].
pub fn reads_own_access_log(principal: &Principal) -> Result<()> {
    if principal.role == AccountRole::Participant {
        Ok(())
    } else {
        Err(Refusal::forbidden("the access log belongs to a participant").into())
    }
}
