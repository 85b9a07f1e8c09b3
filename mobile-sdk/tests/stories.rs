//! The phone core's user stories, through the Rust API, against the real
//! server on a random port (SQLite and PostgreSQL): a week logged offline,
//! two devices converging, a conflict kept, a veileder's proxy entry,
//! consent withdrawn from the phone, and bad input refused locally.

mod common;

use std::collections::BTreeSet;

use common::{
    Phone, enrolled, entry, folder, local_versions, second_device, server_entries, server_versions,
    walk,
};
use friskliv_sdk::friskliv_domain::consent::ConsentScope;
use friskliv_sdk::friskliv_domain::diary::EntryKind;
use friskliv_sdk::{ConflictReason, SdkError};
use friskliv_tests::{TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::json;

stories!(
    a_week_logged_offline_reaches_the_server_once,
    two_devices_converge_after_edits_and_deletes,
    a_conflicting_edit_is_kept_not_lost,
    a_veileders_proxy_entry_appears_on_the_phone,
    consent_withdrawn_on_the_phone_stops_the_next_staff_request,
    bad_input_is_refused_locally_as_the_server_refuses_it,
    syncs_from_several_threads_run_one_at_a_time,
    another_participant_on_the_same_phone_starts_from_an_empty_diary,
    export_then_erasure_from_the_phone,
    a_write_the_server_refuses_is_kept_and_the_diary_shows_the_servers,
    a_phone_registers_for_reminders_and_signing_out_stops_them,
);

/// The days of a week in May 2026.
fn week() -> Vec<String> {
    (4..=10).map(|d| format!("2026-05-{d:02}")).collect()
}

async fn a_week_logged_offline_reaches_the_server_once(mut app: TestApp) {
    let dir = folder();
    let (_, phone) = enrolled(&app, dir.path(), "kari").await;
    let online = phone.sdk.progress().await.expect("progress online");
    assert!(!online.from_cache);

    app.stop().await;
    let mut written = Vec::new();
    for day in week() {
        written.push(
            phone
                .sdk
                .save_entry(EntryKind::Activity, None, walk(&day, 40))
                .unwrap(),
        );
        written.push(
            phone
                .sdk
                .save_entry(
                    EntryKind::Food,
                    None,
                    entry(
                        json!({"version": 0, "occurred_at": format!("{day}T12:00:00+02:00"),
                        "food": {"meal": "lunch", "veg_fruit_portions": 3, "whole_grain": true}}),
                    ),
                )
                .unwrap(),
        );
        written.push(
            phone
                .sdk
                .save_entry(
                    EntryKind::Sleep,
                    None,
                    entry(
                        json!({"version": 0, "occurred_at": format!("{day}T06:45:00+02:00"),
                        "sleep": {"into_bed_at": format!("{day}T00:10:00+02:00"),
                            "tried_to_sleep_at": format!("{day}T00:20:00+02:00"),
                            "minutes_to_fall_asleep": 15, "awakenings": 1,
                            "minutes_awake_after_onset": 10,
                            "out_of_bed_at": format!("{day}T07:00:00+02:00"), "quality": 4}}),
                    ),
                )
                .unwrap(),
        );
        written.push(
            phone
                .sdk
                .save_entry(
                    EntryKind::Tobacco,
                    None,
                    entry(
                        json!({"version": 0, "occurred_at": format!("{day}T21:00:00+02:00"),
                        "tobacco": {"cigarettes": 0, "snus_portions": 2, "e_cigarette": false,
                            "cessation_medication": "nicotine_replacement"}}),
                    ),
                )
                .unwrap(),
        );
        written.push(
            phone
                .sdk
                .save_entry(
                    EntryKind::Sitting,
                    None,
                    entry(
                        json!({"version": 0, "occurred_at": format!("{day}T22:00:00+02:00"),
                        "sitting": {"hours": 7.5}}),
                    ),
                )
                .unwrap(),
        );
    }
    written.push(
        phone
            .sdk
            .save_entry(
                EntryKind::QuitAttempt,
                None,
                entry(
                    json!({"version": 0, "occurred_at": "2026-05-04T08:00:00+02:00",
                    "quit_attempt": {"target_quit_date": "2026-05-04", "products": ["snus"],
                        "packs": [{"product": "snus", "price_per_pack_nok": 110.0}]}}),
                ),
            )
            .unwrap(),
    );
    assert_eq!(written.len(), 36);
    // Readable at once: the day view and the diary's list, before any sync.
    let monday = phone.sdk.day("2026-05-04".parse().unwrap()).unwrap();
    assert_eq!(
        monday.len(),
        6,
        "five diaries and the quit attempt on Monday"
    );
    assert!(monday.iter().all(|e| e.pending));
    // An edit of a queued entry collapses into its one outbox item; a
    // delete of another leaves a tombstone queued.
    let first_walk = &written[0];
    let edited = phone
        .sdk
        .save_entry(
            EntryKind::Activity,
            Some(&first_walk.entry_id),
            walk("2026-05-04", 55),
        )
        .unwrap();
    assert_eq!(edited.version, 2);
    phone.sdk.delete_entry(&written[1].entry_id).unwrap();
    assert_eq!(phone.sdk.pending_count().unwrap(), 36);
    assert_eq!(
        phone
            .sdk
            .entries(EntryKind::Food, None, None)
            .unwrap()
            .len(),
        6
    );

    match phone.sdk.sync().await {
        Err(SdkError::Offline { .. }) => {}
        other => panic!("sync with the server down reports offline, got {other:?}"),
    }
    assert_eq!(
        phone.sdk.pending_count().unwrap(),
        36,
        "nothing leaves the outbox offline"
    );
    let cached = phone
        .sdk
        .progress()
        .await
        .expect("progress from the cache offline");
    assert!(cached.from_cache);
    assert_eq!(cached.fetched_at, online.fetched_at);

    app.start().await;
    let report = phone.sdk.sync().await.expect("sync");
    assert_eq!(report.pushed, 36, "{report:?}");
    assert_eq!(
        (report.conflicts, report.rejected, report.pending),
        (0, 0, 0)
    );
    assert_eq!(phone.sdk.pending_count().unwrap(), 0);

    // The server has each entry once, at its version; the deleted meal is a tombstone.
    let (live, tombstones) = server_entries(&app, &phone.token()).await;
    assert_eq!(live.len(), 35);
    assert_eq!(tombstones, 1);
    let ids: BTreeSet<&str> = live
        .iter()
        .map(|e| e["entry_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 35, "no entry twice");
    let walk_on_server = live
        .iter()
        .find(|e| e["entry_id"] == first_walk.entry_id.as_str())
        .unwrap();
    assert_eq!(walk_on_server["version"], 2);
    assert_eq!(walk_on_server["activity"]["duration_minutes"], 55);
    assert_eq!(
        local_versions(&phone),
        server_versions(&app, &phone.token()).await
    );

    // A second sync sends nothing and changes nothing.
    let again = phone.sdk.sync().await.unwrap();
    assert_eq!((again.pushed, again.unchanged, again.conflicts), (0, 0, 0));
    assert_eq!(server_entries(&app, &phone.token()).await.0.len(), 35);
    assert!(
        phone
            .sdk
            .entries(EntryKind::Activity, None, None)
            .unwrap()
            .iter()
            .all(|e| !e.pending)
    );
}

async fn two_devices_converge_after_edits_and_deletes(app: TestApp) {
    let dir = folder();
    let (_, mut a) = enrolled(&app, dir.path(), "phone").await;
    // The same participant on a tablet: the same passkey (synced by the
    // platform), a separate session and local store.
    let b = second_device(&app, dir.path(), &mut a, "tablet").await;

    let days = week();
    let on_a: Vec<_> = days[..4].iter().map(|d| a.walk(None, d, 30)).collect();
    a.sdk.sync().await.unwrap();
    let pulled = b.sdk.sync().await.unwrap();
    assert_eq!(pulled.pulled, 4);
    assert_eq!(local_versions(&a), local_versions(&b));

    // Each edits one entry and deletes another, and logs a new one.
    a.walk(Some(&on_a[0].entry_id), &days[0], 60);
    a.sdk.delete_entry(&on_a[1].entry_id).unwrap();
    b.walk(Some(&on_a[2].entry_id), &days[2], 45);
    b.sdk.delete_entry(&on_a[3].entry_id).unwrap();
    b.walk(None, &days[5], 20);
    a.sdk.sync().await.unwrap();
    b.sdk.sync().await.unwrap();
    a.sdk.sync().await.unwrap();

    let server = server_versions(&app, &a.token()).await;
    assert_eq!(local_versions(&a), server);
    assert_eq!(local_versions(&b), server);
    assert_eq!(server.len(), 3, "two of five deleted: {server:?}");
    let minutes = |phone: &Phone, id: &str| {
        phone
            .sdk
            .entry(id)
            .unwrap()
            .unwrap()
            .entry
            .activity
            .unwrap()
            .duration_minutes
    };
    assert_eq!(minutes(&b, &on_a[0].entry_id), 60, "A's edit reached B");
    assert_eq!(minutes(&a, &on_a[2].entry_id), 45, "B's edit reached A");
    assert!(
        a.sdk.entry(&on_a[3].entry_id).unwrap().is_none(),
        "B's delete reached A"
    );
    assert!(
        b.sdk.entry(&on_a[1].entry_id).unwrap().is_none(),
        "A's delete reached B"
    );
    assert!(a.sdk.conflicts().unwrap().is_empty() && b.sdk.conflicts().unwrap().is_empty());
}

async fn a_conflicting_edit_is_kept_not_lost(app: TestApp) {
    let dir = folder();
    let (_, mut a) = enrolled(&app, dir.path(), "phone").await;
    let b = second_device(&app, dir.path(), &mut a, "tablet").await;

    let shared = a
        .sdk
        .save_entry(EntryKind::Activity, None, walk("2026-05-06", 30))
        .unwrap();
    a.sdk.sync().await.unwrap();
    b.sdk.sync().await.unwrap();
    // Both edit the same entry from version 1; A syncs first.
    a.walk(Some(&shared.entry_id), "2026-05-06", 50);
    b.walk(Some(&shared.entry_id), "2026-05-06", 75);
    a.sdk.sync().await.unwrap();
    let report = b.sdk.sync().await.unwrap();
    assert_eq!(report.conflicts, 1, "{report:?}");

    // The server's version is in B's diary; B's edit is kept as a conflict.
    let on_b = b.sdk.entry(&shared.entry_id).unwrap().unwrap();
    assert_eq!(on_b.entry.activity.as_ref().unwrap().duration_minutes, 50);
    assert!(!on_b.pending);
    let conflicts = b.sdk.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.reason, ConflictReason::Conflict);
    assert_eq!(conflict.entry_id, shared.entry_id);
    assert_eq!(
        conflict
            .local
            .as_ref()
            .unwrap()
            .activity
            .as_ref()
            .unwrap()
            .duration_minutes,
        75
    );
    assert_eq!(
        conflict
            .server
            .as_ref()
            .unwrap()
            .activity
            .as_ref()
            .unwrap()
            .duration_minutes,
        50
    );

    // The participant keeps their own: it goes up over the server's.
    let reapplied = b.sdk.reapply_conflict(conflict.id).unwrap().unwrap();
    assert_eq!(reapplied.version, 3);
    b.sdk.sync().await.unwrap();
    a.sdk.sync().await.unwrap();
    let on_a = a.sdk.entry(&shared.entry_id).unwrap().unwrap();
    assert_eq!(on_a.entry.activity.unwrap().duration_minutes, 75);
    assert_eq!(on_a.version, 3);
    assert!(b.sdk.conflicts().unwrap().is_empty());
    assert_eq!(local_versions(&a), server_versions(&app, &a.token()).await);
}

async fn a_veileders_proxy_entry_appears_on_the_phone(app: TestApp) {
    let dir = folder();
    let (centre, phone) = enrolled(&app, dir.path(), "kari").await;
    phone
        .sdk
        .grant_consent(ConsentScope::Entries)
        .await
        .unwrap();
    let account = phone.sdk.account().await.unwrap();
    let entry_id = uuid::Uuid::now_v7();
    app.request(
        Method::PUT,
        &format!(
            "/v1/centres/{}/participants/{}/diary/food/{entry_id}",
            centre.id, account.account_id
        ),
        Some(&centre.veileder.token),
        Some(
            json!({"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00",
            "food": {"meal": "lunch", "veg_fruit_portions": 2}}),
        ),
    )
    .await
    .assert_status(StatusCode::OK);

    let report = phone.sdk.sync().await.unwrap();
    assert_eq!(report.pulled, 1);
    let proxied = phone
        .sdk
        .entry(&entry_id.to_string())
        .unwrap()
        .expect("on the phone");
    assert_eq!(
        proxied.proxy_by.as_deref(),
        Some(centre.veileder.account_id.as_str())
    );
    assert_eq!(proxied.diary_day, "2026-05-05");
    assert_eq!(proxied.entry.food.unwrap().veg_fruit_portions, 2);
    // The participant sees that the veileder wrote it, in the access log.
    let log = phone.sdk.access_log().await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "write_entry" && e.allowed),
        "{log:?}"
    );
}

async fn consent_withdrawn_on_the_phone_stops_the_next_staff_request(app: TestApp) {
    let dir = folder();
    let (centre, phone) = enrolled(&app, dir.path(), "kari").await;
    let account = phone.sdk.account().await.unwrap();
    let summary = format!(
        "/v1/centres/{}/participants/{}/summary",
        centre.id, account.account_id
    );
    let consent = phone
        .sdk
        .grant_consent(ConsentScope::Summaries)
        .await
        .unwrap();
    assert!(consent.active);
    app.get(&summary, Some(&centre.veileder.token))
        .await
        .assert_status(StatusCode::OK);

    let withdrawn = phone.sdk.withdraw_consent(&consent.id).await.unwrap();
    assert!(!withdrawn.active);
    let refused = app.get(&summary, Some(&centre.veileder.token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    let history = phone.sdk.consents().await.unwrap();
    assert!(history.iter().all(|c| !c.active), "{history:?}");
    let log = phone.sdk.access_log().await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "read_summary" && !e.allowed),
        "the refusal is logged for the participant: {log:?}"
    );
}

async fn bad_input_is_refused_locally_as_the_server_refuses_it(app: TestApp) {
    let dir = folder();
    let (_, phone) = enrolled(&app, dir.path(), "kari").await;
    let too_long = "x".repeat(501);
    let cases = [
        (
            "activity",
            json!({"version": 1, "occurred_at": "2026-05-05T08:00:00+02:00",
            "activity": {"activity_type": "walking", "duration_minutes": 0, "intensity": "light"}}),
        ),
        (
            "sleep",
            json!({"version": 1, "occurred_at": "2026-05-05T06:00:00+02:00",
            "sleep": {"into_bed_at": "2026-05-05T07:00:00+02:00", "tried_to_sleep_at": "2026-05-05T07:10:00+02:00",
                "minutes_to_fall_asleep": 10, "awakenings": 0, "minutes_awake_after_onset": 0,
                "out_of_bed_at": "2026-05-05T06:30:00+02:00", "quality": 3}}),
        ),
        (
            "food",
            json!({"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00", "note": too_long,
            "food": {"meal": "lunch", "veg_fruit_portions": 2}}),
        ),
        (
            "sitting",
            json!({"version": 1, "occurred_at": "2026-05-05T12:00:00", "sitting": {"hours": 25.0}}),
        ),
    ];
    for (kind, body) in cases {
        let local = match phone
            .sdk
            .save_entry(kind.parse().unwrap(), None, entry(body.clone()))
        {
            Err(SdkError::Validation { errors, .. }) => errors,
            other => panic!("{kind}: refused locally, got {other:?}"),
        };
        let server = app
            .request(
                Method::PUT,
                &format!("/v1/me/diary/{kind}/{}", uuid::Uuid::now_v7()),
                Some(&phone.token()),
                Some(body),
            )
            .await;
        assert_eq!(
            server.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind}: {:?}",
            server.body
        );
        let server_rules: BTreeSet<(String, String)> = server.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["rule"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let local_rules: BTreeSet<(String, String)> =
            local.into_iter().map(|e| (e.field, e.rule)).collect();
        assert_eq!(local_rules, server_rules, "{kind}: the same field and rule");
    }
    // An unknown kind is refused as the server refuses it.
    match friskliv_sdk::Friskliv::parse_kind("steps") {
        Err(SdkError::Validation { errors, .. }) => {
            assert_eq!(
                (errors[0].field.as_str(), errors[0].rule.as_str()),
                ("kind", "one_of")
            );
        }
        other => panic!("unknown kind refused, got {other:?}"),
    }
    let server = app
        .request(
            Method::PUT,
            &format!("/v1/me/diary/steps/{}", uuid::Uuid::now_v7()),
            Some(&phone.token()),
            Some(json!({"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00"})),
        )
        .await;
    assert_eq!(server.body["errors"][0]["field"], "kind");
    assert_eq!(server.body["errors"][0]["rule"], "one_of");

    // Nothing was written or queued.
    assert_eq!(phone.sdk.pending_count().unwrap(), 0);
    for kind in EntryKind::ALL {
        assert!(phone.sdk.entries(*kind, None, None).unwrap().is_empty());
    }
    assert_eq!(phone.sdk.sync().await.unwrap().pushed, 0);
}

async fn syncs_from_several_threads_run_one_at_a_time(app: TestApp) {
    let dir = folder();
    let (_, phone) = enrolled(&app, dir.path(), "kari").await;
    let token = phone.token();
    let sdk = std::sync::Arc::new(phone.sdk);
    // Four app threads log and sync at once (a screen, a push handler, a
    // network-change callback, app start).
    let mut tasks = Vec::new();
    for t in 0..4 {
        let sdk = sdk.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..60 {
                let day = format!("2026-05-{:02}", 1 + (t * 7 + i) % 28);
                sdk.save_entry(EntryKind::Activity, None, walk(&day, 10 + i as i64))
                    .unwrap();
                if i % 20 == 19 {
                    sdk.sync().await.expect("a concurrent sync succeeds");
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let last = sdk.sync().await.unwrap();
    assert_eq!(last.pending, 0);
    let (live, _) = server_entries(&app, &token).await;
    assert_eq!(live.len(), 240);
    let ids: BTreeSet<&str> = live
        .iter()
        .map(|e| e["entry_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 240, "each entry once");
    assert!(
        sdk.conflicts().unwrap().is_empty(),
        "one phone never conflicts with itself"
    );
}

async fn another_participant_on_the_same_phone_starts_from_an_empty_diary(app: TestApp) {
    let dir = folder();
    let (centre, mut phone) = enrolled(&app, dir.path(), "shared").await;
    phone
        .sdk
        .save_entry(EntryKind::Activity, None, walk("2026-05-04", 30))
        .unwrap();
    phone.sdk.sync().await.unwrap();
    phone.sdk.sign_out().await.unwrap();
    assert!(!phone.sdk.is_signed_in());
    assert!(
        phone.keychain.0.lock().unwrap().is_none(),
        "the token left the keychain"
    );
    // Signing out keeps the diary for the same participant.
    assert_eq!(
        phone
            .sdk
            .entries(EntryKind::Activity, None, None)
            .unwrap()
            .len(),
        1
    );

    // A second participant registers on the same app and file.
    phone.passkeys = friskliv_tests::PasskeyDevice::new("ola");
    phone.register(&centre.invite_participant(&app).await).await;
    assert!(
        phone
            .sdk
            .entries(EntryKind::Activity, None, None)
            .unwrap()
            .is_empty(),
        "the first participant's diary is gone from the phone"
    );
    let report = phone.sdk.sync().await.unwrap();
    assert_eq!(
        (report.pulled, report.pushed),
        (0, 0),
        "and is not pulled or pushed as theirs"
    );
}

async fn export_then_erasure_from_the_phone(app: TestApp) {
    let dir = folder();
    let (_, mut phone) = enrolled(&app, dir.path(), "kari").await;
    let logged = phone
        .sdk
        .save_entry(EntryKind::Activity, None, walk("2026-05-04", 30))
        .unwrap();
    phone.sdk.sync().await.unwrap();
    let token = phone.token();

    let export: serde_json::Value =
        serde_json::from_str(&phone.sdk.export_my_data().await.unwrap()).unwrap();
    assert!(
        export.to_string().contains(&logged.entry_id),
        "the export holds the logged entry"
    );

    // Erasure is confirmed with the phone's passkey.
    let ceremony = phone.sdk.start_erasure().await.unwrap();
    let credential = phone
        .passkeys
        .get(&common::platform_options(&ceremony.options_json));
    phone
        .sdk
        .finish_erasure(&ceremony.ceremony_id, &credential.to_string())
        .await
        .unwrap();
    assert!(!phone.sdk.is_signed_in());
    assert!(phone.keychain.0.lock().unwrap().is_none());
    assert!(
        phone
            .sdk
            .entries(EntryKind::Activity, None, None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(phone.sdk.pending_count().unwrap(), 0);
    app.get("/v1/me", Some(&token))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    match phone.sdk.sync().await {
        Err(SdkError::Unauthorised { .. }) => {}
        other => panic!("after erasure the phone must sign in again, got {other:?}"),
    }
}

async fn a_write_the_server_refuses_is_kept_and_the_diary_shows_the_servers(app: TestApp) {
    let dir = folder();
    let (_, phone) = enrolled(&app, dir.path(), "kari").await;
    let synced = phone.walk(None, "2026-05-04", 30);
    phone.sdk.sync().await.unwrap();

    // The phone's clock runs three days fast: it accepts entries the server
    // (on the right time) refuses as being in the future.
    let fast =
        friskliv_sdk::Friskliv::open(app.base.as_str(), &phone.db_path, phone.keychain.clone())
            .unwrap()
            .with_clock(|| chrono::Utc::now() + chrono::Duration::days(3));
    let tomorrow_and_more = (chrono::Utc::now() + chrono::Duration::days(2))
        .with_timezone(&chrono_tz::Europe::Oslo)
        .to_rfc3339();
    let mut future_walk = common::walk("2026-05-04", 45);
    future_walk.occurred_at = tomorrow_and_more.clone();
    let new = fast
        .save_entry(EntryKind::Activity, None, future_walk.clone())
        .expect("within a day of the phone's clock");
    fast.save_entry(EntryKind::Activity, Some(&synced.entry_id), future_walk)
        .expect("an edit, too");
    let report = fast.sync().await.unwrap();
    assert_eq!((report.rejected, report.pending), (2, 0), "{report:?}");

    // Both writes are kept with the server's reason, named as the app names it.
    let kept = fast.conflicts().unwrap();
    assert_eq!(kept.len(), 2);
    for conflict in &kept {
        assert_eq!(conflict.reason, ConflictReason::Rejected);
        assert_eq!(
            conflict.local.as_ref().unwrap().occurred_at,
            tomorrow_and_more
        );
        assert!(
            conflict
                .problem_errors
                .iter()
                .any(|e| e.field == "occurred_at" && e.rule == "not_in_future"),
            "{conflict:?}"
        );
    }
    // The diary shows what the server has: the new entry is not there, the
    // edited one is the server's version.
    assert!(fast.entry(&new.entry_id).unwrap().is_none());
    let restored = fast.entry(&synced.entry_id).unwrap().unwrap();
    assert_eq!((restored.version, restored.pending), (1, false));
    assert_eq!(restored.entry.activity.unwrap().duration_minutes, 30);
    assert_eq!(
        local_versions(&phone),
        server_versions(&app, &phone.token()).await
    );
}

async fn a_phone_registers_for_reminders_and_signing_out_stops_them(app: TestApp) {
    use friskliv_sdk::friskliv_domain::reminders::{DeviceInput, Platform, RemindersInput};
    let dir = folder();
    let (_, mut phone) = enrolled(&app, dir.path(), "phone").await;
    let tablet = second_device(&app, dir.path(), &mut phone, "tablet").await;
    let devices = async || app.get("/v1/me/devices", Some(&tablet.token())).await.body;
    let device_id = uuid::Uuid::now_v7().to_string();
    let device = |token: &str| DeviceInput {
        platform: Platform::Android,
        push_token: token.to_owned(),
        app_version: Some("1.0.0".into()),
        locale: Some("nb-NO".into()),
    };
    // A bad token is refused on the phone, with the server's field and rule.
    match phone.sdk.register_device(&device_id, device(" ")).await {
        Err(SdkError::Validation { errors, .. }) => {
            assert_eq!(
                (errors[0].field.as_str(), errors[0].rule.as_str()),
                ("push_token", "length")
            );
        }
        other => panic!("refused locally, got {other:?}"),
    }
    assert_eq!(devices().await, json!([]));
    phone
        .sdk
        .register_device(&device_id, device("fcm-token-phone"))
        .await
        .unwrap();
    assert_eq!(devices().await.as_array().unwrap().len(), 1);
    let reminders: serde_json::Value =
        serde_json::from_str(&phone.sdk.reminders().await.unwrap()).unwrap();
    assert_eq!(
        reminders["defaults"], false,
        "the first device stored the defaults"
    );

    let mut settings: RemindersInput = serde_json::from_value(json!({
        "time_zone": "America/New_York",
        "reminders": [{"kind": "food", "enabled": true, "time": "12:30"}]
    }))
    .unwrap();
    let view: serde_json::Value =
        serde_json::from_str(&phone.sdk.set_reminders(settings.clone()).await.unwrap()).unwrap();
    assert_eq!(view["time_zone"], "America/New_York");
    assert_eq!(view["next"][0]["kind"], "food");
    settings.reminders[0].time = "25:00".into();
    match phone.sdk.set_reminders(settings).await {
        Err(SdkError::Validation { errors, .. }) => {
            assert_eq!(
                (errors[0].field.as_str(), errors[0].rule.as_str()),
                ("reminders[0].time", "time_of_day")
            );
        }
        other => panic!("refused locally, got {other:?}"),
    }

    // Signing out of the phone stops its reminders.
    phone.sdk.sign_out().await.unwrap();
    assert_eq!(devices().await, json!([]));
}
