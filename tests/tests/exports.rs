//! Anonymous outcome tables and the research extract end to end: small
//! counts never leave, a suppressed cell cannot be recomputed from a
//! published total, evaluators see only their own centre, participants
//! without `research` consent never appear in an extract, and every export
//! is audited.

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, Utc};
use friskliv_api::seed::{SeedOptions, seed_demo};
use friskliv_tests::{PasskeyDevice, Session, TestApp, stories};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    outcome_tables_never_show_small_counts,
    research_extract_holds_only_consenting_participants,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

async fn staff(app: &TestApp, centre: Uuid, role: &str, name: &str) -> Session {
    let code = app.invite_staff(centre, role).await;
    app.register_ok(&mut PasskeyDevice::new(name), &code, name)
        .await
}

fn counts(row: &Value) -> Vec<(String, Option<u64>, String)> {
    row["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["measure"].as_str().unwrap().to_owned(),
                c["count"].as_u64(),
                c["suppressed"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn outcome_tables_never_show_small_counts(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let other = app.create_centre("Annen sentral", "4601").await;
    let db = app.db().await;
    seed_demo(
        &db,
        &SeedOptions {
            participants: 80,
            weeks: 30,
            seed: 5,
            centre: Some(centre),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let evaluator = staff(&app, centre, "evaluator", "Evaluator").await;
    let outsider = staff(&app, other, "evaluator", "Outsider").await;
    let (from, to) = (today() - Duration::days(400), today());
    let path = format!("/v1/exports/outcomes?from={from}&to={to}&group_by=sex,age_band");
    let reply = app.get(&path, Some(&evaluator.token)).await;
    reply.assert_status(StatusCode::OK);
    let t = &reply.body;
    assert_eq!(t["periods_read"], 80);
    let total = counts(&t["total"]);
    assert_eq!(total[0], ("participants".into(), Some(80), "none".into()));
    assert_eq!(total[1], ("periods".into(), Some(80), "none".into()));
    let rows = t["rows"].as_array().unwrap();
    assert!(rows.len() > 3, "several sex × age groups: {}", rows.len());
    let mut suppressed_any = false;
    for (m, published) in total.iter().enumerate() {
        let column: Vec<(String, Option<u64>, String)> =
            rows.iter().map(|r| counts(r)[m].clone()).collect();
        for (measure, count, suppressed) in &column {
            if let Some(n) = count {
                assert!(*n == 0 || *n >= 5, "{measure} shows {n}");
            } else {
                assert_ne!(suppressed, "none");
                suppressed_any = true;
            }
        }
        // The total is published, so a column never hides exactly one cell.
        if published.1.is_some() && m > 0 {
            let hidden = column.iter().filter(|c| c.1.is_none()).count();
            assert_ne!(hidden, 1, "{} could be recomputed", published.0);
        }
    }
    assert!(
        suppressed_any,
        "80 people in ~10 groups must hide something"
    );
    for r in rows {
        for s in r["statistics"].as_array().unwrap() {
            if s["suppressed"] == true {
                assert!(s.get("value").is_none_or(Value::is_null));
            }
        }
    }
    // CSV shows suppressed cells as ':'.
    let csv = app
        .get(&format!("{path}&format=csv"), Some(&evaluator.token))
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(
        csv.text.starts_with("sex,age_band,participants,periods,"),
        "{}",
        csv.text
    );
    assert!(csv.text.contains(",:"), "{}", csv.text);
    assert!(
        csv.text
            .lines()
            .last()
            .unwrap()
            .starts_with("total,total,80,80,")
    );
    // Another centre's evaluator cannot export this centre; veiledere neither.
    app.get(&format!("{path}&centre_id={centre}"), Some(&outsider.token))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let veileder = staff(&app, centre, "veileder", "Veileder").await;
    app.get(&path, Some(&veileder.token))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(
        &format!("/v1/exports/outcomes?from={from}&to={to}&group_by=shoe_size"),
        Some(&evaluator.token),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("group_by", "one_of")),
    );
}

/// Nine participants of one class (women born in the same month): six
/// share with research and walked 777 m, three do not and walked 555 m.
async fn research_extract_holds_only_consenting_participants(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = staff(&app, centre, "veileder", "Veileder").await;
    let evaluator = staff(&app, centre, "evaluator", "Evaluator").await;
    let start = today() - Duration::days(30);
    for k in 0..9 {
        let invite = app
            .post(
                &format!("/v1/centres/{centre}/invites"),
                Some(&veileder.token),
                json!({"role": "participant"}),
            )
            .await;
        let p = app
            .register_ok(
                &mut PasskeyDevice::new("p"),
                invite.body["code"].as_str().unwrap(),
                &format!("Deltaker {k}"),
            )
            .await;
        let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
        app.request(
            reqwest::Method::PATCH,
            &format!("{base}/attributes"),
            Some(&veileder.token),
            Some(json!({"sex": "female", "birth_month": "1980-06", "height_cm": 168.0})),
        )
        .await
        .assert_status(StatusCode::OK);
        app.post(
            &format!("{base}/periods"),
            Some(&veileder.token),
            json!({"start_date": start.to_string()}),
        )
        .await
        .assert_status(StatusCode::CREATED);
        let consents = k < 6;
        let distance = if consents { 777.0 } else { 555.0 };
        app.post(
            &format!("{base}/assessments"),
            Some(&veileder.token),
            json!({"instrument": "six_minute_walk", "timepoint": "baseline",
                   "assessed_on": start.to_string(), "six_minute_walk": {"distance_m": distance}}),
        )
        .await
        .assert_status(StatusCode::CREATED);
        if consents {
            app.post(
                "/v1/me/consents",
                Some(&p.token),
                json!({"scope": "research", "centre_id": centre}),
            )
            .await
            .assert_status(StatusCode::CREATED);
        } else {
            // Sharing everything else is not consent to research.
            for scope in ["summaries", "assessments"] {
                app.post(
                    "/v1/me/consents",
                    Some(&p.token),
                    json!({"scope": scope, "centre_id": centre}),
                )
                .await
                .assert_status(StatusCode::CREATED);
            }
        }
    }
    for format in ["json", "csv", "fhir"] {
        let started = app
            .post(
                "/v1/exports/research",
                Some(&evaluator.token),
                json!({"from": (start - Duration::days(1)).to_string(), "to": today().to_string(), "format": format}),
            )
            .await;
        started.assert_status(StatusCode::ACCEPTED);
        let id = started.body["id"].as_str().unwrap().to_owned();
        let mut job = started.body.clone();
        for _ in 0..200 {
            job = app
                .get(&format!("/v1/exports/jobs/{id}"), Some(&evaluator.token))
                .await
                .body;
            if job["status"] == "done" || job["status"] == "failed" {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["rows_written"], 6, "{job}");
        assert_eq!(job["report"]["dropped"], 0);
        let file = app
            .get(
                &format!("/v1/exports/jobs/{id}/download"),
                Some(&evaluator.token),
            )
            .await;
        file.assert_status(StatusCode::OK);
        assert!(
            !file.text.contains(&start.to_string()),
            "calendar dates leaked"
        );
        // The baseline walks in the file: only the consenting 777s.
        let walks: Vec<String> = match format {
            "json" => {
                let doc: Value = serde_json::from_str(&file.text).unwrap();
                let rows = doc["rows"].as_array().unwrap();
                let pseudonyms: BTreeSet<&str> = rows
                    .iter()
                    .map(|r| r["pseudonym"].as_str().unwrap())
                    .collect();
                assert_eq!(pseudonyms.len(), 6);
                assert!(rows.iter().all(|r| r["age_band"] == "45-66"));
                rows.iter()
                    .flat_map(|r| r["indicators"].as_array().unwrap().iter())
                    .filter(|i| i["name"] == "six_minute_walk_change_m")
                    .flat_map(|i| i["inputs"].as_array().unwrap().iter())
                    .filter(|x| x["name"] == "baseline_m")
                    .map(|x| {
                        assert_eq!(x["day"], 0, "days from the period start");
                        x["value"].to_string()
                    })
                    .collect()
            }
            "csv" => {
                let mut lines = file.text.lines();
                let header: Vec<&str> = lines.next().unwrap().split(',').collect();
                let col = header
                    .iter()
                    .position(|h| *h == "baseline_six_minute_walk_m")
                    .unwrap();
                lines
                    .map(|l| l.split(',').nth(col).unwrap().to_owned())
                    .collect()
            }
            _ => {
                let bundle: Value = serde_json::from_str(&file.text).unwrap();
                bundle["entry"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| &e["resource"])
                    .filter(|r| r["code"]["coding"][0]["code"] == "64098-7")
                    .map(|r| r["valueQuantity"]["value"].to_string())
                    .collect()
            }
        };
        assert_eq!(walks.len(), 6, "{format}: {walks:?}");
        assert!(
            walks.iter().all(|w| w.parse::<f64>().unwrap() == 777.0),
            "{format}: a non-consenting participant's walk leaked: {walks:?}"
        );
        match format {
            "json" => {}
            "fhir" => {
                let bundle: Value = serde_json::from_str(&file.text).unwrap();
                assert_eq!(bundle["resourceType"], "Bundle");
                let kinds: BTreeSet<&str> = bundle["entry"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["resource"]["resourceType"].as_str().unwrap())
                    .collect();
                assert!(
                    kinds.contains("Observation") && kinds.contains("Consent"),
                    "{kinds:?}"
                );
            }
            _ => assert_eq!(file.text.lines().count(), 7, "a header and six rows"),
        }
    }
    // A second extract pseudonymises anew: the two cannot be linked.
    // (Each job draws its own key; see the JSON runs above.)
    let outsider_centre = app.create_centre("Annen", "4601").await;
    let outsider = staff(&app, outsider_centre, "evaluator", "Outsider").await;
    app.post(
        "/v1/exports/research",
        Some(&outsider.token),
        json!({"centre_id": centre, "from": start.to_string(), "to": today().to_string(), "format": "csv"}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}
