//! The privacy review's findings (issue 11), each as the story that showed
//! the hole, now closed: journey records stay with the centre that made
//! them and a centre the participant left is refused; guardian invites are
//! for under-16s only and a guardian's powers end at 16; oral consent takes
//! two people (or the participant's own confirmation in the app); export
//! jobs belong to whoever asked; outcome tables cannot be differenced, and
//! no export body shows a count of 1–4 that is not marked suppressed.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use friskliv_store::seed::{SeedOptions, seed_demo};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    journey_records_stay_with_their_centre,
    guardian_invites_are_for_under_16s_only,
    oral_consent_takes_two_people,
    export_jobs_belong_to_their_requester,
    outcome_tables_cannot_be_differenced,
    extract_reports_name_no_small_class,
    no_export_body_shows_an_unsuppressed_small_count,
    the_caseload_comes_a_page_at_a_time,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

fn last_year() -> i32 {
    today().year() - 1
}

async fn participant(
    app: &TestApp,
    inviter: &Session,
    centre: Uuid,
    name: &str,
    extra: Value,
) -> Session {
    let mut body = json!({"role": "participant"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let invite = app
        .post(
            &format!("/v1/centres/{centre}/invites"),
            Some(&inviter.token),
            body,
        )
        .await;
    invite.assert_status(StatusCode::CREATED);
    app.register_ok(
        &mut PasskeyDevice::new(name),
        invite.body["code"].as_str().unwrap(),
        name,
    )
    .await
}

async fn consent(app: &TestApp, who: &Session, centre: Uuid, scope: &str) -> Value {
    let reply = app
        .post(
            "/v1/me/consents",
            Some(&who.token),
            json!({"scope": scope, "centre_id": centre}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    reply.body
}

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

/// A refusal that tells nothing of the records behind it.
#[track_caller]
fn refused(reply: &Reply, status: StatusCode) {
    reply.assert_problem(status, None);
    for leaked in [
        "periods",
        "goals",
        "conversations",
        "assessments",
        "start_date",
        "text",
    ] {
        assert!(
            reply.body.get(leaked).is_none(),
            "{leaked} in {}",
            reply.text
        );
    }
}

async fn access_log(app: &TestApp, who: &Session) -> Vec<(String, String, String, bool)> {
    let reply = app
        .get("/v1/me/access-log?limit=500", Some(&who.token))
        .await;
    reply.assert_status(StatusCode::OK);
    let mut rows: Vec<_> = reply.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_name"].as_str().unwrap_or("?").to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["resource"].as_str().unwrap().to_owned(),
                e["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

async fn execute(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) {
    let db = app.db().await;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap();
}

/// Centre A follows Per; Per also shares with centre B. B sees none of A's
/// periods, conversations, goals or tests, and cannot act on them; once Per
/// withdraws B's consents, B is refused (403, logged) even on its own paths.
async fn journey_records_stay_with_their_centre(app: TestApp) {
    let a = app.create_centre("Frisklivssentralen A", "0301").await;
    let b = app.create_centre("Frisklivssentralen B", "4601").await;
    let veileder_a = app.staff(a, "veileder", "Veileder A").await;
    let veileder_b = app.staff(b, "veileder", "Veileder B").await;
    let p = participant(&app, &veileder_a, a, "Per", json!({})).await;
    for centre in [a, b] {
        for scope in ["summaries", "assessments"] {
            consent(&app, &p, centre, scope).await;
        }
    }
    let start = today() - Duration::days(10);
    let at = |centre: Uuid| format!("/v1/centres/{centre}/participants/{}", p.account_id);
    created(
        app.post(
            &format!("{}/periods", at(a)),
            Some(&veileder_a.token),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    created(
        app.post(
            &format!("{}/periods/1/conversations", at(a)),
            Some(&veileder_a.token),
            json!({"kind": "start", "held_on": start.to_string(), "interpreter_used": false}),
        )
        .await,
    );
    let goal = created(
        app.post(
            &format!("{}/goals", at(a)),
            Some(&veileder_a.token),
            json!({"domain": "activity", "text": "Gå til jobben"}),
        )
        .await,
    );
    let goal_id = goal["id"].as_str().unwrap().to_owned();
    created(
        app.post(
            &format!("{}/assessments", at(a)),
            Some(&veileder_a.token),
            json!({"instrument": "six_minute_walk", "timepoint": "baseline",
                   "assessed_on": start.to_string(), "six_minute_walk": {"distance_m": 512.0}}),
        )
        .await,
    );

    // B, with Per's consent, sees none of A's records through its own paths…
    let get_b = |path: &str| {
        let (url, token, app) = (format!("{}{path}", at(b)), veileder_b.token.clone(), &app);
        async move { app.get(&url, Some(&token)).await }
    };
    let periods = get_b("/periods").await;
    periods.assert_status(StatusCode::OK);
    assert_eq!(periods.body["periods"], json!([]));
    let goals = get_b("/goals").await;
    goals.assert_status(StatusCode::OK);
    assert_eq!(goals.body["goals"], json!([]));
    let tests = get_b("/assessments").await;
    tests.assert_status(StatusCode::OK);
    assert_eq!(tests.body["assessments"], json!([]), "A's 512 m is A's");
    for path in [
        "/periods/1",
        "/periods/1/conversations",
        "/periods/1/outcomes",
    ] {
        refused(&get_b(path).await, StatusCode::NOT_FOUND);
    }
    // …and cannot act on them.
    refused(
        &app.post(
            &format!("{}/periods/1/pause", at(b)),
            Some(&veileder_b.token),
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    refused(
        &app.request(
            Method::PUT,
            &format!("{}/goals/{goal_id}", at(b)),
            Some(&veileder_b.token),
            Some(json!({"domain": "activity", "text": "Endret av B"})),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    refused(
        &app.request(
            Method::PUT,
            &format!("{}/goals/{goal_id}/attainment", at(b)),
            Some(&veileder_b.token),
            Some(json!({"attainment": "fully"})),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    // One period at a time: B learns that one is open elsewhere, not when or where.
    let clash = app
        .post(
            &format!("{}/periods", at(b)),
            Some(&veileder_b.token),
            json!({"start_date": today().to_string()}),
        )
        .await;
    clash.assert_problem(StatusCode::CONFLICT, None);
    assert!(!clash.text.contains(&start.to_string()), "{}", clash.text);
    assert!(!clash.text.contains(&a.to_string()), "{}", clash.text);
    // Through A's paths B is not staff at all.
    refused(
        &app.get(&format!("{}/periods", at(a)), Some(&veileder_b.token))
            .await,
        StatusCode::FORBIDDEN,
    );

    // Per still sees every one of their own records.
    let mine = app.get("/v1/me/periods", Some(&p.token)).await;
    assert_eq!(mine.body["periods"].as_array().unwrap().len(), 1);
    let my_goals = app.get("/v1/me/goals", Some(&p.token)).await;
    assert_eq!(my_goals.body["goals"][0]["text"], "Gå til jobben");

    // Per withdraws everything shared with B: B is refused, and it is logged.
    let history = app.get("/v1/me/consents", Some(&p.token)).await;
    for c in history.body["consents"].as_array().unwrap() {
        if c["centre_id"] == b.to_string() && c["active"] == true {
            app.delete(
                &format!("/v1/me/consents/{}", c["id"].as_str().unwrap()),
                Some(&p.token),
            )
            .await
            .assert_status(StatusCode::OK);
        }
    }
    let before = access_log(&app, &p).await.len();
    for path in [
        "/periods",
        "/goals",
        "/periods/1/conversations",
        "/assessments",
    ] {
        refused(&get_b(path).await, StatusCode::FORBIDDEN);
    }
    let log = access_log(&app, &p).await;
    let new: Vec<(String, String, String, bool)> = log[before..].to_vec();
    assert_eq!(
        new,
        vec![
            (
                "Veileder B".into(),
                "read_journey".into(),
                "periods".into(),
                false
            ),
            (
                "Veileder B".into(),
                "read_journey".into(),
                "goals".into(),
                false
            ),
            (
                "Veileder B".into(),
                "read_journey".into(),
                "periods/1/conversations".into(),
                false
            ),
            (
                "Veileder B".into(),
                "read_assessments".into(),
                "assessments".into(),
                false
            ),
        ]
    );
    // A, where Per is enrolled, still works with them.
    app.get(&format!("{}/periods", at(a)), Some(&veileder_a.token))
        .await
        .assert_status(StatusCode::OK);
}

async fn guardian_invites_are_for_under_16s_only(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let year = today().year();
    let adult = participant(
        &app,
        &veileder,
        centre,
        "Voksen",
        json!({"birth_month": format!("{}-03", year - 30)}),
    )
    .await;
    let unknown = participant(&app, &veileder, centre, "Ukjent", json!({})).await;
    let child = participant(
        &app,
        &veileder,
        centre,
        "Barn",
        json!({"birth_month": format!("{}-01", year - 12)}),
    )
    .await;
    let guardian_invite = |who: &Session| {
        let (body, token, app) = (
            json!({"role": "guardian", "guardian_for_account_id": who.account_id}),
            veileder.token.clone(),
            &app,
        );
        async move {
            app.post(&format!("/v1/centres/{centre}/invites"), Some(&token), body)
                .await
        }
    };
    // A "guardian" for a 30-year-old (or someone without a birth month)
    // would be a second account consenting for an adult.
    for who in [&adult, &unknown] {
        guardian_invite(who).await.assert_problem(
            StatusCode::CONFLICT,
            Some(("guardian_for_account_id", "under_16")),
        );
    }
    // Nor can staff make the adult a child by editing the birth month.
    app.request(
        Method::PATCH,
        &format!(
            "/v1/centres/{centre}/participants/{}/attributes",
            adult.account_id
        ),
        Some(&veileder.token),
        Some(json!({"birth_month": format!("{}-03", year - 10)})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, Some(("birth_month", "guardian_rule")));
    guardian_invite(&adult)
        .await
        .assert_status(StatusCode::CONFLICT);

    let invite = guardian_invite(&child).await;
    invite.assert_status(StatusCode::CREATED);
    let guardian = app
        .register_ok(
            &mut PasskeyDevice::new("g"),
            invite.body["code"].as_str().unwrap(),
            "Forelder",
        )
        .await;
    created(
        app.post(
            "/v1/me/consents",
            Some(&guardian.token),
            json!({"scope": "summaries", "participant_id": child.account_id}),
        )
        .await,
    );
    // The child sees the consent their guardian made, and who made it.
    let seen = app.get("/v1/me/consents", Some(&child.token)).await;
    let c = &seen.body["consents"][0];
    assert_eq!(c["method"], "guardian");
    assert_eq!(c["granted_by"], guardian.account_id);
    assert_eq!(c["granted_by_person"]["name"], "Forelder");
    assert_eq!(c["granted_by_person"]["role"], "guardian");

    // The child turns 16: the guardian's powers end, their consent stays
    // until the young person changes it.
    execute(
        &app,
        "UPDATE participant_profiles SET birth_year = $1, birth_month = 1 WHERE account_id = $2",
        vec![
            (year - 16).into(),
            child.account_id.parse::<Uuid>().unwrap().into(),
        ],
    )
    .await;
    let guardian_view = app.get("/v1/me/consents", Some(&guardian.token)).await;
    guardian_view.assert_status(StatusCode::OK);
    assert_eq!(guardian_view.body["consents"], json!([]));
    app.post(
        "/v1/me/consents",
        Some(&guardian.token),
        json!({"scope": "entries", "participant_id": child.account_id}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, None);
    let id = c["id"].as_str().unwrap();
    app.delete(&format!("/v1/me/consents/{id}"), Some(&guardian.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    let still = app.get("/v1/me/consents", Some(&child.token)).await;
    assert_eq!(still.body["consents"][0]["active"], true);
    // Now 16, they decide themselves.
    app.delete(&format!("/v1/me/consents/{id}"), Some(&child.token))
        .await
        .assert_status(StatusCode::OK);
}

async fn oral_consent_takes_two_people(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let other = app.create_centre("Annen sentral", "4601").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let admin = app.staff(centre, "centre_admin", "Admin").await;
    let veileder_other = app.staff(other, "veileder", "Annen veileder").await;
    let p = participant(&app, &veileder, centre, "Per", json!({})).await;
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
    let summary = format!("{base}/summary");
    let record = |who: &Session, scope: &str| {
        let (url, token, body, app) = (
            format!("{base}/consents"),
            who.token.clone(),
            json!({"scope": scope, "method": "oral"}),
            &app,
        );
        async move { app.post(&url, Some(&token), body).await }
    };
    let confirm = |who: &Session, id: &str| {
        let (url, token, app) = (
            format!("{base}/oral-consents/{id}/confirm"),
            who.token.clone(),
            &app,
        );
        async move { app.post(&url, Some(&token), json!({})).await }
    };

    // One veileder's word is a pending record, not a consent.
    let pending = record(&veileder, "summaries").await;
    pending.assert_status(StatusCode::ACCEPTED);
    assert_eq!(pending.body["status"], "pending");
    assert_eq!(pending.body["confirmation_by"], "staff");
    assert_eq!(pending.body["recorded_by"]["name"], "Veileder");
    let id = pending.body["id"].as_str().unwrap().to_owned();
    app.get(&summary, Some(&veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    // Recording it again is the same record.
    assert_eq!(record(&veileder, "summaries").await.body["id"], id.as_str());
    // The one who recorded it cannot confirm it.
    confirm(&veileder, &id)
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    // The participant sees it waiting, with who recorded it.
    let mine = app.get("/v1/me/consents", Some(&p.token)).await;
    assert_eq!(mine.body["consents"], json!([]));
    assert_eq!(mine.body["oral_consents"][0]["id"], id.as_str());
    assert_eq!(
        mine.body["oral_consents"][0]["recorded_by"]["name"],
        "Veileder"
    );
    // A second staff member confirms it: now it is a consent.
    let confirmed = confirm(&admin, &id).await;
    confirmed.assert_status(StatusCode::CREATED);
    assert_eq!(confirmed.body["method"], "oral");
    assert_eq!(confirmed.body["granted_by"], veileder.account_id);
    assert_eq!(confirmed.body["granted_by_person"]["name"], "Veileder");
    assert_eq!(confirmed.body["confirmed_by"]["name"], "Admin");
    app.get(&summary, Some(&veileder.token))
        .await
        .assert_status(StatusCode::OK);
    confirm(&admin, &id)
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    // In the participant's history and access log, with both staff members.
    let mine = app.get("/v1/me/consents", Some(&p.token)).await;
    assert_eq!(mine.body["consents"][0]["confirmed_by"]["name"], "Admin");
    assert_eq!(mine.body["oral_consents"][0]["status"], "confirmed");
    let log = access_log(&app, &p).await;
    assert!(log.contains(&(
        "Veileder".into(),
        "record_consent".into(),
        "consent/summaries".into(),
        true
    )));
    assert!(log.contains(&(
        "Admin".into(),
        "confirm_consent".into(),
        format!("oral-consents/{id}"),
        true
    )));

    // The participant withdraws in the app. For a week after, only they can
    // confirm oral consent for this centre.
    let consent_id = confirmed.body["id"].as_str().unwrap();
    app.delete(&format!("/v1/me/consents/{consent_id}"), Some(&p.token))
        .await
        .assert_status(StatusCode::OK);
    let again = record(&veileder, "summaries").await;
    again.assert_status(StatusCode::ACCEPTED);
    assert_eq!(again.body["confirmation_by"], "participant");
    let again_id = again.body["id"].as_str().unwrap().to_owned();
    confirm(&admin, &again_id)
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    app.get(&summary, Some(&veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    let own = app
        .post(
            &format!("/v1/me/oral-consents/{again_id}/confirm"),
            Some(&p.token),
            json!({}),
        )
        .await;
    own.assert_status(StatusCode::CREATED);
    assert_eq!(own.body["confirmed_by"]["name"], "Per");
    app.get(&summary, Some(&veileder.token))
        .await
        .assert_status(StatusCode::OK);

    // Something the participant did not say can be declined.
    let entries = record(&veileder, "entries").await;
    let entries_id = entries.body["id"].as_str().unwrap();
    let declined = app
        .post(
            &format!("/v1/me/oral-consents/{entries_id}/decline"),
            Some(&p.token),
            json!({}),
        )
        .await;
    declined.assert_status(StatusCode::OK);
    assert_eq!(declined.body["status"], "declined");
    confirm(&admin, entries_id)
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    // A week after the withdrawal, a second staff member may confirm again.
    execute(
        &app,
        "UPDATE consents SET withdrawn_at = $1 WHERE withdrawn_at IS NOT NULL",
        vec![(Utc::now() - Duration::days(8)).into()],
    )
    .await;
    let later = record(&veileder, "entries").await;
    assert_eq!(later.body["confirmation_by"], "staff");
    confirm(&admin, later.body["id"].as_str().unwrap())
        .await
        .assert_status(StatusCode::CREATED);

    // A centre the participant is not enrolled at and shares nothing with
    // cannot record oral consent at all.
    app.post(
        &format!("/v1/centres/{other}/participants/{}/consents", p.account_id),
        Some(&veileder_other.token),
        json!({"scope": "summaries", "method": "oral"}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, None);
    // Nor once they left it: shared once, then withdrew everything.
    let given = consent(&app, &p, other, "summaries").await;
    app.delete(
        &format!("/v1/me/consents/{}", given["id"].as_str().unwrap()),
        Some(&p.token),
    )
    .await
    .assert_status(StatusCode::OK);
    app.post(
        &format!("/v1/centres/{other}/participants/{}/consents", p.account_id),
        Some(&veileder_other.token),
        json!({"scope": "summaries", "method": "oral"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
}

async fn wait_done(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let job = app
            .get(&format!("/v1/exports/jobs/{id}"), Some(token))
            .await
            .body;
        if job["status"] == "done" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish");
}

async fn export_jobs_belong_to_their_requester(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    seed_demo(
        &app.db().await,
        &SeedOptions {
            participants: 12,
            weeks: 20,
            seed: 3,
            centre: Some(centre),
        },
        format!("{}-12-20T12:00:00Z", last_year()).parse().unwrap(),
    )
    .await
    .unwrap();
    let mine = app.staff(centre, "evaluator", "Evaluator").await;
    let colleague = app.staff(centre, "evaluator", "Colleague").await;
    let admin = app.staff(centre, "centre_admin", "Admin").await;
    let started = app
        .post(
            "/v1/exports/research",
            Some(&mine.token),
            json!({"year": last_year(), "format": "csv"}),
        )
        .await;
    started.assert_status(StatusCode::ACCEPTED);
    let id = started.body["id"].as_str().unwrap().to_owned();
    assert_eq!(wait_done(&app, &mine.token, &id).await["status"], "done");
    let job = format!("/v1/exports/jobs/{id}");
    let download = format!("{job}/download");
    app.get(&download, Some(&mine.token))
        .await
        .assert_status(StatusCode::OK);
    // Colleagues who may export the same centre learn nothing of it.
    for who in [&colleague, &admin] {
        for path in [&job, &download] {
            app.get(path, Some(&who.token))
                .await
                .assert_problem(StatusCode::NOT_FOUND, None);
        }
    }
    // The operator reaches it.
    let target = std::env::temp_dir().join(format!("operator-copy-{id}.csv"));
    let summary = friskliv_api::cli::export_job(&app.config, id.parse().unwrap(), Some(&target))
        .await
        .unwrap();
    assert_eq!(summary["status"], "done");
    assert_eq!(summary["requested_by"], mine.account_id);
    let copied = std::fs::read_to_string(&target).unwrap();
    let _ = std::fs::remove_file(&target);
    assert_eq!(copied, app.get(&download, Some(&mine.token)).await.text);
}

async fn outcome_tables_cannot_be_differenced(app: TestApp) {
    let bergen = app
        .create_centre("Frisklivssentralen i Bergen", "4601")
        .await;
    let kinn = app.create_centre("Frisklivssentralen i Kinn", "4602").await;
    let bergen_2 = app.create_centre("Bergen sentrum", "4601").await;
    let db = app.db().await;
    let year = last_year();
    let late = format!("{year}-12-20T12:00:00Z").parse().unwrap();
    for (centre, seed) in [(bergen, 1), (kinn, 2), (bergen_2, 3)] {
        seed_demo(
            &db,
            &SeedOptions {
                participants: 20,
                weeks: 30,
                seed,
                centre: Some(centre),
            },
            late,
        )
        .await
        .unwrap();
    }
    let evaluator = app.staff(bergen, "evaluator", "Evaluator").await;
    let account: Uuid = evaluator.account_id.parse().unwrap();
    friskliv_api::cli::grant_evaluation(
        &app.config,
        &friskliv_api::cli::EvaluationGrant {
            account,
            municipality: None,
            county: Some("46".into()),
        },
    )
    .await
    .unwrap();
    let get = |query: String| {
        let token = evaluator.token.clone();
        let app = &app;
        async move {
            app.get(&format!("/v1/exports/outcomes?{query}"), Some(&token))
                .await
        }
    };

    // Fixed windows: one whole calendar year that has ended.
    get(format!("from={year}-03-01&to={year}-03-01"))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("from", "calendar_year")),
        );
    get(format!("from={year}-01-01&to={year}-06-30"))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("from", "calendar_year")),
        );
    get(format!("year={}", year + 1))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("year", "ended")));

    // The county, by sex and age band.
    get(format!("year={year}&county=46&group_by=sex,age_band"))
        .await
        .assert_status(StatusCode::OK);
    // The same table again, as CSV or with from/to, is the same table.
    get(format!(
        "from={year}-01-01&to={year}-12-31&county=46&group_by=age_band,sex&format=csv"
    ))
    .await
    .assert_status(StatusCode::OK);
    // A part of it would be the county minus the rest.
    for scope in [format!("centre_id={kinn}"), "municipality=4601".to_owned()] {
        let r = get(format!("year={year}&{scope}")).await;
        r.assert_problem(StatusCode::CONFLICT, None);
        assert_eq!(r.problem_type(), "urn:friskliv:problem:overlapping-release");
    }
    // A table by sex alone would publish the cross table's sex margins.
    let r = get(format!("year={year}&county=46&group_by=sex")).await;
    r.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(r.problem_type(), "urn:friskliv:problem:linked-breakdown");
    // A dimension the cross table does not use is fine: linked only through the total.
    get(format!("year={year}&county=46&group_by=referral_source"))
        .await
        .assert_status(StatusCode::OK);
    // Another year is another window.
    get(format!("year={}&municipality=4601", year - 1))
        .await
        .assert_status(StatusCode::OK);

    // A period added late to the year would stand out on its own…
    let late_veileder = app.staff(kinn, "veileder", "Late").await;
    let late_participant = participant(&app, &late_veileder, kinn, "Ny", json!({})).await;
    created(
        app.post(
            &format!(
                "/v1/centres/{kinn}/participants/{}/periods",
                late_participant.account_id
            ),
            Some(&late_veileder.token),
            json!({"start_date": format!("{year}-12-28")}),
        )
        .await,
    );
    let r = get(format!("year={year}&county=46&group_by=sex,age_band")).await;
    r.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(r.problem_type(), "urn:friskliv:problem:small-difference");
    assert!(r.text.contains("1 follow-up period"), "{}", r.text);
    // …once five have changed, the difference is no longer one person's.
    for k in 0..4 {
        let q = participant(&app, &late_veileder, kinn, &format!("Ny {k}"), json!({})).await;
        created(
            app.post(
                &format!("/v1/centres/{kinn}/participants/{}/periods", q.account_id),
                Some(&late_veileder.token),
                json!({"start_date": format!("{year}-12-29")}),
            )
            .await,
        );
    }
    get(format!("year={year}&county=46&group_by=sex,age_band"))
        .await
        .assert_status(StatusCode::OK);

    // Every refusal is in the audit, with its reason.
    let audit = friskliv_store::db::entities::export_audit::Entity::find()
        .all(&db)
        .await
        .unwrap();
    use sea_orm::EntityTrait;
    let refused: Vec<&str> = audit
        .iter()
        .filter(|a| a.action == "outcome_tables" && !a.allowed)
        .map(|a| a.parameters.as_str())
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().any(|p| p.contains("SmallChange(1)")));
}

/// Seven women born in 1980 and three men born in 1950 share with
/// research: the men's class (3) cannot be released even without its age
/// band, so it is dropped — and the requester is told only "fewer than 5".
async fn extract_reports_name_no_small_class(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let start = format!("{}-10-05", last_year());
    for k in 0..10 {
        let p = participant(&app, &veileder, centre, &format!("Deltaker {k}"), json!({})).await;
        let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
        let (sex, born) = if k < 7 {
            ("female", "1980-06")
        } else {
            ("male", "1950-02")
        };
        app.request(
            Method::PATCH,
            &format!("{base}/attributes"),
            Some(&veileder.token),
            Some(json!({"sex": sex, "birth_month": born})),
        )
        .await
        .assert_status(StatusCode::OK);
        created(
            app.post(
                &format!("{base}/periods"),
                Some(&veileder.token),
                json!({"start_date": start}),
            )
            .await,
        );
        consent(&app, &p, centre, "research").await;
    }
    let started = app
        .post(
            "/v1/exports/research",
            Some(&evaluator.token),
            json!({"year": last_year(), "format": "json"}),
        )
        .await;
    started.assert_status(StatusCode::ACCEPTED);
    let id = started.body["id"].as_str().unwrap().to_owned();
    let job = wait_done(&app, &evaluator.token, &id).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(
        job["report"],
        json!({"rows": 7, "age_band_generalised": 0, "dropped": "fewer than 5"})
    );
    let file = app
        .get(
            &format!("/v1/exports/jobs/{id}/download"),
            Some(&evaluator.token),
        )
        .await;
    let doc: Value = serde_json::from_str(&file.text).unwrap();
    assert_eq!(doc["report"], job["report"]);
    assert!(
        !file.text.contains("\"sex\":\"male\""),
        "a dropped man's row: {}",
        file.text
    );
    assert!(!file.text.contains("dropped_classes") && !file.text.contains("67+"));
    // A one-day window would pin a record's start day.
    app.post(
        "/v1/exports/research",
        Some(&evaluator.token),
        json!({"from": start, "to": start, "format": "csv"}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("from", "calendar_year")),
    );
    // The audit keeps the whole report.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audit = friskliv_store::db::entities::export_audit::Entity::find()
        .filter(
            friskliv_store::db::entities::export_audit::Column::Action
                .eq("research_extract_report"),
        )
        .all(&app.db().await)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    let kept: Value = serde_json::from_str(&audit[0].parameters).unwrap();
    assert_eq!(kept["report"]["dropped"], 3);
    assert_eq!(
        kept["report"]["dropped_classes"],
        json!([format!("age_band=67+ sex=male year={}", last_year())])
    );
}

/// Every whole number in a JSON body but years and statistics' values —
/// that is, every count, whatever its field is called: (path, number,
/// whether its object marks it suppressed).
fn json_counts(v: &Value, path: &str, out: &mut Vec<(String, u64, bool)>) {
    match v {
        Value::Object(map) => {
            let marked = |key: &str| match map.get("suppressed") {
                Some(Value::String(s)) => s != "none",
                Some(Value::Bool(b)) => *b,
                Some(Value::Array(names)) => names.iter().any(|n| n == key),
                _ => false,
            };
            for (k, child) in map {
                match child {
                    Value::Number(n) if k != "year" && k != "value" => {
                        if let Some(n) = n.as_u64() {
                            out.push((format!("{path}.{k}"), n, marked(k)));
                        }
                    }
                    _ => json_counts(child, &format!("{path}.{k}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                json_counts(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A property over random centres and requests: no export body — outcome
/// tables as JSON or CSV, the KOSTRA report an evaluator gets — shows a
/// count of 1–4 that is not marked suppressed.
async fn no_export_body_shows_an_unsuppressed_small_count(app: TestApp) {
    use friskliv_domain::outcome_tables::{COUNTS, Dimension};
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261203);
    let year = last_year();
    let late = format!("{year}-12-20T12:00:00Z").parse().unwrap();
    let db = app.db().await;
    let mut checked = 0;
    let mut saw_small = false;
    for case in 0..6 {
        let centre = app.create_centre(&format!("Sentral {case}"), "0301").await;
        let participants = rng.random_range(3..=30);
        seed_demo(
            &db,
            &SeedOptions {
                participants,
                weeks: 26,
                seed: rng.random(),
                centre: Some(centre),
            },
            late,
        )
        .await
        .unwrap();
        for request in 0..3 {
            // A new evaluator per request: one requester's tables of a year
            // are limited, and this property is about each body alone.
            let evaluator = app
                .staff(centre, "evaluator", &format!("E{case}.{request}"))
                .await;
            let dims: Vec<&str> = Dimension::ALL
                .iter()
                .filter(|_| rng.random_bool(0.35))
                .map(|d| d.as_str())
                .collect();
            let csv = rng.random_bool(0.5);
            let path = format!(
                "/v1/exports/outcomes?year={year}&group_by={}&format={}",
                dims.join(","),
                if csv { "csv" } else { "json" }
            );
            let reply = app.get(&path, Some(&evaluator.token)).await;
            reply.assert_status(StatusCode::OK);
            if csv {
                let mut lines = reply.text.lines();
                let header: Vec<&str> = lines.next().unwrap().split(',').collect();
                let count_columns: Vec<usize> = header
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| COUNTS.contains(h))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(count_columns.len(), COUNTS.len());
                for line in lines {
                    let fields: Vec<&str> = line.split(',').collect();
                    for &i in &count_columns {
                        match fields[i] {
                            ":" => saw_small = true,
                            n => {
                                let n: u64 = n.parse().unwrap();
                                assert!(n == 0 || n >= 5, "{path}: {} = {n} in {line}", header[i]);
                            }
                        }
                        checked += 1;
                    }
                }
            } else {
                let mut found = Vec::new();
                json_counts(&reply.body, "", &mut found);
                // Every measure is in the total row, shown or suppressed.
                assert_eq!(
                    reply.body["total"]["counts"].as_array().map(Vec::len),
                    Some(COUNTS.len()),
                    "{path}: {}",
                    reply.text
                );
                for (at, n, marked) in found {
                    assert!(
                        n == 0 || n >= 5 || marked,
                        "{path}: {at} = {n} unsuppressed"
                    );
                    saw_small |= marked;
                    checked += 1;
                }
                // Suppressed cells carry no number at all.
                for row in reply.body["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain([&reply.body["total"]])
                {
                    for cell in row["counts"].as_array().unwrap() {
                        if cell["suppressed"] != "none" {
                            assert!(cell.get("count").is_none(), "{cell}");
                        }
                    }
                }
            }
            let kostra = app
                .get(
                    &format!("/v1/centres/{centre}/reports/kostra?year={year}"),
                    Some(&evaluator.token),
                )
                .await;
            kostra.assert_status(StatusCode::OK);
            for key in [
                "persons_total",
                "persons_with_referral",
                "persons_without_referral",
                "men",
            ] {
                if let Some(n) = kostra.body.get(key).and_then(Value::as_u64) {
                    assert!(n == 0 || n >= 5, "KOSTRA {key} = {n}");
                    checked += 1;
                }
            }
            let mut found = Vec::new();
            json_counts(&kostra.body, "", &mut found);
            for (at, n, marked) in found {
                assert!(n == 0 || n >= 5 || marked, "KOSTRA {at} = {n} unsuppressed");
            }
        }
    }
    assert!(checked > 100, "{checked} counts checked");
    assert!(
        saw_small,
        "the random centres must give some small cells to hide"
    );
}

/// One caseload request shows, and logs, at most a page; the cursor walks
/// the whole centre in a stable order.
async fn the_caseload_comes_a_page_at_a_time(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let mut people = Vec::new();
    // Two share a name: the id breaks the tie.
    for name in ["Ola", "Kari", "Per", "Kari", "Anne"] {
        people.push(participant(&app, &veileder, centre, name, json!({})).await);
    }
    let base = format!("/v1/centres/{centre}/participants");
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("{base}?limit=2&cursor={c}"),
            None => format!("{base}?limit=2"),
        };
        let page = app.get(&path, Some(&veileder.token)).await;
        page.assert_status(StatusCode::OK);
        let rows = page.body["participants"].as_array().unwrap();
        assert!(rows.len() <= 2);
        seen.extend(rows.iter().map(|r| {
            (
                r["display_name"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        }));
        pages += 1;
        match page.body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = seen.clone();
    expected.sort();
    assert_eq!(seen, expected, "ordered by name, then id");
    assert_eq!(seen.len(), 5);
    // Each participant's log holds exactly the one page they were on.
    for p in &people {
        let log = access_log(&app, p).await;
        let views = log.iter().filter(|r| r.1 == "read_caseload").count();
        assert_eq!(views, 1, "{log:?}");
    }
    // A cursor not of this server's shape is 400; one that names no one here, 404.
    app.get(
        &format!("{base}?cursor=%F0%9F%92%B3"),
        Some(&veileder.token),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("cursor", "format")));
    app.get(
        &format!("{base}?cursor=azF8bm9ib2R5"),
        Some(&veileder.token),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, Some(("cursor", "unknown")));
    app.get(&format!("{base}?limit=501"), Some(&veileder.token))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("limit", "range")));
}
