//! The diary as the API shows it: entries, pages and write replies, built
//! from stored rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use friskliv_domain::diary::{
    Activity, EntryContent, EntryData, EntryKind, EntrySource, Food, QuitAttempt, Sitting, Sleep,
    Tobacco,
};
use poem_openapi::types::ToJSON;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use crate::db::diary::{ListPosition, Outcome};
use crate::db::entities::diary_entry;
use crate::error::{Refusal, Result, stored_enum, stored_json};

/// A diary entry as the server holds it.
#[derive(Object, Debug, Clone)]
pub struct DiaryEntryView {
    /// The phone-generated id.
    pub entry_id: Uuid,
    pub kind: EntryKind,
    pub version: i64,
    /// A tombstone: the entry was deleted at this version.
    pub deleted: bool,
    /// The change number of the latest write (what the change feed orders by).
    pub change: i64,
    pub updated_at: DateTime<Utc>,
    /// The local date the entry counts for.
    #[oai(skip_serializing_if_is_none)]
    pub diary_day: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub occurred_at: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub time_zone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub recorded_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub source: Option<EntrySource>,
    /// The veileder who entered it on the participant's behalf.
    #[oai(skip_serializing_if_is_none)]
    pub proxy_by: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub activity: Option<Activity>,
    #[oai(skip_serializing_if_is_none)]
    pub food: Option<Food>,
    #[oai(skip_serializing_if_is_none)]
    pub sleep: Option<Sleep>,
    #[oai(skip_serializing_if_is_none)]
    pub tobacco: Option<Tobacco>,
    #[oai(skip_serializing_if_is_none)]
    pub sitting: Option<Sitting>,
    #[oai(skip_serializing_if_is_none)]
    pub quit_attempt: Option<QuitAttempt>,
}

/// A stored entry (or tombstone) as the API shows it.
pub fn view(row: &diary_entry::Model) -> Result<DiaryEntryView> {
    let kind: EntryKind = stored_enum("kind", &row.kind)?;
    let mut out = DiaryEntryView {
        entry_id: row.entry_id,
        kind,
        version: row.version,
        deleted: row.deleted,
        change: row.seq,
        updated_at: row.updated_at,
        diary_day: row.diary_day,
        occurred_at: None,
        time_zone: None,
        recorded_at: row.recorded_at,
        source: None,
        proxy_by: row.proxy_by_account_id,
        note: None,
        activity: None,
        food: None,
        sleep: None,
        tobacco: None,
        sitting: None,
        quit_attempt: None,
    };
    if let Some(raw) = &row.content {
        let content: EntryContent = stored_json("entry content", raw)?;
        out.occurred_at = Some(content.occurred_at);
        out.time_zone = Some(content.time_zone);
        out.source = Some(content.source);
        out.note = content.note;
        match content.data {
            EntryData::Activity(d) => out.activity = Some(d),
            EntryData::Food(d) => out.food = Some(d),
            EntryData::Sleep(d) => out.sleep = Some(d),
            EntryData::Tobacco(d) => out.tobacco = Some(d),
            EntryData::Sitting(d) => out.sitting = Some(d),
            EntryData::QuitAttempt(d) => out.quit_attempt = Some(d),
        }
    }
    Ok(out)
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum WriteResult {
    /// Stored.
    Applied,
    /// Already stored with this version and content: nothing to do.
    Unchanged,
    /// Refused by the version rule; `entry` is the server's current entry.
    Conflict,
    /// Refused for its content; `problem` says which field broke which rule.
    Invalid,
}

#[derive(Object)]
pub struct WriteReply {
    pub result: WriteResult,
    pub entry: DiaryEntryView,
}

#[derive(Object)]
pub struct DiaryPage {
    pub entries: Vec<DiaryEntryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// Which entries of a kind a listing asks for: diary days in `[from, to]`,
/// after a position, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub after: Option<ListPosition>,
    pub limit: u64,
}

/// The cursor that continues a listing after `row`: `d1|<day>|<entry id>`
/// in unpadded URL-safe base64 (the api's `decode_list_cursor` reads it).
pub fn encode_list_cursor(row: &diary_entry::Model) -> Option<String> {
    row.diary_day
        .map(|day| URL_SAFE_NO_PAD.encode(format!("d1|{day}|{}", row.entry_id)))
}

/// A page from up to `limit + 1` rows: the extra row only says there is more.
pub fn page_of(rows: Vec<diary_entry::Model>, limit: u64) -> Result<DiaryPage> {
    let more = rows.len() as u64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    Ok(DiaryPage {
        entries: rows.iter().map(view).collect::<Result<_>>()?,
        next_cursor: if more {
            rows.last().and_then(encode_list_cursor)
        } else {
            None
        },
    })
}

fn to_value(view: &DiaryEntryView) -> serde_json::Value {
    view.to_json().unwrap_or(serde_json::Value::Null)
}

/// Maps one write's outcome to a reply, or a 409 carrying the server's entry.
pub fn reply(outcome: &Outcome) -> Result<WriteReply> {
    let entry = view(outcome.entry())?;
    match outcome {
        Outcome::Applied(_) => Ok(WriteReply {
            result: WriteResult::Applied,
            entry,
        }),
        Outcome::Unchanged(_) => Ok(WriteReply {
            result: WriteResult::Unchanged,
            entry,
        }),
        Outcome::Conflict(_) => Err(Refusal::conflict_with(
            "version-conflict",
            format!(
                "the server has version {} of this entry{}; send a higher version to replace it",
                entry.version,
                if entry.deleted { " (deleted)" } else { "" }
            ),
            to_value(&entry),
        )
        .into()),
    }
}
