//! The outcome tables count persons (issue 13): a renewed participant is one
//! person and two periods, counted as a person on their latest completed
//! period; period counts are their own columns.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, TestApp, stories};
use reqwest::StatusCode;
use serde_json::{Value, json};

stories!(a_renewed_participant_is_one_person_and_two_periods);

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

/// One completed period n with a 6MWT at baseline and at week 12.
async fn period(app: &TestApp, v: &str, base: &str, n: u32, start: NaiveDate, walk: (f64, f64)) {
    created(
        app.post(
            &format!("{base}/periods"),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    let week12 = start + Duration::days(84);
    for (timepoint, on, distance) in [("baseline", start, walk.0), ("week12", week12, walk.1)] {
        created(
            app.post(
                &format!("{base}/assessments"),
                Some(v),
                json!({"instrument": "six_minute_walk", "timepoint": timepoint, "period": n,
                       "assessed_on": on.to_string(), "six_minute_walk": {"distance_m": distance}}),
            )
            .await,
        );
    }
    app.post(
        &format!("{base}/periods/{n}/complete"),
        Some(v),
        json!({"ended_on": week12.to_string()}),
    )
    .await
    .assert_status(StatusCode::OK);
}

fn count(row: &Value, measure: &str) -> Option<u64> {
    row["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["measure"] == measure)
        .unwrap_or_else(|| panic!("no {measure} in {row}"))["count"]
        .as_u64()
}

async fn a_renewed_participant_is_one_person_and_two_periods(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let v = &veileder.token;
    // Periods of last year, a year that has ended.
    let year = Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
        .year()
        - 1;
    let start = NaiveDate::from_ymd_opt(year, 1, 5).unwrap();
    for i in 0..6 {
        let invite = created(
            app.post(
                &format!("/v1/centres/{centre}/invites"),
                Some(v),
                json!({"role": "participant"}),
            )
            .await,
        );
        let name = format!("P{i}");
        let p = app
            .register_ok(
                &mut PasskeyDevice::new(&name),
                invite["code"].as_str().unwrap(),
                &name,
            )
            .await;
        let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
        // Everyone improves (Δ ≥ 30 m) in their first period.
        period(&app, v, &base, 1, start, (400.0, 450.0)).await;
        if i == 0 {
            // P0 is renewed and improves again.
            let next = start + Duration::days(85);
            period(&app, v, &base, 2, next, (420.0, 460.0)).await;
        }
    }
    let tables = app
        .get(
            &format!("/v1/exports/outcomes?year={year}"),
            Some(&evaluator.token),
        )
        .await;
    tables.assert_status(StatusCode::OK);
    let total = &tables.body["total"];
    assert_eq!(count(total, "participants"), Some(6), "{}", tables.text);
    assert_eq!(count(total, "periods"), Some(7));
    assert_eq!(count(total, "completed_periods"), Some(7));
    // Persons: P0 once (on period 2); periods: P0 twice.
    assert_eq!(count(total, "improved_fitness"), Some(6));
    assert_eq!(count(total, "improved_fitness_periods"), Some(7));
    // The mean Δ6MWT is over persons on their latest period: five × 50 m
    // and P0's 40 m.
    let mean = total["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["measure"] == "six_minute_walk_change_m_mean")
        .unwrap();
    assert_eq!(mean["value"], 48.3);
    // The CSV has both columns.
    let csv = app
        .get(
            &format!("/v1/exports/outcomes?year={year}&format=csv"),
            Some(&evaluator.token),
        )
        .await;
    let header = csv.text.lines().next().unwrap_or_default().to_owned();
    assert!(
        header.contains(",improved_fitness,") && header.contains(",improved_fitness_periods,"),
        "{header}"
    );
}
