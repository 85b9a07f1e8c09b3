//! Crash safety: a child process runs the SDK on a large outbox — syncing,
//! logging, editing and deleting — and is killed with SIGKILL at random
//! points, again and again. After a restart and one more sync the server
//! holds every local entry exactly once and the phone equals the server.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    Keychain, Phone, enrolled, folder, local_versions, server_entries, server_versions, walk,
};
use friskliv_sdk::Friskliv;
use friskliv_sdk::friskliv_domain::diary::EntryKind;
use friskliv_tests::{TestApp, stories};
use rand::Rng;

stories!(killed_at_random_points_the_phone_and_server_still_agree);

const KILLS: usize = 24;
const OUTBOX: usize = 3000;
/// The child is killed within this; no run waits longer.
const LONGEST_LIFE_MS: u64 = 900;

const CHILD_ENV: &str = "FRISKLIV_SDK_CRASH_CHILD";

async fn killed_at_random_points_the_phone_and_server_still_agree(app: TestApp) {
    let dir = folder();
    let (_, phone) = enrolled(&app, dir.path(), "kari").await;
    for i in 0..OUTBOX {
        let day = format!("2026-04-{:02}", 1 + i % 28);
        phone
            .sdk
            .save_entry(EntryKind::Activity, None, walk(&day, 10 + (i % 100) as i64))
            .unwrap();
    }
    let token = phone.token();
    let db_path = phone.db_path.clone();
    drop(phone);

    let mut rng = rand::rng();
    let started = Instant::now();
    for run in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .env("FRISKLIV_SDK_CRASH_URL", app.base.as_str())
            .env("FRISKLIV_SDK_CRASH_DB", &db_path)
            .env("FRISKLIV_SDK_CRASH_TOKEN", &token)
            .env("FRISKLIV_SDK_CRASH_SEED", run.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let life = rng.random_range(30..LONGEST_LIFE_MS);
        tokio::time::sleep(Duration::from_millis(life)).await;
        // `kill` is SIGKILL on Unix: no destructor, no flush, mid-write.
        let _ = child.kill();
        child.wait().expect("child reaped");
    }
    assert!(started.elapsed() < Duration::from_secs(120), "bounded");

    // The children got somewhere before they died: part of the outbox is
    // on the server, so the kills landed among syncs, not before them.
    let reached = server_entries(&app, &token).await.0.len();
    assert!(reached > 0, "the children synced before they were killed");

    let keychain = Arc::new(Keychain::default());
    *keychain.0.lock().unwrap() = Some(token.clone());
    let sdk = Friskliv::open(app.base.as_str(), &db_path, keychain.clone())
        .expect("reopens after the crashes");
    let pending = sdk.pending_count().unwrap();
    let report = sdk.sync().await.expect("one more sync");
    eprintln!(
        "{KILLS} kills: {reached} entries on the server before the last sync, {pending} queued; {report:?}"
    );
    assert_eq!(report.pending, 0, "{report:?}");
    let restarted = Phone {
        sdk,
        keychain,
        passkeys: friskliv_tests::PasskeyDevice::new("unused"),
        db_path,
    };
    let local = local_versions(&restarted);
    assert!(
        local.len() >= OUTBOX / 2,
        "the outbox's entries are there: {}",
        local.len()
    );
    let (live, _) = server_entries(&app, &token).await;
    let ids: BTreeSet<&str> = live
        .iter()
        .map(|e| e["entry_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), live.len(), "no entry twice on the server");
    assert_eq!(
        local,
        server_versions(&app, &token).await,
        "the phone equals the server"
    );
    assert!(
        restarted.sdk.conflicts().unwrap().is_empty(),
        "one phone never conflicts with itself"
    );
}

/// The child: only runs when the parent starts it (ignored otherwise).
#[test]
#[ignore = "run by killed_at_random_points_the_phone_and_server_still_agree as a child process"]
fn crash_child() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    let base = std::env::var("FRISKLIV_SDK_CRASH_URL").unwrap();
    let db = std::env::var("FRISKLIV_SDK_CRASH_DB").unwrap();
    let keychain = Arc::new(Keychain::default());
    *keychain.0.lock().unwrap() = Some(std::env::var("FRISKLIV_SDK_CRASH_TOKEN").unwrap());
    let seed: u64 = std::env::var("FRISKLIV_SDK_CRASH_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let sdk = Friskliv::open(&base, std::path::Path::new(&db), keychain).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut n = seed * 1000;
    runtime.block_on(async {
        // Each life starts with a burst, so every kill finds a large outbox.
        for i in 0..300 {
            let day = format!("2026-06-{:02}", 1 + i % 28);
            sdk.save_entry(EntryKind::Activity, None, walk(&day, 15))
                .unwrap();
        }
        loop {
            // Logging, an edit and a delete while the sync runs.
            let day = format!("2026-05-{:02}", 1 + n % 28);
            let new = sdk
                .save_entry(EntryKind::Activity, None, walk(&day, 20 + (n % 50) as i64))
                .unwrap();
            if let Some(old) = sdk
                .entries(EntryKind::Activity, None, None)
                .unwrap()
                .get(n as usize % 50)
            {
                sdk.save_entry(
                    EntryKind::Activity,
                    Some(&old.entry_id),
                    walk(&old.diary_day, 33),
                )
                .unwrap();
            }
            if n.is_multiple_of(3) {
                sdk.delete_entry(&new.entry_id).unwrap();
            }
            n += 1;
            let _ = sdk.sync().await;
        }
    });
}
