//! Tobacco end to end (issue 13): money saved from what a pack or box of
//! each product costs, an old phone's price per unit still counting, and
//! sustained abstinence from the week-12 answer when the app logged only
//! some days (Russell Standard).

use chrono::{Duration, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    money_saved_prices_each_product_by_its_pack,
    an_old_phones_price_per_unit_still_counts,
    sustained_abstinence_from_the_week_12_answer,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

struct World {
    veileder: Session,
    p: Session,
    base: String,
}

/// A participant sharing summaries and assessments with their centre, in a
/// period that started on `start`.
async fn world(app: &TestApp, start: NaiveDate) -> World {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("veileder"), &code, "Veileder")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    invite.assert_status(StatusCode::CREATED);
    let p = app
        .register_ok(
            &mut PasskeyDevice::new("p"),
            invite.body["code"].as_str().unwrap(),
            "Kari",
        )
        .await;
    for scope in ["summaries", "assessments"] {
        let reply = app
            .post(
                "/v1/me/consents",
                Some(&p.token),
                json!({"scope": scope, "centre_id": centre}),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.text);
    }
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
    app.post(
        &format!("{base}/periods"),
        Some(&veileder.token),
        json!({"start_date": start.to_string()}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    World { veileder, p, base }
}

fn at(day: NaiveDate, hour: u32) -> String {
    format!("{day}T{hour:02}:00:00Z")
}

/// One day of the røykfri dagbok; `(0, 0)` is the one-tap "none today".
fn tobacco_day(day: NaiveDate, cigarettes: i64, snus_portions: i64) -> Value {
    json!({"op": "upsert", "kind": "tobacco", "entry_id": Uuid::new_v4(), "entry": {
        "version": 1, "occurred_at": at(day, 20),
        "tobacco": {"cigarettes": cigarettes, "snus_portions": snus_portions,
                    "e_cigarette": false, "cessation_medication": "none"}}})
}

async fn sync(app: &TestApp, who: &Session, items: Vec<Value>) -> Reply {
    let reply = app
        .post("/v1/me/sync", Some(&who.token), json!({"items": items}))
        .await;
    reply.assert_status(StatusCode::OK);
    reply
}

async fn sync_applied(app: &TestApp, who: &Session, items: Vec<Value>) {
    let reply = sync(app, who, items).await;
    for result in reply.body["results"].as_array().unwrap() {
        assert_eq!(result["result"], "applied", "{result}");
    }
}

async fn questionnaire(app: &TestApp, who: &Session, body: Value) -> Reply {
    app.post("/v1/me/assessments", Some(&who.token), body).await
}

async fn put_attempt(app: &TestApp, who: &Session, id: Uuid, body: Value) -> Reply {
    app.request(
        Method::PUT,
        &format!("/v1/me/quit-attempts/{id}"),
        Some(&who.token),
        Some(body),
    )
    .await
}

fn indicator<'a>(outcomes: &'a Value, name: &str) -> &'a Value {
    outcomes["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {outcomes}"))
}

fn input<'a>(row: &'a Value, name: &str) -> &'a Value {
    row["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .map(|i| &i["value"])
        .unwrap_or_else(|| panic!("no input {name} in {row}"))
}

async fn staff_outcomes(app: &TestApp, w: &World) -> Value {
    let reply = app
        .get(
            &format!("{}/periods/1/outcomes", w.base),
            Some(&w.veileder.token),
        )
        .await;
    reply.assert_status(StatusCode::OK);
    reply.body
}

async fn progress(app: &TestApp, who: &Session) -> Value {
    let reply = app.get("/v1/me/progress", Some(&who.token)).await;
    reply.assert_status(StatusCode::OK);
    reply.body
}

/// Kari smokes 10 cigarettes and takes 12 snus portions a day; she quits
/// both, a pack of 20 cigarettes costing NOK 140 and a box of 24 portions
/// NOK 110, and logs four days from the quit date.
async fn money_saved_prices_each_product_by_its_pack(app: TestApp) {
    let start = today() - Duration::days(30);
    let quit = start + Duration::days(7);
    let w = world(&app, start).await;
    questionnaire(
        &app,
        &w.p,
        json!({"instrument": "tobacco_status", "timepoint": "baseline", "assessed_on": start.to_string(),
               "tobacco_status": {"cigarettes": "daily", "snus": "daily",
                                  "cigarettes_per_day": 10.0, "snus_portions_per_day": 12.0}}),
    )
    .await
    .assert_status(StatusCode::CREATED);

    // Bad pack prices are refused by field, and nothing is written.
    let attempt_id = Uuid::new_v4();
    let with_packs = |packs: Value| {
        json!({"version": 1, "occurred_at": at(start, 9),
               "quit_attempt": {"target_quit_date": quit.to_string(),
                                "products": ["cigarettes", "snus"], "packs": packs}})
    };
    for (packs, field, rule) in [
        (
            json!([{"product": "cigarettes", "price_per_pack_nok": 10_500.0}]),
            "quit_attempt.packs[0].price_per_pack_nok",
            "range",
        ),
        (
            json!([{"product": "snus", "price_per_pack_nok": 110.0, "units_per_pack": 0}]),
            "quit_attempt.packs[0].units_per_pack",
            "range",
        ),
        (
            json!([{"product": "cigarettes", "price_per_pack_nok": 140.0},
                   {"product": "e_cigarettes", "price_per_pack_nok": 90.0, "units_per_pack": 3}]),
            "quit_attempt.packs[1].product",
            "in_products",
        ),
        (
            json!([{"product": "snus", "price_per_pack_nok": 110.0},
                   {"product": "snus", "price_per_pack_nok": 100.0}]),
            "quit_attempt.packs[1].product",
            "unique",
        ),
    ] {
        put_attempt(&app, &w.p, attempt_id, with_packs(packs))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some((field, rule)));
    }
    let mut both = with_packs(json!([{"product": "snus", "price_per_pack_nok": 110.0}]));
    both["quit_attempt"]["price_per_unit_nok"] = json!(5.0);
    put_attempt(&app, &w.p, attempt_id, both)
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("quit_attempt.price_per_unit_nok", "not_with_packs")),
        );
    let vape = json!({"version": 1, "occurred_at": at(start, 9),
        "quit_attempt": {"target_quit_date": quit.to_string(), "products": ["e_cigarettes"],
                         "packs": [{"product": "e_cigarettes", "price_per_pack_nok": 90.0}]}});
    put_attempt(&app, &w.p, attempt_id, vape)
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("quit_attempt.packs[0].units_per_pack", "required")),
        );
    let none = app.get("/v1/me/quit-attempts", Some(&w.p.token)).await;
    assert_eq!(none.body["entries"], json!([]), "nothing partially written");

    // The attempt: the cigarettes' pack size is the default.
    let saved = put_attempt(
        &app,
        &w.p,
        attempt_id,
        with_packs(json!([
            {"product": "snus", "price_per_pack_nok": 110.0, "units_per_pack": 24},
            {"product": "cigarettes", "price_per_pack_nok": 140.0},
        ])),
    )
    .await;
    saved.assert_status(StatusCode::OK);
    assert_eq!(
        saved.body["entry"]["quit_attempt"]["packs"],
        json!([
            {"product": "cigarettes", "price_per_pack_nok": 140.0, "units_per_pack": 20},
            {"product": "snus", "price_per_pack_nok": 110.0, "units_per_pack": 24},
        ]),
        "stored sorted, with the default it used"
    );

    // Four days from the quit date. On the third she takes 15 portions, more
    // than her 12: that day saves nothing on snus, and takes nothing off
    // what the cigarettes saved.
    sync_applied(
        &app,
        &w.p,
        vec![
            tobacco_day(quit, 0, 0),
            tobacco_day(quit + Duration::days(1), 2, 6),
            tobacco_day(quit + Duration::days(2), 0, 15),
            tobacco_day(quit + Duration::days(3), 0, 0),
        ],
    )
    .await;

    // Cigarettes (10 + 8 + 10 + 10) × 140/20 = 266;
    // snus (12 + 6 + 0 + 12) × 110/24 = 137.50; together NOK 403.50.
    let mine = progress(&app, &w.p).await;
    assert_eq!(mine["money_saved_nok"], 403.5, "{mine}");
    let o = staff_outcomes(&app, &w).await;
    assert_eq!(o["money_saved_nok"], 403.5);
    let money = indicator(&o, "money_saved");
    assert_eq!(money["value"], 403.5);
    assert_eq!(money["unit"], "NOK");
    assert_eq!(money["definition_version"], 2);
    for (name, value) in [
        ("cigarettes_baseline_units_per_day", 10.0),
        ("cigarettes_price_per_pack_nok", 140.0),
        ("cigarettes_units_per_pack", 20.0),
        ("snus_baseline_units_per_day", 12.0),
        ("snus_price_per_pack_nok", 110.0),
        ("snus_units_per_pack", 24.0),
    ] {
        assert_eq!(input(money, name), value, "{name}");
    }
    let mine = app.get("/v1/me/periods/1/outcomes", Some(&w.p.token)).await;
    assert_eq!(mine.body["money_saved_nok"], 403.5);

    // The definition says what it computes, in its new version.
    let definitions = app.get("/v1/definitions", None).await;
    let money_saved = definitions.body["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "money_saved")
        .unwrap()
        .clone();
    assert_eq!(money_saved["version"], 2);
    assert!(
        money_saved["text"]
            .as_str()
            .unwrap()
            .contains("price per pack / units per pack"),
        "{money_saved}"
    );
}

/// A phone that has not updated sends the old price per unit: the attempt
/// is accepted, every product costs that per unit, and its offline retry of
/// the same write is `unchanged`, not a conflict.
async fn an_old_phones_price_per_unit_still_counts(app: TestApp) {
    let start = today() - Duration::days(30);
    let quit = start + Duration::days(7);
    let w = world(&app, start).await;
    questionnaire(
        &app,
        &w.p,
        json!({"instrument": "tobacco_status", "timepoint": "baseline", "assessed_on": start.to_string(),
               "tobacco_status": {"cigarettes": "daily", "snus": "daily",
                                  "cigarettes_per_day": 10.0, "snus_portions_per_day": 12.0}}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let old_write = json!({"op": "upsert", "kind": "quit_attempt", "entry_id": Uuid::new_v4(),
        "entry": {"version": 1, "occurred_at": at(start, 9),
                  "quit_attempt": {"target_quit_date": quit.to_string(),
                                   "products": ["snus", "cigarettes"], "price_per_unit_nok": 5.0}}});
    let mut items = vec![old_write.clone()];
    items.extend([
        tobacco_day(quit, 0, 0),
        tobacco_day(quit + Duration::days(1), 2, 6),
        tobacco_day(quit + Duration::days(2), 4, 0),
    ]);
    sync_applied(&app, &w.p, items).await;
    let retried = sync(&app, &w.p, vec![old_write]).await;
    assert_eq!(retried.body["results"][0]["result"], "unchanged");

    // Per day, (22 − 0) + (22 − 8) + (22 − 4) = 54 units not used, × NOK 5
    // = 270, as before packs existed.
    assert_eq!(progress(&app, &w.p).await["money_saved_nok"], 270.0);
    let o = staff_outcomes(&app, &w).await;
    let money = indicator(&o, "money_saved");
    assert_eq!(money["value"], 270.0);
    assert_eq!(input(money, "cigarettes_price_per_pack_nok"), 5.0);
    assert_eq!(input(money, "cigarettes_units_per_pack"), 1.0);
    assert_eq!(input(money, "snus_units_per_pack"), 1.0);
}

/// Ola quits 15 cigarettes a day. His app logs only a few days after the
/// grace period, all but one "none today"; at week 12 he answers that he has
/// smoked no more than 5 since the grace period ended.
async fn sustained_abstinence_from_the_week_12_answer(app: TestApp) {
    let start = today() - Duration::days(90);
    let quit = start + Duration::days(7);
    let week12 = start + Duration::days(84);
    let w = world(&app, start).await;
    questionnaire(
        &app,
        &w.p,
        json!({"instrument": "tobacco_status", "timepoint": "baseline", "assessed_on": start.to_string(),
               "tobacco_status": {"cigarettes": "daily", "snus": "never", "cigarettes_per_day": 15.0}}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    put_attempt(
        &app,
        &w.p,
        Uuid::new_v4(),
        json!({"version": 1, "occurred_at": at(start, 9),
               "quit_attempt": {"target_quit_date": quit.to_string(), "products": ["cigarettes"],
                                "packs": [{"product": "cigarettes", "price_per_pack_nok": 140.0}]}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let grace_end = quit + Duration::days(14);
    sync_applied(
        &app,
        &w.p,
        vec![
            tobacco_day(grace_end + Duration::days(5), 0, 0),
            tobacco_day(grace_end + Duration::days(20), 1, 0),
            tobacco_day(grace_end + Duration::days(40), 0, 0),
        ],
    )
    .await;

    // The question is asked after the quit attempt, and must agree with
    // today's use.
    let russell = |timepoint: &str, per_day: Option<f64>, answer: bool| {
        let mut status = json!({"cigarettes": "former", "snus": "never",
                                "abstinent_last_7_days": true, "at_most_5_since_grace": answer});
        if let Some(n) = per_day {
            status["cigarettes"] = json!("occasional");
            status["cigarettes_per_day"] = json!(n);
        }
        json!({"instrument": "tobacco_status", "timepoint": timepoint,
               "assessed_on": week12.to_string(), "tobacco_status": status})
    };
    questionnaire(&app, &w.p, russell("baseline", None, true))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("tobacco_status.at_most_5_since_grace", "not_at_baseline")),
        );
    questionnaire(&app, &w.p, russell("week12", Some(8.0), true))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("tobacco_status.at_most_5_since_grace", "consistent")),
        );
    // Before the answer, the diary alone cannot tell.
    let o = staff_outcomes(&app, &w).await;
    let sustained = indicator(&o, "sustained_abstinence");
    assert_eq!(sustained["value"], Value::Null, "{sustained}");
    questionnaire(&app, &w.p, russell("week12", None, true))
        .await
        .assert_status(StatusCode::CREATED);

    let o = staff_outcomes(&app, &w).await;
    let sustained = indicator(&o, "sustained_abstinence");
    assert_eq!(sustained["value"], true, "{sustained}");
    assert_eq!(sustained["missing"], Value::Null);
    assert_eq!(sustained["definition_version"], 2);
    assert_eq!(input(sustained, "evidence"), "self_report");
    assert_eq!(
        input(sustained, "self_reported_at_most_5_since_grace"),
        true
    );
    assert_eq!(input(sustained, "units_after_grace"), 1.0);
    assert_eq!(input(sustained, "diary_days_logged_after_grace"), 3.0);
    // Money saved from the three logged days: (15 + 14 + 15) × 140/20 = 308.
    assert_eq!(o["money_saved_nok"], 308.0);

    // A logged day that takes him over 5 after the grace: the diary decides,
    // whatever he answered.
    sync_applied(
        &app,
        &w.p,
        vec![tobacco_day(grace_end + Duration::days(50), 5, 0)],
    )
    .await;
    let o = staff_outcomes(&app, &w).await;
    let sustained = indicator(&o, "sustained_abstinence");
    assert_eq!(sustained["value"], false, "{sustained}");
    assert_eq!(input(sustained, "evidence"), "diary");
    assert_eq!(input(sustained, "units_after_grace"), 6.0);
}
