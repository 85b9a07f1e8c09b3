//! The fake FCM refuses what the real one would.

use std::time::Duration;

use friskliv_push::fake::FakeFcm;
use friskliv_push::{FcmClient, PushMessage};
use serde_json::{Value, json};

/// A fake, and an access token it issued (through the client).
async fn fake_and_token() -> (FakeFcm, String) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let client = FcmClient::new(fake.config(dir.path())).unwrap();
    let message = PushMessage {
        token: "device-a".into(),
        title: "t".into(),
        body: "b".into(),
        ..Default::default()
    };
    client.send(&message).await.unwrap();
    let token = fake.messages()[0].access_token.clone();
    (fake, token)
}

fn valid() -> Value {
    json!({
        "message": {
            "token": "device-b",
            "notification": { "title": "t", "body": "b" },
            "data": { "k": "v" },
            "android": { "priority": "normal", "notification": { "channel_id": "c" } },
            "apns": {
                "headers": { "apns-priority": "5", "apns-push-type": "alert" },
                "payload": { "aps": { "sound": "default" } }
            }
        }
    })
}

/// An edit of a valid body that makes it invalid.
type Change = Box<dyn Fn(&mut Value)>;

async fn post(fake: &FakeFcm, token: &str, body: &Value) -> (u16, Value) {
    let url = fake
        .base_url()
        .join("v1/projects/friskliv-test/messages:send")
        .unwrap();
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_valid_message_is_accepted() {
    let (fake, token) = fake_and_token().await;
    let (status, answer) = post(&fake, &token, &valid()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["name"], fake.messages()[1].name);
    assert_eq!(fake.messages()[1].token, "device-b");
}

#[tokio::test]
async fn malformed_messages_are_invalid_argument() {
    let (fake, token) = fake_and_token().await;
    let cases: Vec<(&str, Change)> = vec![
        (
            "Unknown name \"extra\"",
            Box::new(|v| v["extra"] = json!(1)),
        ),
        (
            "Unknown name \"tokens\"",
            Box::new(|v| v["message"]["tokens"] = json!(["x"])),
        ),
        (
            "`message.token`",
            Box::new(|v| v["message"]["token"] = json!("")),
        ),
        (
            "`message.token`",
            Box::new(|v| {
                v["message"].as_object_mut().unwrap().remove("token");
            }),
        ),
        (
            "`message.notification.title`",
            Box::new(|v| v["message"]["notification"]["title"] = json!(3)),
        ),
        (
            "`message.notification` is required",
            Box::new(|v| {
                v["message"].as_object_mut().unwrap().remove("notification");
            }),
        ),
        (
            "`message.data.k`",
            Box::new(|v| v["message"]["data"]["k"] = json!(1)),
        ),
        (
            "reserved",
            Box::new(|v| v["message"]["data"]["from"] = json!("x")),
        ),
        (
            "android.priority",
            Box::new(|v| v["message"]["android"]["priority"] = json!("urgent")),
        ),
        (
            "Unknown name \"channel\"",
            Box::new(|v| v["message"]["android"]["notification"]["channel"] = json!("c")),
        ),
        (
            "apns-priority",
            Box::new(|v| v["message"]["apns"]["headers"]["apns-priority"] = json!("7")),
        ),
        (
            "background",
            Box::new(|v| v["message"]["apns"]["headers"]["apns-push-type"] = json!("background")),
        ),
    ];
    for (expected, change) in cases {
        let mut body = valid();
        change(&mut body);
        let (status, answer) = post(&fake, &token, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["status"], "INVALID_ARGUMENT");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
        assert!(
            !message.contains("registration token"),
            "not about the token: {message}"
        );
    }
    assert_eq!(fake.count(), 1, "only the client's message was accepted");
}

#[tokio::test]
async fn unknown_bearer_tokens_and_paths_are_refused() {
    let (fake, token) = fake_and_token().await;
    let (status, answer) = post(&fake, "made-up", &valid()).await;
    assert_eq!(
        (status, answer["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );

    let url = fake
        .base_url()
        .join("v1/projects/someone-else/messages:send")
        .unwrap();
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(&token)
        .json(&valid())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_grants() {
    let fake = FakeFcm::start().await;
    let http = reqwest::Client::new();
    for form in [
        vec![("grant_type", "client_credentials"), ("assertion", "x")],
        vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "not.a.jwt"),
        ],
        vec![("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")],
    ] {
        let response = http
            .post(fake.token_url())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"], "invalid_grant");
    }
    assert_eq!(fake.tokens_issued(), 0);
    assert_eq!(fake.rejections().len(), 3);
}

#[tokio::test]
async fn a_scripted_503_carries_retry_after() {
    let (fake, token) = fake_and_token().await;
    fake.unavailable("device-b", 1);
    let url = fake
        .base_url()
        .join("v1/projects/friskliv-test/messages:send")
        .unwrap();
    let http = reqwest::Client::new();
    let first = http
        .post(url.clone())
        .bearer_auth(&token)
        .json(&valid())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 503);
    assert_eq!(first.headers()["retry-after"], "1");
    let second = http
        .post(url)
        .bearer_auth(&token)
        .json(&valid())
        .send()
        .await
        .unwrap();
    assert_eq!(second.status().as_u16(), 200);
    fake.wait_for(2, Duration::from_secs(5)).await.unwrap();
}
