//! Consent and sharing end to end: the authorisation matrix of every staff
//! endpoint, the access log, withdrawal taking effect on the next request,
//! guardians for under-16s, proxy entries and the epikrise flag.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    authorisation_matrix_and_access_log,
    withdrawing_consent_hides_data_on_the_next_request,
    guardians_consent_for_under_16s,
    proxy_entries_reach_the_participant_and_flags_reach_staff,
    journey_and_export_matrix,
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
    let admin_a = app.staff(centre_a, "centre_admin", "Admin A").await;
    let veileder_a = app.staff(centre_a, "veileder", "Veileder A").await;
    let veileder_b = app.staff(centre_b, "veileder", "Veileder B").await;
    let evaluator_a = app.staff(centre_a, "evaluator", "Evaluator A").await;
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

    // Oral consent recorded by the veileder and confirmed by a second staff
    // member, with who and how.
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
    recorded.assert_status(StatusCode::ACCEPTED);
    assert_eq!(recorded.body["status"], "pending");
    let confirmed = app
        .post(
            &format!(
                "/v1/centres/{}/participants/{}/oral-consents/{}/confirm",
                w.centre_a,
                w.p.account_id,
                recorded.body["id"].as_str().unwrap()
            ),
            Some(&w.admin_a.token),
            json!({}),
        )
        .await;
    confirmed.assert_status(StatusCode::CREATED);
    assert_eq!(confirmed.body["method"], "oral");
    assert_eq!(confirmed.body["granted_by"], w.veileder_a.account_id);
    assert_eq!(confirmed.body["confirmed_by"]["name"], "Admin A");
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

// ---- the journey and export matrix ---------------------------------------------

/// Who calls: a session and the display name the access log shows.
type Who<'a> = (&'a Session, &'static str);

/// An access-log or export-audit row: (actor name, action, allowed).
type Row = (String, String, bool);

/// A staff operation on participant P: (label, method, path, body, the
/// access-log action it is logged as).
type Op = (&'static str, Method, String, Option<Value>, &'static str);

/// Written into P's goals and courses, to be looked for in refused bodies.
const MARK: &str = "matrise-7Q";

fn oslo_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

/// Ids the operations name: a referral, a goal and an oral consent of P's
/// at centre A (refused callers never get as far as looking them up).
struct JourneyIds {
    referral: String,
    goal: String,
    oral_consent: String,
}

/// Every journey operation under `/v1/centres/{centre}/participants/{participant}/…`
/// that the first matrix does not cover, with a valid body.
fn journey_operations(centre: Uuid, participant: &str, ids: &JourneyIds) -> Vec<Op> {
    let base = format!("/v1/centres/{centre}/participants/{participant}");
    let today = oslo_today().to_string();
    let JourneyIds {
        referral,
        goal,
        oral_consent,
    } = ids;
    vec![
        (
            "attributes",
            Method::GET,
            format!("{base}/attributes"),
            None,
            "read_journey",
        ),
        (
            "update attributes",
            Method::PATCH,
            format!("{base}/attributes"),
            Some(json!({"height_cm": 180.0})),
            "write_journey",
        ),
        (
            "referrals",
            Method::GET,
            format!("{base}/referrals"),
            None,
            "read_journey",
        ),
        (
            "create referral",
            Method::POST,
            format!("{base}/referrals"),
            Some(json!({"referrer_type": "nav", "reasons": ["sleep"], "referred_on": today})),
            "write_journey",
        ),
        (
            "triage",
            Method::PUT,
            format!("{base}/referrals/{referral}/triage"),
            Some(json!({"outcome": "enrolled", "decided_on": today})),
            "write_journey",
        ),
        (
            "periods",
            Method::GET,
            format!("{base}/periods"),
            None,
            "read_journey",
        ),
        (
            "start period",
            Method::POST,
            format!("{base}/periods"),
            Some(json!({"start_date": today})),
            "write_journey",
        ),
        (
            "period",
            Method::GET,
            format!("{base}/periods/1"),
            None,
            "read_journey",
        ),
        (
            "pause",
            Method::POST,
            format!("{base}/periods/1/pause"),
            Some(json!({"on": today})),
            "write_journey",
        ),
        (
            "resume",
            Method::POST,
            format!("{base}/periods/1/resume"),
            Some(json!({"on": today})),
            "write_journey",
        ),
        (
            "complete",
            Method::POST,
            format!("{base}/periods/1/complete"),
            Some(json!({"ended_on": today, "onward_offers": ["peer_offer"]})),
            "write_journey",
        ),
        (
            "discontinue",
            Method::POST,
            format!("{base}/periods/1/discontinue"),
            Some(json!({"ended_on": today, "discontinue_reason": "other"})),
            "write_journey",
        ),
        (
            "renew",
            Method::POST,
            format!("{base}/periods/1/renew"),
            Some(json!({"start_date": today})),
            "write_journey",
        ),
        (
            "conversations",
            Method::GET,
            format!("{base}/periods/1/conversations"),
            None,
            "read_journey",
        ),
        (
            "create conversation",
            Method::POST,
            format!("{base}/periods/1/conversations"),
            Some(json!({"kind": "interim", "held_on": today, "interpreter_used": false})),
            "write_journey",
        ),
        (
            "goals",
            Method::GET,
            format!("{base}/goals"),
            None,
            "read_journey",
        ),
        (
            "create goal",
            Method::POST,
            format!("{base}/goals"),
            Some(json!({"domain": "diet", "text": "Spise frokost"})),
            "write_journey",
        ),
        (
            "edit goal",
            Method::PUT,
            format!("{base}/goals/{goal}"),
            Some(json!({"domain": "diet", "text": "hijacked"})),
            "write_journey",
        ),
        (
            "goal attainment",
            Method::PUT,
            format!("{base}/goals/{goal}/attainment"),
            Some(json!({"attainment": "not"})),
            "write_journey",
        ),
        (
            "courses",
            Method::GET,
            format!("{base}/courses"),
            None,
            "read_journey",
        ),
        (
            "create course",
            Method::POST,
            format!("{base}/courses"),
            Some(json!({"kind": "other", "started_on": today})),
            "write_journey",
        ),
        (
            "assessments",
            Method::GET,
            format!("{base}/assessments"),
            None,
            "read_assessments",
        ),
        (
            "record assessment",
            Method::POST,
            format!("{base}/assessments"),
            Some(
                json!({"instrument": "six_minute_walk", "timepoint": "baseline",
                "assessed_on": today, "six_minute_walk": {"distance_m": 300.0}}),
            ),
            "record_assessment",
        ),
        (
            "outcomes",
            Method::GET,
            format!("{base}/periods/1/outcomes"),
            None,
            "read_outcomes",
        ),
        (
            "record consent",
            Method::POST,
            format!("{base}/consents"),
            Some(json!({"scope": "summaries", "method": "oral"})),
            "record_consent",
        ),
        (
            "oral consents",
            Method::GET,
            format!("{base}/oral-consents"),
            None,
            "read_consents",
        ),
        (
            "confirm oral consent",
            Method::POST,
            format!("{base}/oral-consents/{oral_consent}/confirm"),
            Some(json!({})),
            "confirm_consent",
        ),
    ]
}

/// [`refused`], and nothing but the problem's own fields: none of P's
/// journey (no list, no record, not P's id, nothing written with [`MARK`]).
#[track_caller]
fn refused_quietly(reply: &Reply, status: StatusCode, p_id: &str, context: &str) {
    assert_eq!(
        reply.status, status,
        "{context}: expected {status}, got {}",
        reply.text
    );
    refused(reply, status);
    let fields = reply.body.as_object().expect("a problem object");
    for key in fields.keys() {
        assert!(
            ["type", "title", "status", "detail", "errors"].contains(&key.as_str()),
            "{context}: {key} in a refused body: {}",
            reply.text
        );
    }
    for leaked in [p_id, MARK, "171.5", "432"] {
        assert!(
            !reply.text.contains(leaked),
            "{context}: {leaked} in a refused body: {}",
            reply.text
        );
    }
}

/// Calls operations as staff and participants, keeping the rows P's access
/// log must show, in order.
struct Journal<'a> {
    app: &'a TestApp,
    p_id: String,
    log: Vec<Row>,
}

impl Journal<'_> {
    async fn send(&self, who: Who<'_>, method: Method, path: &str, body: Option<Value>) -> Reply {
        call(self.app, Some(&who.0.token), method, path, body).await
    }

    /// An operation the caller may do: `status`, and one allowed row.
    async fn ok(
        &mut self,
        who: Who<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
        action: &str,
    ) -> Value {
        let context = format!("{method} {path} as {}", who.1);
        let reply = self.send(who, method, path, body).await;
        assert_eq!(
            reply.status, status,
            "{context}: expected {status}, got {}",
            reply.text
        );
        self.log.push((who.1.to_owned(), action.to_owned(), true));
        reply.body
    }

    /// The caller may work with P here (the row says allowed), but the
    /// operation itself is refused: a rule of the record, not of access.
    async fn authorised_but_refused(
        &mut self,
        who: Who<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
        action: &str,
    ) {
        let context = format!("{method} {path} as {}", who.1);
        let reply = self.send(who, method, path, body).await;
        refused_quietly(&reply, status, &self.p_id, &context);
        self.log.push((who.1.to_owned(), action.to_owned(), true));
    }

    /// A refused access: a problem with nothing of P's, and a denied row.
    async fn no(
        &mut self,
        who: Who<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
        action: &str,
    ) -> Reply {
        let context = format!("{method} {path} as {}", who.1);
        let reply = self.send(who, method, path, body).await;
        refused_quietly(&reply, status, &self.p_id, &context);
        self.log.push((who.1.to_owned(), action.to_owned(), false));
        reply
    }
}

/// Calls export and report endpoints, keeping the `export_audit` rows they
/// must leave, in order.
struct Exports<'a> {
    app: &'a TestApp,
    p_id: String,
    audit: Vec<Row>,
}

impl Exports<'_> {
    /// `who` asks; the reply must be `status`. Refusals carry nothing of P's.
    async fn ask(
        &mut self,
        who: Option<Who<'_>>,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Reply {
        let name = who.map_or("anonymous", |w| w.1);
        let context = format!("{method} {path} as {name}");
        let reply = call(
            self.app,
            who.map(|w| w.0.token.as_str()),
            method,
            path,
            body,
        )
        .await;
        if status.is_success() {
            assert_eq!(
                reply.status, status,
                "{context}: expected {status}, got {}",
                reply.text
            );
        } else {
            refused_quietly(&reply, status, &self.p_id, &context);
        }
        // Every authenticated request for a report, a table or an extract is
        // audited, allowed or refused; a download when it is served; looking
        // at (or downloading) a job that is not yours is audited as refused;
        // the requester looking at their own job is not audited.
        let audited = if path.contains("/reports/kostra") {
            Some("kostra_report")
        } else if path.starts_with("/v1/exports/outcomes") {
            Some("outcome_tables")
        } else if path == "/v1/exports/research" {
            Some("research_extract")
        } else if path.ends_with("/download") && status == StatusCode::OK {
            Some("research_download")
        } else if path.starts_with("/v1/exports/jobs/") && status == StatusCode::NOT_FOUND {
            Some("research_job")
        } else {
            None
        };
        if let (Some(w), Some(action)) = (who, audited) {
            self.audit
                .push((w.1.to_owned(), action.to_owned(), status.is_success()));
        }
        reply
    }

    /// Starts a research extract as `who` and waits for it to finish; the
    /// job's report is audited too.
    async fn extract(&mut self, who: Who<'_>, body: Value) -> Value {
        let started = self
            .ask(
                Some(who),
                Method::POST,
                "/v1/exports/research",
                Some(body),
                StatusCode::ACCEPTED,
            )
            .await;
        let id = started.body["id"].as_str().unwrap().to_owned();
        for _ in 0..200 {
            let job = self
                .ask(
                    Some(who),
                    Method::GET,
                    &format!("/v1/exports/jobs/{id}"),
                    None,
                    StatusCode::OK,
                )
                .await;
            if job.body["status"] == "done" || job.body["status"] == "failed" {
                assert_eq!(job.body["status"], "done", "{}", job.text);
                self.audit
                    .push((who.1.to_owned(), "research_extract_report".to_owned(), true));
                return job.body;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        panic!("research job {id} did not finish");
    }
}

/// P's whole access log, oldest first, page by page.
async fn whole_access_log(app: &TestApp, who: &Session) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/me/access-log?limit=500&cursor={c}"),
            None => "/v1/me/access-log?limit=500".to_owned(),
        };
        let reply = app.get(&path, Some(&who.token)).await;
        reply.assert_status(StatusCode::OK);
        rows.extend(reply.body["entries"].as_array().unwrap().iter().map(|e| {
            (
                e["actor_name"].as_str().unwrap_or("?").to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["allowed"].as_bool().unwrap(),
            )
        }));
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    rows.reverse();
    rows
}

/// Row by row, so a failure names the first row that differs.
#[track_caller]
fn assert_rows(what: &str, actual: &[Row], expected: &[Row]) {
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a, e, "{what}: row {i} differs");
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "{what}: {} rows, {} expected; the extra ones: {:?}",
        actual.len(),
        expected.len(),
        if actual.len() > expected.len() {
            &actual[expected.len()..]
        } else {
            &expected[actual.len()..]
        }
    );
}

fn count_of(reply: &Value, list: &str) -> usize {
    reply[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {reply}"))
        .len()
}

/// Every journey operation and every export endpoint, called as every role:
/// the own centre's veileder and admin work with P's journey, its
/// evaluators export and never see the journey, another centre learns
/// nothing (404 like a participant that does not exist) unless P once
/// shared with it (then 403), other participants get 403 and anonymous
/// callers 401. P's access log shows exactly the journey accesses and none
/// of the exports, which are audited on their own.
async fn journey_and_export_matrix(app: TestApp) {
    let w = world(&app).await;
    let admin_b = app.staff(w.centre_b, "centre_admin", "Admin B").await;
    let evaluator_b = app.staff(w.centre_b, "evaluator", "Evaluator B").await;
    let evaluator_a2 = app.staff(w.centre_a, "evaluator", "Evaluator A2").await;
    let p_id = w.p.account_id.clone();
    let va: Who = (&w.veileder_a, "Veileder A");
    let aa: Who = (&w.admin_a, "Admin A");
    let ea: Who = (&w.evaluator_a, "Evaluator A");
    let ea2: Who = (&evaluator_a2, "Evaluator A2");
    let vb: Who = (&w.veileder_b, "Veileder B");
    let ab: Who = (&admin_b, "Admin B");
    let eb: Who = (&evaluator_b, "Evaluator B");
    let q: Who = (&w.q, "Quinn");
    let a = format!("/v1/centres/{}/participants/{p_id}", w.centre_a);
    let b = format!("/v1/centres/{}/participants/{p_id}", w.centre_b);
    // The story's first period starts 70 days ago; `on(k)` is its day k.
    let start = oslo_today() - Duration::days(70);
    let on = |k: i64| (start + Duration::days(k)).to_string();
    let mut j = Journal {
        app: &app,
        p_id: p_id.clone(),
        log: Vec::new(),
    };
    use Method as M;
    use StatusCode as S;

    // P's own questionnaire before any period belongs to no centre.
    let before = app
        .post(
            "/v1/me/assessments",
            Some(&w.p.token),
            json!({"instrument": "self_rated_health", "timepoint": "baseline",
                   "assessed_on": on(-1), "self_rated_health": {"answer": 3}}),
        )
        .await;
    before.assert_status(S::CREATED);
    assert!(before.body.get("period").is_none(), "{}", before.text);

    // 1. The own centre's veileder and admin do every journey operation.
    // Attributes: given fields replace, absent ones are kept.
    let attrs = j
        .ok(
            va,
            M::PATCH,
            &format!("{a}/attributes"),
            Some(json!({"sex": "female", "birth_month": "1975-03", "height_cm": 171.5})),
            S::OK,
            "write_journey",
        )
        .await;
    assert_eq!(attrs["height_cm"], 171.5);
    let attrs = j
        .ok(
            aa,
            M::PATCH,
            &format!("{a}/attributes"),
            Some(json!({"interpreter_needed": true})),
            S::OK,
            "write_journey",
        )
        .await;
    assert_eq!(
        (&attrs["sex"], &attrs["interpreter_needed"]),
        (&json!("female"), &json!(true))
    );
    for who in [va, aa] {
        let attrs = j
            .ok(
                who,
                M::GET,
                &format!("{a}/attributes"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(attrs["birth_month"], "1975-03");
        assert_eq!(attrs["participant_id"], p_id.as_str());
    }

    // Referrals and their triage.
    let referral = j
        .ok(
            va,
            M::POST,
            &format!("{a}/referrals"),
            Some(
                json!({"referrer_type": "gp", "reasons": ["physical_inactivity"],
                        "referred_on": on(-14)}),
            ),
            S::CREATED,
            "write_journey",
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let self_contact = j
        .ok(
            aa,
            M::POST,
            &format!("{a}/referrals"),
            Some(json!({"referrer_type": "self", "reasons": ["sleep"], "referred_on": on(-7)})),
            S::CREATED,
            "write_journey",
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let triaged = j
        .ok(
            va,
            M::PUT,
            &format!("{a}/referrals/{referral}/triage"),
            Some(json!({"outcome": "enrolled", "decided_on": on(0)})),
            S::OK,
            "write_journey",
        )
        .await;
    assert_eq!(triaged["triage_outcome"], "enrolled");
    let triaged = j
        .ok(
            aa,
            M::PUT,
            &format!("{a}/referrals/{self_contact}/triage"),
            Some(json!({"outcome": "redirected", "decided_on": on(-6),
                        "redirected_to": "Fysioterapeut"})),
            S::OK,
            "write_journey",
        )
        .await;
    assert_eq!(triaged["triage_outcome"], "redirected");
    for who in [va, aa] {
        let list = j
            .ok(
                who,
                M::GET,
                &format!("{a}/referrals"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(count_of(&list, "referrals"), 2);
    }

    // Period 1 from the enrolled referral.
    let period = j
        .ok(
            va,
            M::POST,
            &format!("{a}/periods"),
            Some(json!({"start_date": on(0), "referral_id": referral})),
            S::CREATED,
            "write_journey",
        )
        .await;
    assert_eq!(
        (&period["period"], &period["status"]),
        (&json!(1), &json!("active"))
    );
    let list = j
        .ok(
            aa,
            M::GET,
            &format!("{a}/periods"),
            None,
            S::OK,
            "read_journey",
        )
        .await;
    assert_eq!(count_of(&list, "periods"), 1);
    for who in [va, aa] {
        let one = j
            .ok(
                who,
                M::GET,
                &format!("{a}/periods/1"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(one["referral_id"], referral.as_str());
    }

    // Without consent, assessments and outcomes are refused even to them.
    j.no(
        va,
        M::GET,
        &format!("{a}/assessments"),
        None,
        S::FORBIDDEN,
        "read_assessments",
    )
    .await;
    j.no(
        aa,
        M::GET,
        &format!("{a}/periods/1/outcomes"),
        None,
        S::FORBIDDEN,
        "read_outcomes",
    )
    .await;

    // Consent: summaries in the app; assessments and entries orally, each
    // recorded by one of them and confirmed by the other. The recorder
    // cannot confirm their own record: they may work with P (the row says
    // allowed) but the two-person rule refuses it.
    consent(&app, &w.p, w.centre_a, "summaries").await;
    let oral_va = j
        .ok(
            va,
            M::POST,
            &format!("{a}/consents"),
            Some(json!({"scope": "assessments", "method": "oral"})),
            S::ACCEPTED,
            "record_consent",
        )
        .await;
    assert_eq!(oral_va["status"], "pending");
    let oral_va = oral_va["id"].as_str().unwrap().to_owned();
    let oral_aa = j
        .ok(
            aa,
            M::POST,
            &format!("{a}/consents"),
            Some(json!({"scope": "entries", "method": "oral"})),
            S::ACCEPTED,
            "record_consent",
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = j
        .ok(
            va,
            M::GET,
            &format!("{a}/oral-consents"),
            None,
            S::OK,
            "read_consents",
        )
        .await;
    let statuses: Vec<&Value> = pending["oral_consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["status"])
        .collect();
    assert_eq!(statuses, vec!["pending", "pending"]);
    for (recorder, confirmer, id, scope) in [
        (va, aa, &oral_va, "assessments"),
        (aa, va, &oral_aa, "entries"),
    ] {
        let path = format!("{a}/oral-consents/{id}/confirm");
        j.authorised_but_refused(
            recorder,
            M::POST,
            &path,
            Some(json!({})),
            S::FORBIDDEN,
            "confirm_consent",
        )
        .await;
        let confirmed = j
            .ok(
                confirmer,
                M::POST,
                &path,
                Some(json!({})),
                S::CREATED,
                "confirm_consent",
            )
            .await;
        assert_eq!(
            (&confirmed["scope"], &confirmed["method"]),
            (&json!(scope), &json!("oral"))
        );
        assert_eq!(confirmed["granted_by"], recorder.0.account_id.as_str());
        assert_eq!(confirmed["confirmed_by"]["name"], confirmer.1);
    }
    let decided = j
        .ok(
            aa,
            M::GET,
            &format!("{a}/oral-consents"),
            None,
            S::OK,
            "read_consents",
        )
        .await;
    assert!(
        decided["oral_consents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "confirmed"),
        "{decided}"
    );

    // Pause and resume, each by both: five days paused in all.
    for (who, action, day, status) in [
        (va, "pause", 5, "paused"),
        (aa, "resume", 8, "active"),
        (aa, "pause", 10, "paused"),
        (va, "resume", 12, "active"),
    ] {
        let p = j
            .ok(
                who,
                M::POST,
                &format!("{a}/periods/1/{action}"),
                Some(json!({"on": on(day)})),
                S::OK,
                "write_journey",
            )
            .await;
        assert_eq!(p["status"], status);
    }
    let p = j
        .ok(
            va,
            M::GET,
            &format!("{a}/periods/1"),
            None,
            S::OK,
            "read_journey",
        )
        .await;
    assert_eq!(p["paused_days"], 5);
    assert_eq!(p["planned_end"], on(84 + 5));

    // Conversations.
    for (who, kind, day) in [(va, "start", 0), (aa, "interim", 14)] {
        let c = j
            .ok(
                who,
                M::POST,
                &format!("{a}/periods/1/conversations"),
                Some(json!({"kind": kind, "held_on": on(day), "interpreter_used": true})),
                S::CREATED,
                "write_journey",
            )
            .await;
        assert_eq!(c["kind"], kind);
    }
    for who in [va, aa] {
        let list = j
            .ok(
                who,
                M::GET,
                &format!("{a}/periods/1/conversations"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(count_of(&list, "conversations"), 2);
    }

    // Goals: each writes one, edits the other's and records its attainment.
    let mut goals = Vec::new();
    for (who, domain) in [(va, "activity"), (aa, "sleep")] {
        let g = j
            .ok(
                who,
                M::POST,
                &format!("{a}/goals"),
                Some(json!({"domain": domain, "text": format!("Første mål ({MARK})")})),
                S::CREATED,
                "write_journey",
            )
            .await;
        assert_eq!(g["period"], 1);
        assert_eq!(g["written_by_participant"], false);
        goals.push(g["id"].as_str().unwrap().to_owned());
    }
    for ((who, domain, attainment), goal) in [(aa, "activity", "fully"), (va, "sleep", "partly")]
        .into_iter()
        .zip(&goals)
    {
        let edited = j
            .ok(
                who,
                M::PUT,
                &format!("{a}/goals/{goal}"),
                Some(
                    json!({"domain": domain, "text": format!("Bedre mål ({MARK})"),
                            "target": "5 av 7 dager"}),
                ),
                S::OK,
                "write_journey",
            )
            .await;
        assert_eq!(edited["target"], "5 av 7 dager");
        let attained = j
            .ok(
                who,
                M::PUT,
                &format!("{a}/goals/{goal}/attainment"),
                Some(json!({"attainment": attainment})),
                S::OK,
                "write_journey",
            )
            .await;
        assert_eq!(attained["attainment"], attainment);
    }
    for who in [va, aa] {
        let list = j
            .ok(
                who,
                M::GET,
                &format!("{a}/goals"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(count_of(&list, "goals"), 2);
    }

    // Courses.
    for (who, kind, day) in [(va, "physical_activity_group", 3), (aa, "bra_mat", 4)] {
        let c = j
            .ok(
                who,
                M::POST,
                &format!("{a}/courses"),
                Some(json!({"kind": kind, "started_on": on(day),
                            "name": format!("Gruppe ({MARK})")})),
                S::CREATED,
                "write_journey",
            )
            .await;
        assert_eq!(c["kind"], kind);
    }
    for who in [va, aa] {
        let list = j
            .ok(
                who,
                M::GET,
                &format!("{a}/courses"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(count_of(&list, "courses"), 2);
    }

    // Assessments: a questionnaire in period 1 and a test by each.
    app.post(
        "/v1/me/assessments",
        Some(&w.p.token),
        json!({"instrument": "self_rated_health", "timepoint": "adhoc",
               "assessed_on": on(15), "self_rated_health": {"answer": 2}}),
    )
    .await
    .assert_status(S::CREATED);
    for (who, body) in [
        (
            va,
            json!({"instrument": "six_minute_walk", "timepoint": "baseline", "assessed_on": on(0),
                   "six_minute_walk": {"distance_m": 432.0}}),
        ),
        (
            aa,
            json!({"instrument": "body", "timepoint": "baseline", "assessed_on": on(0),
                   "body": {"weight_kg": 80.0, "height_cm": 171.5}}),
        ),
    ] {
        let recorded = j
            .ok(
                who,
                M::POST,
                &format!("{a}/assessments"),
                Some(body),
                S::CREATED,
                "record_assessment",
            )
            .await;
        assert_eq!(
            (&recorded["period"], &recorded["source"]),
            (&json!(1), &json!("staff"))
        );
    }
    for who in [va, aa] {
        let list = j
            .ok(
                who,
                M::GET,
                &format!("{a}/assessments"),
                None,
                S::OK,
                "read_assessments",
            )
            .await;
        assert_eq!(count_of(&list, "assessments"), 4, "{list}");
    }

    // Outcomes: one access-log row per consent relied on.
    for who in [va, aa] {
        let o = j
            .ok(
                who,
                M::GET,
                &format!("{a}/periods/1/outcomes"),
                None,
                S::OK,
                "read_outcomes",
            )
            .await;
        assert_eq!(o["shared"], json!({"summaries": true, "assessments": true}));
        j.log
            .push((who.1.to_owned(), "read_outcomes".to_owned(), true));
    }

    // Ending periods: complete, renew, discontinue, each by both.
    let ends = [
        (
            va,
            "1/complete",
            json!({"ended_on": on(20), "onward_offers": ["sports_club"]}),
            S::OK,
        ),
        (aa, "1/renew", json!({"start_date": on(21)}), S::CREATED),
        (
            va,
            "2/discontinue",
            json!({"ended_on": on(25), "discontinue_reason": "moved"}),
            S::OK,
        ),
        (va, "2/renew", json!({"start_date": on(26)}), S::CREATED),
        (
            aa,
            "3/discontinue",
            json!({"ended_on": on(28), "discontinue_reason": "lost_contact"}),
            S::OK,
        ),
    ];
    for (who, step, body, status) in ends {
        j.ok(
            who,
            M::POST,
            &format!("{a}/periods/{step}"),
            Some(body),
            status,
            "write_journey",
        )
        .await;
    }
    j.ok(
        aa,
        M::POST,
        &format!("{a}/periods"),
        Some(json!({"start_date": on(30)})),
        S::CREATED,
        "write_journey",
    )
    .await;
    j.ok(
        aa,
        M::POST,
        &format!("{a}/periods/4/complete"),
        Some(json!({"ended_on": on(40)})),
        S::OK,
        "write_journey",
    )
    .await;
    let list = j
        .ok(
            va,
            M::GET,
            &format!("{a}/periods"),
            None,
            S::OK,
            "read_journey",
        )
        .await;
    let summary: Vec<(Value, Value, Value)> = list["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["period"].clone(),
                p["status"].clone(),
                p["referral_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!(1), json!("completed"), json!(referral)),
            (json!(2), json!("discontinued"), json!(referral)),
            (json!(3), json!("discontinued"), json!(referral)),
            (json!(4), json!("completed"), Value::Null),
        ]
    );

    let ids = JourneyIds {
        referral: referral.clone(),
        goal: goals[0].clone(),
        oral_consent: oral_va.clone(),
    };

    // 2. Through centre A's paths: the evaluator, staff of centre B and
    // another participant are refused, and each refusal is logged.
    for who in [ea, vb, ab, eb, q] {
        for (_, method, path, body, action) in journey_operations(w.centre_a, &p_id, &ids) {
            j.no(who, method, &path, body, S::FORBIDDEN, action).await;
        }
    }

    // 3. Through centre B's own paths, P (who never shared with B) is not
    // found, exactly like a participant that does not exist (not logged:
    // there is no one to log it for).
    let ghost = Uuid::new_v4().to_string();
    for who in [vb, ab] {
        for ((label, method, path, body, action), (_, _, ghost_path, ghost_body, _)) in
            journey_operations(w.centre_b, &p_id, &ids)
                .into_iter()
                .zip(journey_operations(w.centre_b, &ghost, &ids))
        {
            let reply = j
                .no(who, method.clone(), &path, body, S::NOT_FOUND, action)
                .await;
            let nobody = j.send(who, method, &ghost_path, ghost_body).await;
            refused_quietly(&nobody, S::NOT_FOUND, &p_id, label);
            assert_eq!(reply.body, nobody.body, "{label}: the two 404s differ");
        }
    }

    // 4. Anonymous: 401 everywhere, nothing logged.
    for (label, method, path, body, _) in journey_operations(w.centre_a, &p_id, &ids) {
        let reply = call(&app, None, method, &path, body).await;
        refused_quietly(&reply, S::UNAUTHORIZED, &p_id, label);
    }

    // 5. P shares with centre B for a while: B's staff may work with P, but
    // see only B's own records (none) and the questionnaire that belongs
    // to no centre; A's period is not found through B.
    consent(&app, &w.p, w.centre_b, "summaries").await;
    consent(&app, &w.p, w.centre_b, "assessments").await;
    for (what, list) in [
        ("periods", "periods"),
        ("goals", "goals"),
        ("referrals", "referrals"),
        ("courses", "courses"),
    ] {
        let seen = j
            .ok(
                vb,
                M::GET,
                &format!("{b}/{what}"),
                None,
                S::OK,
                "read_journey",
            )
            .await;
        assert_eq!(seen[list], json!([]), "{what} of centre A leaked to B");
    }
    j.authorised_but_refused(
        vb,
        M::GET,
        &format!("{b}/periods/1/conversations"),
        None,
        S::NOT_FOUND,
        "read_journey",
    )
    .await;
    let seen = j
        .ok(
            vb,
            M::GET,
            &format!("{b}/assessments"),
            None,
            S::OK,
            "read_assessments",
        )
        .await;
    let seen: Vec<(Value, Value)> = seen["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].clone(), x["source"].clone()))
        .collect();
    assert_eq!(
        seen,
        vec![(before.body["id"].clone(), json!("participant"))],
        "B sees only the questionnaire of no centre"
    );

    // …then withdraws every consent to B: B's staff are refused with 403
    // (P is known there now), on every operation, and it is logged.
    let history = app.get("/v1/me/consents", Some(&w.p.token)).await;
    for c in history.body["consents"].as_array().unwrap() {
        if c["centre_id"] == w.centre_b.to_string() && c["active"] == true {
            app.delete(
                &format!("/v1/me/consents/{}", c["id"].as_str().unwrap()),
                Some(&w.p.token),
            )
            .await
            .assert_status(S::OK);
        }
    }
    for who in [vb, ab] {
        for (_, method, path, body, action) in journey_operations(w.centre_b, &p_id, &ids) {
            j.no(who, method, &path, body, S::FORBIDDEN, action).await;
        }
    }

    // The access log shows exactly these accesses, in order.
    let journal = j.log.clone();
    assert_rows(
        "P's access log",
        &whole_access_log(&app, &w.p).await,
        &journal,
    );

    // 6. Exports and reports.
    let mut x = Exports {
        app: &app,
        p_id: p_id.clone(),
        audit: Vec::new(),
    };
    // KOSTRA of the year period 4 ran in: the admin gets the exact counts,
    // the evaluators the protected ones (P alone is too few to show).
    let kostra_year = (start + Duration::days(40)).year();
    let kostra = |centre: Uuid| format!("/v1/centres/{centre}/reports/kostra?year={kostra_year}");
    let exact = x
        .ask(Some(aa), M::GET, &kostra(w.centre_a), None, S::OK)
        .await;
    assert_eq!(
        (&exact.body["exact"], &exact.body["persons_total"]),
        (&json!(true), &json!(1))
    );
    for who in [ea, ea2] {
        let protected = x
            .ask(Some(who), M::GET, &kostra(w.centre_a), None, S::OK)
            .await;
        assert_eq!(protected.body["exact"], false);
        assert!(
            protected.body.get("persons_total").is_none(),
            "{}",
            protected.text
        );
        assert!(
            protected.body["suppressed"]
                .as_array()
                .unwrap()
                .contains(&json!("persons_total"))
        );
    }
    for who in [va, vb, ab, eb, q] {
        x.ask(Some(who), M::GET, &kostra(w.centre_a), None, S::FORBIDDEN)
            .await;
    }
    x.ask(None, M::GET, &kostra(w.centre_a), None, S::UNAUTHORIZED)
        .await;
    for who in [ab, eb] {
        let own = x
            .ask(Some(who), M::GET, &kostra(w.centre_b), None, S::OK)
            .await;
        assert_eq!(own.body["centre_id"], w.centre_b.to_string());
    }
    x.ask(Some(ea), M::GET, &kostra(w.centre_b), None, S::FORBIDDEN)
        .await;

    // Outcome tables of last year: each requester asks for one scope (the
    // same table again, as CSV, is the same release).
    let year = oslo_today().year() - 1;
    let tables = format!("/v1/exports/outcomes?year={year}");
    for who in [ea, aa] {
        let t = x.ask(Some(who), M::GET, &tables, None, S::OK).await;
        assert_eq!(t.body["centres"], json!([w.centre_a]));
    }
    x.ask(
        Some(ea),
        M::GET,
        &format!("{tables}&format=csv"),
        None,
        S::OK,
    )
    .await;
    for who in [va, vb, q] {
        x.ask(Some(who), M::GET, &tables, None, S::FORBIDDEN).await;
    }
    for who in [eb, ab] {
        x.ask(
            Some(who),
            M::GET,
            &format!("{tables}&centre_id={}", w.centre_a),
            None,
            S::FORBIDDEN,
        )
        .await;
    }
    x.ask(
        Some(ea),
        M::GET,
        &format!("{tables}&centre_id={}", w.centre_b),
        None,
        S::FORBIDDEN,
    )
    .await;
    let own = x.ask(Some(eb), M::GET, &tables, None, S::OK).await;
    assert_eq!(own.body["centres"], json!([w.centre_b]));
    x.ask(None, M::GET, &tables, None, S::UNAUTHORIZED).await;

    // Research extracts of last year: P has no research consent, so none
    // of P's rows are in them.
    let mut jobs = Vec::new();
    for (who, format) in [(ea, "csv"), (aa, "json")] {
        let job = x
            .extract(who, json!({"year": year, "format": format}))
            .await;
        assert_eq!(job["centre_id"], w.centre_a.to_string());
        assert_eq!(job["rows_written"], 0, "{job}");
        jobs.push(job["id"].as_str().unwrap().to_owned());
    }
    let research = "/v1/exports/research";
    let extract = json!({"year": year, "format": "csv"});
    for who in [va, vb, q] {
        x.ask(
            Some(who),
            M::POST,
            research,
            Some(extract.clone()),
            S::FORBIDDEN,
        )
        .await;
    }
    for who in [eb, ab] {
        x.ask(
            Some(who),
            M::POST,
            research,
            Some(json!({"centre_id": w.centre_a, "year": year, "format": "csv"})),
            S::FORBIDDEN,
        )
        .await;
    }
    x.ask(
        Some(ea),
        M::POST,
        research,
        Some(json!({"centre_id": w.centre_b, "year": year, "format": "csv"})),
        S::FORBIDDEN,
    )
    .await;
    x.ask(
        None,
        M::POST,
        research,
        Some(extract.clone()),
        S::UNAUTHORIZED,
    )
    .await;

    // A job and its file are the requester's alone: anyone else gets the
    // 404 of a job that does not exist.
    let missing = x
        .ask(
            Some(ea),
            M::GET,
            &format!("/v1/exports/jobs/{}", Uuid::now_v7()),
            None,
            S::NOT_FOUND,
        )
        .await;
    for (owner, id) in [(ea, &jobs[0]), (aa, &jobs[1])] {
        let job = format!("/v1/exports/jobs/{id}");
        let file = format!("{job}/download");
        x.ask(Some(owner), M::GET, &job, None, S::OK).await;
        let served = x.ask(Some(owner), M::GET, &file, None, S::OK).await;
        assert!(!served.text.contains(&p_id), "P's id in an extract");
        for who in [ea, ea2, aa, va, vb, ab, eb, q] {
            if who.1 == owner.1 {
                continue;
            }
            for path in [&job, &file] {
                let reply = x.ask(Some(who), M::GET, path, None, S::NOT_FOUND).await;
                assert_eq!(reply.body, missing.body, "{path} as {}", who.1);
            }
        }
        for path in [&job, &file] {
            x.ask(None, M::GET, path, None, S::UNAUTHORIZED).await;
        }
    }

    // Export requests are not reads of P: P's access log is unchanged…
    assert_rows(
        "P's access log after the exports",
        &whole_access_log(&app, &w.p).await,
        &journal,
    );
    // …and each one, allowed or refused, is in the export audit instead.
    use friskliv_store::db::entities::export_audit;
    use sea_orm::EntityTrait;
    let names: HashMap<Uuid, &str> = [va, aa, ea, ea2, vb, ab, eb, q]
        .iter()
        .map(|(s, name)| (s.account_id.parse().unwrap(), *name))
        .collect();
    let mut audit = export_audit::Entity::find()
        .all(&app.db().await)
        .await
        .unwrap();
    audit.sort_by_key(|r| r.id);
    let audit: Vec<Row> = audit
        .iter()
        .map(|r| {
            (
                r.actor_account_id
                    .and_then(|id| names.get(&id))
                    .map_or("?", |n| *n)
                    .to_owned(),
                r.action.clone(),
                r.allowed,
            )
        })
        .collect();
    assert_rows("the export audit", &audit, &x.audit);
    let _ = &w.p_device;
}
