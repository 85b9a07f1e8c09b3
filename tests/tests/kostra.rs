//! KOSTRA as SSB counts it, on a small hand-made year: only persons who
//! used an offer count; referral sources land in SSB's six categories; men,
//! women and sex not recorded add up to the total; an inter-municipal
//! centre's split by municipality adds up to its total; staff resources are
//! reported in timeverk and årsverk. A referral without contact is absent
//! from the report and on the veileder's worklist, whose reading is in the
//! participant's access log.

use chrono::{Datelike, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    kostra_counts_persons_who_used_an_offer,
    staff_resources_are_recorded_by_the_centre_admin,
);

async fn participant(app: &TestApp, centre: Uuid, veileder: &Session, name: &str) -> Session {
    let invite = app
        .post(
            &format!("/v1/centres/{centre}/invites"),
            Some(&veileder.token),
            json!({"role": "participant"}),
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

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

/// The year reported: last year, so that every date is in the past
/// whenever the suite runs.
fn year() -> i32 {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
        .year()
        - 1
}

fn on(month: u32, day: u32) -> String {
    NaiveDate::from_ymd_opt(year(), month, day)
        .unwrap()
        .to_string()
}

struct Person<'a> {
    name: &'a str,
    sex: Option<&'a str>,
    municipality: &'a str,
    referrer: &'a str,
    referred_on: String,
}

/// Records a person's attributes and referral; returns the participant
/// path and the referral id.
async fn referred(
    app: &TestApp,
    centre: Uuid,
    veileder: &Session,
    person: &Person<'_>,
) -> (Session, String, String) {
    let p = participant(app, centre, veileder, person.name).await;
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
    let mut attributes = json!({"municipality": person.municipality, "birth_month": "1970-05"});
    if let Some(sex) = person.sex {
        attributes["sex"] = json!(sex);
    }
    app.request(
        Method::PATCH,
        &format!("{base}/attributes"),
        Some(&veileder.token),
        Some(attributes),
    )
    .await
    .assert_status(StatusCode::OK);
    let referral = created(
        app.post(
            &format!("{base}/referrals"),
            Some(&veileder.token),
            json!({"referrer_type": person.referrer, "reasons": ["physical_inactivity"],
                   "referred_on": person.referred_on}),
        )
        .await,
    );
    let id = referral["id"].as_str().unwrap().to_owned();
    (p, base, id)
}

fn count(report: &Value, list: &str, category: &str) -> Option<u64> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {report}"))
        .iter()
        .find(|c| c["category"] == category)
        .and_then(|c| c["persons"].as_u64())
}

async fn kostra_counts_persons_who_used_an_offer(app: TestApp) {
    let centre = app
        .create_centre("Interkommunal frisklivssentral", "0301")
        .await;
    let admin = app.staff(centre, "centre_admin", "Admin").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let v = &veileder.token;
    let person = |name, sex, municipality, referrer, referred_on| Person {
        name,
        sex,
        municipality,
        referrer,
        referred_on,
    };

    // Per (man, Oslo): the GP refers, the first conversation enrols him.
    let (_, per, referral) = referred(
        &app,
        centre,
        &veileder,
        &person("Per", Some("male"), "0301", "gp", on(2, 1)),
    )
    .await;
    app.request(
        Method::PUT,
        &format!("{per}/referrals/{referral}/triage"),
        Some(v),
        Some(json!({"outcome": "enrolled", "decided_on": on(2, 10)})),
    )
    .await
    .assert_status(StatusCode::OK);
    created(
        app.post(
            &format!("{per}/periods"),
            Some(v),
            json!({"start_date": on(2, 10), "referral_id": referral}),
        )
        .await,
    );
    // Kari (woman, Bærum): the midwife refers, a period starts.
    let (_, kari, referral) = referred(
        &app,
        centre,
        &veileder,
        &person("Kari", Some("female"), "3201", "midwife", on(3, 1)),
    )
    .await;
    created(
        app.post(
            &format!("{kari}/periods"),
            Some(v),
            json!({"start_date": on(3, 5), "referral_id": referral}),
        )
        .await,
    );
    app.request(
        Method::PATCH,
        &format!("{kari}/attributes"),
        Some(v),
        Some(json!({"work_school": ["employed_part_time", "sick_leave"], "education": "higher_short"})),
    )
    .await
    .assert_status(StatusCode::OK);
    // Sam (sex not recorded, Oslo): came by themselves, attended Bra mat.
    let (_, sam, _) = referred(
        &app,
        centre,
        &veileder,
        &person("Sam", None, "0301", "self", on(4, 1)),
    )
    .await;
    created(
        app.post(
            &format!("{sam}/courses"),
            Some(v),
            json!({"kind": "bra_mat", "started_on": on(4, 10)}),
        )
        .await,
    );
    // Lise (woman, Bærum): the dental service refers; the first
    // conversation leads her directly on to another offer.
    let (_, lise, referral) = referred(
        &app,
        centre,
        &veileder,
        &person("Lise", Some("female"), "3201", "dental_health", on(6, 1)),
    )
    .await;
    app.request(
        Method::PUT,
        &format!("{lise}/referrals/{referral}/triage"),
        Some(v),
        Some(json!({"outcome": "redirected", "decided_on": on(6, 5),
                    "redirected_to": "Turlaget"})),
    )
    .await
    .assert_status(StatusCode::OK);
    // Nora (woman, Oslo): NAV refers her, she never comes.
    let (nora, _, nora_referral) = referred(
        &app,
        centre,
        &veileder,
        &person("Nora", Some("female"), "0301", "nav", on(5, 1)),
    )
    .await;

    let path = format!("/v1/centres/{centre}/reports/kostra?year={}", year());
    let report = app.get(&path, Some(&admin.token)).await;
    report.assert_status(StatusCode::OK);
    let r = &report.body;
    assert_eq!(r["exact"], true);
    // Per, Kari, Sam and Lise used an offer; Nora's referral alone does not count.
    assert_eq!(r["persons_total"], 4, "{r}");
    assert_eq!(r["persons_with_referral"], 3);
    assert_eq!(r["persons_without_referral"], 1);
    assert_eq!(
        (&r["men"], &r["women"], &r["sex_not_recorded"]),
        (&json!(1), &json!(2), &json!(1))
    );
    let total = r["persons_total"].as_u64().unwrap();
    assert_eq!(
        r["women"].as_u64().unwrap(),
        total - r["men"].as_u64().unwrap() - r["sex_not_recorded"].as_u64().unwrap()
    );
    // SSB's categories: gp → fastlege, midwife → helsestasjon, dental → andre;
    // Nora's NAV referral is not there, self-contact is no referral.
    assert_eq!(count(r, "ssb_referral_sources", "fastlege"), Some(1));
    assert_eq!(
        count(r, "ssb_referral_sources", "helsestasjon_skolehelsetjeneste"),
        Some(1)
    );
    assert_eq!(count(r, "ssb_referral_sources", "andre"), Some(1));
    assert_eq!(count(r, "ssb_referral_sources", "nav"), None);
    assert_eq!(r["ssb_referral_sources"].as_array().unwrap().len(), 3);
    assert_eq!(count(r, "referral_sources", "self"), Some(1));
    assert_eq!(count(r, "persons_per_offer", "follow_up_period"), Some(2));
    assert_eq!(count(r, "persons_per_offer", "bra_mat"), Some(1));
    assert_eq!(
        count(
            r,
            "quality_indicators",
            "redirected_after_first_conversation"
        ),
        Some(1)
    );
    // Kari is part-time at work and part-time on sick leave: once under each.
    assert_eq!(count(r, "work_school", "employed_part_time"), Some(1));
    assert_eq!(count(r, "work_school", "sick_leave"), Some(1));
    assert_eq!(count(r, "work_school", "unknown"), Some(3));
    assert_eq!(count(r, "education", "higher_short"), Some(1));
    assert_eq!(count(r, "education", "unknown"), Some(3));
    assert_eq!(count(r, "municipalities", "0301"), Some(2));
    assert_eq!(count(r, "municipalities", "3201"), Some(2));

    // The inter-municipal split: each municipality's own report, adding up.
    let mut split = 0;
    for (municipality, expected) in [("0301", 2), ("3201", 2)] {
        let part = app
            .get(
                &format!("{path}&municipality={municipality}"),
                Some(&admin.token),
            )
            .await;
        part.assert_status(StatusCode::OK);
        assert_eq!(part.body["municipality"], municipality);
        assert_eq!(part.body["persons_total"], expected, "{}", part.text);
        split += part.body["persons_total"].as_u64().unwrap();
    }
    assert_eq!(split, total);
    let oslo = app
        .get(&format!("{path}&municipality=0301"), Some(&admin.token))
        .await;
    assert_eq!(
        (&oslo.body["men"], &oslo.body["sex_not_recorded"]),
        (&json!(1), &json!(1))
    );
    app.get(&format!("{path}&municipality=oslo"), Some(&admin.token))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("municipality", "format")),
        );

    // The worklist: Nora's referral, waiting; Per's and Kari's periods are
    // past their planned end without an end conversation or test.
    let worklist = app
        .get(&format!("/v1/centres/{centre}/worklist"), Some(v))
        .await;
    worklist.assert_status(StatusCode::OK);
    let waiting = worklist.body["referrals_without_contact"]
        .as_array()
        .unwrap();
    assert_eq!(waiting.len(), 1, "{}", worklist.text);
    assert_eq!(waiting[0]["referral_id"], nora_referral.as_str());
    assert_eq!(waiting[0]["display_name"], "Nora");
    assert_eq!(waiting[0]["referrer_type"], "nav");
    let ending = worklist.body["periods_ending_incomplete"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = ending
        .iter()
        .map(|p| p["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Per", "Kari"]);
    assert!(ending.iter().all(|p| p["has_end_conversation"] == false
        && p["has_week12_test"] == false
        && p["days_to_planned_end"].as_i64().unwrap() < 0));
    // Nora can see that the veileder read her on the worklist.
    let log = app.get("/v1/me/access-log", Some(&nora.token)).await;
    log.assert_status(StatusCode::OK);
    assert!(
        log.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"] == "worklist"),
        "{}",
        log.text
    );
    // Only the centre's own staff see it.
    let other = app.create_centre("Annen sentral", "4601").await;
    let outsider = app.staff(other, "veileder", "Outsider").await;
    app.get(
        &format!("/v1/centres/{centre}/worklist"),
        Some(&outsider.token),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}

async fn staff_resources_are_recorded_by_the_centre_admin(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let admin = app.staff(centre, "centre_admin", "Admin").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let evaluator = app.staff(centre, "evaluator", "Evaluator").await;
    let path = format!("/v1/centres/{centre}/staff-resources/{}", year());
    let body = json!({"resources": [
        {"profession": "physiotherapist", "hours_per_week": 56.25},
        {"profession": "other", "hours_per_week": 7.5, "specified": "aktivitetskoordinator"},
    ]});
    let put = |token: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.request(Method::PUT, &path, Some(&token), Some(body))
                .await
        }
    };
    put(veileder.token.clone(), body.clone())
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Who may record is judged before what was sent.
    put(
        veileder.token.clone(),
        json!({"resources": [{"profession": "nurse", "hours_per_week": 1.0, "specified": "x"}]}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    put(
        admin.token.clone(),
        json!({"resources": [
            {"profession": "nurse", "hours_per_week": 10.0},
            {"profession": "nurse", "hours_per_week": 5.0},
        ]}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("resources[1].profession", "unique")),
    );
    let saved = put(admin.token.clone(), body).await;
    saved.assert_status(StatusCode::OK);
    assert_eq!(saved.body["hours_per_week_total"], 63.75);
    // 63.75 / 37.5 = 1.7 årsverk; the physiotherapists alone 1.5.
    assert_eq!(saved.body["full_time_equivalents_total"], 1.7);
    assert_eq!(saved.body["resources"][0]["profession"], "physiotherapist");
    assert_eq!(saved.body["resources"][0]["full_time_equivalents"], 1.5);
    // The evaluator reads them; the KOSTRA report carries them.
    let read = app.get(&path, Some(&evaluator.token)).await;
    read.assert_status(StatusCode::OK);
    assert_eq!(read.body["full_time_equivalents_total"], 1.7);
    let report = app
        .get(
            &format!("/v1/centres/{centre}/reports/kostra?year={}", year()),
            Some(&admin.token),
        )
        .await;
    report.assert_status(StatusCode::OK);
    assert_eq!(
        report.body["staff_resources"]["hours_per_week_total"],
        63.75
    );
    let csv = app
        .get(
            &format!(
                "/v1/centres/{centre}/reports/kostra?year={}&format=csv",
                year()
            ),
            Some(&admin.token),
        )
        .await;
    assert!(
        csv.text.contains("full_time_equivalents,total,1.7\n"),
        "{}",
        csv.text
    );
    // Replacing with an empty list clears the year.
    let cleared = put(admin.token.clone(), json!({"resources": []})).await;
    cleared.assert_status(StatusCode::OK);
    assert_eq!(cleared.body["hours_per_week_total"], 0.0);
}
