//! The journey end to end: one participant's whole 12-week follow-up period
//! (referral, triage, period, conversations, goals, diaries, baseline and
//! week-12 tests and questionnaires, end) ending in the outcomes a veileder
//! and the participant see; plus the rules of periods, goals and
//! assessments, and who may see which outcome.

use chrono::{Duration, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    a_whole_period_ends_in_the_expected_outcomes,
    periods_follow_their_rules,
    assessments_and_goals_are_validated_and_owned,
    outcomes_show_only_what_is_shared,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

struct World {
    centre: Uuid,
    veileder: Session,
    p: Session,
    base: String,
}

async fn world(app: &TestApp) -> World {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
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

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.request(Method::PUT, path, Some(token), Some(body))
        .await
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

fn at(day: NaiveDate, hour: u32) -> String {
    format!("{day}T{hour:02}:00:00Z")
}

fn activity(day: NaiveDate, minutes: i64, intensity: &str) -> Value {
    json!({"op": "upsert", "kind": "activity", "entry_id": Uuid::new_v4(), "entry": {
        "version": 1, "occurred_at": at(day, 10),
        "activity": {"activity_type": "walking", "duration_minutes": minutes, "intensity": intensity}}})
}

fn tobacco(day: NaiveDate, cigarettes: i64) -> Value {
    json!({"op": "upsert", "kind": "tobacco", "entry_id": Uuid::new_v4(), "entry": {
        "version": 1, "occurred_at": at(day, 20),
        "tobacco": {"cigarettes": cigarettes, "snus_portions": 0, "e_cigarette": false,
                    "cessation_medication": "nicotine_replacement"}}})
}

async fn sync(app: &TestApp, who: &Session, items: Vec<Value>) {
    for chunk in items.chunks(400) {
        let reply = app
            .post("/v1/me/sync", Some(&who.token), json!({"items": chunk}))
            .await;
        reply.assert_status(StatusCode::OK);
        for result in reply.body["results"].as_array().unwrap() {
            assert_eq!(result["result"], "applied", "{result}");
        }
    }
}

fn indicator<'a>(outcomes: &'a Value, name: &str) -> &'a Value {
    outcomes["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {outcomes}"))
}

fn value(outcomes: &Value, name: &str) -> Value {
    indicator(outcomes, name)["value"].clone()
}

fn number(outcomes: &Value, name: &str) -> f64 {
    value(outcomes, name)
        .as_f64()
        .unwrap_or_else(|| panic!("{name} is not a number: {}", indicator(outcomes, name)))
}

/// The scripted period: a 55-year-old man (180 cm, 90 kg) who walks 400 m
/// at baseline and 430 m at week 12, smokes 10 a day until his quit date a
/// week in, moves from 60 to 190 MVPA-equivalent minutes a week, rates his
/// health 4 then 2, and goes from 50 % sick leave back to full-time work.
async fn a_whole_period_ends_in_the_expected_outcomes(app: TestApp) {
    let w = world(&app).await;
    let v = &w.veileder.token;
    let start = today() - Duration::days(90);
    let week12 = start + Duration::days(84);
    let quit = start + Duration::days(7);
    for scope in ["summaries", "assessments"] {
        consent(&app, &w.p, w.centre, scope).await;
    }

    // Attributes: born so that he is 55 on the baseline day.
    let born = start - Duration::days(55 * 366);
    let attrs = patch(
        &app,
        &format!("{}/attributes", w.base),
        v,
        json!({"sex": "male", "height_cm": 180.0,
               "birth_month": born.format("%Y-%m").to_string(),
               "work_school": ["sick_leave"], "interpreter_needed": false}),
    )
    .await;
    attrs.assert_status(StatusCode::OK);
    assert_eq!(attrs.body["sex"], "male");

    // Referral by the GP, triage, period 1 from the start conversation.
    let referral = created(
        app.post(
            &format!("{}/referrals", w.base),
            Some(v),
            json!({"referrer_type": "gp", "reasons": ["physical_inactivity", "tobacco"],
                   "referred_on": (start - Duration::days(14)).to_string()}),
        )
        .await,
    );
    let triage = put(
        &app,
        &format!(
            "{}/referrals/{}/triage",
            w.base,
            referral["id"].as_str().unwrap()
        ),
        v,
        json!({"outcome": "enrolled", "decided_on": start.to_string()}),
    )
    .await;
    triage.assert_status(StatusCode::OK);
    assert_eq!(triage.body["triage_outcome"], "enrolled");
    let period = created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string(), "referral_id": referral["id"]}),
        )
        .await,
    );
    assert_eq!(period["period"], 1);
    assert_eq!(period["status"], "active");
    assert_eq!(
        period["planned_end"],
        (start + Duration::days(84)).to_string()
    );
    assert_eq!(
        period["current_week"], 13,
        "90 days after the start is week 13"
    );
    created(
        app.post(
            &format!("{}/periods/1/conversations", w.base),
            Some(v),
            json!({"kind": "start", "held_on": start.to_string(), "interpreter_used": false}),
        )
        .await,
    );

    // Goals: one written with the veileder, one by the participant.
    let walk_goal = created(
        app.post(
            &format!("{}/goals", w.base),
            Some(v),
            json!({"domain": "activity", "text": "Gå til jobben tre dager i uka", "target": "3 dager/uke"}),
        )
        .await,
    );
    let smoke_goal = created(
        app.post(
            "/v1/me/goals",
            Some(&w.p.token),
            json!({"domain": "tobacco", "text": "Slutte å røyke"}),
        )
        .await,
    );
    assert_eq!(smoke_goal["period"], 1);
    assert_eq!(smoke_goal["written_by_participant"], true);

    // Baseline: tests at the centre, questionnaires on the phone.
    for body in [
        json!({"instrument": "six_minute_walk", "timepoint": "baseline", "assessed_on": start.to_string(),
               "six_minute_walk": {"distance_m": 400.0}}),
        json!({"instrument": "body", "timepoint": "baseline", "assessed_on": start.to_string(),
               "body": {"weight_kg": 90.0, "height_cm": 180.0}}),
    ] {
        created(
            app.post(&format!("{}/assessments", w.base), Some(v), body)
                .await,
        );
    }
    for body in [
        json!({"instrument": "self_rated_health", "timepoint": "baseline", "assessed_on": start.to_string(),
               "self_rated_health": {"answer": 4}}),
        json!({"instrument": "tobacco_status", "timepoint": "baseline", "assessed_on": start.to_string(),
               "tobacco_status": {"cigarettes": "daily", "snus": "never", "cigarettes_per_day": 10.0}}),
        json!({"instrument": "work_school", "timepoint": "baseline", "assessed_on": start.to_string(),
               "work_school": {"status": ["employed_full_time", "sick_leave"], "sick_leave_percent": 50}}),
    ] {
        let a = created(app.post("/v1/me/assessments", Some(&w.p.token), body).await);
        assert_eq!(a["period"], 1);
        assert_eq!(a["source"], "participant");
    }

    // The quit attempt and twelve weeks of diaries.
    put(
        &app,
        &format!("/v1/me/quit-attempts/{}", Uuid::new_v4()),
        &w.p.token,
        json!({"version": 1, "occurred_at": at(start, 9),
               "quit_attempt": {"target_quit_date": quit.to_string(), "products": ["cigarettes"],
                                "price_per_unit_nok": 5.0}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let mut items = Vec::new();
    for offset in 0..84 {
        let day = start + Duration::days(offset);
        let week = offset / 7 + 1;
        // 10 a day before the quit date, 2 on the third day after it (in
        // the grace period), none afterwards.
        let cigarettes = match day {
            d if d < quit => 10,
            d if d == quit + Duration::days(3) => 2,
            _ => 0,
        };
        items.push(tobacco(day, cigarettes));
        match (week, offset % 7) {
            // Weeks 1–2: three 20-minute moderate walks (60 a week).
            (1 | 2, 0 | 2 | 4) => items.push(activity(day, 20, "moderate")),
            // Weeks 11–12: five 30-minute moderate walks and one 20-minute
            // vigorous run (150 + 2 × 20 = 190 a week).
            (11 | 12, 0..=4) => items.push(activity(day, 30, "moderate")),
            (11 | 12, 5) => items.push(activity(day, 20, "vigorous")),
            // Weeks 3–10: two 30-minute walks.
            (3..=10, 1 | 4) => items.push(activity(day, 30, "moderate")),
            _ => {}
        }
    }
    sync(&app, &w.p, items).await;

    // Week 12: the same tests and questionnaires.
    for body in [
        json!({"instrument": "six_minute_walk", "timepoint": "week12", "assessed_on": week12.to_string(),
               "six_minute_walk": {"distance_m": 430.0}}),
        json!({"instrument": "body", "timepoint": "week12", "assessed_on": week12.to_string(),
               "body": {"weight_kg": 88.0}}),
    ] {
        created(
            app.post(&format!("{}/assessments", w.base), Some(v), body)
                .await,
        );
    }
    for body in [
        json!({"instrument": "self_rated_health", "timepoint": "week12", "assessed_on": week12.to_string(),
               "self_rated_health": {"answer": 2}}),
        json!({"instrument": "tobacco_status", "timepoint": "week12", "assessed_on": week12.to_string(),
               "tobacco_status": {"cigarettes": "former", "snus": "never", "abstinent_last_7_days": true}}),
        json!({"instrument": "work_school", "timepoint": "week12", "assessed_on": week12.to_string(),
               "work_school": {"status": ["employed_full_time"]}}),
    ] {
        created(app.post("/v1/me/assessments", Some(&w.p.token), body).await);
    }

    // The end conversation: attainment, onward offers, completion.
    created(
        app.post(
            &format!("{}/periods/1/conversations", w.base),
            Some(v),
            json!({"kind": "end", "held_on": week12.to_string(), "interpreter_used": false}),
        )
        .await,
    );
    for (goal, attainment) in [(&walk_goal, "fully"), (&smoke_goal, "not")] {
        put(
            &app,
            &format!(
                "{}/goals/{}/attainment",
                w.base,
                goal["id"].as_str().unwrap()
            ),
            v,
            json!({"attainment": attainment}),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    let completed = app
        .post(
            &format!("{}/periods/1/complete", w.base),
            Some(v),
            json!({"ended_on": week12.to_string(), "onward_offers": ["sports_club"]}),
        )
        .await;
    completed.assert_status(StatusCode::OK);
    assert_eq!(completed.body["status"], "completed");
    assert_eq!(completed.body["onward_offers"], json!(["sports_club"]));

    // The veileder's view of the outcomes.
    let outcomes = app
        .get(&format!("{}/periods/1/outcomes", w.base), Some(v))
        .await;
    outcomes.assert_status(StatusCode::OK);
    let o = &outcomes.body;
    assert_eq!(o["shared"], json!({"summaries": true, "assessments": true}));
    assert_eq!(o["weeks"].as_array().unwrap().len(), 12);
    // 6MWT: predicted 7.57·180 − 5.02·55 − 1.76·90 − 309 = 619.1 m; 400 m is 64.6 %.
    assert_eq!(
        number(o, "six_minute_walk_baseline_percent_predicted"),
        64.6
    );
    assert_eq!(
        number(o, "six_minute_walk_baseline_lower_limit_of_normal_m"),
        466.1
    );
    assert_eq!(number(o, "six_minute_walk_change_m"), 30.0);
    assert_eq!(value(o, "six_minute_walk_change"), "improved");
    assert_eq!(value(o, "improved_fitness"), true);
    let change = indicator(o, "six_minute_walk_change_m");
    assert_eq!(change["definition_id"], "fitness_change");
    assert_eq!(change["definition_version"], 1);
    let inputs: Vec<(Value, Value)> = change["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["value"].clone(), i["on"].clone()))
        .collect();
    assert!(
        inputs.contains(&(json!(400.0), json!(start.to_string()))),
        "{change}"
    );
    assert!(
        inputs.contains(&(json!(430.0), json!(week12.to_string()))),
        "{change}"
    );
    // Activity: 60 → 190 MVPA-equivalent minutes a week.
    assert_eq!(number(o, "mvpa_equivalent_first_two_weeks_mean"), 60.0);
    assert_eq!(number(o, "mvpa_equivalent_last_two_weeks_mean"), 190.0);
    assert_eq!(number(o, "mvpa_equivalent_change"), 130.0);
    assert_eq!(value(o, "activity_recommendation_met_last_week"), true);
    // Tobacco: no cigarette in the 7 diary days before week 12; 2 within
    // the grace period do not break sustained abstinence.
    assert_eq!(value(o, "seven_day_point_prevalence_abstinence"), true);
    assert_eq!(value(o, "sustained_abstinence"), true);
    assert_eq!(value(o, "tobacco_reduction"), true);
    // Money saved: 77 logged days from the quit date, (10 − units) × 5 NOK:
    // 76 days × 50 + 1 day × 40 = 3 840 NOK.
    assert_eq!(number(o, "money_saved"), 3840.0);
    assert_eq!(o["money_saved_nok"], 3840.0);
    assert_eq!(value(o, "self_rated_health_change"), "improved");
    assert_eq!(value(o, "work_school_change"), "improved");
    assert_eq!(number(o, "goal_attainment"), 0.5);

    // Every indicator names a definition that /v1/definitions lists.
    let definitions = app.get("/v1/definitions", None).await;
    definitions.assert_status(StatusCode::OK);
    let ids: Vec<&str> = definitions.body["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    for i in o["indicators"].as_array().unwrap() {
        assert!(
            ids.contains(&i["definition_id"].as_str().unwrap()),
            "{} is not listed",
            i["definition_id"]
        );
    }
    let fitness = definitions.body["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "fitness_change")
        .unwrap();
    assert!(
        fitness["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["value"] == 30.0),
        "{fitness}"
    );

    // The participant sees the same numbers in their progress.
    let progress = app.get("/v1/me/progress", Some(&w.p.token)).await;
    progress.assert_status(StatusCode::OK);
    let pr = &progress.body;
    assert_eq!(pr["period"]["status"], "completed");
    assert_eq!(pr["weeks_in_period"], 12);
    assert_eq!(pr["money_saved_nok"], 3840.0);
    assert_eq!(number(pr, "six_minute_walk_change_m"), 30.0);
    assert_eq!(pr["goals"].as_array().unwrap().len(), 2);
    let mine = app.get("/v1/me/periods/1/outcomes", Some(&w.p.token)).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(mine.body["indicators"], o["indicators"]);

    // The reads are in the participant's access log.
    let log = app
        .get("/v1/me/access-log?limit=500", Some(&w.p.token))
        .await;
    let outcome_reads = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "read_outcomes" && e["allowed"] == true)
        .count();
    assert_eq!(outcome_reads, 2, "one row per consent relied on");
    for action in ["write_journey", "record_assessment", "read_outcomes"] {
        assert!(
            log.body["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == action),
            "no {action} in the access log"
        );
    }

    // Renewal: period 2 starts the day after week 12.
    let renewed = created(
        app.post(
            &format!("{}/periods/1/renew", w.base),
            Some(v),
            json!({"start_date": (week12 + Duration::days(1)).to_string()}),
        )
        .await,
    );
    assert_eq!(renewed["period"], 2);
    assert_eq!(renewed["referral_id"], referral["id"]);
}

async fn periods_follow_their_rules(app: TestApp) {
    let w = world(&app).await;
    let v = &w.veileder.token;
    let start = today() - Duration::days(20);
    created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    // One open period at a time: 409 with the open one.
    let second = app
        .post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": today().to_string()}),
        )
        .await;
    second.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(second.body["current"]["period"], 1);
    // Pause for 10 days, then resume: the planned end moves by 10 days.
    let paused = app
        .post(
            &format!("{}/periods/1/pause", w.base),
            Some(v),
            json!({"on": (start + Duration::days(5)).to_string()}),
        )
        .await;
    paused.assert_status(StatusCode::OK);
    assert_eq!(paused.body["status"], "paused");
    app.post(&format!("{}/periods/1/pause", w.base), Some(v), json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    app.post(
        &format!("{}/periods/1/resume", w.base),
        Some(v),
        json!({"on": (today() + Duration::days(3)).to_string()}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("on", "not_future")));
    let resumed = app
        .post(
            &format!("{}/periods/1/resume", w.base),
            Some(v),
            json!({"on": (start + Duration::days(15)).to_string()}),
        )
        .await;
    resumed.assert_status(StatusCode::OK);
    assert_eq!(
        resumed.body["planned_end"],
        (start + Duration::days(94)).to_string()
    );
    assert_eq!(resumed.body["paused_days"], 10);
    // The caseload shows week k of the open period.
    let caseload = app
        .get(&format!("/v1/centres/{}/participants", w.centre), Some(v))
        .await;
    assert_eq!(caseload.body["participants"][0]["current_period_week"], 3);
    // One start conversation per period.
    for expected in [StatusCode::CREATED, StatusCode::CONFLICT] {
        app.post(
            &format!("{}/periods/1/conversations", w.base),
            Some(v),
            json!({"kind": "start", "held_on": start.to_string(), "interpreter_used": true}),
        )
        .await
        .assert_status(expected);
    }
    // Interim conversations repeat; none before the start.
    app.post(
        &format!("{}/periods/1/conversations", w.base),
        Some(v),
        json!({"kind": "interim", "held_on": (start - Duration::days(1)).to_string(), "interpreter_used": false}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, Some(("held_on", "after_start")));
    // Discontinue with a reason; then it cannot be completed.
    let ended = app
        .post(
            &format!("{}/periods/1/discontinue", w.base),
            Some(v),
            json!({"ended_on": today().to_string(), "discontinue_reason": "moved"}),
        )
        .await;
    ended.assert_status(StatusCode::OK);
    assert_eq!(ended.body["status"], "discontinued");
    app.post(
        &format!("{}/periods/1/complete", w.base),
        Some(v),
        json!({"ended_on": today().to_string()}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, None);
    // Unknown period numbers and malformed ones.
    app.get(&format!("{}/periods/7", w.base), Some(v))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    app.get(&format!("{}/periods/first", w.base), Some(v))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some(("period", "format")));
    // Period 2 may start after period 1 ended.
    let second = created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": today().to_string()}),
        )
        .await,
    );
    assert_eq!(second["period"], 2);
    // Another centre's veileder cannot touch the journey.
    let other = app.create_centre("Annen sentral", "4601").await;
    let outsider = app.staff(other, "veileder", "Outsider").await;
    app.get(&format!("{}/periods", w.base), Some(&outsider.token))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(
        &format!(
            "/v1/centres/{other}/participants/{}/periods",
            w.p.account_id
        ),
        Some(&outsider.token),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

async fn assessments_and_goals_are_validated_and_owned(app: TestApp) {
    let w = world(&app).await;
    let v = &w.veileder.token;
    let t = today().to_string();
    // Unknown instrument: 400 naming the field.
    app.post(
        "/v1/me/assessments",
        Some(&w.p.token),
        json!({"instrument": "iq_test", "timepoint": "baseline", "assessed_on": t}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("instrument", "type")));
    // Out of range: 422 naming the field and the rule; nothing written.
    let out_of_range = app
        .post(
            &format!("{}/assessments", w.base),
            Some(v),
            json!({"instrument": "six_minute_walk", "timepoint": "baseline", "assessed_on": t,
                   "six_minute_walk": {"distance_m": 1500.0}}),
        )
        .await;
    out_of_range.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        out_of_range.body["errors"][0]["field"],
        "six_minute_walk.distance_m"
    );
    let self_rated = app
        .post(
            "/v1/me/assessments",
            Some(&w.p.token),
            json!({"instrument": "self_rated_health", "timepoint": "baseline", "assessed_on": t,
                   "self_rated_health": {"answer": 6}}),
        )
        .await;
    self_rated.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        self_rated.body["errors"][0]["field"],
        "self_rated_health.answer"
    );
    // A participant cannot record a centre test.
    app.post(
        "/v1/me/assessments",
        Some(&w.p.token),
        json!({"instrument": "six_minute_walk", "timepoint": "baseline", "assessed_on": t,
               "six_minute_walk": {"distance_m": 500.0}}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("instrument", "self_reportable")),
    );
    let mine = app.get("/v1/me/assessments", Some(&w.p.token)).await;
    assert_eq!(mine.body["assessments"], json!([]), "nothing was written");
    // A period that does not exist.
    app.post(
        "/v1/me/assessments",
        Some(&w.p.token),
        json!({"instrument": "quality_of_life", "timepoint": "adhoc", "assessed_on": t,
               "period": 3, "quality_of_life": {"rating": 7}}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, Some(("period", "exists")));
    // Reading assessments needs `assessments` consent; recording does not.
    created(
        app.post(
            &format!("{}/assessments", w.base),
            Some(v),
            json!({"instrument": "six_minute_walk", "timepoint": "baseline", "assessed_on": t,
                   "six_minute_walk": {"distance_m": 500.0}}),
        )
        .await,
    );
    app.get(&format!("{}/assessments", w.base), Some(v))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    consent(&app, &w.p, w.centre, "assessments").await;
    let listed = app.get(&format!("{}/assessments", w.base), Some(v)).await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(
        listed.body["assessments"][0]["values"]["six_minute_walk"]["distance_m"],
        500.0
    );
    // The participant cannot delete a centre's test.
    let test_id = listed.body["assessments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/v1/me/assessments/{test_id}"), Some(&w.p.token))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Goals: the participant edits their own; another participant cannot.
    let goal = created(
        app.post(
            "/v1/me/goals",
            Some(&w.p.token),
            json!({"domain": "sleep", "text": "Legge meg før 23"}),
        )
        .await,
    );
    let id = goal["id"].as_str().unwrap();
    let edited = put(
        &app,
        &format!("/v1/me/goals/{id}"),
        &w.p.token,
        json!({"domain": "sleep", "text": "Legge meg før 23 på hverdager", "target": "5 av 7 kvelder"}),
    )
    .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["target"], "5 av 7 kvelder");
    app.post(
        "/v1/me/goals",
        Some(&w.p.token),
        json!({"domain": "sleep", "text": ""}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("text", "length")));
    let invite = app
        .post(
            &format!("/v1/centres/{}/invites", w.centre),
            Some(v),
            json!({"role": "participant"}),
        )
        .await;
    let q = app
        .register_ok(
            &mut PasskeyDevice::new("q"),
            invite.body["code"].as_str().unwrap(),
            "Quinn",
        )
        .await;
    put(
        &app,
        &format!("/v1/me/goals/{id}"),
        &q.token,
        json!({"domain": "diet", "text": "hijacked"}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    app.delete(&format!("/v1/me/goals/{id}"), Some(&q.token))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let goals = app.get(&format!("{}/goals", w.base), Some(v)).await;
    assert_eq!(
        goals.body["goals"][0]["text"],
        "Legge meg før 23 på hverdager"
    );
    // Staff cannot use the participant's goal routes.
    app.get("/v1/me/goals", Some(v))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Once attainment is recorded, the goal stays.
    put(
        &app,
        &format!("{}/goals/{id}/attainment", w.base),
        v,
        json!({"attainment": "partly"}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.delete(&format!("/v1/me/goals/{id}"), Some(&w.p.token))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn outcomes_show_only_what_is_shared(app: TestApp) {
    let w = world(&app).await;
    let v = &w.veileder.token;
    let start = today() - Duration::days(30);
    created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    created(
        app.post(
            &format!("{}/assessments", w.base),
            Some(v),
            json!({"instrument": "six_minute_walk", "timepoint": "baseline",
                   "assessed_on": start.to_string(), "six_minute_walk": {"distance_m": 481.7}}),
        )
        .await,
    );
    sync(
        &app,
        &w.p,
        (0..14)
            .map(|d| activity(start + Duration::days(d), 45, "moderate"))
            .collect(),
    )
    .await;
    let path = format!("{}/periods/1/outcomes", w.base);
    // No consent: 403, nothing in the body.
    let refused = app.get(&path, Some(v)).await;
    refused.assert_status(StatusCode::FORBIDDEN);
    assert!(!refused.text.contains("481.7"), "{}", refused.text);
    // Only summaries: diary-based values, assessment-based ones not shared.
    consent(&app, &w.p, w.centre, "summaries").await;
    let diary_only = app.get(&path, Some(v)).await;
    diary_only.assert_status(StatusCode::OK);
    let o = &diary_only.body;
    assert_eq!(
        o["shared"],
        json!({"summaries": true, "assessments": false})
    );
    assert_eq!(number(o, "mvpa_equivalent_first_two_weeks_mean"), 315.0);
    let walk = indicator(o, "six_minute_walk_baseline_percent_predicted");
    assert_eq!(walk["value"], Value::Null);
    assert_eq!(walk["missing"], "not_shared");
    assert_eq!(walk["inputs"], json!([]));
    // A value no id or date can contain by chance.
    assert!(!diary_only.text.contains("481.7"), "an assessment leaked");
    // Withdraw summaries, grant assessments: the other way round.
    let history = app.get("/v1/me/consents", Some(&w.p.token)).await;
    for c in history.body["consents"].as_array().unwrap() {
        app.delete(
            &format!("/v1/me/consents/{}", c["id"].as_str().unwrap()),
            Some(&w.p.token),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    consent(&app, &w.p, w.centre, "assessments").await;
    let tests_only = app.get(&path, Some(v)).await;
    tests_only.assert_status(StatusCode::OK);
    let o = &tests_only.body;
    assert_eq!(o["weeks"], json!([]));
    assert_eq!(
        indicator(o, "mvpa_equivalent_first_two_weeks_mean")["missing"],
        "not_shared"
    );
    assert!(o.get("money_saved_nok").is_none());
    // Evaluators and other centres never see a participant's outcomes.
    let evaluator = app.staff(w.centre, "evaluator", "Evaluator").await;
    app.get(&path, Some(&evaluator.token))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(&path, None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    // The participant's progress shows week k and the goals.
    let progress = app.get("/v1/me/progress", Some(&w.p.token)).await;
    progress.assert_status(StatusCode::OK);
    assert_eq!(progress.body["week"], 5);
    assert_eq!(progress.body["period"]["status"], "active");
}
