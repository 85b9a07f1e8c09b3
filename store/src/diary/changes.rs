//! `GET /v1/me/changes`: every change to the participant's diary after a
//! cursor, in change order, tombstones included.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem_openapi::Object;

use super::DiaryOwner;
use super::views::{DiaryEntryView, view};
use crate::Store;
use crate::db::diary;
use crate::error::Result;

#[derive(Object)]
pub struct ChangePage {
    /// Changes in order: the latest state of each changed entry, tombstones included.
    pub changes: Vec<DiaryEntryView>,
    /// Where to continue; store it once the changes are applied on the phone.
    pub next_cursor: String,
    /// More changes are waiting: ask again with `next_cursor` right away.
    pub has_more: bool,
}

/// The cursor after change `seq`: `c1|<seq>` in unpadded URL-safe base64
/// (the api's `decode_change_cursor` reads it).
pub fn encode_change_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c1|{seq}"))
}

impl Store {
    /// `GET /v1/me/changes`: at most `limit` changes after change `after`
    /// (0 for the beginning).
    pub async fn diary_changes(
        &self,
        owner: DiaryOwner,
        after: i64,
        limit: u64,
    ) -> Result<ChangePage> {
        let rows = diary::changes(&self.db, owner.id(), after, limit + 1).await?;
        let has_more = rows.len() as u64 > limit;
        let rows = &rows[..rows.len().min(limit as usize)];
        let last = rows.last().map_or(after, |r| r.seq);
        Ok(ChangePage {
            changes: rows.iter().map(view).collect::<Result<_>>()?,
            next_cursor: encode_change_cursor(last),
            has_more,
        })
    }
}
