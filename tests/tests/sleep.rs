//! Sleep per night (issue 13): three nights logged on the phone come back
//! night by night, with time in bed and the flags, in the participant's own
//! progress and in the veileder's summary; a morning with a nap logged as a
//! second sleep entry still counts one night; and a centre without
//! `summaries` consent sees no night at all.

use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    three_nights_read_back_by_the_participant_and_the_veileder,
    no_night_without_summaries_consent,
);

/// Week 1 of the period starts on Monday 2 November 2026; the nights are
/// in winter time (+01:00), far from a clock change, so the minutes below
/// hold whenever the test runs.
const PERIOD_START: &str = "2026-11-02";

struct World {
    centre: Uuid,
    veileder: Session,
    p: Session,
    base: String,
}

async fn world(app: &TestApp) -> World {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("veileder"), &code, "Veileder")
        .await;
    let invite = app
        .post(
            &format!("/v1/centres/{centre}/invites"),
            Some(&veileder.token),
            json!({"role": "participant"}),
        )
        .await;
    invite.assert_status(StatusCode::CREATED);
    let p = app
        .register_ok(
            &mut PasskeyDevice::new("p"),
            invite.body["code"].as_str().unwrap(),
            "Per",
        )
        .await;
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
    let period = app
        .post(
            &format!("{base}/periods"),
            Some(&veileder.token),
            json!({"start_date": PERIOD_START}),
        )
        .await;
    period.assert_status(StatusCode::CREATED);
    World {
        centre,
        veileder,
        p,
        base,
    }
}

async fn consent(app: &TestApp, who: &Session, centre: Uuid, scope: &str) {
    let reply = app
        .post(
            "/v1/me/consents",
            Some(&who.token),
            json!({"scope": scope, "centre_id": centre}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
}

/// A sleep entry; times are local (+01:00) on the given days.
struct Night {
    into_bed: &'static str,
    tried: &'static str,
    sol: i64,
    waso: i64,
    final_awakening: &'static str,
    out_of_bed: &'static str,
    nap_minutes: Option<i64>,
}

async fn log_night(app: &TestApp, who: &Session, night: &Night) {
    let mut sleep = json!({
        "into_bed_at": format!("{}:00+01:00", night.into_bed),
        "tried_to_sleep_at": format!("{}:00+01:00", night.tried),
        "minutes_to_fall_asleep": night.sol,
        "awakenings": 1,
        "minutes_awake_after_onset": night.waso,
        "out_of_bed_at": format!("{}:00+01:00", night.out_of_bed),
        "quality": 3,
    });
    if let Some(nap) = night.nap_minutes {
        sleep["nap_minutes"] = json!(nap);
    }
    let reply = app
        .request(
            Method::PUT,
            &format!("/v1/me/diary/sleep/{}", Uuid::new_v4()),
            Some(&who.token),
            Some(json!({
                "version": 1,
                "occurred_at": format!("{}:00+01:00", night.final_awakening),
                "sleep": sleep,
            })),
        )
        .await;
    reply.assert_status(StatusCode::OK);
}

/// Three nights, hand-computed (TIB = out − into bed; TST = (awake − tried)
/// − SOL − WASO; SE = TST / TIB · 100):
/// - morning of 3 Nov: TIB 22:30→06:40 = 490; TST 450 − 20 − 30 = 400;
///   SE 81.6 (low efficiency).
/// - morning of 4 Nov: TIB 23:00→07:00 = 480; TST 460 − 10 − 0 = 450;
///   SE 93.75 → 93.8 (no flag); 20 minutes napped the day before. A 40-minute
///   nap that afternoon is logged as a second sleep entry of that day.
/// - morning of 5 Nov: TIB 00:30→06:00 = 330; TST 305 − 45 − 40 = 220;
///   SE 66.7 (every flag).
async fn log_three_nights_and_a_nap(app: &TestApp, who: &Session) {
    for night in [
        Night {
            into_bed: "2026-11-02T22:30",
            tried: "2026-11-02T22:45",
            sol: 20,
            waso: 30,
            final_awakening: "2026-11-03T06:15",
            out_of_bed: "2026-11-03T06:40",
            nap_minutes: None,
        },
        Night {
            into_bed: "2026-11-03T23:00",
            tried: "2026-11-03T23:10",
            sol: 10,
            waso: 0,
            final_awakening: "2026-11-04T06:50",
            out_of_bed: "2026-11-04T07:00",
            nap_minutes: Some(20),
        },
        Night {
            into_bed: "2026-11-04T13:00",
            tried: "2026-11-04T13:00",
            sol: 5,
            waso: 0,
            final_awakening: "2026-11-04T13:35",
            out_of_bed: "2026-11-04T13:40",
            nap_minutes: None,
        },
        Night {
            into_bed: "2026-11-05T00:30",
            tried: "2026-11-05T00:40",
            sol: 45,
            waso: 40,
            final_awakening: "2026-11-05T05:45",
            out_of_bed: "2026-11-05T06:00",
            nap_minutes: None,
        },
    ] {
        log_night(app, who, &night).await;
    }
}

fn nights_of(weeks: &Value) -> Vec<Value> {
    weeks
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["sleep_nights"].as_array().unwrap().clone())
        .collect()
}

/// (day, TIB, TST, SE, SOL, WASO) of each night.
fn measures(nights: &[Value]) -> Vec<(String, f64, f64, f64, f64, f64)> {
    nights
        .iter()
        .map(|n| {
            let f = |k: &str| n[k].as_f64().unwrap_or_else(|| panic!("{k} in {n}"));
            (
                n["diary_day"].as_str().unwrap().to_owned(),
                f("time_in_bed_minutes"),
                f("total_sleep_minutes"),
                f("sleep_efficiency_percent"),
                f("sleep_onset_latency_minutes"),
                f("wake_after_sleep_onset_minutes"),
            )
        })
        .collect()
}

/// (low efficiency, long onset, long wake after onset, short sleep) of each night.
fn flags(nights: &[Value]) -> Vec<(bool, bool, bool, bool)> {
    nights
        .iter()
        .map(|n| {
            let f = &n["flags"];
            assert_eq!(f["definition_id"], "sleep_flags", "{n}");
            (
                f["low_efficiency"].as_bool().unwrap(),
                f["long_onset"].as_bool().unwrap(),
                f["long_wake_after_onset"].as_bool().unwrap(),
                f["short_sleep"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn indicator<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {body}"))
}

#[track_caller]
fn assert_the_three_nights(weeks: &Value) {
    let nights = nights_of(weeks);
    assert_eq!(
        measures(&nights),
        vec![
            ("2026-11-03".into(), 490.0, 400.0, 81.6, 20.0, 30.0),
            ("2026-11-04".into(), 480.0, 450.0, 93.8, 10.0, 0.0),
            ("2026-11-05".into(), 330.0, 220.0, 66.7, 45.0, 40.0),
        ],
        "one night per morning: the afternoon nap is not a night"
    );
    assert_eq!(
        flags(&nights),
        vec![
            (true, false, false, false),
            (false, false, false, false),
            (true, true, true, true),
        ]
    );
    for n in &nights {
        assert_eq!(n["definition_id"], "sleep_measures", "{n}");
    }
    assert_eq!(nights[1]["nap_minutes"], 20);
    assert!(nights[0].get("nap_minutes").is_none(), "{}", nights[0]);
    let set_aside: Vec<&Value> = nights.iter().map(|n| &n["entries_set_aside"]).collect();
    assert_eq!(set_aside, [&json!(0), &json!(1), &json!(0)]);
    // Week 1 means: TIB 1300 / 3 = 433.3; TST 1070 / 3 = 356.7;
    // SE (81.633 + 93.75 + 66.667) / 3 = 80.7; SOL 75 / 3 = 25; WASO 70 / 3 = 23.3.
    let week1 = &weeks[0];
    assert_eq!(week1["starts_on"], PERIOD_START);
    assert_eq!(week1["nights"], 3);
    assert_eq!(week1["time_in_bed_minutes_mean"], 433.3);
    assert_eq!(week1["total_sleep_minutes_mean"], 356.7);
    assert_eq!(week1["sleep_efficiency_percent_mean"], 80.7);
    assert_eq!(week1["sleep_onset_latency_minutes_mean"], 25.0);
    assert_eq!(week1["wake_after_sleep_onset_minutes_mean"], 23.3);
    assert_eq!(weeks[1]["nights"], 0);
    assert_eq!(weeks[1]["time_in_bed_minutes_mean"], Value::Null);
}

async fn three_nights_read_back_by_the_participant_and_the_veileder(app: TestApp) {
    let w = world(&app).await;
    log_three_nights_and_a_nap(&app, &w.p).await;

    // The participant's own progress: period weeks with their nights, and
    // the period's means as indicators with their definition.
    let progress = app.get("/v1/me/progress", Some(&w.p.token)).await;
    progress.assert_status(StatusCode::OK);
    let mine = &progress.body;
    // The weeks begun by today (the period started in November 2026).
    assert!(mine["weeks"].as_array().unwrap().len() >= 5, "{mine}");
    assert_the_three_nights(&mine["weeks"]);
    let tib = indicator(mine, "time_in_bed_minutes_mean");
    assert_eq!(tib["value"], 433.3);
    assert_eq!(tib["unit"], "min");
    assert_eq!(tib["definition_id"], "sleep_measures");
    assert_eq!(tib["definition_version"], 2);
    assert_eq!(tib["inputs"], json!([{"name": "nights", "value": 3.0}]));
    // Period means 80.7 % and 356.7 min: low efficiency and short sleep.
    assert_eq!(indicator(mine, "sleep_flag_low_efficiency")["value"], true);
    assert_eq!(indicator(mine, "sleep_flag_short_sleep")["value"], true);
    assert_eq!(indicator(mine, "sleep_flag_long_onset")["value"], false);

    // The veileder's summary under `summaries`: the same nights and means.
    consent(&app, &w.p, w.centre, "summaries").await;
    let summary = app
        .get(&format!("{}/summary", w.base), Some(&w.veileder.token))
        .await;
    summary.assert_status(StatusCode::OK);
    assert_eq!(summary.body["first_day"], PERIOD_START);
    assert_eq!(summary.body["weeks"].as_array().unwrap().len(), 12);
    assert_the_three_nights(&summary.body["weeks"]);
    assert_eq!(
        nights_of(&summary.body["weeks"]),
        nights_of(&mine["weeks"]),
        "the veileder sees the nights the participant sees"
    );
    // A shorter window from the second morning: two nights, in week 1.
    let window = app
        .get(
            &format!("{}/summary?from=2026-11-04&weeks=1", w.base),
            Some(&w.veileder.token),
        )
        .await;
    window.assert_status(StatusCode::OK);
    let days: Vec<String> = measures(&nights_of(&window.body["weeks"]))
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(days, ["2026-11-04", "2026-11-05"]);
    assert_eq!(window.body["weeks"][0]["time_in_bed_minutes_mean"], 405.0);

    // The period's outcomes show the veileder the same weeks.
    let outcomes = app
        .get(
            &format!("{}/periods/1/outcomes", w.base),
            Some(&w.veileder.token),
        )
        .await;
    outcomes.assert_status(StatusCode::OK);
    assert_the_three_nights(&outcomes.body["weeks"]);
    assert_eq!(
        indicator(&outcomes.body, "time_in_bed_minutes_mean")["value"],
        433.3
    );

    // Each staff read is in the participant's access log.
    let log = app
        .get("/v1/me/access-log?limit=100", Some(&w.p.token))
        .await;
    log.assert_status(StatusCode::OK);
    let summary_reads = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "read_summary" && e["allowed"] == true)
        .count();
    assert_eq!(summary_reads, 2, "{}", log.text);
}

/// No night in a body: none listed, and no value only the nights hold
/// (random ids could hold a bare "490", not a decimal or a date).
#[track_caller]
fn no_night_in(reply: &Reply) {
    assert!(!reply.text.contains("sleep_nights\":[{"), "{}", reply.text);
    for leaked in ["81.6", "93.8", "433.3", "2026-11-03"] {
        assert!(
            !reply.text.contains(leaked),
            "{leaked} leaked: {}",
            reply.text
        );
    }
}

async fn no_night_without_summaries_consent(app: TestApp) {
    let w = world(&app).await;
    log_three_nights_and_a_nap(&app, &w.p).await;
    let summary = format!("{}/summary", w.base);
    let outcomes = format!("{}/periods/1/outcomes", w.base);

    // No consent at all: both refused, nothing of the nights in the body.
    for path in [&summary, &outcomes] {
        let refused = app.get(path, Some(&w.veileder.token)).await;
        refused.assert_problem(StatusCode::FORBIDDEN, None);
        no_night_in(&refused);
    }

    // `assessments` only: the outcomes are readable, but without weeks, and
    // the sleep indicators are not shared.
    consent(&app, &w.p, w.centre, "assessments").await;
    let refused = app.get(&summary, Some(&w.veileder.token)).await;
    refused.assert_problem(StatusCode::FORBIDDEN, None);
    no_night_in(&refused);
    let tests_only = app.get(&outcomes, Some(&w.veileder.token)).await;
    tests_only.assert_status(StatusCode::OK);
    assert_eq!(tests_only.body["weeks"], json!([]));
    for name in ["time_in_bed_minutes_mean", "total_sleep_minutes_mean"] {
        let hidden = indicator(&tests_only.body, name);
        assert_eq!(hidden["value"], Value::Null);
        assert_eq!(hidden["missing"], "not_shared");
    }
    no_night_in(&tests_only);

    // The participant sees their own nights whatever they share.
    let mine = app.get("/v1/me/progress", Some(&w.p.token)).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(nights_of(&mine.body["weeks"]).len(), 3);

    // Granting `summaries` shows them; withdrawing hides them again.
    consent(&app, &w.p, w.centre, "summaries").await;
    let shared = app.get(&summary, Some(&w.veileder.token)).await;
    shared.assert_status(StatusCode::OK);
    assert_eq!(nights_of(&shared.body["weeks"]).len(), 3);
    let consents = app.get("/v1/me/consents", Some(&w.p.token)).await;
    let summaries_consent = consents.body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"] == "summaries" && c["active"] == true)
        .unwrap_or_else(|| panic!("no active summaries consent: {}", consents.text))
        .clone();
    app.delete(
        &format!(
            "/v1/me/consents/{}",
            summaries_consent["id"].as_str().unwrap()
        ),
        Some(&w.p.token),
    )
    .await
    .assert_status(StatusCode::OK);
    no_night_in(&app.get(&summary, Some(&w.veileder.token)).await);
    let again = app.get(&outcomes, Some(&w.veileder.token)).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["weeks"], json!([]));
    no_night_in(&again);
}
