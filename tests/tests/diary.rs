//! Diaries end to end: an offline phone's batches, two devices editing one
//! entry, tombstones through the change feed, concurrent writers, DST and
//! travel, bad input, quit attempts, export and erasure.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use friskliv_tests::{PasskeyDevice, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    offline_batch_retried_three_times_creates_each_entry_once,
    two_devices_follow_the_version_rule,
    a_tombstone_reaches_the_other_device_through_the_change_feed,
    concurrent_writers_never_make_the_feed_skip,
    dst_and_travel_land_on_the_right_diary_day,
    bad_input_is_refused_naming_the_field_and_writes_nothing,
    diaries_are_private_to_their_participant,
    quit_attempts_are_synced_entries,
    export_and_erasure,
    lists_page_in_a_stable_order,
);

/// A centre, a veileder, and one participant signed in on `device`.
async fn participant(app: &TestApp, device: &mut PasskeyDevice) -> (Session, Session) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("veileder"), &code, "Veileder")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let me = app
        .register_ok(device, invite.body["code"].as_str().unwrap(), "Deltaker")
        .await;
    (me, veileder)
}

fn walk(version: i64, occurred_at: &str, minutes: i64) -> Value {
    json!({
        "version": version,
        "occurred_at": occurred_at,
        "activity": {"activity_type": "walking", "duration_minutes": minutes, "intensity": "moderate"}
    })
}

fn meal(occurred_at: &str, portions: i64) -> Value {
    json!({
        "version": 1,
        "occurred_at": occurred_at,
        "food": {"meal": "lunch", "description": "Grovbrød med makrell", "veg_fruit_portions": portions, "whole_grain": true}
    })
}

fn night(final_awakening: &str) -> Value {
    json!({
        "version": 1,
        "occurred_at": final_awakening,
        "sleep": {
            "into_bed_at": "2026-03-28T22:45:00+01:00",
            "tried_to_sleep_at": "2026-03-28T23:00:00+01:00",
            "minutes_to_fall_asleep": 20,
            "awakenings": 2,
            "minutes_awake_after_onset": 15,
            "out_of_bed_at": "2026-03-29T07:00:00+02:00",
            "quality": 4
        }
    })
}

async fn put(
    app: &TestApp,
    token: &str,
    kind: &str,
    id: Uuid,
    body: Value,
) -> friskliv_tests::Reply {
    app.request(
        Method::PUT,
        &format!("/v1/me/diary/{kind}/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// Follows the change feed from `cursor` to its end; returns the changes
/// and the cursor to continue from.
async fn drain_feed(
    app: &TestApp,
    token: &str,
    mut cursor: Option<String>,
) -> (Vec<Value>, String) {
    let mut changes = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/me/changes?cursor={c}&limit=50"),
            None => "/v1/me/changes?limit=50".to_owned(),
        };
        let page = app.get(&path, Some(token)).await;
        page.assert_status(StatusCode::OK);
        changes.extend(page.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(page.body["next_cursor"].as_str().unwrap().to_owned());
        if !page.body["has_more"].as_bool().unwrap() {
            return (changes, cursor.unwrap());
        }
    }
}

async fn offline_batch_retried_three_times_creates_each_entry_once(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;

    // A week offline: walks, meals and nights, plus one typo.
    let mut items = Vec::new();
    for day in 1..=7 {
        items.push(
            json!({"op": "upsert", "kind": "activity", "entry_id": Uuid::new_v4(),
            "entry": walk(1, &format!("2026-05-0{day}T07:30:00+02:00"), 20 + day)}),
        );
        items.push(
            json!({"op": "upsert", "kind": "food", "entry_id": Uuid::new_v4(),
            "entry": meal(&format!("2026-05-0{day}T12:00:00+02:00"), day % 5)}),
        );
        items.push(json!({"op": "upsert", "kind": "sitting", "entry_id": Uuid::new_v4(),
            "entry": {"version": 1, "occurred_at": format!("2026-05-0{day}T21:00:00+02:00"), "sitting": {"hours": 7.5}}}));
    }
    let typo = items.len();
    items.push(
        json!({"op": "upsert", "kind": "activity", "entry_id": Uuid::new_v4(),
        "entry": walk(1, "2026-05-07T18:00:00+02:00", 0)}),
    );
    let batch = json!({ "items": items });

    for attempt in 1..=3 {
        let reply = app
            .post("/v1/me/sync", Some(&me.token), batch.clone())
            .await;
        reply.assert_status(StatusCode::OK);
        let results = reply.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 22);
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r["index"], i);
            if i == typo {
                assert_eq!(r["result"], "invalid");
                assert_eq!(r["problem"]["status"], 422);
                assert_eq!(
                    r["problem"]["errors"][0]["field"],
                    format!("items[{typo}].entry.activity.duration_minutes")
                );
                assert_eq!(r["problem"]["errors"][0]["rule"], "range");
            } else {
                let expected = if attempt == 1 { "applied" } else { "unchanged" };
                assert_eq!(r["result"], expected, "attempt {attempt}, item {i}: {r}");
            }
        }
    }

    // The same version with other content, from another device: a conflict
    // carrying the server's entry, and nothing written.
    let mut clash = batch["items"][0].clone();
    clash["entry"]["activity"]["duration_minutes"] = json!(99);
    let reply = app
        .post("/v1/me/sync", Some(&me.token), json!({"items": [clash]}))
        .await;
    assert_eq!(reply.body["results"][0]["result"], "conflict");
    assert_eq!(
        reply.body["results"][0]["entry"]["activity"]["duration_minutes"],
        21
    );
    assert_eq!(reply.body["results"][0]["version"], 1);

    for kind in ["activity", "food", "sitting"] {
        let list = app
            .get(&format!("/v1/me/diary/{kind}"), Some(&me.token))
            .await;
        list.assert_status(StatusCode::OK);
        assert_eq!(list.body["entries"].as_array().unwrap().len(), 7, "{kind}");
    }
    let (changes, _) = drain_feed(&app, &me.token, None).await;
    assert_eq!(
        changes.len(),
        21,
        "each entry once; retries and the typo wrote nothing"
    );
    let numbers: Vec<i64> = changes
        .iter()
        .map(|c| c["change"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        (1..=21).collect::<Vec<_>>(),
        "change numbers are gapless and ordered"
    );
}

async fn two_devices_follow_the_version_rule(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (_, _) = participant(&app, &mut phone).await;
    let a = app.login_ok(&mut phone).await;
    let b = app.login_ok(&mut phone).await; // the tablet, signed in with the synced passkey
    let id = Uuid::new_v4();

    let first = put(
        &app,
        &a.token,
        "activity",
        id,
        walk(1, "2026-05-02T07:00:00+02:00", 30),
    )
    .await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.body["result"], "applied");

    // The tablet edits it (version 2).
    let edit = put(
        &app,
        &b.token,
        "activity",
        id,
        walk(2, "2026-05-02T07:00:00+02:00", 45),
    )
    .await;
    edit.assert_status(StatusCode::OK);
    assert_eq!(edit.body["result"], "applied");

    // The phone, still offline, made a different version 2: refused with the server's.
    let clash = put(
        &app,
        &a.token,
        "activity",
        id,
        walk(2, "2026-05-02T07:00:00+02:00", 35),
    )
    .await;
    clash.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(
        clash.problem_type(),
        "urn:friskliv:problem:version-conflict"
    );
    assert_eq!(clash.body["current"]["version"], 2);
    assert_eq!(clash.body["current"]["activity"]["duration_minutes"], 45);

    // An older version is refused too.
    put(
        &app,
        &a.token,
        "activity",
        id,
        walk(1, "2026-05-02T07:00:00+02:00", 30),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, None);

    // The same version with the same content is a no-op success.
    let same = put(
        &app,
        &a.token,
        "activity",
        id,
        walk(2, "2026-05-02T07:00:00+02:00", 45),
    )
    .await;
    same.assert_status(StatusCode::OK);
    assert_eq!(same.body["result"], "unchanged");

    // A higher version wins.
    let merged = put(
        &app,
        &a.token,
        "activity",
        id,
        walk(3, "2026-05-02T07:00:00+02:00", 50),
    )
    .await;
    assert_eq!(merged.body["result"], "applied");
    let got = app
        .get(&format!("/v1/me/diary/activity/{id}"), Some(&b.token))
        .await;
    got.assert_status(StatusCode::OK);
    assert_eq!(got.body["version"], 3);
    assert_eq!(got.body["activity"]["duration_minutes"], 50);

    // The same id cannot be reused for another kind.
    put(&app, &a.token, "sitting", id, json!({"version": 9, "occurred_at": "2026-05-02T21:00:00+02:00", "sitting": {"hours": 5.0}}))
        .await
        .assert_problem(StatusCode::CONFLICT, None);
}

async fn a_tombstone_reaches_the_other_device_through_the_change_feed(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (a, _) = participant(&app, &mut phone).await;
    let b = app.login_ok(&mut phone).await;
    let id = Uuid::new_v4();
    put(
        &app,
        &a.token,
        "food",
        id,
        meal("2026-05-02T12:00:00+02:00", 3),
    )
    .await
    .assert_status(StatusCode::OK);

    let (seen, cursor) = drain_feed(&app, &b.token, None).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["entry_id"], id.to_string());

    let deleted = app
        .delete(&format!("/v1/me/diary/food/{id}?version=2"), Some(&a.token))
        .await;
    deleted.assert_status(StatusCode::OK);
    assert_eq!(deleted.body["entry"]["deleted"], true);

    let (news, cursor) = drain_feed(&app, &b.token, Some(cursor)).await;
    assert_eq!(news.len(), 1, "the tablet learns of the deletion");
    assert_eq!(news[0]["entry_id"], id.to_string());
    assert_eq!(news[0]["deleted"], true);
    assert_eq!(news[0]["version"], 2);
    assert!(news[0]["food"].is_null(), "a tombstone carries no content");

    app.get(&format!("/v1/me/diary/food/{id}"), Some(&b.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    let list = app.get("/v1/me/diary/food", Some(&b.token)).await;
    assert!(list.body["entries"].as_array().unwrap().is_empty());

    // Deleting again at the same version is a no-op; an edit at that version conflicts.
    let again = app
        .delete(&format!("/v1/me/diary/food/{id}?version=2"), Some(&b.token))
        .await;
    assert_eq!(again.body["result"], "unchanged");
    put(&app, &b.token, "food", id, json!({"version": 2, "occurred_at": "2026-05-02T12:00:00+02:00", "food": {"meal": "lunch", "veg_fruit_portions": 3}}))
        .await
        .assert_problem(StatusCode::CONFLICT, None);

    let (nothing, _) = drain_feed(&app, &b.token, Some(cursor)).await;
    assert!(nothing.is_empty(), "no-ops add nothing to the feed");
}

async fn concurrent_writers_never_make_the_feed_skip(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let app = Arc::new(app);
    let token = Arc::new(me.token.clone());

    const WRITERS: usize = 8;
    const PER_WRITER: usize = 25;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (app, token) = (app.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..PER_WRITER {
                let id = Uuid::new_v4();
                let body = walk(
                    1,
                    &format!("2026-05-{:02}T07:{:02}:00+02:00", 1 + w, i),
                    10 + i as i64,
                );
                let reply = put(&app, &token, "activity", id, body).await;
                reply.assert_status(StatusCode::OK);
                // Some entries are edited again, moving them later in the feed.
                if i % 5 == 0 {
                    let body = walk(2, &format!("2026-05-{:02}T07:{:02}:00+02:00", 1 + w, i), 99);
                    put(&app, &token, "activity", id, body)
                        .await
                        .assert_status(StatusCode::OK);
                }
                ids.push(id);
            }
            ids
        }));
    }

    // A reader polls the feed the whole time, as a second phone would.
    let reader = {
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move {
            let mut seen: BTreeMap<String, i64> = BTreeMap::new();
            let mut cursor: Option<String> = None;
            let mut last_change = 0;
            for _ in 0..2000 {
                let (changes, next) = drain_feed(&app, &token, cursor.clone()).await;
                for c in &changes {
                    let change = c["change"].as_i64().unwrap();
                    assert!(change > last_change, "the feed goes forward");
                    last_change = change;
                    seen.insert(
                        c["entry_id"].as_str().unwrap().to_owned(),
                        c["version"].as_i64().unwrap(),
                    );
                }
                cursor = Some(next);
                if seen.len() == WRITERS * PER_WRITER
                    && seen.values().filter(|v| **v == 2).count() == WRITERS * PER_WRITER / 5
                {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            seen
        })
    };

    let mut written = BTreeSet::new();
    for w in writers {
        written.extend(w.await.unwrap().into_iter().map(|id| id.to_string()));
    }
    let seen = reader.await.unwrap();
    let seen_ids: BTreeSet<String> = seen.keys().cloned().collect();
    assert_eq!(seen_ids, written, "the polling reader saw every entry");
    assert_eq!(
        seen.values().filter(|v| **v == 2).count(),
        WRITERS * PER_WRITER / 5,
        "and every edit"
    );
}

async fn dst_and_travel_land_on_the_right_diary_day(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let cases = [
        // (occurred_at, time_zone, expected diary day)
        ("2026-03-29T00:30:00+01:00", None, "2026-03-29"), // before spring-forward
        ("2026-03-29T03:30:00+02:00", None, "2026-03-29"), // after it
        ("2026-03-28T23:30:00Z", None, "2026-03-29"),      // UTC from a phone: Oslo 00:30
        ("2026-10-25T02:30:00+02:00", None, "2026-10-25"), // first 02:30 of fall-back
        ("2026-10-25T02:30:00+01:00", None, "2026-10-25"), // second 02:30
        ("2026-10-25T23:30:00Z", None, "2026-10-26"),      // Oslo 00:30 next day
        (
            "2026-06-10T06:00:00+09:00",
            Some("Europe/Oslo"),
            "2026-06-10",
        ), // travelling in Tokyo
        (
            "2026-06-10T20:00:00-04:00",
            Some("Europe/Oslo"),
            "2026-06-10",
        ), // travelling in New York
    ];
    for (occurred_at, zone, expected) in cases {
        let mut body = json!({"version": 1, "occurred_at": occurred_at, "sitting": {"hours": 6.0}});
        if let Some(zone) = zone {
            body["time_zone"] = json!(zone);
        }
        let reply = put(&app, &me.token, "sitting", Uuid::new_v4(), body).await;
        reply.assert_status(StatusCode::OK);
        assert_eq!(reply.body["entry"]["diary_day"], expected, "{occurred_at}");
        assert_eq!(
            reply.body["entry"]["time_zone"],
            zone.unwrap_or("Europe/Oslo")
        );
    }
    // The night that ended on the morning of 29 March counts for 29 March.
    let reply = put(
        &app,
        &me.token,
        "sleep",
        Uuid::new_v4(),
        night("2026-03-29T06:40:00+02:00"),
    )
    .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["entry"]["diary_day"], "2026-03-29");

    // Filtering by diary day uses the same days.
    let day = app
        .get(
            "/v1/me/diary/sitting?from=2026-10-25&to=2026-10-25",
            Some(&me.token),
        )
        .await;
    assert_eq!(day.body["entries"].as_array().unwrap().len(), 2);
    let spring = app
        .get(
            "/v1/me/diary/sitting?from=2026-03-29&to=2026-03-29",
            Some(&me.token),
        )
        .await;
    assert_eq!(spring.body["entries"].as_array().unwrap().len(), 3);
}

async fn bad_input_is_refused_naming_the_field_and_writes_nothing(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let id = Uuid::new_v4();
    let t = &me.token;

    // Wrong type: 400 naming the field.
    put(&app, t, "activity", id, json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "activity": {"activity_type": "walking", "duration_minutes": "thirty", "intensity": "light"}}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some(("activity.duration_minutes", "type")));
    put(&app, t, "activity", id, json!({"version": 1, "occurred_at": "2026-05-02T07:00:00+02:00", "activity": {"activity_type": "flying", "duration_minutes": 3, "intensity": "light"}}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some(("activity.activity_type", "type")));
    // Out of range: 422 naming the field and rule.
    put(
        &app,
        t,
        "activity",
        id,
        walk(1, "2026-05-02T07:00:00+02:00", 1441),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("activity.duration_minutes", "range")),
    );
    // Unordered sleep times.
    let mut bad_night = night("2026-03-29T06:40:00+02:00");
    bad_night["sleep"]["out_of_bed_at"] = json!("2026-03-29T06:00:00+02:00");
    put(&app, t, "sleep", id, bad_night).await.assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("sleep.out_of_bed_at", "order")),
    );
    // No offset on the time.
    put(
        &app,
        t,
        "sitting",
        id,
        json!({"version": 1, "occurred_at": "2026-05-02T21:00:00", "sitting": {"hours": 3.0}}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("occurred_at", "rfc3339_with_offset")),
    );
    // Oversized text.
    let mut long_note = walk(1, "2026-05-02T07:00:00+02:00", 30);
    long_note["note"] = json!("å".repeat(501));
    put(&app, t, "activity", id, long_note)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("note", "length")));
    // Unknown kind and a bad UUID.
    put(
        &app,
        t,
        "yoga",
        id,
        walk(1, "2026-05-02T07:00:00+02:00", 30),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, Some(("kind", "one_of")));
    app.request(
        Method::PUT,
        "/v1/me/diary/activity/123",
        Some(t),
        Some(walk(1, "2026-05-02T07:00:00+02:00", 30)),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("entry_id", "format")));
    // Malformed cursors and limits.
    // One of the right shape that the server did not issue points nowhere.
    app.get("/v1/me/changes?cursor=bm9wZQ", Some(t))
        .await
        .assert_problem(StatusCode::NOT_FOUND, Some(("cursor", "unknown")));
    app.get("/v1/me/diary/activity?cursor=bm9wZQ", Some(t))
        .await
        .assert_problem(StatusCode::NOT_FOUND, Some(("cursor", "unknown")));
    app.get("/v1/me/diary/activity?cursor=!!!", Some(t))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some(("cursor", "format")));
    app.get("/v1/me/diary/activity?limit=0", Some(t))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("limit", "range")));
    // An oversized batch is refused whole, naming the limit.
    let items: Vec<Value> = (0..501)
        .map(|i| json!({"op": "upsert", "kind": "sitting", "entry_id": Uuid::new_v4(),
            "entry": {"version": 1, "occurred_at": format!("2026-05-02T{:02}:00:00+02:00", i % 24), "sitting": {"hours": 1.0}}}))
        .collect();
    app.post("/v1/me/sync", Some(t), json!({"items": items}))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("items", "max_items")),
        );
    // Batch items with a bad kind, id, op or shape are refused one by one.
    let reply = app
        .post("/v1/me/sync", Some(t), json!({"items": [
            {"op": "upsert", "kind": "yoga", "entry_id": Uuid::new_v4(), "entry": walk(1, "2026-05-02T07:00:00+02:00", 30)},
            {"op": "upsert", "kind": "activity", "entry_id": "nope", "entry": walk(1, "2026-05-02T07:00:00+02:00", 30)},
            {"op": "replace", "kind": "activity", "entry_id": Uuid::new_v4()},
            {"op": "delete", "kind": "activity", "entry_id": Uuid::new_v4()},
            {"op": "upsert", "kind": "activity", "entry_id": Uuid::new_v4(), "entry": {"version": 1}},
            "not an object"
        ]}))
        .await;
    reply.assert_status(StatusCode::OK);
    let fields: Vec<(String, Value)> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["result"], "invalid", "{r}");
            (
                r["problem"]["errors"][0]["field"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                r["problem"]["errors"][0]["rule"].clone(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("items[0].kind".to_owned(), json!("one_of")),
            ("items[1].entry_id".to_owned(), json!("uuid")),
            ("items[2].op".to_owned(), json!("type")),
            ("items[3].version".to_owned(), json!("required")),
            ("items[4].entry.occurred_at".to_owned(), json!("required")),
            ("items[5].body".to_owned(), json!("type")),
        ]
    );

    // Nothing of any refused write was stored.
    let (changes, _) = drain_feed(&app, t, None).await;
    assert!(changes.is_empty(), "{changes:?}");
}

async fn diaries_are_private_to_their_participant(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, veileder) = participant(&app, &mut phone).await;
    let id = Uuid::new_v4();
    put(
        &app,
        &me.token,
        "activity",
        id,
        walk(1, "2026-05-02T07:00:00+02:00", 30),
    )
    .await
    .assert_status(StatusCode::OK);

    // Another participant of the same centre sees nothing of it, and cannot overwrite it.
    let centre: Uuid = app.get("/v1/me", Some(&veileder.token)).await.body["centre_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let other = app
        .register_ok(
            &mut PasskeyDevice::new("other"),
            invite.body["code"].as_str().unwrap(),
            "Other",
        )
        .await;
    app.get(&format!("/v1/me/diary/activity/{id}"), Some(&other.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    let theirs = put(
        &app,
        &other.token,
        "activity",
        id,
        walk(5, "2026-05-02T07:00:00+02:00", 1),
    )
    .await;
    theirs.assert_status(StatusCode::OK);
    let mine = app
        .get(&format!("/v1/me/diary/activity/{id}"), Some(&me.token))
        .await;
    assert_eq!(
        mine.body["version"], 1,
        "the same id under another participant is another entry"
    );
    let (feed, _) = drain_feed(&app, &other.token, None).await;
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0]["activity"]["duration_minutes"], 1);

    // Staff do not keep diaries through these routes.
    app.get("/v1/me/diary/activity", Some(&veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    app.get("/v1/me/changes", Some(&veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    // And nobody anonymous.
    app.get("/v1/me/diary/activity", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
}

async fn quit_attempts_are_synced_entries(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let id = Uuid::new_v4();
    let attempt = json!({
        "version": 1,
        "occurred_at": "2026-05-01T20:00:00+02:00",
        "quit_attempt": {"target_quit_date": "2026-05-10", "products": ["snus", "cigarettes"], "price_per_unit_nok": 4.5}
    });
    let reply = app
        .request(
            Method::PUT,
            &format!("/v1/me/quit-attempts/{id}"),
            Some(&me.token),
            Some(attempt),
        )
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(
        reply.body["entry"]["quit_attempt"]["products"],
        json!(["cigarettes", "snus"])
    );
    let list = app.get("/v1/me/quit-attempts", Some(&me.token)).await;
    assert_eq!(list.body["entries"].as_array().unwrap().len(), 1);
    app.request(Method::PUT, &format!("/v1/me/quit-attempts/{}", Uuid::new_v4()), Some(&me.token),
        Some(json!({"version": 1, "occurred_at": "2026-05-01T20:00:00+02:00", "quit_attempt": {"target_quit_date": "2026-05-10", "products": []}})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("quit_attempt.products", "not_empty")));
    let (feed, _) = drain_feed(&app, &me.token, None).await;
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0]["kind"], "quit_attempt");
    app.delete(
        &format!("/v1/me/quit-attempts/{id}?version=2"),
        Some(&me.token),
    )
    .await
    .assert_status(StatusCode::OK);
    app.get(&format!("/v1/me/quit-attempts/{id}"), Some(&me.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
}

async fn export_and_erasure(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let kept = Uuid::new_v4();
    let gone = Uuid::new_v4();
    put(
        &app,
        &me.token,
        "activity",
        kept,
        walk(1, "2026-05-02T07:00:00+02:00", 30),
    )
    .await
    .assert_status(StatusCode::OK);
    put(
        &app,
        &me.token,
        "sleep",
        Uuid::new_v4(),
        night("2026-03-29T06:40:00+02:00"),
    )
    .await
    .assert_status(StatusCode::OK);
    put(
        &app,
        &me.token,
        "food",
        gone,
        meal("2026-05-02T12:00:00+02:00", 2),
    )
    .await
    .assert_status(StatusCode::OK);
    app.delete(
        &format!("/v1/me/diary/food/{gone}?version=2"),
        Some(&me.token),
    )
    .await
    .assert_status(StatusCode::OK);

    let export = app.get("/v1/me/export", Some(&me.token)).await;
    export.assert_status(StatusCode::OK);
    assert!(export.content_type.starts_with("application/json"));
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(export.body["format"], "friskliv-export/1");
    assert_eq!(export.body["account"]["id"], me.account_id);
    assert_eq!(export.body["passkeys"].as_array().unwrap().len(), 1);
    let entries = export.body["diary_entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "live entries only");
    assert!(
        entries
            .iter()
            .any(|e| e["entry_id"] == kept.to_string() && e["activity"]["duration_minutes"] == 30)
    );
    assert!(entries.iter().any(|e| e["kind"] == "sleep"));

    // Erasure needs a fresh passkey confirmation: an unknown one is 404, …
    app.request(
        Method::DELETE,
        "/v1/me",
        Some(&me.token),
        Some(json!({"ceremony_id": Uuid::new_v4(), "credential": {}})),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, None);
    // … and an answer that is not a WebAuthn credential is 400 (and uses up
    // the confirmation).
    let start = app
        .post("/v1/me/erasure/start", Some(&me.token), json!({}))
        .await;
    app.request(
        Method::DELETE,
        "/v1/me",
        Some(&me.token),
        Some(json!({"ceremony_id": start.body["ceremony_id"], "credential": {}})),
    )
    .await
    .assert_problem(
        StatusCode::BAD_REQUEST,
        Some(("credential", "webauthn_json")),
    );
    let start = app
        .post("/v1/me/erasure/start", Some(&me.token), json!({}))
        .await;
    start.assert_status(StatusCode::OK);
    let credential = phone.get(&start.body["options"]);
    let erased = app
        .request(
            Method::DELETE,
            "/v1/me",
            Some(&me.token),
            Some(json!({"ceremony_id": start.body["ceremony_id"], "credential": credential})),
        )
        .await;
    erased.assert_status(StatusCode::NO_CONTENT);

    app.get("/v1/me", Some(&me.token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    app.get("/v1/me/diary/activity", Some(&me.token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    app.login(&mut phone)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    let db = app.db().await;
    use sea_orm::ConnectionTrait;
    let left = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM diary_entries",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0, "the diaries are gone with the account");
}

async fn lists_page_in_a_stable_order(app: TestApp) {
    let mut phone = PasskeyDevice::new("phone");
    let (me, _) = participant(&app, &mut phone).await;
    let mut items = Vec::new();
    for day in 1..=9 {
        for n in 0..3 {
            items.push(
                json!({"op": "upsert", "kind": "activity", "entry_id": Uuid::new_v4(),
                "entry": walk(1, &format!("2026-05-0{day}T0{n}:30:00+02:00"), 10 + n)}),
            );
        }
    }
    app.post("/v1/me/sync", Some(&me.token), json!({"items": items}))
        .await
        .assert_status(StatusCode::OK);
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => {
                format!("/v1/me/diary/activity?from=2026-05-02&to=2026-05-08&limit=4&cursor={c}")
            }
            None => "/v1/me/diary/activity?from=2026-05-02&to=2026-05-08&limit=4".to_owned(),
        };
        let page = app.get(&path, Some(&me.token)).await;
        page.assert_status(StatusCode::OK);
        for e in page.body["entries"].as_array().unwrap() {
            seen.push((
                e["diary_day"].as_str().unwrap().to_owned(),
                e["entry_id"].as_str().unwrap().to_owned(),
            ));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 21, "7 days × 3, each once");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ordered by day, then id");
    assert_eq!(seen.first().unwrap().0, "2026-05-02");
    assert_eq!(seen.last().unwrap().0, "2026-05-08");
}
