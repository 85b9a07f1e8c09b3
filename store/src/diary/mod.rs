//! The participant's diaries and quit attempts: writes, lists, offline sync
//! and the change feed.

pub mod changes;
pub mod entries;
pub mod sync;
pub mod views;

use friskliv_domain::AccountRole;
use uuid::Uuid;

use crate::Principal;
use crate::error::{Refusal, Result};

pub use crate::db::diary::ListPosition;
pub use changes::ChangePage;
pub use sync::{SyncInput, SyncItem, SyncItemOutcome, SyncOp};
pub use views::{
    DiaryEntryView, DiaryPage, ListQuery, WriteReply, WriteResult, encode_list_cursor, page_of,
    reply, view,
};

/// The caller as the keeper of their own diary. Only participants keep
/// diaries (staff enter on a participant's behalf through the centre's
/// routes); only [`DiaryOwner::of`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiaryOwner(Uuid);

impl DiaryOwner {
    /// The signed-in participant, or refused (403) for anyone else.
    pub fn of(principal: &Principal) -> Result<Self> {
        if principal.role != AccountRole::Participant {
            return Err(Refusal::forbidden(
                "only participants keep diaries; staff use the centre's routes",
            )
            .into());
        }
        Ok(DiaryOwner(principal.account_id))
    }

    /// The participant's account id.
    pub fn id(self) -> Uuid {
        self.0
    }
}

/// Only participants keep diaries (staff enter on a participant's behalf
/// through the centre's routes).
pub fn participant_id(principal: &Principal) -> Result<Uuid> {
    DiaryOwner::of(principal).map(DiaryOwner::id)
}
