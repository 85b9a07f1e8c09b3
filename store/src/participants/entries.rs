//! A participant's diary entries as staff reach them: listed (needs
//! `entries` consent) and entered on the participant's behalf (proxy
//! entries, marked `source: proxy` with the veileder's id).

use friskliv_domain::diary::{DiaryEntryInput, EntryKind, EntrySource};
use uuid::Uuid;

use crate::Store;
use crate::access::Case;
use crate::db::diary::{self, Write};
use crate::db::sharing::{self, StaffAction};
use crate::diary::{DiaryPage, ListQuery, WriteReply, page_of, reply};
use crate::error::{Refusal, Result};

impl Store {
    /// `GET /v1/centres/{c}/participants/{p}/entries?kind=`: live entries of
    /// one kind, by diary day then entry id.
    pub async fn participant_entries(
        &self,
        case: &Case,
        kind: EntryKind,
        query: &ListQuery,
    ) -> Result<DiaryPage> {
        let rows = self
            .as_staff(
                case,
                StaffAction::ReadEntries,
                &format!("entries/{kind}"),
                async |txn, grant| {
                    Ok(sharing::entries_for(
                        txn,
                        grant,
                        kind,
                        query.from,
                        query.to,
                        query.after,
                        query.limit + 1,
                    )
                    .await?)
                },
            )
            .await?;
        page_of(rows, query.limit)
    }

    /// `PUT /v1/centres/{c}/participants/{p}/diary/{kind}/{entry_id}`: an
    /// entry on the participant's behalf, version-checked like their own
    /// (a conflict is a 409 carrying the server's entry; the access is
    /// logged either way).
    pub async fn put_proxy_entry(
        &self,
        case: &Case,
        kind: EntryKind,
        entry_id: Uuid,
        input: DiaryEntryInput,
    ) -> Result<WriteReply> {
        let now = self.clock.now();
        let mut entry = input.parse(kind, now).map_err(Refusal::Invalid)?;
        entry.content.source = EntrySource::Proxy;
        let write = Write::Upsert { entry_id, entry };
        let outcomes = self
            .as_staff(
                case,
                StaffAction::WriteEntry,
                &format!("diary/{kind}/{entry_id}"),
                async |txn, grant| {
                    Ok(
                        diary::apply_in(
                            txn,
                            grant.participant_id,
                            &[write],
                            now,
                            Some(grant.actor),
                        )
                        .await?,
                    )
                },
            )
            .await?;
        reply(&outcomes[0])
    }
}
