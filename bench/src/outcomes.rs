//! Issue 5's measurements on the summary benchmark's participant (a year
//! of diaries): the participant's own `GET /v1/me/progress`, and a
//! veileder's `GET …/periods/1/outcomes`, after a period of 12 weeks ending
//! recently, with baseline and week-12 tests and questionnaires.

use anyhow::{Context, ensure};
use chrono::{Duration, Utc};
use friskliv_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::sharing::{SUMMARY_CONCURRENCY, SummaryResults, get_many};
use crate::stats::Latency;

const WARM_UP: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct OutcomeResults {
    pub progress_seq: Latency,
    pub progress_conc: Latency,
    pub outcomes_seq: Latency,
    pub outcomes_conc: Latency,
}

fn check(body: &[u8], staff: bool) -> anyhow::Result<()> {
    let v: Value = serde_json::from_slice(body).context("outcomes reply")?;
    ensure!(
        v["indicators"].as_array().is_some_and(|i| i.len() > 20),
        "no indicators in {v}"
    );
    if staff {
        ensure!(
            v["shared"] == json!({"summaries": true, "assessments": true}),
            "not everything shared: {}",
            v["shared"]
        );
    }
    ensure!(
        v["weeks"].as_array().is_some_and(|w| w.len() == 12),
        "weeks: {}",
        v["weeks"]
    );
    Ok(())
}

pub async fn measure(
    app: &TestApp,
    http: &reqwest::Client,
    s: &SummaryResults,
    requests: usize,
) -> anyhow::Result<OutcomeResults> {
    let base = format!("/v1/centres/{}/participants/{}", s.centre, s.participant_id);
    let v = s.veileder_token.as_str();
    let p = s.participant_token.as_str();
    let expect = |reply: &friskliv_tests::Reply, status: StatusCode, what: &str| {
        ensure!(
            reply.status == status,
            "{what}: {} {}",
            reply.status,
            reply.text
        );
        Ok(())
    };
    let reply = app
        .post("/v1/me/consents", Some(p), json!({"scope": "assessments"}))
        .await;
    expect(&reply, StatusCode::CREATED, "consent")?;
    let reply = app
        .request(
            Method::PATCH,
            &format!("{base}/attributes"),
            Some(v),
            Some(json!({"sex": "male", "height_cm": 180.0, "birth_month": "1970-05"})),
        )
        .await;
    expect(&reply, StatusCode::OK, "attributes")?;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive();
    let start = today - Duration::days(90);
    let week12 = start + Duration::days(84);
    let reply = app
        .post(
            &format!("{base}/periods"),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await;
    expect(&reply, StatusCode::CREATED, "period")?;
    for (timepoint, day, walk, weight, srh) in [
        ("baseline", start, 450.0, 85.0, 4),
        ("week12", week12, 495.0, 82.0, 2),
    ] {
        for body in [
            json!({"instrument": "six_minute_walk", "timepoint": timepoint, "assessed_on": day.to_string(),
                   "six_minute_walk": {"distance_m": walk}}),
            json!({"instrument": "body", "timepoint": timepoint, "assessed_on": day.to_string(),
                   "body": {"weight_kg": weight}}),
        ] {
            let reply = app
                .post(&format!("{base}/assessments"), Some(v), body)
                .await;
            expect(&reply, StatusCode::CREATED, "test")?;
        }
        let reply = app
            .post(
                "/v1/me/assessments",
                Some(p),
                json!({"instrument": "self_rated_health", "timepoint": timepoint,
                       "assessed_on": day.to_string(), "self_rated_health": {"answer": srh}}),
            )
            .await;
        expect(&reply, StatusCode::CREATED, "questionnaire")?;
    }
    let reply = app
        .post(
            &format!("{base}/periods/1/complete"),
            Some(v),
            json!({"ended_on": week12.to_string()}),
        )
        .await;
    expect(&reply, StatusCode::OK, "complete")?;

    let mut out = OutcomeResults::default();
    let per_client = requests.div_ceil(SUMMARY_CONCURRENCY);
    for (path, token, staff) in [
        ("/v1/me/progress".to_owned(), p, false),
        (format!("{base}/periods/1/outcomes"), v, true),
    ] {
        let url = app.url(&path);
        let (_, _, warm) = get_many(http, &url, token, 1, WARM_UP).await?;
        let (seq, _, bodies) = get_many(http, &url, token, 1, requests).await?;
        let (conc, _, more) = get_many(http, &url, token, SUMMARY_CONCURRENCY, per_client).await?;
        for body in warm.iter().chain(&bodies).chain(&more) {
            check(body, staff)?;
        }
        eprintln!(
            "{path}: sequential p95 {:.2} ms; {SUMMARY_CONCURRENCY} at once p95 {:.2} ms",
            crate::stats::ms(seq.p95),
            crate::stats::ms(conc.p95)
        );
        if staff {
            (out.outcomes_seq, out.outcomes_conc) = (seq, conc);
        } else {
            (out.progress_seq, out.progress_conc) = (seq, conc);
        }
    }
    Ok(out)
}
