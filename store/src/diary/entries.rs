//! The participant's own entries, one at a time: list, get, put, delete
//! (`/v1/me/diary/{kind}/…` and `/v1/me/quit-attempts/…`).

use friskliv_domain::FieldError;
use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use uuid::Uuid;

use super::DiaryOwner;
use super::views::{DiaryEntryView, DiaryPage, ListQuery, WriteReply, page_of, reply, view};
use crate::Store;
use crate::db::diary::{self, Write};
use crate::error::{Refusal, Result};

impl Store {
    /// `GET /v1/me/diary/{kind}` (and `/v1/me/quit-attempts`): live entries
    /// of one kind, by diary day then entry id.
    pub async fn list_diary_entries(
        &self,
        owner: DiaryOwner,
        kind: EntryKind,
        query: &ListQuery,
    ) -> Result<DiaryPage> {
        let rows = diary::list(
            &self.db,
            owner.id(),
            kind,
            query.from,
            query.to,
            query.after,
            query.limit + 1,
        )
        .await?;
        page_of(rows, query.limit)
    }

    /// `GET /v1/me/diary/{kind}/{entry_id}`: one live entry of that kind.
    pub async fn diary_entry(
        &self,
        owner: DiaryOwner,
        kind: EntryKind,
        entry_id: Uuid,
    ) -> Result<DiaryEntryView> {
        let row = diary::find(&self.db, owner.id(), entry_id)
            .await?
            .filter(|row| !row.deleted && row.kind == kind.as_str())
            .ok_or_else(|| Refusal::not_found("diary entry"))?;
        view(&row)
    }

    /// `PUT /v1/me/diary/{kind}/{entry_id}`: creates or replaces an entry,
    /// version-checked (a conflict is a 409 carrying the server's entry).
    pub async fn put_diary_entry(
        &self,
        owner: DiaryOwner,
        kind: EntryKind,
        entry_id: Uuid,
        input: DiaryEntryInput,
    ) -> Result<WriteReply> {
        let now = self.clock.now();
        let entry = input.parse(kind, now).map_err(Refusal::Invalid)?;
        let write = Write::Upsert { entry_id, entry };
        let outcomes = self
            .writing(async |txn| Ok(diary::apply_in(txn, owner.id(), &[write], now, None).await?))
            .await?;
        reply(&outcomes[0])
    }

    /// `DELETE /v1/me/diary/{kind}/{entry_id}?version=`: a tombstone at
    /// `version`, for the participant's other devices.
    pub async fn delete_diary_entry(
        &self,
        owner: DiaryOwner,
        kind: EntryKind,
        entry_id: Uuid,
        version: i64,
    ) -> Result<WriteReply> {
        if version < 1 {
            return Err(FieldError::new("version", "range", "must be at least 1").into());
        }
        let now = self.clock.now();
        let write = Write::Delete {
            entry_id,
            kind,
            version,
        };
        let outcomes = self
            .writing(async |txn| Ok(diary::apply_in(txn, owner.id(), &[write], now, None).await?))
            .await?;
        reply(&outcomes[0])
    }
}
