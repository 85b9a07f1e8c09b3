//! Consent and sharing end to end: the authorisation matrix of every staff
//! endpoint, the access log, withdrawal taking effect on the next request,
//! guardians for under-16s, proxy entries and the epikrise flag.

use chrono::{Datelike, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    authorisation_matrix_and_access_log,
    withdrawing_consent_hides_data_on_the_next_request,
    guardians_consent_for_under_16s,
    proxy_entries_reach_the_participant_and_flags_reach_staff,
);

struct World {
    centre_a: Uuid,
    centre_b: Uuid,
    admin_a: Session,
    veileder_a: Session,
    veileder_b: Session,
    evaluator_a: Session,
    p: Session,
    p_device: PasskeyDevice,
    q: Session,
}

async fn staff(app: &TestApp, centre: Uuid, role: &str, name: &str) -> Session {
    let code = app.invite_staff(centre, role).await;
    app.register_ok(&mut PasskeyDevice::new(name), &code, name)
        .await
}

async fn participant_at(
    app: &TestApp,
    inviter: &Session,
    centre: Uuid,
    name: &str,
    extra: Value,
) -> (Session, PasskeyDevice) {
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
    let mut device = PasskeyDevice::new(name);
    let session = app
        .register_ok(&mut device, invite.body["code"].as_str().unwrap(), name)
        .await;
    (session, device)
}

async fn world(app: &TestApp) -> World {
    let centre_a = app.create_centre("Frisklivssentralen A", "0301").await;
    let centre_b = app.create_centre("Frisklivssentralen B", "4601").await;
    let admin_a = staff(app, centre_a, "centre_admin", "Admin A").await;
    let veileder_a = staff(app, centre_a, "veileder", "Veileder A").await;
    let veileder_b = staff(app, centre_b, "veileder", "Veileder B").await;
    let evaluator_a = staff(app, centre_a, "evaluator", "Evaluator A").await;
    let (p, p_device) = participant_at(app, &veileder_a, centre_a, "Per", json!({})).await;
    let (q, _) = participant_at(app, &veileder_a, centre_a, "Quinn", json!({})).await;
    // P logs a walk and a night.
    let reply = app
        .request(
            Method::PUT,
            &format!("/v1/me/diary/activity/{}", Uuid::new_v4()),
            Some(&p.token),
            Some(json!({"version": 1, "occurred_at": "2026-05-04T07:30:00+02:00",
                "activity": {"activity_type": "walking", "duration_minutes": 40, "intensity": "moderate"}})),
        )
        .await;
    reply.assert_status(StatusCode::OK);
    World {
        centre_a,
        centre_b,
        admin_a,
        veileder_a,
        veileder_b,
        evaluator_a,
        p,
        p_device,
        q,
    }
}

/// The staff operations on participant P, as (label, method, path, body).
fn staff_operations(
    centre: Uuid,
    participant: &str,
) -> Vec<(&'static str, Method, String, Option<Value>)> {
    vec![
        (
            "summary",
            Method::GET,
            format!(
                "/v1/centres/{centre}/participants/{participant}/summary?from=2026-05-04&weeks=2"
            ),
            None,
        ),
        (
            "entries",
            Method::GET,
            format!("/v1/centres/{centre}/participants/{participant}/entries?kind=activity"),
            None,
        ),
        (
            "proxy",
            Method::PUT,
            format!(
                "/v1/centres/{centre}/participants/{participant}/diary/sitting/{}",
                Uuid::new_v4()
            ),
            Some(
                json!({"version": 1, "occurred_at": "2026-05-05T20:00:00+02:00", "sitting": {"hours": 6.0}}),
            ),
        ),
    ]
}

async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    app.request(method, path, token, body).await
}

/// A refused reply carries a problem and nothing of the participant's data.
#[track_caller]
fn refused(reply: &Reply, status: StatusCode) {
    reply.assert_problem(status, None);
    for leaked in ["weeks", "entries", "participants", "entry"] {
        assert!(
            reply.body.get(leaked).is_none(),
            "{leaked} in a refused body: {}",
            reply.text
        );
    }
    assert!(
        !reply.text.contains("walking"),
        "diary content leaked: {}",
        reply.text
    );
}

async fn consent(app: &TestApp, who: &Session, centre: Uuid, scope: &str) -> Value {
    let reply = app
        .post(
            "/v1/me/consents",
            Some(&who.token),
            json!({"scope": scope, "centre_id": centre}),
        )
        .await;
    assert!(
        reply.status == StatusCode::CREATED || reply.status == StatusCode::OK,
        "{}",
        reply.text
    );
    reply.body
}

async fn access_log(app: &TestApp, who: &Session) -> Vec<(String, String, bool)> {
    let reply = app
        .get("/v1/me/access-log?limit=500", Some(&who.token))
        .await;
    reply.assert_status(StatusCode::OK);
    let mut rows: Vec<(String, String, bool)> = reply.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_name"].as_str().unwrap_or("?").to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.reverse(); // oldest first
    rows
}

async fn authorisation_matrix_and_access_log(app: TestApp) {
    let w = world(&app).await;
    let p_id = w.p.account_id.clone();
    let mut expected_log: Vec<(String, String, bool)> = Vec::new();
    let actions = ["read_summary", "read_entries", "write_entry"];

    // 1. Own centre, no consent: caseload shows P without diary facts; reads are 403.
    let caseload = app
        .get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.veileder_a.token),
        )
        .await;
    caseload.assert_status(StatusCode::OK);
    let listed = caseload.body["participants"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let p_row = listed.iter().find(|r| r["id"] == p_id.as_str()).unwrap();
    assert_eq!(p_row["consent_scopes"], json!([]));
    assert!(
        p_row.get("last_logged_day").is_none(),
        "no diary facts without consent"
    );
    expected_log.push(("Veileder A".into(), "read_caseload".into(), true));
    for ((_, method, path, body), action) in
        staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.veileder_a.token), method, &path, body).await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push(("Veileder A".into(), action.into(), false));
    }

    // 2. With consent to summaries and entries: everything works for veileder and admin.
    consent(&app, &w.p, w.centre_a, "summaries").await;
    consent(&app, &w.p, w.centre_a, "entries").await;
    for (who, name) in [(&w.veileder_a, "Veileder A"), (&w.admin_a, "Admin A")] {
        for ((label, method, path, body), action) in
            staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
        {
            let reply = call(&app, Some(&who.token), method, &path, body).await;
            reply.assert_status(StatusCode::OK);
            match label {
                "summary" => assert_eq!(reply.body["weeks"][0]["moderate_minutes"], 40),
                "entries" => {
                    assert_eq!(reply.body["entries"][0]["activity"]["duration_minutes"], 40)
                }
                _ => assert_eq!(reply.body["entry"]["source"], "proxy"),
            }
            expected_log.push((name.into(), action.into(), true));
        }
    }
    let caseload = app
        .get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.veileder_a.token),
        )
        .await;
    let p_row = caseload.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == p_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(p_row["consent_scopes"], json!(["summaries", "entries"]));
    assert_eq!(
        p_row["last_logged_day"], "2026-05-05",
        "the proxy sitting entry is the latest"
    );
    expected_log.push(("Veileder A".into(), "read_caseload".into(), true));

    // 3. Staff of another centre: 403 through centre A's paths, 404 through their own.
    for ((_, method, path, body), action) in
        staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.veileder_b.token), method, &path, body).await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push(("Veileder B".into(), action.into(), false));
    }
    for ((_, method, path, body), action) in
        staff_operations(w.centre_b, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.veileder_b.token), method, &path, body).await,
            StatusCode::NOT_FOUND,
        );
        expected_log.push(("Veileder B".into(), action.into(), false));
    }
    // …and the same 404 for a participant that does not exist: nothing to learn.
    for (_, method, path, body) in staff_operations(w.centre_b, &Uuid::new_v4().to_string()) {
        refused(
            &call(&app, Some(&w.veileder_b.token), method, &path, body).await,
            StatusCode::NOT_FOUND,
        );
    }
    refused(
        &app.get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.veileder_b.token),
        )
        .await,
        StatusCode::FORBIDDEN,
    );

    // 4. The centre's evaluator: anonymised data only.
    for ((_, method, path, body), action) in
        staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.evaluator_a.token), method, &path, body).await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push(("Evaluator A".into(), action.into(), false));
    }
    refused(
        &app.get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.evaluator_a.token),
        )
        .await,
        StatusCode::FORBIDDEN,
    );

    // 5. Another participant of the same centre.
    for ((_, method, path, body), action) in
        staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.q.token), method, &path, body).await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push(("Quinn".into(), action.into(), false));
    }
    refused(
        &app.get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.q.token),
        )
        .await,
        StatusCode::FORBIDDEN,
    );

    // Recording consent on P's behalf is refused to all of them, and logged.
    let record = format!("/v1/centres/{}/participants/{p_id}/consents", w.centre_a);
    for (who, name) in [
        (&w.veileder_b, "Veileder B"),
        (&w.evaluator_a, "Evaluator A"),
        (&w.q, "Quinn"),
    ] {
        refused(
            &app.post(
                &record,
                Some(&who.token),
                json!({"scope": "entries", "method": "oral"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push((name.into(), "record_consent".into(), false));
    }

    // 6. Anonymous: 401 everywhere, nothing logged.
    refused(
        &app.post(&record, None, json!({"scope": "entries", "method": "oral"}))
            .await,
        StatusCode::UNAUTHORIZED,
    );
    refused(
        &app.get(&format!("/v1/centres/{}/participants", w.centre_a), None)
            .await,
        StatusCode::UNAUTHORIZED,
    );
    for (_, method, path, body) in staff_operations(w.centre_a, &p_id) {
        refused(
            &call(&app, None, method, &path, body).await,
            StatusCode::UNAUTHORIZED,
        );
    }
    for path in ["/v1/me/consents", "/v1/me/access-log"] {
        refused(&app.get(path, None).await, StatusCode::UNAUTHORIZED);
    }
    // Participant-side endpoints refuse staff.
    refused(
        &app.get("/v1/me/access-log", Some(&w.veileder_a.token))
            .await,
        StatusCode::FORBIDDEN,
    );
    refused(
        &app.get("/v1/me/consents", Some(&w.veileder_a.token)).await,
        StatusCode::FORBIDDEN,
    );

    // 7. Withdrawn: back to 403 on the very next request.
    let history = app.get("/v1/me/consents", Some(&w.p.token)).await;
    for c in history.body["consents"].as_array().unwrap() {
        app.delete(
            &format!("/v1/me/consents/{}", c["id"].as_str().unwrap()),
            Some(&w.p.token),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    for ((_, method, path, body), action) in
        staff_operations(w.centre_a, &p_id).into_iter().zip(actions)
    {
        refused(
            &call(&app, Some(&w.veileder_a.token), method, &path, body).await,
            StatusCode::FORBIDDEN,
        );
        expected_log.push(("Veileder A".into(), action.into(), false));
    }

    // The access log shows exactly the allowed and denied staff access, in order.
    assert_eq!(access_log(&app, &w.p).await, expected_log);
    // Quinn's log shows the two caseload views, not Per's reads.
    let quinn = access_log(&app, &w.q).await;
    assert_eq!(
        quinn,
        vec![
            ("Veileder A".to_owned(), "read_caseload".to_owned(), true),
            ("Veileder A".to_owned(), "read_caseload".to_owned(), true),
        ]
    );
    let _ = &w.p_device;
}

async fn withdrawing_consent_hides_data_on_the_next_request(app: TestApp) {
    let w = world(&app).await;
    let path = format!(
        "/v1/centres/{}/participants/{}/entries?kind=activity",
        w.centre_a, w.p.account_id
    );
    refused(
        &app.get(&path, Some(&w.veileder_a.token)).await,
        StatusCode::FORBIDDEN,
    );

    // Oral consent recorded by the veileder, with who and how.
    let recorded = app
        .post(
            &format!(
                "/v1/centres/{}/participants/{}/consents",
                w.centre_a, w.p.account_id
            ),
            Some(&w.veileder_a.token),
            json!({"scope": "entries", "method": "oral"}),
        )
        .await;
    recorded.assert_status(StatusCode::CREATED);
    assert_eq!(recorded.body["method"], "oral");
    assert_eq!(recorded.body["granted_by"], w.veileder_a.account_id);
    app.get(&path, Some(&w.veileder_a.token))
        .await
        .assert_status(StatusCode::OK);

    // The participant sees it and withdraws it; the very next read is refused.
    let history = app.get("/v1/me/consents", Some(&w.p.token)).await;
    let id = history.body["consents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let withdrawn = app
        .delete(&format!("/v1/me/consents/{id}"), Some(&w.p.token))
        .await;
    withdrawn.assert_status(StatusCode::OK);
    assert_eq!(withdrawn.body["active"], false);
    refused(
        &app.get(&path, Some(&w.veileder_a.token)).await,
        StatusCode::FORBIDDEN,
    );

    // Granting again makes a new event; the history keeps both.
    consent(&app, &w.p, w.centre_a, "entries").await;
    app.get(&path, Some(&w.veileder_a.token))
        .await
        .assert_status(StatusCode::OK);
    let history = app.get("/v1/me/consents", Some(&w.p.token)).await;
    let events: Vec<(Value, Value, Value)> = history.body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["scope"] == "entries")
        .map(|c| (c["scope"].clone(), c["method"].clone(), c["active"].clone()))
        .collect();
    assert_eq!(
        events,
        vec![
            (json!("entries"), json!("oral"), json!(false)),
            (json!("entries"), json!("in_app"), json!(true)),
        ]
    );
    // Two taps at once make one consent.
    let tap = || {
        app.post(
            "/v1/me/consents",
            Some(&w.p.token),
            json!({"scope": "assessments"}),
        )
    };
    let (first, second) = tokio::join!(tap(), tap());
    let mut statuses = vec![first.status.as_u16(), second.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 201]);
    assert_eq!(first.body["id"], second.body["id"]);
    // Granting what is already in force is idempotent.
    let again = app
        .post(
            "/v1/me/consents",
            Some(&w.p.token),
            json!({"scope": "entries"}),
        )
        .await;
    again.assert_status(StatusCode::OK);
    // A consent to summaries does not open entries, and vice versa.
    let summary = format!(
        "/v1/centres/{}/participants/{}/summary",
        w.centre_a, w.p.account_id
    );
    refused(
        &app.get(&summary, Some(&w.veileder_a.token)).await,
        StatusCode::FORBIDDEN,
    );
    // Someone else's consent cannot be withdrawn.
    app.delete(&format!("/v1/me/consents/{id}"), Some(&w.q.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    // Bad input names the field.
    app.post(
        "/v1/me/consents",
        Some(&w.p.token),
        json!({"scope": "everything"}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("scope", "type")));
    app.post(
        "/v1/me/consents",
        Some(&w.p.token),
        json!({"scope": "entries", "centre_id": Uuid::new_v4()}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, Some(("centre_id", "exists")));
    let _ = (&w.centre_b, &w.admin_a, &w.veileder_b, &w.evaluator_a);
}

async fn guardians_consent_for_under_16s(app: TestApp) {
    let w = world(&app).await;
    let born = format!("{:04}-{:02}", Utc::now().year() - 12, 1);
    let (child, _) = participant_at(
        &app,
        &w.veileder_a,
        w.centre_a,
        "Barn",
        json!({"birth_month": born}),
    )
    .await;
    let summary = format!(
        "/v1/centres/{}/participants/{}/summary",
        w.centre_a, child.account_id
    );

    // The child cannot consent, and oral consent for a child is refused.
    app.post(
        "/v1/me/consents",
        Some(&child.token),
        json!({"scope": "summaries"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
    app.post(
        &format!(
            "/v1/centres/{}/participants/{}/consents",
            w.centre_a, child.account_id
        ),
        Some(&w.veileder_a.token),
        json!({"scope": "summaries", "method": "oral"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);

    // A guardian is invited like a participant, linked to the child.
    let invite = app
        .post(
            &format!("/v1/centres/{}/invites", w.centre_a),
            Some(&w.veileder_a.token),
            json!({"role": "guardian", "guardian_for_account_id": child.account_id}),
        )
        .await;
    invite.assert_status(StatusCode::CREATED);
    let guardian = app
        .register_ok(
            &mut PasskeyDevice::new("guardian"),
            invite.body["code"].as_str().unwrap(),
            "Forelder",
        )
        .await;
    let granted = app
        .post(
            "/v1/me/consents",
            Some(&guardian.token),
            json!({"scope": "summaries", "participant_id": child.account_id}),
        )
        .await;
    granted.assert_status(StatusCode::CREATED);
    assert_eq!(granted.body["method"], "guardian");
    assert_eq!(granted.body["participant_id"], child.account_id);
    app.get(&summary, Some(&w.veileder_a.token))
        .await
        .assert_status(StatusCode::OK);

    // The child sees the consent but cannot withdraw it; the guardian can.
    let seen = app.get("/v1/me/consents", Some(&child.token)).await;
    assert_eq!(seen.body["consents"].as_array().unwrap().len(), 1);
    let id = seen.body["consents"][0]["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/v1/me/consents/{id}"), Some(&child.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    app.delete(&format!("/v1/me/consents/{id}"), Some(&guardian.token))
        .await
        .assert_status(StatusCode::OK);
    refused(
        &app.get(&summary, Some(&w.veileder_a.token)).await,
        StatusCode::FORBIDDEN,
    );

    // A guardian cannot consent for someone else's child, nor keep a diary.
    app.post(
        "/v1/me/consents",
        Some(&guardian.token),
        json!({"scope": "summaries", "participant_id": w.p.account_id}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, None);
    app.get("/v1/me/diary/activity", Some(&guardian.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    // A guardian invite must name the child; a participant's birth month is validated.
    app.post(
        &format!("/v1/centres/{}/invites", w.centre_a),
        Some(&w.veileder_a.token),
        json!({"role": "guardian"}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("guardian_for_account_id", "required")),
    );
    app.post(
        &format!("/v1/centres/{}/invites", w.centre_a),
        Some(&w.veileder_a.token),
        json!({"role": "participant", "birth_month": "2030-01"}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("birth_month", "plausible")),
    );

    // A participant of 16 or more consents and withdraws themself.
    let born = format!("{:04}-{:02}", Utc::now().year() - 17, 1);
    let (teen, _) = participant_at(
        &app,
        &w.veileder_a,
        w.centre_a,
        "Ungdom",
        json!({"birth_month": born}),
    )
    .await;
    let c = consent(&app, &teen, w.centre_a, "summaries").await;
    app.delete(
        &format!("/v1/me/consents/{}", c["id"].as_str().unwrap()),
        Some(&teen.token),
    )
    .await
    .assert_status(StatusCode::OK);
}

async fn proxy_entries_reach_the_participant_and_flags_reach_staff(app: TestApp) {
    let w = world(&app).await;
    consent(&app, &w.p, w.centre_a, "entries").await;
    let entry_id = Uuid::new_v4();
    let reply = app
        .request(
            Method::PUT,
            &format!(
                "/v1/centres/{}/participants/{}/diary/food/{entry_id}",
                w.centre_a, w.p.account_id
            ),
            Some(&w.veileder_a.token),
            Some(
                json!({"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00",
                "food": {"meal": "lunch", "veg_fruit_portions": 2}}),
            ),
        )
        .await;
    reply.assert_status(StatusCode::OK);

    // The participant's phone learns of it through the change feed, marked as proxy.
    let feed = app.get("/v1/me/changes", Some(&w.p.token)).await;
    let proxied = feed.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entry_id"] == entry_id.to_string())
        .expect("proxy entry in the feed")
        .clone();
    assert_eq!(proxied["source"], "proxy");
    assert_eq!(proxied["proxy_by"], w.veileder_a.account_id);

    // A proxy write to another centre's participant is refused and writes nothing.
    app.request(
        Method::PUT,
        &format!("/v1/centres/{}/participants/{}/diary/food/{}", w.centre_a, w.p.account_id, Uuid::new_v4()),
        Some(&w.veileder_b.token),
        Some(json!({"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00", "food": {"meal": "lunch", "veg_fruit_portions": 2}})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
    let feed = app.get("/v1/me/changes", Some(&w.p.token)).await;
    assert_eq!(feed.body["changes"].as_array().unwrap().len(), 2);

    // The epikrise objection is the participant's to set, and staff see it.
    app.request(
        Method::PUT,
        "/v1/me/epikrise-objection",
        Some(&w.p.token),
        Some(json!({"objects": true})),
    )
    .await
    .assert_status(StatusCode::OK);
    let caseload = app
        .get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.veileder_a.token),
        )
        .await;
    let row = caseload.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == w.p.account_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["epikrise_objection"], true);
    app.request(
        Method::PUT,
        "/v1/me/epikrise-objection",
        Some(&w.p.token),
        Some(json!({"objects": false})),
    )
    .await
    .assert_status(StatusCode::OK);
    let caseload = app
        .get(
            &format!("/v1/centres/{}/participants", w.centre_a),
            Some(&w.veileder_a.token),
        )
        .await;
    let row = caseload.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == w.p.account_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["epikrise_objection"], false);
    app.request(
        Method::PUT,
        "/v1/me/epikrise-objection",
        Some(&w.veileder_a.token),
        Some(json!({"objects": true})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
    let _ = (&w.admin_a, &w.evaluator_a, &w.q, &w.centre_b);
}
