//! Follow-up at 6 and 12 months after the period (issue 13): the tests at
//! follow-up give the maintenance indicators (baseline → follow-up) for
//! fitness, self-rated health and tobacco; an old app's `followup` is stored
//! as the nearer of the two, and the migration does the same to stored rows.

use chrono::{Duration, NaiveDate, Utc};
use friskliv_migrations::{Migrator, MigratorTrait};
use friskliv_tests::{PasskeyDevice, Reply, TestApp, stories};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, FromQueryResult, JsonValue, Statement};
use serde_json::{Value, json};

stories!(maintenance_at_6_and_12_months_after_the_period);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

fn indicator<'a>(outcomes: &'a Value, name: &str) -> &'a Value {
    outcomes["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {outcomes}"))
}

async fn timepoints(app: &TestApp) -> Vec<String> {
    let db = app.db().await;
    let rows = JsonValue::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT timepoint FROM assessments WHERE timepoint LIKE 'followup%' ORDER BY assessed_on",
    ))
    .all(&db)
    .await
    .unwrap();
    rows.iter()
        .map(|r| r["timepoint"].as_str().unwrap().to_owned())
        .collect()
}

async fn maintenance_at_6_and_12_months_after_the_period(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let v = &veileder.token;
    let invite = created(
        app.post(
            &format!("/v1/centres/{centre}/invites"),
            Some(v),
            json!({"role": "participant"}),
        )
        .await,
    );
    let p = app
        .register_ok(
            &mut PasskeyDevice::new("p"),
            invite["code"].as_str().unwrap(),
            "Per",
        )
        .await;
    let reply = app
        .post(
            "/v1/me/consents",
            Some(&p.token),
            json!({"scope": "assessments", "centre_id": centre}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);

    // A period that ended 420 days ago.
    let start = today() - Duration::days(504);
    let end = start + Duration::days(84);
    created(
        app.post(
            &format!("{base}/periods"),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    let assess = |timepoint: &str, on: NaiveDate, instrument: &str, values: Value| {
        let mut body = json!({"instrument": instrument, "timepoint": timepoint,
                              "assessed_on": on.to_string(), "period": 1});
        body[instrument] = values;
        body
    };
    let baseline = [
        assess(
            "baseline",
            start,
            "six_minute_walk",
            json!({"distance_m": 400.0}),
        ),
        assess("baseline", start, "self_rated_health", json!({"answer": 4})),
        assess(
            "baseline",
            start,
            "tobacco_status",
            json!({"cigarettes": "daily", "snus": "never", "cigarettes_per_day": 10.0}),
        ),
    ];
    for body in baseline {
        created(
            app.post(&format!("{base}/assessments"), Some(v), body)
                .await,
        );
    }
    app.post(
        &format!("{base}/periods/1/complete"),
        Some(v),
        json!({"ended_on": end.to_string()}),
    )
    .await
    .assert_status(StatusCode::OK);

    // Six months on (an old app's `followup`, 183 days after the end) and
    // twelve months on (`followup_12m`).
    let six = end + Duration::days(183);
    let twelve = end + Duration::days(365);
    let mut stored = Vec::new();
    for body in [
        assess(
            "followup",
            six,
            "six_minute_walk",
            json!({"distance_m": 445.0}),
        ),
        assess("followup", six, "self_rated_health", json!({"answer": 3})),
        assess(
            "followup",
            six,
            "tobacco_status",
            json!({"cigarettes": "former", "snus": "never", "abstinent_last_7_days": true}),
        ),
        assess(
            "followup_12m",
            twelve,
            "six_minute_walk",
            json!({"distance_m": 415.0}),
        ),
        assess(
            "followup",
            twelve,
            "self_rated_health",
            json!({"answer": 4}),
        ),
        assess(
            "followup_12m",
            twelve,
            "tobacco_status",
            json!({"cigarettes": "daily", "snus": "never", "cigarettes_per_day": 4.0,
                   "abstinent_last_7_days": false}),
        ),
    ] {
        let a = created(
            app.post(&format!("{base}/assessments"), Some(v), body)
                .await,
        );
        stored.push(a["timepoint"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        stored,
        [
            "followup_6m",
            "followup_6m",
            "followup_6m",
            "followup_12m",
            "followup_12m",
            "followup_12m"
        ]
    );

    let outcomes = app
        .get(&format!("{base}/periods/1/outcomes"), Some(v))
        .await;
    outcomes.assert_status(StatusCode::OK);
    let o = &outcomes.body;
    assert_eq!(indicator(o, "six_minute_walk_change_6m_m")["value"], 45.0);
    assert_eq!(indicator(o, "improved_fitness_6m")["value"], true);
    assert_eq!(
        indicator(o, "improved_fitness_6m")["definition_id"],
        "fitness_maintenance"
    );
    assert_eq!(
        indicator(o, "self_rated_health_change_6m")["value"],
        "improved"
    );
    assert_eq!(indicator(o, "abstinent_7_days_6m")["value"], true);
    assert_eq!(indicator(o, "six_minute_walk_change_12m_m")["value"], 15.0);
    assert_eq!(indicator(o, "improved_fitness_12m")["value"], false);
    assert_eq!(
        indicator(o, "self_rated_health_change_12m")["value"],
        "unchanged"
    );
    assert_eq!(indicator(o, "abstinent_7_days_12m")["value"], false);
    let definitions = app.get("/v1/definitions", None).await;
    let ids: Vec<&str> = definitions.body["definitions"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", definitions.text))
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    for id in [
        "fitness_maintenance",
        "self_rated_health_maintenance",
        "abstinence_maintenance",
        "quality_of_life_change",
        "coop_wonca_change",
        "medication_change",
        "health_services_change",
        "sitting_change",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }

    // Rows stored as the old `followup` before the migration become the
    // nearer follow-up when it runs.
    let db = app.db().await;
    db.execute_unprepared(
        "UPDATE assessments SET timepoint = 'followup' WHERE timepoint LIKE 'followup_%'",
    )
    .await
    .unwrap();
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let from = names
        .iter()
        .position(|n| n == "m20261203_000013_followup_timepoints")
        .expect("the follow-up migration");
    let undo = u32::try_from(names.len() - from).unwrap();
    Migrator::down(&db, Some(undo)).await.unwrap();
    assert!(timepoints(&app).await.iter().all(|t| t == "followup"));
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(
        timepoints(&app).await,
        [
            "followup_6m",
            "followup_6m",
            "followup_6m",
            "followup_12m",
            "followup_12m",
            "followup_12m"
        ]
    );
}
