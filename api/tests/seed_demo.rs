//! `friskliv admin seed-demo`: the same seed gives the same diaries, another
//! seed other diaries, and everything written is a valid entry of the
//! expected shape.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use friskliv_api::Config;
use friskliv_api::cli;
use friskliv_domain::diary::{EntryContent, EntryKind};
use friskliv_store::db::entities::{account, diary_entry};
use friskliv_store::seed::{SeedOptions, SeedSummary};
use sea_orm::{Database, EntityTrait};

const PARTICIPANTS: u32 = 24;
const WEEKS: u32 = 4;

/// A SQLite file for one run, removed afterwards.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        TempDb(std::env::temp_dir().join(format!("friskliv-seed-{}.db", uuid::Uuid::now_v7())))
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
        }
    }
}

/// (participant name, entry id, kind, version, diary day, occurred at,
/// recorded at, content, change number), ordered.
type Row = (
    String,
    uuid::Uuid,
    String,
    i64,
    Option<chrono::NaiveDate>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    i64,
);

fn now() -> DateTime<Utc> {
    "2026-11-24T09:15:00Z".parse().unwrap()
}

async fn seed(seed: u64) -> (SeedSummary, Vec<Row>, Vec<diary_entry::Model>) {
    let file = TempDb::new();
    let config = Config::for_database(file.url());
    let options = SeedOptions {
        participants: PARTICIPANTS,
        weeks: WEEKS,
        seed,
        centre: None,
    };
    let summary = cli::seed_demo(&config, &options, now())
        .await
        .expect("seeded");
    let db = Database::connect(file.url()).await.expect("connect");
    let names: HashMap<uuid::Uuid, String> = account::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect();
    let entries = diary_entry::Entity::find().all(&db).await.unwrap();
    let mut rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            (
                names[&e.participant_id].clone(),
                e.entry_id,
                e.kind.clone(),
                e.version,
                e.diary_day,
                e.occurred_at,
                e.recorded_at,
                e.content.clone(),
                e.seq,
            )
        })
        .collect();
    rows.sort();
    db.close().await.unwrap();
    (summary, rows, entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_diaries_and_another_seed_others() {
    let (first, rows_a, entries) = seed(42).await;
    let (second, rows_b, _) = seed(42).await;
    let (other, rows_c, _) = seed(43).await;

    assert!(!rows_a.is_empty());
    assert_eq!(rows_a.len(), rows_b.len());
    assert!(rows_a == rows_b, "same seed, same rows");
    assert_eq!(
        (first.men, first.referred, &first.entries),
        (second.men, second.referred, &second.entries)
    );
    assert_ne!(rows_a, rows_c, "another seed, other diaries");
    assert_ne!(first.entries, other.entries);

    // The summary counts what is in the table.
    let mut by_kind: BTreeMap<EntryKind, u64> = BTreeMap::new();
    for e in &entries {
        *by_kind.entry(e.kind.parse().unwrap()).or_insert(0) += 1;
    }
    for kind in EntryKind::ALL {
        assert_eq!(
            first.entries.get(kind).copied().unwrap_or(0),
            by_kind.get(kind).copied().unwrap_or(0),
            "{kind}"
        );
    }
    assert_eq!(first.total_entries(), entries.len() as u64);
    assert_eq!(first.participants, PARTICIPANTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_entries_are_valid_and_shaped_like_a_centre() {
    let (summary, _, entries) = seed(1).await;
    let count = |kind: EntryKind| summary.entries.get(&kind).copied().unwrap_or(0);
    let (sleep, food, activity, sitting) = (
        count(EntryKind::Sleep),
        count(EntryKind::Food),
        count(EntryKind::Activity),
        count(EntryKind::Sitting),
    );
    // One night and one sitting value per logged day, 2–4 meals, 0–2 bouts.
    assert!(sleep > 0);
    assert_eq!(sitting, sleep);
    assert!((2 * sleep..=4 * sleep).contains(&food), "food {food}");
    assert!(activity <= 2 * sleep, "activity {activity}");
    assert!(activity > sleep / 2, "activity {activity}");
    // At most one logged day per participant-day.
    let days = u64::from(PARTICIPANTS * WEEKS * 7);
    assert!(sleep <= days);
    // Smokers and snus users make one quit attempt each; they log tobacco
    // on most of their logged days.
    assert_eq!(
        count(EntryKind::QuitAttempt),
        u64::from(summary.tobacco_users)
    );
    assert!(count(EntryKind::Tobacco) <= sleep);
    assert!(summary.men < summary.participants);
    assert!(summary.referred <= summary.participants);
    assert_eq!(
        summary.daily + summary.drop_off + summary.sporadic,
        summary.participants
    );

    // Every stored entry reads back as its kind's content, in Europe/Oslo,
    // inside the window that ends the day before the run day.
    let last = "2026-11-23".parse::<chrono::NaiveDate>().unwrap();
    let first = last - chrono::TimeDelta::days(i64::from(WEEKS) * 7 - 1);
    for e in &entries {
        assert!(!e.deleted);
        assert_eq!(e.version, 1);
        let content: EntryContent =
            serde_json::from_str(e.content.as_deref().expect("content")).expect("content json");
        assert_eq!(content.time_zone, "Europe/Oslo");
        assert!(
            content.occurred_at.ends_with("+01:00") || content.occurred_at.ends_with("+02:00"),
            "{}",
            content.occurred_at
        );
        let day = e.diary_day.expect("diary day");
        assert!((first..=last).contains(&day), "{day}");
        assert!(e.occurred_at.expect("occurred_at") < now());
        assert_eq!(content.data.kind().as_str(), e.kind);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_and_unknown_centres_are_refused() {
    let file = TempDb::new();
    let config = Config::for_database(file.url());
    let mut options = SeedOptions {
        participants: 0,
        weeks: 2,
        seed: 1,
        centre: None,
    };
    assert!(matches!(
        cli::seed_demo(&config, &options, now()).await,
        Err(cli::AdminError::Invalid(e)) if e.field == "--participants"
    ));
    options.participants = 1;
    options.centre = Some(uuid::Uuid::now_v7());
    assert!(matches!(
        cli::seed_demo(&config, &options, now()).await,
        Err(cli::AdminError::NoSuchCentre(_))
    ));
}

/// The operator's export commands run on a seeded database: the outcome
/// table shows no count of 1–4, and the research extract holds exactly the
/// periods of participants with `research` consent, less what it dropped.
#[tokio::test]
async fn operator_exports_run_on_seeded_data() {
    use friskliv_store::db::entities::{consent, period};
    use sea_orm::{ColumnTrait, QueryFilter};

    let file = TempDb::new();
    let mut config = Config::for_database(file.url());
    config.export_dir = std::env::temp_dir().join(format!("friskliv-x-{}", uuid::Uuid::now_v7()));
    let summary = cli::seed_demo(
        &config,
        &SeedOptions {
            participants: 120,
            weeks: 20,
            seed: 4,
            centre: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let centre = summary.centre_id;
    let (from, to) = (summary.first_day, summary.last_day);
    let (csv, periods) = cli::outcome_tables(&config, centre, from, to, "sex")
        .await
        .unwrap();
    assert_eq!(periods, 120);
    for line in csv.lines().skip(1) {
        for cell in line.split(',').skip(1).take(10) {
            if let Ok(n) = cell.parse::<u64>() {
                assert!(n == 0 || n >= 5, "{line}");
            }
        }
    }
    assert!(
        csv.lines().last().unwrap().starts_with("total,120,120,"),
        "{csv}"
    );

    let (path, report) = cli::research_extract(&config, centre, from, to, "csv")
        .await
        .unwrap();
    let db = Database::connect(file.url()).await.unwrap();
    let consenting: std::collections::BTreeSet<uuid::Uuid> = consent::Entity::find()
        .filter(consent::Column::Scope.eq("research"))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.participant_id)
        .collect();
    let periods_of_consenting = period::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| consenting.contains(&p.participant_id))
        .count() as u64;
    assert_eq!(report.periods_considered, periods_of_consenting);
    assert_eq!(report.rows + report.dropped, periods_of_consenting);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count() as u64, report.rows + 1);
    let _ = std::fs::remove_dir_all(&config.export_dir);
}
