//! The HTTP contract around the operations: probes, docs, the served spec,
//! and problem+json for every way a request can be refused before or
//! outside a handler.

use friskliv_tests::{Backend, PasskeyDevice, TestApp, run_on_with, stories};
use reqwest::StatusCode;
use serde_json::json;

stories!(
    probes_docs_and_served_spec,
    refusals_outside_handlers_are_problem_json,
    every_response_carries_the_security_headers,
    method_not_allowed_says_what_is_allowed,
    paths_through_a_centre_that_does_not_exist_are_refused_not_500,
);

async fn probes_docs_and_served_spec(app: TestApp) {
    let health = app.get("/health", None).await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    assert!(health.headers.get("x-request-id").is_some());
    let ready = app.get("/ready", None).await;
    ready.assert_status(StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");

    let docs = app.get("/docs", None).await;
    docs.assert_status(StatusCode::OK);
    assert!(docs.content_type.starts_with("text/html"));

    // The served spec is the committed contract.
    let served = app.get("/v1/openapi.json", None).await;
    served.assert_status(StatusCode::OK);
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json"))
            .expect("committed spec is JSON");
    assert_eq!(
        served.body, committed,
        "served spec differs from openapi/openapi.json"
    );
}

/// Problem documents always carry every field of the declared `Problem`
/// schema, `errors` included (empty when not about a field).
#[track_caller]
fn assert_complete_problem(reply: &friskliv_tests::Reply) {
    for field in ["type", "title", "status", "detail", "errors"] {
        assert!(
            reply.body.get(field).is_some(),
            "problem without `{field}`: {}",
            reply.text
        );
    }
    assert!(reply.body["errors"].is_array());
}

async fn refusals_outside_handlers_are_problem_json(app: TestApp) {
    let unknown = app.get("/v1/no-such-thing", None).await;
    unknown.assert_problem(StatusCode::NOT_FOUND, None);
    assert_complete_problem(&unknown);
    let wrong_method = app
        .request(reqwest::Method::PUT, "/v1/me", None, None)
        .await;
    wrong_method.assert_problem(StatusCode::METHOD_NOT_ALLOWED, None);
    assert_complete_problem(&wrong_method);
    let no_token = app.get("/v1/me", None).await;
    no_token.assert_problem(StatusCode::UNAUTHORIZED, None);
    assert_complete_problem(&no_token);
    assert_eq!(no_token.body["errors"], json!([]));

    // Not JSON.
    let resp = app
        .http
        .post(app.url("/v1/auth/register/start"))
        .header("content-type", "text/plain")
        .body("ABCD")
        .send()
        .await
        .unwrap();
    let not_json = friskliv_tests::Reply::from(resp).await;
    not_json.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    assert_complete_problem(&not_json);

    // Broken JSON names the body and the rule.
    let resp = app
        .http
        .post(app.url("/v1/auth/register/start"))
        .header("content-type", "application/json")
        .body("{\"invite_code\": ")
        .send()
        .await
        .unwrap();
    friskliv_tests::Reply::from(resp)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some(("body", "json")));

    // A wrong type names the field.
    app.post(
        "/v1/auth/register/start",
        None,
        json!({"invite_code": 1234}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("invite_code", "type")));

    // A bad path parameter.
    let centre = app.create_centre("Molde", "1506").await;
    let code = app.invite_staff(centre, "centre_admin").await;
    let admin = app
        .register_ok(&mut PasskeyDevice::new("a"), &code, "A")
        .await;
    app.post(
        "/v1/centres/nope/invites",
        Some(&admin.token),
        json!({"role": "veileder"}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("centre_id", "format")));
}

fn header<'a>(reply: &'a friskliv_tests::Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    let centre = app.create_centre("Hamar", "3403").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &code, "V")
        .await;
    let me = app.get("/v1/me", Some(&veileder.token)).await;
    me.assert_status(StatusCode::OK);
    let refused = app.get("/v1/me", None).await;
    let missing = app.get("/v1/nothing-here", Some(&veileder.token)).await;
    let spec = app.get("/v1/openapi.json", None).await;
    let docs = app.get("/docs", None).await;
    let health = app.get("/health", None).await;
    for (what, reply) in [
        ("me", &me),
        ("401", &refused),
        ("404", &missing),
        ("spec", &spec),
        ("docs", &docs),
        ("health", &health),
    ] {
        assert_eq!(
            header(reply, "x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            header(reply, "referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
        // The test server's origin is http://localhost: no HSTS.
        assert_eq!(header(reply, "strict-transport-security"), None, "{what}");
    }
    // Personal data (and refusals about it) must not be kept by caches…
    for reply in [&me, &refused, &missing] {
        assert_eq!(header(reply, "cache-control"), Some("no-store"));
    }
    // …while the public spec may be.
    assert_eq!(header(&spec, "cache-control"), None);
}

async fn method_not_allowed_says_what_is_allowed(app: TestApp) {
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/v1/me", "GET, HEAD, DELETE"),
        (reqwest::Method::TRACE, "/health", "GET, HEAD"),
        (reqwest::Method::GET, "/v1/auth/logout", "POST"),
        (
            reqwest::Method::POST,
            "/v1/me/diary/food/0193f0c4-3b9e-7d1a-8c55-2f1e9a7b6c3d",
            "GET, HEAD, PUT, DELETE",
        ),
        (reqwest::Method::DELETE, "/v1/openapi.json", "GET, HEAD"),
    ] {
        let reply = app.request(method.clone(), path, None, None).await;
        reply.assert_problem(StatusCode::METHOD_NOT_ALLOWED, None);
        assert_eq!(header(&reply, "allow"), Some(allow), "{method} {path}");
    }
}

/// Refusals are recorded (access log, export audit) even when the centre in
/// the path does not exist; that used to break a foreign key (500).
async fn paths_through_a_centre_that_does_not_exist_are_refused_not_500(app: TestApp) {
    let centre = app.create_centre("Harstad", "5503").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &code, "V")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let participant = app
        .register_ok(
            &mut PasskeyDevice::new("p"),
            invite.body["code"].as_str().unwrap(),
            "P",
        )
        .await;
    let nowhere = uuid::Uuid::new_v4();

    // Staff of another (non-existent) centre, and the participant themself,
    // through that centre's path to the participant.
    for who in [&veileder, &participant] {
        app.get(
            &format!(
                "/v1/centres/{nowhere}/participants/{}/goals",
                participant.account_id
            ),
            Some(&who.token),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    }
    // The participant sees the refused attempts, without a centre.
    let log = app.get("/v1/me/access-log", Some(&participant.token)).await;
    log.assert_status(StatusCode::OK);
    let refused: Vec<_> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["allowed"] == false)
        .collect();
    assert_eq!(refused.len(), 2, "{}", log.text);
    assert!(refused.iter().all(|e| e["centre_id"].is_null()));

    // A KOSTRA report of a centre that does not exist: refused, like one of
    // another centre (nothing is learnt about which centres exist).
    app.get(
        &format!("/v1/centres/{nowhere}/reports/kostra?year=2000"),
        Some(&veileder.token),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
}

/// With an https origin every response asks browsers to use HTTPS only.
async fn https_origin_sends_hsts(backend: Backend) {
    run_on_with(
        backend,
        |config| {
            config.rp_id = "friskliv.kommune.no".to_owned();
            config.rp_origin = url::Url::parse("https://friskliv.kommune.no").unwrap();
        },
        |app: TestApp| async move {
            for path in ["/health", "/v1/me", "/v1/openapi.json"] {
                let reply = app.get(path, None).await;
                assert_eq!(
                    header(&reply, "strict-transport-security"),
                    Some("max-age=31536000"),
                    "{path}"
                );
            }
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_https_origin_sends_hsts() {
    https_origin_sends_hsts(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_https_origin_sends_hsts() {
    https_origin_sends_hsts(Backend::Postgres).await;
}

/// `FRISKLIV_DOCS=off`: no Swagger UI (a 404 problem); the spec is still served.
async fn docs_can_be_switched_off(backend: Backend) {
    run_on_with(
        backend,
        |config| config.docs_enabled = false,
        |app: TestApp| async move {
            let docs = app.get("/docs", None).await;
            docs.assert_problem(StatusCode::NOT_FOUND, None);
            assert_complete_problem(&docs);
            app.get("/v1/openapi.json", None)
                .await
                .assert_status(StatusCode::OK);
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_docs_can_be_switched_off() {
    docs_can_be_switched_off(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_docs_can_be_switched_off() {
    docs_can_be_switched_off(Backend::Postgres).await;
}

async fn guess_from(app: &TestApp, forwarded_for: &str) -> StatusCode {
    app.http
        .post(app.url("/v1/auth/register/start"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"invite_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "display_name": "x"}))
        .send()
        .await
        .unwrap()
        .status()
}

/// A client talking to the server directly cannot escape the sign-in limit
/// by claiming other addresses in `X-Forwarded-For`.
async fn spoofed_forwarded_for_does_not_escape_the_limit(backend: Backend) {
    run_on_with(
        backend,
        |config| config.auth_rate_per_minute = 3,
        |app: TestApp| async move {
            for i in 0..3 {
                let status = guess_from(&app, &format!("198.51.100.{i}")).await;
                assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
            }
            assert_eq!(
                guess_from(&app, "198.51.100.99").await,
                StatusCode::TOO_MANY_REQUESTS
            );
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_spoofed_forwarded_for_does_not_escape_the_limit() {
    spoofed_forwarded_for_does_not_escape_the_limit(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_spoofed_forwarded_for_does_not_escape_the_limit() {
    spoofed_forwarded_for_does_not_escape_the_limit(Backend::Postgres).await;
}

/// Behind a trusted proxy (here: the test client's own loopback address)
/// each client the proxy names has its own budget, and what a client
/// prepends to the header does not count.
async fn trusted_proxy_forwarded_for_keys_the_limit(backend: Backend) {
    run_on_with(
        backend,
        |config| {
            config.auth_rate_per_minute = 2;
            config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        },
        |app: TestApp| async move {
            for _ in 0..2 {
                assert_ne!(
                    guess_from(&app, "198.51.100.1").await,
                    StatusCode::TOO_MANY_REQUESTS
                );
            }
            assert_eq!(
                guess_from(&app, "6.6.6.6, 198.51.100.1").await,
                StatusCode::TOO_MANY_REQUESTS,
                "a prepended address does not start a new budget"
            );
            assert_ne!(
                guess_from(&app, "198.51.100.2").await,
                StatusCode::TOO_MANY_REQUESTS,
                "another client behind the proxy has its own budget"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_trusted_proxy_forwarded_for_keys_the_limit() {
    trusted_proxy_forwarded_for_keys_the_limit(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_trusted_proxy_forwarded_for_keys_the_limit() {
    trusted_proxy_forwarded_for_keys_the_limit(Backend::Postgres).await;
}

/// Guessing invite codes is rate limited per address, with `Retry-After`.
async fn guessing_codes_is_rate_limited(backend: Backend) {
    run_on_with(
        backend,
        |config| config.auth_rate_per_minute = 3,
        |app: TestApp| async move {
            for _ in 0..3 {
                app.post(
                    "/v1/auth/register/start",
                    None,
                    json!({"invite_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "display_name": "x"}),
                )
                .await
                .assert_problem(StatusCode::NOT_FOUND, Some(("invite_code", "unknown")));
            }
            let limited = app
                .post(
                    "/v1/auth/register/start",
                    None,
                    json!({"invite_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "display_name": "x"}),
                )
                .await;
            limited.assert_problem(StatusCode::TOO_MANY_REQUESTS, None);
            let retry: u64 = limited.headers["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry));
            app.post("/v1/auth/login/start", None, json!({}))
                .await
                .assert_problem(StatusCode::TOO_MANY_REQUESTS, None);
            // Signed-in endpoints are not affected.
            app.get("/health", None).await.assert_status(StatusCode::OK);
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_guessing_codes_is_rate_limited() {
    guessing_codes_is_rate_limited(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_guessing_codes_is_rate_limited() {
    guessing_codes_is_rate_limited(Backend::Postgres).await;
}

/// Bodies above the limit are refused with 413, declared or streamed.
async fn oversized_bodies_are_413(backend: Backend) {
    run_on_with(
        backend,
        |config| config.max_body_bytes = 4096,
        |app: TestApp| async move {
            let big = "x".repeat(5000);
            app.post(
                "/v1/auth/register/start",
                None,
                json!({ "invite_code": big }),
            )
            .await
            .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, None);
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                (0..10).map(|_| Ok(vec![b' '; 1000])).collect();
            let resp = app
                .http
                .post(app.url("/v1/auth/register/start"))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                )))
                .send()
                .await
                .unwrap();
            friskliv_tests::Reply::from(resp)
                .await
                .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, None);
            // Just under the limit is read (and refused for its content).
            app.post(
                "/v1/auth/register/start",
                None,
                json!({ "invite_code": "x".repeat(3000) }),
            )
            .await
            .assert_problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("invite_code", "format")),
            );
        },
    )
    .await;
}

#[tokio::test]
async fn sqlite_oversized_bodies_are_413() {
    oversized_bodies_are_413(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_oversized_bodies_are_413() {
    oversized_bodies_are_413(Backend::Postgres).await;
}
