//! `POST /v1/me/sync`: up to 500 offline writes, each judged on its own
//! (applied, unchanged, conflict or invalid) and applied in one transaction.

use chrono::{DateTime, Utc};
use friskliv_domain::FieldError;
use friskliv_domain::diary::{DiaryEntryInput, EntryKind};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use super::DiaryOwner;
use super::views::{DiaryEntryView, WriteResult, view};
use crate::Store;
use crate::db::diary::{self, Outcome, Write};
use crate::error::{Error, Refusal, Result};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SyncOp {
    Upsert,
    Delete,
}

/// One write in a sync batch.
#[derive(Object, serde::Deserialize)]
pub struct SyncItem {
    pub op: SyncOp,
    /// `activity`, `food`, `sleep`, `tobacco`, `sitting` or `quit_attempt`.
    pub kind: String,
    /// The phone-generated UUID of the entry.
    pub entry_id: String,
    /// For `upsert`: the entry.
    #[serde(default)]
    pub entry: Option<DiaryEntryInput>,
    /// For `delete`: the version of the deletion (higher than the last write).
    #[serde(default)]
    pub version: Option<i64>,
}

/// One item of a sync batch as the request carried it.
pub struct SyncInput {
    /// The item's `entry_id` as sent (echoed in its result), if it was text.
    pub entry_id: Option<String>,
    /// The item, or the field that made it unreadable (named within the
    /// item; the answer names it within the batch).
    pub item: std::result::Result<SyncItem, FieldError>,
}

/// What happened to one item.
#[derive(Debug)]
pub struct SyncItemOutcome {
    /// The item's position in the request.
    pub index: u32,
    pub entry_id: Option<String>,
    pub result: WriteResult,
    /// The entry's version on the server after this item.
    pub version: Option<i64>,
    /// The change number of the entry's latest write.
    pub change: Option<i64>,
    /// For a conflict: the server's entry.
    pub entry: Option<DiaryEntryView>,
    /// Why an invalid item was refused: unreadable (400) or breaking a
    /// rule (422), every field named within the batch.
    pub refused: Option<Refusal>,
}

// Prepared items live only for one request; boxing the write would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Prepared {
    Write(Write),
    Invalid(Refusal),
}

fn prefixed(errors: Vec<FieldError>, prefix: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let field = format!("{prefix}{}", e.field);
            e.at(field)
        })
        .collect()
}

fn prepare_item(
    index: usize,
    item: std::result::Result<SyncItem, FieldError>,
    now: DateTime<Utc>,
) -> Prepared {
    let prefix = format!("items[{index}].");
    let invalid =
        |errors: Vec<FieldError>| Prepared::Invalid(Refusal::Invalid(prefixed(errors, &prefix)));
    let item = match item {
        Ok(item) => item,
        Err(e) => {
            let field = format!("{prefix}{}", e.field);
            return Prepared::Invalid(Refusal::Unreadable(e.at(field)));
        }
    };
    let kind = item.kind.parse::<EntryKind>();
    let entry_id = item.entry_id.parse::<Uuid>();
    let mut errors = Vec::new();
    if let Err(message) = &kind {
        errors.push(FieldError::new("kind", "one_of", message.clone()));
    }
    if entry_id.is_err() {
        errors.push(FieldError::new("entry_id", "uuid", "must be a UUID"));
    }
    let (Ok(kind), Ok(entry_id)) = (kind, entry_id) else {
        return invalid(errors);
    };
    match item.op {
        SyncOp::Upsert => match item.entry {
            None => invalid(vec![FieldError::new(
                "entry",
                "required",
                "an upsert needs the entry",
            )]),
            Some(input) => match input.parse(kind, now) {
                Ok(entry) => Prepared::Write(Write::Upsert { entry_id, entry }),
                Err(errors) => invalid(prefixed(errors, "entry.")),
            },
        },
        SyncOp::Delete => match item.version {
            Some(version) if version >= 1 => Prepared::Write(Write::Delete {
                entry_id,
                kind,
                version,
            }),
            Some(_) => invalid(vec![FieldError::new(
                "version",
                "range",
                "must be at least 1",
            )]),
            None => invalid(vec![FieldError::new(
                "version",
                "required",
                "a delete needs the version of the deletion",
            )]),
        },
    }
}

impl Store {
    /// `POST /v1/me/sync`: applies the valid items in order, in one
    /// transaction, each decided on its own against the entry as the earlier
    /// items left it; answers one outcome per item, in request order.
    pub async fn sync_diary(
        &self,
        owner: DiaryOwner,
        items: Vec<SyncInput>,
    ) -> Result<Vec<SyncItemOutcome>> {
        let now = self.clock.now();
        let prepared: Vec<(Option<String>, Prepared)> = items
            .into_iter()
            .enumerate()
            .map(|(i, input)| (input.entry_id, prepare_item(i, input.item, now)))
            .collect();
        let writes: Vec<Write> = prepared
            .iter()
            .filter_map(|(_, p)| match p {
                Prepared::Write(w) => Some(w.clone()),
                Prepared::Invalid(_) => None,
            })
            .collect();
        let outcomes = if writes.is_empty() {
            Vec::new()
        } else {
            self.writing(
                async |txn| Ok(diary::apply_in(txn, owner.id(), &writes, now, None).await?),
            )
            .await?
        };
        let mut outcomes = outcomes.into_iter();
        let mut results = Vec::with_capacity(prepared.len());
        for (index, (entry_id, prepared)) in prepared.into_iter().enumerate() {
            let result = match prepared {
                Prepared::Invalid(refusal) => SyncItemOutcome {
                    index: index as u32,
                    entry_id,
                    result: WriteResult::Invalid,
                    version: None,
                    change: None,
                    entry: None,
                    refused: Some(refusal),
                },
                Prepared::Write(_) => {
                    let outcome = outcomes
                        .next()
                        .ok_or_else(|| Error::internal("sync outcome missing"))?;
                    let (result, entry) = match &outcome {
                        Outcome::Applied(_) => (WriteResult::Applied, None),
                        Outcome::Unchanged(_) => (WriteResult::Unchanged, None),
                        Outcome::Conflict(current) => (WriteResult::Conflict, Some(view(current)?)),
                    };
                    SyncItemOutcome {
                        index: index as u32,
                        entry_id,
                        result,
                        version: Some(outcome.entry().version),
                        change: Some(outcome.entry().seq),
                        entry,
                        refused: None,
                    }
                }
            };
            results.push(result);
        }
        Ok(results)
    }
}
