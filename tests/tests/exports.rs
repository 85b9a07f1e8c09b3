//! Anonymous outcome tables and the research extract end to end: small
//! counts never leave, a suppressed cell cannot be recomputed from a
//! published total, the tables count the outcomes participants see,
//! evaluators see their own centre and the municipalities and counties
//! they are granted and nothing else, participants without `research`
//! consent never appear in an extract, the FHIR extract is valid FHIR R4,
//! extract files expire, and every export is audited.

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, Utc};
use friskliv_store::seed::{SeedOptions, seed_demo};
use friskliv_tests::{PasskeyDevice, TestApp, stories};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    outcome_tables_never_show_small_counts,
    tables_count_the_outcomes_participants_see,
    evaluators_export_the_areas_they_are_granted,
    research_extract_holds_only_consenting_participants,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

/// Tables and extracts cover calendar years that have ended: the stories
/// happen last year.
fn last_year() -> i32 {
    chrono::Datelike::year(&today()) - 1
}

/// A seeding "now" late last year, so every seeded period starts in it.
fn late_last_year() -> chrono::DateTime<Utc> {
    format!("{}-12-20T12:00:00Z", last_year()).parse().unwrap()
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
        late_last_year(),
    )
    .await
    .unwrap();
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let outsider = app.staff(other, "evaluator", "Outsider").await;
    let year = last_year();
    let path = format!("/v1/exports/outcomes?year={year}&group_by=sex,age_band");
    let reply = app.get(&path, Some(&evaluator.token)).await;
    reply.assert_status(StatusCode::OK);
    let t = &reply.body;
    assert!(t.get("periods_read").is_none(), "no unsuppressed count");
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
        if published.1.is_some() {
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
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    app.get(&path, Some(&veileder.token))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(
        &format!("/v1/exports/outcomes?year={year}&group_by=shoe_size"),
        Some(&evaluator.token),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("group_by", "one_of")),
    );
}

/// Validates against the FHIR R4 JSON schema, cut down to a Bundle of the
/// resource types an extract holds (see `tests/fixtures/reduce_fhir_schema.py`).
fn assert_valid_fhir_r4(bundle: &Value) {
    let schema: Value = serde_json::from_str(include_str!(
        "../fixtures/fhir-r4-research-bundle.schema.json"
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the FHIR schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(bundle)
        .take(10)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "not valid FHIR R4: {errors:#?}");
    // The schema has teeth: the same Bundle broken in three ways fails.
    let first_observation = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    let mut no_code = bundle.clone();
    no_code["entry"][first_observation]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("code");
    let mut unknown_field = bundle.clone();
    unknown_field["entry"][0]["resource"]["birthDate"] = json!("1980-06-01");
    let mut bad_type = bundle.clone();
    bad_type["type"] = json!("pile");
    for broken in [no_code, unknown_field, bad_type] {
        assert!(!validator.is_valid(&broken));
    }
}

/// The rows the anonymous tables read page by page give every period the
/// same outcomes as the participant's own view of that period: the tables
/// count what participants and veiledere see.
async fn tables_count_the_outcomes_participants_see(app: TestApp) {
    use friskliv_domain::outcomes::period_outcomes;
    use friskliv_store::db::{journey, reports::PeriodPages};
    use friskliv_store::facts::period_facts;

    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let db = app.db().await;
    seed_demo(
        &db,
        &SeedOptions {
            participants: 40,
            weeks: 30,
            seed: 9,
            centre: Some(centre),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let centres = [centre];
    let from = today() - Duration::days(400);
    let mut pages = PeriodPages::new(&centres, None, from, today(), today());
    let (mut compared, mut with_diary) = (0, 0);
    while let Some(page) = pages.next_page(&db).await.unwrap() {
        for p in page {
            with_diary += usize::from(!p.rows.diary.is_empty());
            let exported = period_outcomes(&period_facts(&p.period, p.rows, today()));
            let own = journey::own_outcome_rows(&db, p.period.participant_id, &p.period, today())
                .await
                .unwrap();
            let seen = period_outcomes(&period_facts(&p.period, own, today()));
            assert_eq!(exported, seen, "period {}", p.period.id);
            compared += 1;
        }
    }
    assert_eq!(compared, 40);
    // Not a comparison of empty diaries: most seeded periods have entries.
    assert!(
        with_diary > 30,
        "{with_diary} of 40 periods have diary entries"
    );
}

fn grant(
    account: Uuid,
    municipality: Option<String>,
    county: Option<String>,
) -> friskliv_api::cli::EvaluationGrant {
    friskliv_api::cli::EvaluationGrant {
        account,
        municipality,
        county,
    }
}

async fn seeded_centre(app: &TestApp, name: &str, municipality: &str, seed: u64) -> Uuid {
    let centre = app.create_centre(name, municipality).await;
    seed_demo(
        &app.db().await,
        &SeedOptions {
            participants: 6,
            weeks: 20,
            seed,
            centre: Some(centre),
        },
        late_last_year(),
    )
    .await
    .unwrap();
    centre
}

/// An evaluator at Oslo's centre is granted Bergen, then all of Vestland
/// (county 46: Bergen 4601 and Kinn 4602), then loses Vestland again; the
/// tables hold exactly the periods of the centres granted at that moment.
async fn evaluators_export_the_areas_they_are_granted(app: TestApp) {
    use friskliv_api::cli::{grant_evaluation, revoke_evaluation};
    let oslo = app.create_centre("Frisklivssentralen i Oslo", "0301").await;
    let bergen = seeded_centre(&app, "Frisklivssentralen i Bergen", "4601", 7).await;
    let kinn = seeded_centre(&app, "Frisklivssentralen i Kinn", "4602", 8).await;
    let evaluator = app.staff(oslo, "evaluator", "Evaluator").await;
    let admin = app.staff(oslo, "centre_admin", "Admin").await;
    let account: Uuid = evaluator.account_id.parse().unwrap();
    // The seeded year holds the county's table; the scopes an evaluator
    // is shown alongside it are asked for the year before, since one
    // requester's tables of a year must not overlap (privacy.rs shows why).
    let year = chrono::Datelike::year(&today()) - 1;
    let tables = |scope: &str| format!("/v1/exports/outcomes?year={}&{scope}", year - 1);
    let county_tables = |scope: &str| format!("/v1/exports/outcomes?year={year}&{scope}");
    let kostra = |centre: Uuid| {
        format!(
            "/v1/centres/{centre}/reports/kostra?year={}",
            chrono::Datelike::year(&today())
        )
    };
    let status = |path: String, token: String| {
        let app = &app;
        async move { app.get(&path, Some(&token)).await.status }
    };
    let token = evaluator.token.clone();

    // Nothing granted: only the own (empty) centre.
    assert_eq!(status(tables(""), token.clone()).await, StatusCode::OK);
    for path in [
        tables("municipality=4601"),
        tables("county=46"),
        tables(&format!("centre_id={bergen}")),
        kostra(bergen),
    ] {
        assert_eq!(
            status(path.clone(), token.clone()).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    assert!(
        grant_evaluation(&app.config, &grant(account, Some("4601".into()), None))
            .await
            .unwrap()
    );
    assert!(
        !grant_evaluation(&app.config, &grant(account, Some("4601".into()), None))
            .await
            .unwrap()
    );
    let reply = app.get(&tables("municipality=4601"), Some(&token)).await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.body["municipality"], "4601");
    assert_eq!(reply.body["centres"], json!([bergen]));
    assert_eq!(
        status(tables(&format!("centre_id={bergen}")), token.clone()).await,
        StatusCode::OK
    );
    assert_eq!(status(kostra(bergen), token.clone()).await, StatusCode::OK);
    for path in [
        tables("county=46"),
        tables("municipality=4602"),
        tables(&format!("centre_id={kinn}")),
        kostra(kinn),
    ] {
        assert_eq!(
            status(path.clone(), token.clone()).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    assert!(
        grant_evaluation(&app.config, &grant(account, None, Some("46".into())))
            .await
            .unwrap()
    );
    // The evaluator's client learns what it may ask for.
    let me = app.get("/v1/me", Some(&token)).await;
    assert_eq!(
        me.body["evaluation_areas"],
        json!([{"kind": "municipality", "code": "4601"}, {"kind": "county", "code": "46"}])
    );
    let reply = app
        .get(
            &county_tables("county=46&group_by=municipality"),
            Some(&token),
        )
        .await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(
        counts(&reply.body["total"])[1],
        ("periods".into(), Some(12), "none".into())
    );
    assert_eq!(reply.body["county"], "46");
    let mut centres: Vec<String> = reply.body["centres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    centres.sort();
    let mut expected = vec![bergen.to_string(), kinn.to_string()];
    expected.sort();
    assert_eq!(centres, expected);
    let by_municipality: Vec<(String, Option<u64>)> = reply.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"][0]["value"].as_str().unwrap().to_owned(),
                counts(r)[0].1,
            )
        })
        .collect();
    assert_eq!(
        by_municipality,
        vec![("4601".to_owned(), Some(6)), ("4602".to_owned(), Some(6))]
    );
    assert_eq!(
        status(tables("municipality=4602"), token.clone()).await,
        StatusCode::OK
    );
    app.post(
        "/v1/exports/research",
        Some(&token),
        json!({"centre_id": kinn, "year": year, "format": "csv"}),
    )
    .await
    .assert_status(StatusCode::ACCEPTED);
    // Oslo is not in Vestland.
    assert_eq!(
        status(tables("county=03"), token.clone()).await,
        StatusCode::FORBIDDEN
    );

    // Revoked: refused on the very next request; Bergen stays granted.
    assert!(
        revoke_evaluation(&app.config, &grant(account, None, Some("46".into())))
            .await
            .unwrap()
    );
    assert_eq!(
        status(tables("county=46"), token.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(kostra(kinn), token.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(tables("municipality=4601"), token.clone()).await,
        StatusCode::OK
    );

    // Areas are granted to evaluators only; a centre admin keeps to the centre.
    assert!(
        grant_evaluation(
            &app.config,
            &grant(admin.account_id.parse().unwrap(), None, Some("46".into()))
        )
        .await
        .is_err()
    );
    assert_eq!(
        status(tables("county=03"), admin.token.clone()).await,
        StatusCode::FORBIDDEN
    );

    // One scope at a time, each well-formed.
    app.get(
        &tables(&format!("centre_id={bergen}&county=46")),
        Some(&token),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("county", "exclusive")),
    );
    app.get(&tables("county=4"), Some(&token))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("county", "format")));

    // Every request is audited with its scope, refusals too.
    let db = app.db().await;
    let audit = friskliv_store::db::entities::export_audit::Entity::find()
        .filter(friskliv_store::db::entities::export_audit::Column::Action.eq("outcome_tables"))
        .order_by_asc(friskliv_store::db::entities::export_audit::Column::At)
        .all(&db)
        .await
        .unwrap();
    let county_asks: Vec<bool> = audit
        .iter()
        .filter(|a| a.parameters.contains("\"county\":\"46\""))
        .map(|a| a.allowed)
        .collect();
    assert_eq!(county_asks, vec![false, false, true, false]);
}

/// Nine participants of one class (women born in the same month): six
/// share with research and walked 777 m, three do not and walked 555 m.
async fn research_extract_holds_only_consenting_participants(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let start: NaiveDate = format!("{}-11-02", last_year()).parse().unwrap();
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
    let mut pseudonyms: Vec<BTreeSet<String>> = Vec::new();
    let mut jobs = Vec::new();
    for format in ["json", "csv", "fhir"] {
        let started = app
            .post(
                "/v1/exports/research",
                Some(&evaluator.token),
                json!({"year": last_year(), "format": format}),
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
        jobs.push(id.clone());
        match format {
            "json" => pseudonyms.push(
                serde_json::from_str::<Value>(&file.text).unwrap()["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["pseudonym"].as_str().unwrap().to_owned())
                    .collect(),
            ),
            "csv" => pseudonyms.push(
                file.text
                    .lines()
                    .skip(1)
                    .map(|l| l.split(',').next().unwrap().to_owned())
                    .collect(),
            ),
            _ => {}
        }
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
                assert_valid_fhir_r4(&bundle);
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
    assert_eq!(pseudonyms.len(), 2);
    assert_eq!((pseudonyms[0].len(), pseudonyms[1].len()), (6, 6));
    assert!(pseudonyms[0].is_disjoint(&pseudonyms[1]), "{pseudonyms:?}");

    // After the retention the files are deleted; the jobs stay as the
    // record, `expired`, and a download says it is gone.
    let db = app.db().await;
    let dir = &app.config.export_dir;
    let files = || std::fs::read_dir(dir).unwrap().count();
    assert_eq!(files(), 3);
    let retention = app.config.export_retention;
    let early = friskliv_store::jobs::housekeeping(
        &db,
        dir,
        Utc::now() + retention - Duration::hours(1),
        retention,
    )
    .await
    .unwrap();
    assert_eq!((early.expired, early.stray_files, files()), (0, 0, 3));
    let late = friskliv_store::jobs::housekeeping(
        &db,
        dir,
        Utc::now() + retention + Duration::hours(1),
        retention,
    )
    .await
    .unwrap();
    assert_eq!((late.expired, late.stray_files, files()), (3, 0, 0));
    for id in &jobs {
        let job = app
            .get(&format!("/v1/exports/jobs/{id}"), Some(&evaluator.token))
            .await;
        assert_eq!(job.body["status"], "expired");
        app.get(
            &format!("/v1/exports/jobs/{id}/download"),
            Some(&evaluator.token),
        )
        .await
        .assert_problem(StatusCode::GONE, None);
    }
    // Old files of the server's own naming with no job (operator extracts,
    // partial files) go too; anything else in the folder is left alone.
    let aged = |name: &str| {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_modified(
            std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 86_400),
        )
        .unwrap();
        path
    };
    let operator_extract = aged(&format!("research-{}.csv", Uuid::now_v7()));
    let partial = aged(&format!("research-{}.partial", Uuid::now_v7()));
    let foreign = aged("budget-2027.xlsx");
    let swept = friskliv_store::jobs::housekeeping(&db, dir, Utc::now(), retention)
        .await
        .unwrap();
    assert_eq!(swept.stray_files, 2);
    assert!(!operator_extract.exists() && !partial.exists());
    assert!(foreign.exists());
    // A job whose server stopped mid-way fails after six hours instead of
    // running for ever; one started an hour ago is left alone.
    use friskliv_store::db::entities::export_job;
    use sea_orm::{ActiveModelTrait, Set};
    let mut stuck = Vec::new();
    for hours_ago in [7, 1] {
        let id = Uuid::now_v7();
        export_job::ActiveModel {
            id: Set(id),
            requested_by: Set(Some(evaluator.account_id.parse().unwrap())),
            centre_id: Set(centre),
            format: Set("csv".into()),
            parameters: Set("{}".into()),
            status: Set("running".into()),
            rows_written: Set(0),
            report: Set(None),
            error: Set(None),
            created_at: Set(Utc::now() - Duration::hours(hours_ago)),
            finished_at: Set(None),
        }
        .insert(&db)
        .await
        .unwrap();
        stuck.push(id);
    }
    let swept = friskliv_store::jobs::housekeeping(&db, dir, Utc::now(), retention)
        .await
        .unwrap();
    assert_eq!(swept.stalled, 1);
    let statuses: Vec<Value> = futures_util::future::join_all(stuck.iter().map(|id| {
        let path = format!("/v1/exports/jobs/{id}");
        let token = evaluator.token.clone();
        let app = &app;
        async move { app.get(&path, Some(&token)).await.body["status"].clone() }
    }))
    .await;
    assert_eq!(statuses, vec![json!("failed"), json!("running")]);
    let outsider_centre = app.create_centre("Annen", "4601").await;
    let outsider = app.staff(outsider_centre, "evaluator", "Outsider").await;
    app.post(
        "/v1/exports/research",
        Some(&outsider.token),
        json!({"centre_id": centre, "year": last_year(), "format": "csv"}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}
