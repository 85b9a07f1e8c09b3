//! Anonymised reports end to end: the KOSTRA-style yearly report on a
//! seeded database matches counts computed here from the raw rows; only
//! centre admins and evaluators of the centre get it; every request is
//! audited.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use friskliv_store::seed::{SeedOptions, seed_demo};
use friskliv_tests::{TestApp, stories};
use reqwest::StatusCode;
use sea_orm::{FromQueryResult, JsonValue, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(kostra_report_matches_the_raw_rows_and_is_restricted);

async fn rows(app: &TestApp, sql: &str) -> Vec<JsonValue> {
    let db = app.db().await;
    JsonValue::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .all(&db)
        .await
        .unwrap()
}

fn text(v: &JsonValue, key: &str) -> String {
    v[key].as_str().map(str::to_owned).unwrap_or_default()
}

fn day(v: &JsonValue, key: &str) -> Option<NaiveDate> {
    v[key].as_str().and_then(|s| s[..10].parse().ok())
}

/// The report's numbers, computed directly from the tables.
async fn expected(app: &TestApp, centre: Uuid, year: i32) -> Value {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let centre = centre.to_string();
    let mine = |v: &JsonValue| text(v, "centre_id").eq_ignore_ascii_case(&centre);
    let periods = rows(app, "SELECT participant_id, centre_id, referral_id, CAST(start_date AS TEXT) AS start_date, CAST(ended_on AS TEXT) AS ended_on FROM periods").await;
    let referrals = rows(app, "SELECT id, participant_id, centre_id, referrer_type, CAST(referred_on AS TEXT) AS referred_on, triage_outcome, CAST(triage_decided_on AS TEXT) AS triage_decided_on FROM referrals").await;
    let conversations = rows(app, "SELECT p.participant_id, p.centre_id, CAST(c.held_on AS TEXT) AS held_on FROM conversations c JOIN periods p ON p.id = c.period_id").await;
    let courses = rows(app, "SELECT participant_id, centre_id, kind, CAST(started_on AS TEXT) AS started_on FROM courses").await;
    let sexes: HashMap<String, String> =
        rows(app, "SELECT account_id, sex FROM participant_profiles")
            .await
            .iter()
            .map(|r| (text(r, "account_id").to_lowercase(), text(r, "sex")))
            .collect();
    let by_id: HashMap<String, &JsonValue> = referrals
        .iter()
        .map(|r| (text(r, "id").to_lowercase(), r))
        .collect();
    let mut persons: BTreeSet<String> = BTreeSet::new();
    let mut follow_up: BTreeSet<String> = BTreeSet::new();
    let mut referrers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in periods.iter().filter(|p| mine(p)) {
        let start = day(p, "start_date").unwrap();
        let running = start <= to && day(p, "ended_on").is_none_or(|end| end >= from);
        if running {
            let who = text(p, "participant_id").to_lowercase();
            persons.insert(who.clone());
            follow_up.insert(who.clone());
            if let Some(r) = by_id.get(&text(p, "referral_id").to_lowercase()) {
                referrers
                    .entry(who)
                    .or_default()
                    .insert(text(r, "referrer_type"));
            }
        }
    }
    let in_year = |d: Option<NaiveDate>| d.is_some_and(|d| d >= from && d <= to);
    for r in referrals.iter().filter(|r| mine(r)) {
        let triaged = in_year(day(r, "triage_decided_on")) && !text(r, "triage_outcome").is_empty();
        if in_year(day(r, "referred_on")) || triaged {
            let who = text(r, "participant_id").to_lowercase();
            // A referral alone does not count (SSB: persons who used an
            // offer); the first conversation of its triage does.
            if triaged {
                persons.insert(who.clone());
            }
            referrers
                .entry(who)
                .or_default()
                .insert(text(r, "referrer_type"));
        }
    }
    for c in conversations.iter().filter(|c| mine(c)) {
        if in_year(day(c, "held_on")) {
            persons.insert(text(c, "participant_id").to_lowercase());
        }
    }
    let mut per_offer: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    per_offer.insert("follow_up_period".into(), follow_up.clone());
    for c in courses.iter().filter(|c| mine(c)) {
        let on = day(c, "started_on").unwrap();
        if on >= from && on <= to {
            let who = text(c, "participant_id").to_lowercase();
            persons.insert(who.clone());
            per_offer.entry(text(c, "kind")).or_default().insert(who);
        }
    }
    let with_referral = persons
        .iter()
        .filter(|p| {
            referrers
                .get(*p)
                .is_some_and(|r| r.iter().any(|t| t != "self"))
        })
        .count();
    let men = persons
        .iter()
        .filter(|p| sexes.get(*p).is_some_and(|s| s == "male"))
        .count();
    let mut sources: BTreeMap<String, usize> = BTreeMap::new();
    for set in referrers
        .iter()
        .filter(|(who, _)| persons.contains(*who))
        .map(|(_, set)| set)
    {
        for t in set {
            *sources.entry(t.clone()).or_default() += 1;
        }
    }
    json!({
        "persons_total": persons.len(),
        "persons_with_referral": with_referral,
        "persons_without_referral": persons.len() - with_referral,
        "men": men,
        "persons_per_offer": per_offer.iter().filter(|(_, s)| !s.is_empty())
            .map(|(k, s)| json!({"category": k, "persons": s.len(), "suppressed": false})).collect::<Vec<_>>(),
        "referral_sources": sources.iter()
            .map(|(k, n)| json!({"category": k, "persons": n, "suppressed": false})).collect::<Vec<_>>(),
    })
}

async fn kostra_report_matches_the_raw_rows_and_is_restricted(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let other = app.create_centre("Annen sentral", "4601").await;
    let db = app.db().await;
    let now = Utc::now();
    // 60 weeks: periods in this year and the last, some completed, some not.
    seed_demo(
        &db,
        &SeedOptions {
            participants: 60,
            weeks: 60,
            seed: 11,
            centre: Some(centre),
        },
        now,
    )
    .await
    .unwrap();
    let admin = app.staff(centre, "centre_admin", "Admin").await;
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let outsider = app.staff(other, "centre_admin", "Outsider").await;
    let year = now.year();
    let mut suppressed_somewhere = false;
    for y in [year - 1, year] {
        let path = format!("/v1/centres/{centre}/reports/kostra?year={y}");
        let report = app.get(&path, Some(&admin.token)).await;
        report.assert_status(StatusCode::OK);
        let want = expected(&app, centre, y).await;
        assert!(
            want["persons_total"].as_u64().unwrap() > 0,
            "the seed reaches {y}"
        );
        for key in [
            "persons_total",
            "persons_with_referral",
            "persons_without_referral",
            "men",
            "persons_per_offer",
            "referral_sources",
        ] {
            assert_eq!(report.body[key], want[key], "{key} in {y}");
        }
        assert_eq!(report.body["exact"], true);
        assert_eq!(report.body["suppressed"], json!([]));
        // The evaluator gets them under the outcome tables' suppression: every
        // number shown is the exact one, and none is 1–4.
        let protected = app.get(&path, Some(&evaluator.token)).await;
        protected.assert_status(StatusCode::OK);
        assert_eq!(protected.body["exact"], false);
        let suppressed: Vec<&str> = protected.body["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for key in [
            "persons_total",
            "persons_with_referral",
            "persons_without_referral",
            "men",
        ] {
            let exact = want[key].as_u64().unwrap();
            match protected.body.get(key) {
                Some(shown) => {
                    assert_eq!(shown.as_u64(), Some(exact), "{key}");
                    assert!(exact == 0 || exact >= 5, "{key} shows {exact}");
                }
                None => {
                    assert!(suppressed.contains(&key), "{key} absent but not marked");
                }
            }
            if (1..5).contains(&exact) {
                assert!(
                    suppressed.contains(&key),
                    "{key} = {exact} must be suppressed"
                );
            }
        }
        // With and without referral add up to the total: never one alone hidden.
        let hidden_split = ["persons_with_referral", "persons_without_referral"]
            .iter()
            .filter(|k| suppressed.contains(k))
            .count();
        assert_ne!(hidden_split, 1, "{}", protected.text);
        suppressed_somewhere |= !suppressed.is_empty();
        for list in ["persons_per_offer", "referral_sources"] {
            for (shown, exact) in protected.body[list]
                .as_array()
                .unwrap()
                .iter()
                .zip(want[list].as_array().unwrap())
            {
                let n = exact["persons"].as_u64().unwrap();
                assert_eq!(shown["category"], exact["category"]);
                assert_eq!(shown["suppressed"], (1..5).contains(&n), "{list}: {shown}");
                suppressed_somewhere |= (1..5).contains(&n);
                if (1..5).contains(&n) {
                    assert!(shown.get("persons").is_none());
                } else {
                    assert_eq!(shown["persons"].as_u64(), Some(n));
                }
            }
        }
    }
    assert!(suppressed_somewhere, "60 people must give some small count");
    // CSV: a header, then one line per number.
    let csv = app
        .get(
            &format!("/v1/centres/{centre}/reports/kostra?year={year}&format=csv"),
            Some(&admin.token),
        )
        .await;
    csv.assert_status(StatusCode::OK);
    let total = expected(&app, centre, year).await["persons_total"].clone();
    assert!(
        csv.text.starts_with("measure,category,persons\n"),
        "{}",
        csv.text
    );
    assert!(
        csv.text.contains(&format!("persons,total,{total}\n")),
        "{}",
        csv.text
    );
    // Veiledere and other centres are refused; a bad year is 422.
    for who in [&veileder, &outsider] {
        app.get(
            &format!("/v1/centres/{centre}/reports/kostra?year={year}"),
            Some(&who.token),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    }
    app.get(
        &format!("/v1/centres/{centre}/reports/kostra?year={}", year + 1),
        Some(&admin.token),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("year", "range")));
    // Every request is audited, refusals too.
    let audit = rows(&app, "SELECT action, allowed, parameters FROM export_audit").await;
    let kostra: Vec<&JsonValue> = audit
        .iter()
        .filter(|r| r["action"] == "kostra_report")
        .collect();
    assert_eq!(kostra.len(), 7);
    assert_eq!(
        kostra
            .iter()
            .filter(|r| r["allowed"] == json!(false) || r["allowed"] == json!(0))
            .count(),
        2
    );
    assert!(
        kostra
            .iter()
            .any(|r| text(r, "parameters").contains("\"csv\""))
    );
}
