//! Feedback to the GP and the referrer (issue 13): the fastlege and the
//! referrer on the journey, an epikrise drafted from a whole period as a
//! FHIR R4 document (validated against the FHIR schema) and as a PDF, the
//! veileder's assessment edited, then sent to the GP and to the specialist
//! who referred; the participant's objection blocks it; a self-referral
//! gets a message to the GP; and the worklist lists completed periods
//! whose epikrise is not sent.

use chrono::{Duration, NaiveDate, Utc};
use friskliv_tests::{PasskeyDevice, Reply, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    a_whole_period_ends_in_an_epikrise_to_the_gp_and_the_referrer,
    an_objection_blocks_drafting_and_sending,
    a_self_referral_gets_a_message_to_the_gp,
    the_worklist_lists_completed_periods_without_a_sent_epikrise,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

struct World {
    centre: Uuid,
    veileder: Session,
    p: Session,
    base: String,
}

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

async fn world(app: &TestApp, centre_name: &str) -> World {
    let centre = app.create_centre(centre_name, "0301").await;
    let veileder = app.staff(centre, "veileder", "Veileder").await;
    let p = participant(app, centre, &veileder, "Per").await;
    let base = format!("/v1/centres/{centre}/participants/{}", p.account_id);
    World {
        centre,
        veileder,
        p,
        base,
    }
}

async fn consent(app: &TestApp, who: &Session, centre: Uuid, scope: &str) {
    let reply = app
        .post(
            "/v1/me/consents",
            Some(&who.token),
            json!({"scope": scope, "centre_id": centre}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
}

fn created(reply: Reply) -> Value {
    reply.assert_status(StatusCode::CREATED);
    reply.body
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.request(Method::PUT, path, Some(token), Some(body))
        .await
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

/// Validates against the FHIR R4 JSON schema, cut down to a document
/// Bundle (see `tests/fixtures/reduce_fhir_schema.py`).
fn assert_valid_fhir_document(bundle: &Value) {
    let schema: Value = serde_json::from_str(include_str!(
        "../fixtures/fhir-r4-document-bundle.schema.json"
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the FHIR schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(bundle)
        .take(10)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "not valid FHIR R4: {errors:#?}");
    assert_eq!(bundle["type"], "document");
    assert_eq!(
        bundle["entry"][0]["resource"]["resourceType"],
        "Composition"
    );
    // The schema has teeth: a Composition without its type, a field FHIR
    // does not know and a narrative of the wrong status all fail.
    let mut no_type = bundle.clone();
    no_type["entry"][0]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("type");
    let mut unknown_field = bundle.clone();
    unknown_field["entry"][0]["resource"]["recipient"] = json!("Ola Fastlege");
    let mut bad_narrative = bundle.clone();
    bad_narrative["entry"][0]["resource"]["section"][0]["text"]["status"] = json!("handwritten");
    for broken in [no_type, unknown_field, bad_narrative] {
        assert!(!validator.is_valid(&broken));
    }
}

/// Clients and contract checkers read the document by the spec, so what is
/// served must be what `getEpikriseFhir` and `EpikriseView.document` declare.
async fn assert_matches_the_declared_bundle(app: &TestApp, bundle: &Value) {
    let spec = app.get("/v1/openapi.json", None).await.body;
    let fhir_path =
        "/v1/centres/{centre_id}/participants/{participant_id}/periods/{period}/epikrise/fhir";
    let declared = &spec["paths"][fhir_path]["get"]["responses"]["200"]["content"]["application/fhir+json"]
        ["schema"]["$ref"];
    assert_eq!(declared, "#/components/schemas/FhirDocumentBundle");
    assert_eq!(
        spec["components"]["schemas"]["EpikriseView"]["properties"]["document"]["$ref"],
        "#/components/schemas/FhirDocumentBundle"
    );
    let schema = &spec["components"]["schemas"]["FhirDocumentBundle"];
    let validator = jsonschema::validator_for(schema).expect("the declared schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(bundle)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "served Bundle is not what the spec declares: {errors:?}"
    );
    assert!(!validator.is_valid(&json!({"resourceType": "Bundle", "type": "collection"})));
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn composition(bundle: &Value) -> &Value {
    &bundle["entry"][0]["resource"]
}

/// A section's narrative, one paragraph per line.
fn section_lines(bundle: &Value, code: &str) -> Vec<String> {
    let section = composition(bundle)["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == code)
        .unwrap_or_else(|| panic!("no section {code} in {bundle}"));
    let div = section["text"]["div"].as_str().unwrap();
    assert!(div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"));
    assert_eq!(section["text"]["status"], "generated");
    div.split("<p>")
        .skip(1)
        .map(|p| p.split("</p>").next().unwrap().to_owned())
        .collect()
}

fn section_codes(bundle: &Value) -> Vec<String> {
    composition(bundle)["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The fullUrl the reference names resolves to a resource of the Bundle.
fn resolve<'a>(bundle: &'a Value, reference: &Value) -> &'a Value {
    &bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fullUrl"] == *reference)
        .unwrap_or_else(|| panic!("{reference} is not in the Bundle"))["resource"]
}

fn actions(log: &Reply) -> Vec<(String, String)> {
    log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["resource"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn pdf_bytes(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, resp.bytes().await.unwrap().to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether a line of text is shown on a page: as a literal string when it
/// is ASCII, else as the hex string of its WinAnsi bytes (Latin-1 for æ,
/// ø, å).
fn pdf_shows(pdf: &[u8], text: &str) -> bool {
    if text.is_ascii() {
        return contains(pdf, format!("({text})").as_bytes());
    }
    let hex: String = text.chars().map(|c| format!("{:02X}", c as u32)).collect();
    contains(pdf, format!("<{hex}>").as_bytes())
        || contains(pdf, format!("<{}>", hex.to_lowercase()).as_bytes())
}

/// A 55-year-old man (180 cm, 90 kg) referred by a cardiologist, with a
/// GP on record: 400 m at baseline, 430 m at week 12, one goal reached, a
/// cooking course, and the sports club afterwards.
async fn a_whole_period_ends_in_an_epikrise_to_the_gp_and_the_referrer(app: TestApp) {
    let w = world(&app, "Frisklivssentralen i Oslo").await;
    let v = &w.veileder.token;
    let start = today() - Duration::days(90);
    let week12 = start + Duration::days(84);
    for scope in ["summaries", "assessments"] {
        consent(&app, &w.p, w.centre, scope).await;
    }
    let born = start - Duration::days(55 * 366);
    let attrs = patch(
        &app,
        &format!("{}/attributes", w.base),
        v,
        json!({"sex": "male", "height_cm": 180.0,
               "birth_month": born.format("%Y-%m").to_string(),
               "gp": {"name": "Ola Fastlege", "hpr_number": "123456789",
                      "practice": "Sentrum legekontor"}}),
    )
    .await;
    attrs.assert_status(StatusCode::OK);
    assert_eq!(
        attrs.body["gp"],
        json!({"name": "Ola Fastlege", "hpr_number": "123456789", "practice": "Sentrum legekontor"})
    );
    // A GP is named; the HPR number is 1–9 digits.
    patch(
        &app,
        &format!("{}/attributes", w.base),
        v,
        json!({"gp": {"name": "Ola Fastlege", "hpr_number": "HPR-1"}}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("gp.hpr_number", "format")),
    );
    let again = app.get(&format!("{}/attributes", w.base), Some(v)).await;
    assert_eq!(
        again.body["gp"]["hpr_number"], "123456789",
        "nothing half written"
    );

    let referral = created(
        app.post(
            &format!("{}/referrals", w.base),
            Some(v),
            json!({"referrer_type": "specialist_health", "reasons": ["cardiovascular"],
                   "referred_on": (start - Duration::days(14)).to_string(),
                   "referrer": {"name": "Kari Kardiolog",
                                "organisation": "Oslo universitetssykehus, hjertemedisin"}}),
        )
        .await,
    );
    assert_eq!(referral["referrer"]["name"], "Kari Kardiolog");
    let referral_id = referral["id"].as_str().unwrap();
    put(
        &app,
        &format!("{}/referrals/{referral_id}/triage", w.base),
        v,
        json!({"outcome": "enrolled", "decided_on": start.to_string()}),
    )
    .await
    .assert_status(StatusCode::OK);
    created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string(), "referral_id": referral_id}),
        )
        .await,
    );
    created(
        app.post(
            &format!("{}/periods/1/conversations", w.base),
            Some(v),
            json!({"kind": "start", "held_on": start.to_string(), "interpreter_used": false}),
        )
        .await,
    );
    let goal = created(
        app.post(
            &format!("{}/goals", w.base),
            Some(v),
            json!({"domain": "activity", "text": "Gå til jobben tre dager i uka",
                   "target": "3 dager/uke"}),
        )
        .await,
    );
    created(
        app.post(
            &format!("{}/courses", w.base),
            Some(v),
            json!({"kind": "bra_mat", "started_on": (start + Duration::days(7)).to_string(),
                   "name": "Bra mat høst"}),
        )
        .await,
    );
    for (timepoint, on, metres, kg) in [
        ("baseline", start, 400.0, 90.0),
        ("week12", week12, 430.0, 88.0),
    ] {
        for body in [
            json!({"instrument": "six_minute_walk", "timepoint": timepoint, "assessed_on": on.to_string(),
                   "six_minute_walk": {"distance_m": metres}}),
            json!({"instrument": "body", "timepoint": timepoint, "assessed_on": on.to_string(),
                   "body": {"weight_kg": kg}}),
        ] {
            created(
                app.post(&format!("{}/assessments", w.base), Some(v), body)
                    .await,
            );
        }
    }
    created(
        app.post(
            &format!("{}/periods/1/conversations", w.base),
            Some(v),
            json!({"kind": "end", "held_on": week12.to_string(), "interpreter_used": false}),
        )
        .await,
    );
    put(
        &app,
        &format!(
            "{}/goals/{}/attainment",
            w.base,
            goal["id"].as_str().unwrap()
        ),
        v,
        json!({"attainment": "fully"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let epikrise = format!("{}/periods/1/epikrise", w.base);
    // An epikrise sums up a period that has ended.
    app.post(&epikrise, Some(v), json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, Some(("kind", "period_ended")));
    app.post(
        &format!("{}/periods/1/complete", w.base),
        Some(v),
        json!({"ended_on": week12.to_string(), "onward_offers": ["sports_club"]}),
    )
    .await
    .assert_status(StatusCode::OK);

    // The draft: the period's values in a FHIR document.
    let draft = created(
        app.post(
            &epikrise,
            Some(v),
            json!({"assessment": "Per har økt gangdistansen."}),
        )
        .await,
    );
    assert_eq!(draft["kind"], "epikrise");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["period"], 1);
    assert_eq!(draft["assessment"], "Per har økt gangdistansen.");
    assert_eq!(
        draft["recipients"],
        json!([
            {"kind": "gp", "name": "Ola Fastlege", "hpr_number": "123456789",
             "organisation": "Sentrum legekontor", "sent": false},
            {"kind": "referrer", "name": "Kari Kardiolog",
             "organisation": "Oslo universitetssykehus, hjertemedisin", "sent": false},
        ])
    );
    let bundle = &draft["document"];
    assert_valid_fhir_document(bundle);
    assert_eq!(
        bundle["identifier"]["value"],
        format!("urn:uuid:{}", draft["id"].as_str().unwrap())
    );
    assert!(bundle["timestamp"].as_str().unwrap().ends_with('Z'));
    let c = composition(bundle);
    assert_eq!(c["status"], "preliminary");
    assert_eq!(c["type"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(c["type"]["coding"][0]["code"], "18842-5");
    assert_eq!(
        c["event"][0]["period"],
        json!({"start": start.to_string(), "end": week12.to_string()})
    );
    let patient = resolve(bundle, &c["subject"]["reference"]);
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(patient["name"][0]["text"], "Per");
    assert_eq!(patient["birthDate"], born.format("%Y-%m").to_string());
    assert_eq!(patient["gender"], "male");
    let author = resolve(bundle, &c["author"][0]["reference"]);
    assert_eq!(author["resourceType"], "Organization");
    assert_eq!(author["name"], "Frisklivssentralen i Oslo");
    let practitioners = resources(bundle, "Practitioner");
    assert_eq!(practitioners.len(), 2, "the GP and the referrer");
    assert_eq!(
        practitioners[0]["identifier"],
        json!([{"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "123456789"}])
    );
    assert_eq!(practitioners[1]["name"][0]["text"], "Kari Kardiolog");
    assert_eq!(
        section_codes(bundle),
        vec![
            "recipients",
            "period",
            "goals",
            "tests",
            "indicators",
            "participation",
            "onward",
            "assessment"
        ]
    );
    assert_eq!(
        section_lines(bundle, "recipients"),
        vec![
            "Fastlege: Ola Fastlege, HPR-nr. 123456789, Sentrum legekontor",
            "Henviser (spesialisthelsetjenesten): Kari Kardiolog, Oslo universitetssykehus, hjertemedisin",
        ]
    );
    assert_eq!(
        section_lines(bundle, "goals"),
        vec!["Fysisk aktivitet: Gå til jobben tre dager i uka (mål: 3 dager/uke) – nådd"]
    );
    assert_eq!(section_lines(bundle, "onward"), vec!["Idrettslag"]);
    // Start and end conversations, one course, 84 days = 12 weeks.
    assert_eq!(
        section_lines(bundle, "participation")[0],
        "2 helsesamtaler, 1 kurs eller gruppetilbud, 12 uker i perioden."
    );
    let fmt = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    assert_eq!(
        section_lines(bundle, "tests"),
        vec![
            format!("6 minutters gangtest ved start ({}): 400 m", fmt(start)),
            format!("Vekt ved start ({}): 90 kg", fmt(start)),
            format!(
                "6 minutters gangtest etter 12 uker ({}): 430 m",
                fmt(week12)
            ),
            format!("Vekt etter 12 uker ({}): 88 kg", fmt(week12)),
        ]
    );
    // 6MWT as LOINC 64098-7 at start and end, in the tests section.
    let walks: Vec<(Value, Value)> = resources(bundle, "Observation")
        .into_iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "64098-7")
        .map(|o| {
            (
                o["valueQuantity"]["value"].clone(),
                o["effectiveDateTime"].clone(),
            )
        })
        .collect();
    assert_eq!(
        walks,
        vec![
            (json!(400.0), json!(start.to_string())),
            (json!(430.0), json!(week12.to_string()))
        ]
    );
    let tests_section = composition(bundle)["section"][3].clone();
    assert_eq!(tests_section["entry"].as_array().unwrap().len(), 4);
    // The indicators with their definitions: 430 − 400 = 30 m; predicted
    // 7.57·180 − 5.02·55 − 1.76·90 − 309 = 619.1 m, so 400 m is 64.6 %.
    let indicator = |name: &str| {
        resources(bundle, "Observation")
            .into_iter()
            .find(|o| o["code"]["coding"][0]["code"] == name)
            .unwrap_or_else(|| panic!("no indicator {name}"))
            .clone()
    };
    let change = indicator("six_minute_walk_change_m");
    assert_eq!(change["valueQuantity"]["value"], 30.0);
    assert_eq!(change["code"]["text"], "fitness_change@1");
    assert_eq!(
        indicator("six_minute_walk_baseline_percent_predicted")["valueQuantity"]["value"],
        64.6
    );
    assert_eq!(indicator("improved_fitness")["valueBoolean"], true);
    let indicator_lines = section_lines(bundle, "indicators");
    assert!(
        indicator_lines.contains(
            &"six_minute_walk_change_m: 30 m (definisjon fitness_change versjon 1)".to_owned()
        ),
        "{indicator_lines:?}"
    );
    // One goal of one reached.
    assert!(
        indicator_lines
            .contains(&"goal_attainment: 100 % (definisjon goal_attainment versjon 1)".to_owned()),
        "{indicator_lines:?}"
    );
    assert_eq!(
        section_lines(bundle, "assessment"),
        vec!["Per har økt gangdistansen."]
    );

    // The same document as FHIR.
    let fhir = app.get(&format!("{epikrise}/fhir"), Some(v)).await;
    fhir.assert_status(StatusCode::OK);
    assert_eq!(fhir.content_type, "application/fhir+json");
    assert_eq!(&fhir.body, bundle);
    assert_matches_the_declared_bundle(&app, bundle).await;

    // The veileder edits the assessment; the Bundle's section follows.
    let edited = put(
        &app,
        &format!("{epikrise}/assessment"),
        v,
        json!({"assessment": "Per har økt gangdistansen med 30 m.\nAnbefaler videre trening i idrettslaget."}),
    )
    .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(
        section_lines(&edited.body["document"], "assessment"),
        vec![
            "Per har økt gangdistansen med 30 m.",
            "Anbefaler videre trening i idrettslaget."
        ]
    );
    assert_valid_fhir_document(&edited.body["document"]);
    put(
        &app,
        &format!("{epikrise}/assessment"),
        v,
        json!({"assessment": "x".repeat(4001)}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("assessment", "length")),
    );

    // The PDF has pages and the same content, æøå included.
    let (status, content_type, pdf) = pdf_bytes(&app, &format!("{epikrise}/pdf"), v).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(contains(&pdf, b"/Type /Page"));
    assert!(contains(&pdf, b"/Count 1") || contains(&pdf, b"/Count 2"));
    assert!(contains(&pdf, b"%%EOF"));
    for text in [
        "Epikrise fra frisklivssentralen",
        "Mål og måloppnåelse",
        "Anbefaler videre trening i idrettslaget.",
        "Fastlege: Ola Fastlege, HPR-nr. 123456789, Sentrum legekontor",
    ] {
        assert!(pdf_shows(&pdf, text), "the PDF lacks {text}");
    }

    // Sent to the GP by Norsk helsenett: final, and no longer edited.
    let sent = app
        .post(
            &format!("{epikrise}/send"),
            Some(v),
            json!({"recipient_kind": "gp", "recipient_name": "Ola Fastlege",
                   "channel": "helsenett", "sent_on": today().to_string()}),
        )
        .await;
    sent.assert_status(StatusCode::OK);
    assert_eq!(sent.body["status"], "sent");
    assert_eq!(composition(&sent.body["document"])["status"], "final");
    assert_eq!(sent.body["recipients"][0]["sent"], true);
    assert_eq!(sent.body["recipients"][1]["sent"], false);
    assert_valid_fhir_document(&sent.body["document"]);
    put(
        &app,
        &format!("{epikrise}/assessment"),
        v,
        json!({"assessment": "Endret etter sending"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, None);
    app.post(&epikrise, Some(v), json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    // A sending in the future is refused.
    app.post(
        &format!("{epikrise}/send"),
        Some(v),
        json!({"recipient_kind": "referrer", "recipient_name": "Kari Kardiolog",
               "channel": "post", "sent_on": (today() + Duration::days(5)).to_string()}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("sent_on", "not_future")),
    );
    // Nor can it have been sent before it was drafted (today).
    app.post(
        &format!("{epikrise}/send"),
        Some(v),
        json!({"recipient_kind": "referrer", "recipient_name": "Kari Kardiolog",
               "channel": "post", "sent_on": (today() - Duration::days(3)).to_string()}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, Some(("sent_on", "after_draft")));
    // Then to the referrer, by post.
    let both = app
        .post(
            &format!("{epikrise}/send"),
            Some(v),
            json!({"recipient_kind": "referrer", "recipient_name": "Kari Kardiolog",
                   "channel": "post", "sent_on": today().to_string()}),
        )
        .await;
    both.assert_status(StatusCode::OK);
    let sendings: Vec<(Value, Value)> = both.body["sendings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["recipient_kind"].clone(), s["channel"].clone()))
        .collect();
    assert_eq!(
        sendings,
        vec![
            (json!("gp"), json!("helsenett")),
            (json!("referrer"), json!("post"))
        ]
    );
    assert_eq!(both.body["recipients"][1]["sent"], true);
    let view = app.get(&epikrise, Some(v)).await;
    view.assert_status(StatusCode::OK);
    assert_eq!(view.body["status"], "sent");
    assert_eq!(
        section_lines(&view.body["document"], "assessment")[1],
        "Anbefaler videre trening i idrettslaget."
    );

    // Draft, view and send are in the participant's access log.
    let log = app
        .get("/v1/me/access-log?limit=500", Some(&w.p.token))
        .await;
    log.assert_status(StatusCode::OK);
    let logged = actions(&log);
    for (action, resource) in [
        ("draft_epikrise", "periods/1/epikrise"),
        ("draft_epikrise", "periods/1/epikrise/assessment"),
        ("read_epikrise", "periods/1/epikrise"),
        ("read_epikrise", "periods/1/epikrise/fhir"),
        ("read_epikrise", "periods/1/epikrise/pdf"),
        ("send_epikrise", "periods/1/epikrise/send"),
    ] {
        assert!(
            logged.contains(&(action.to_owned(), resource.to_owned())),
            "no {action} of {resource} in {logged:?}"
        );
    }

    // Another centre: refused at A's door, nothing of A's at its own.
    let other = app
        .create_centre("Frisklivssentralen i Bærum", "3201")
        .await;
    let outsider = app.staff(other, "veileder", "Utenfor").await;
    app.get(&epikrise, Some(&outsider.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    let theirs = format!(
        "/v1/centres/{other}/participants/{}/periods/1/epikrise",
        w.p.account_id
    );
    app.get(&theirs, Some(&outsider.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    // Even when the participant shares with it, A's period is A's.
    consent(&app, &w.p, other, "assessments").await;
    app.get(&theirs, Some(&outsider.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    app.post(&theirs, Some(&outsider.token), json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
}

async fn completed_period(app: &TestApp, w: &World, days: i64) {
    let v = &w.veileder.token;
    let start = today() - Duration::days(days);
    created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string()}),
        )
        .await,
    );
    app.post(
        &format!("{}/periods/1/complete", w.base),
        Some(v),
        json!({"ended_on": today().to_string(), "onward_offers": ["voluntary_organisation"]}),
    )
    .await
    .assert_status(StatusCode::OK);
}

async fn an_objection_blocks_drafting_and_sending(app: TestApp) {
    let w = world(&app, "Frisklivssentralen").await;
    let v = &w.veileder.token;
    completed_period(&app, &w, 84).await;
    let epikrise = format!("{}/periods/1/epikrise", w.base);
    created(app.post(&epikrise, Some(v), json!({})).await);
    let object = |objects: bool| {
        put(
            &app,
            "/v1/me/epikrise-objection",
            &w.p.token,
            json!({"objects": objects}),
        )
    };
    object(true).await.assert_status(StatusCode::OK);
    let refused = app.post(&epikrise, Some(v), json!({})).await;
    refused.assert_problem(StatusCode::FORBIDDEN, None);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("epikrise objection"),
        "{}",
        refused.text
    );
    let send = json!({"recipient_kind": "gp", "recipient_name": "Ola Fastlege",
                      "channel": "hand", "sent_on": today().to_string()});
    let refused = app
        .post(&format!("{epikrise}/send"), Some(v), send.clone())
        .await;
    refused.assert_problem(StatusCode::FORBIDDEN, None);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("epikrise objection")
    );
    // Nothing was sent: the draft stays a draft, without sendings.
    let view = app.get(&epikrise, Some(v)).await;
    view.assert_status(StatusCode::OK);
    assert_eq!(view.body["status"], "draft");
    assert_eq!(view.body["sendings"], json!([]));
    // A message to the GP is feedback to the GP too.
    app.post(&epikrise, Some(v), json!({"kind": "gp_message"}))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    // The refused attempts are in the participant's log as well.
    let log = app
        .get("/v1/me/access-log?limit=500", Some(&w.p.token))
        .await;
    let logged = actions(&log);
    assert!(logged.contains(&(
        "send_epikrise".to_owned(),
        "periods/1/epikrise/send".to_owned()
    )));
    // Once the objection is withdrawn, it can be sent.
    object(false).await.assert_status(StatusCode::OK);
    let sent = app.post(&format!("{epikrise}/send"), Some(v), send).await;
    sent.assert_status(StatusCode::OK);
    assert_eq!(sent.body["status"], "sent");
    // Without an assessments consent the tests are said to be left out.
    assert!(
        section_lines(&sent.body["document"], "tests")[0].contains("deler ikke testresultater")
    );
    assert_valid_fhir_document(&sent.body["document"]);
}

async fn a_self_referral_gets_a_message_to_the_gp(app: TestApp) {
    let w = world(&app, "Frisklivssentralen").await;
    let v = &w.veileder.token;
    let start = today() - Duration::days(10);
    let referral = created(
        app.post(
            &format!("{}/referrals", w.base),
            Some(v),
            json!({"referrer_type": "self", "reasons": ["sleep"],
                   "referred_on": start.to_string()}),
        )
        .await,
    );
    // A self-contact names no referrer.
    app.post(
        &format!("{}/referrals", w.base),
        Some(v),
        json!({"referrer_type": "self", "reasons": ["sleep"], "referred_on": start.to_string(),
               "referrer": {"name": "Per"}}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("referrer", "consistent")),
    );
    created(
        app.post(
            &format!("{}/periods", w.base),
            Some(v),
            json!({"start_date": start.to_string(), "referral_id": referral["id"]}),
        )
        .await,
    );
    created(
        app.post(
            &format!("{}/goals", w.base),
            Some(v),
            json!({"domain": "sleep", "text": "Legge meg før 23 på hverdager"}),
        )
        .await,
    );
    let epikrise = format!("{}/periods/1/epikrise", w.base);
    // The period runs: an epikrise waits, a message to the GP does not.
    app.post(&epikrise, Some(v), json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, Some(("kind", "period_ended")));
    let message = created(
        app.post(
            &epikrise,
            Some(v),
            json!({"kind": "gp_message", "assessment": "Per deltar i 12 uker med fokus på søvn."}),
        )
        .await,
    );
    assert_eq!(message["kind"], "gp_message");
    // No GP recorded yet, and no referrer to write back to.
    assert_eq!(
        message["recipients"],
        json!([{"kind": "gp", "sent": false}])
    );
    let bundle = &message["document"];
    assert_valid_fhir_document(bundle);
    let c = composition(bundle);
    assert_eq!(
        c["type"],
        json!({"text": "Melding til fastlege om deltakelse ved frisklivssentral"})
    );
    assert_eq!(
        c["title"],
        "Melding til fastlege om deltakelse ved frisklivssentralen"
    );
    assert_eq!(
        section_codes(bundle),
        vec!["recipients", "period", "goals", "assessment"]
    );
    let period_lines = section_lines(bundle, "period");
    assert_eq!(period_lines[2], "Deltakeren tok kontakt selv.");
    assert_eq!(period_lines[3], "Årsak: søvnvansker.");
    assert_eq!(
        section_lines(bundle, "goals"),
        vec!["Søvn: Legge meg før 23 på hverdager"]
    );
    assert!(resources(bundle, "Practitioner").is_empty());
    // Views name the kind; the epikrise itself does not exist.
    let view = app
        .get(&format!("{epikrise}?kind=gp_message"), Some(v))
        .await;
    view.assert_status(StatusCode::OK);
    assert_eq!(view.body["id"], message["id"]);
    app.get(&epikrise, Some(v))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    app.get(&format!("{epikrise}?kind=letter"), Some(v))
        .await
        .assert_problem(StatusCode::NOT_FOUND, Some(("kind", "one_of")));
    // The GP is recorded later; a redraft takes them and keeps the text.
    patch(
        &app,
        &format!("{}/attributes", w.base),
        v,
        json!({"gp": {"name": "Ola Fastlege"}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let redrafted = created(
        app.post(&epikrise, Some(v), json!({"kind": "gp_message"}))
            .await,
    );
    assert_eq!(redrafted["id"], message["id"]);
    assert_eq!(redrafted["recipients"][0]["name"], "Ola Fastlege");
    assert_eq!(
        section_lines(&redrafted["document"], "assessment"),
        vec!["Per deltar i 12 uker med fokus på søvn."]
    );
    let (status, _, pdf) = pdf_bytes(&app, &format!("{epikrise}/pdf?kind=gp_message"), v).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf_shows(&pdf, "Mål for perioden"));
    let sent = app
        .post(
            &format!("{epikrise}/send"),
            Some(v),
            json!({"kind": "gp_message", "recipient_kind": "gp", "recipient_name": "Ola Fastlege",
                   "channel": "helsenett", "sent_on": today().to_string()}),
        )
        .await;
    sent.assert_status(StatusCode::OK);
    assert_eq!(sent.body["kind"], "gp_message");
    assert_eq!(composition(&sent.body["document"])["status"], "final");
}

async fn the_worklist_lists_completed_periods_without_a_sent_epikrise(app: TestApp) {
    let w = world(&app, "Frisklivssentralen").await;
    let v = &w.veileder.token;
    completed_period(&app, &w, 84).await;
    // A second participant who objects is listed, flagged.
    let q = participant(&app, w.centre, &w.veileder, "Quinn").await;
    let q_world = World {
        centre: w.centre,
        veileder: app.staff(w.centre, "veileder", "Veileder 2").await,
        base: format!("/v1/centres/{}/participants/{}", w.centre, q.account_id),
        p: q,
    };
    completed_period(&app, &q_world, 60).await;
    put(
        &app,
        "/v1/me/epikrise-objection",
        &q_world.p.token,
        json!({"objects": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    let worklist = |token: String| {
        let app = &app;
        let path = format!("/v1/centres/{}/worklist", w.centre);
        async move {
            let reply = app.get(&path, Some(&token)).await;
            reply.assert_status(StatusCode::OK);
            reply.body["periods_without_sent_epikrise"].clone()
        }
    };
    let listed = worklist(v.clone()).await;
    let rows: Vec<(Value, Value, Value, Value)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["display_name"].clone(),
                r["period"].clone(),
                r["epikrise_status"].clone(),
                r["epikrise_objection"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (json!("Per"), json!(1), Value::Null, json!(false)),
            (json!("Quinn"), json!(1), Value::Null, json!(true)),
        ]
    );
    assert_eq!(listed[0]["ended_on"], today().to_string());
    // A draft is still to be sent; a sent one leaves the list.
    let epikrise = format!("{}/periods/1/epikrise", w.base);
    created(app.post(&epikrise, Some(v), json!({})).await);
    let listed = worklist(v.clone()).await;
    assert_eq!(listed[0]["epikrise_status"], "draft");
    app.post(
        &format!("{epikrise}/send"),
        Some(v),
        json!({"recipient_kind": "gp", "recipient_name": "Ola Fastlege",
               "channel": "post", "sent_on": today().to_string()}),
    )
    .await
    .assert_status(StatusCode::OK);
    let listed = worklist(v.clone()).await;
    let names: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["display_name"])
        .collect();
    assert_eq!(names, vec![&json!("Quinn")]);
}
