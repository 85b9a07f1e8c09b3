//! The FCM client against the fake FCM.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use friskliv_push::fake::{FIXTURE_CLIENT_EMAIL, FIXTURE_PUBLIC_KEY, FakeFcm};
use friskliv_push::{Delivery, FcmClient, FcmConfig, PushError, PushMessage, RetryPolicy, Sender};
use serde_json::json;
use tempfile::TempDir;
use url::Url;

const WAIT: Duration = Duration::from_secs(10);

struct Setup {
    fake: FakeFcm,
    client: FcmClient,
    _dir: TempDir,
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

async fn setup_with(adjust: impl FnOnce(&mut FcmConfig)) -> Setup {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = fake.config(dir.path());
    adjust(&mut config);
    let client = FcmClient::new(config).unwrap();
    Setup {
        fake,
        client,
        _dir: dir,
    }
}

fn message(token: &str) -> PushMessage {
    PushMessage {
        token: token.into(),
        title: "Tid for en gåtur".into(),
        body: "Du har satt av 30 minutter i dag.".into(),
        data: BTreeMap::from([
            ("kind".to_owned(), "reminder".to_owned()),
            ("goal_id".to_owned(), "42".to_owned()),
        ]),
    }
}

fn sent(delivery: Result<Delivery, PushError>) -> String {
    match delivery {
        Ok(Delivery::Sent { name }) => name,
        other => panic!("expected Sent, got {other:?}"),
    }
}

#[tokio::test]
async fn a_send_arrives_in_the_v1_shape_with_a_verified_jwt() {
    let s = setup_with(|c| c.android_channel_id = Some("reminders".into())).await;
    assert_eq!(s.client.project_id(), "friskliv-test");

    let name = sent(s.client.send(&message("device-a")).await);

    let got = s.fake.wait_for(1, WAIT).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name, name);
    assert!(name.starts_with("projects/friskliv-test/messages/"));
    assert_eq!(got[0].token, "device-a");
    assert_eq!(got[0].title, "Tid for en gåtur");
    assert_eq!(got[0].android_channel_id.as_deref(), Some("reminders"));
    assert_eq!(got[0].access_token, "fake-access-token-1");
    assert_eq!(
        got[0].json,
        json!({
            "token": "device-a",
            "notification": { "title": "Tid for en gåtur", "body": "Du har satt av 30 minutter i dag." },
            "data": { "goal_id": "42", "kind": "reminder" },
            "android": { "priority": "normal", "notification": { "channel_id": "reminders" } },
            "apns": {
                "headers": { "apns-priority": "5", "apns-push-type": "alert" },
                "payload": { "aps": { "sound": "default" } }
            }
        })
    );

    let assertions = s.fake.assertions();
    assert_eq!(assertions.len(), 1);
    let claims = &assertions[0];
    assert_eq!(claims.iss, FIXTURE_CLIENT_EMAIL);
    assert_eq!(
        claims.scope,
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    assert_eq!(claims.aud, s.fake.token_url().as_str());
    assert_eq!(claims.exp - claims.iat, 3600);
    assert!(s.fake.rejections().is_empty(), "{:?}", s.fake.rejections());
}

#[tokio::test]
async fn without_a_channel_the_android_notification_is_empty() {
    let s = setup().await;
    sent(s.client.send(&message("device-a")).await);
    let got = s.fake.messages();
    assert_eq!(
        got[0].json["android"],
        json!({ "priority": "normal", "notification": {} })
    );
    assert_eq!(got[0].android_channel_id, None);
}

#[tokio::test]
async fn one_token_serves_many_sends_even_concurrent_ones() {
    let s = setup().await;
    for i in 0..3 {
        sent(s.client.send(&message(&format!("device-{i}"))).await);
    }
    let fresh = setup().await;
    let sends = (0..8).map(|i| {
        let client = fresh.client.clone();
        tokio::spawn(async move { client.send(&message(&format!("device-{i}"))).await })
    });
    for send in sends {
        sent(send.await.unwrap());
    }

    assert_eq!(s.fake.count(), 3);
    assert_eq!(s.fake.tokens_issued(), 1);
    assert_eq!(fresh.fake.count(), 8);
    assert_eq!(
        fresh.fake.tokens_issued(),
        1,
        "concurrent sends share one refresh"
    );
}

#[tokio::test]
async fn a_token_is_fetched_again_when_it_is_about_to_expire() {
    let s = setup().await;
    // A token living 300 s is inside the client's 5-minute refresh margin:
    // it is used once and replaced at the next send.
    s.fake.set_token_lifetime(300);
    sent(s.client.send(&message("device-a")).await);
    sent(s.client.send(&message("device-a")).await);
    assert_eq!(s.fake.tokens_issued(), 2);

    s.fake.set_token_lifetime(3600);
    sent(s.client.send(&message("device-a")).await);
    sent(s.client.send(&message("device-a")).await);
    assert_eq!(s.fake.tokens_issued(), 3);

    let used: Vec<_> = s
        .fake
        .messages()
        .into_iter()
        .map(|m| m.access_token)
        .collect();
    assert_eq!(
        used,
        [
            "fake-access-token-1",
            "fake-access-token-2",
            "fake-access-token-3",
            "fake-access-token-3"
        ]
    );
}

#[tokio::test]
async fn unregistered_and_invalid_tokens_are_gone() {
    let s = setup().await;
    s.fake.unregister("uninstalled");
    s.fake.reject_token_as_invalid("garbage");

    assert_eq!(
        s.client.send(&message("uninstalled")).await,
        Ok(Delivery::TokenGone)
    );
    assert_eq!(
        s.client.send(&message("garbage")).await,
        Ok(Delivery::TokenGone)
    );
    sent(s.client.send(&message("fine")).await);

    assert_eq!(s.fake.count(), 1);
    assert_eq!(s.fake.send_requests(), 3, "no retries of a gone token");
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_and_delivered_once() {
    let s = setup().await;
    s.fake.unavailable("busy", 2);

    let started = Instant::now();
    sent(s.client.send(&message("busy")).await);

    assert_eq!(s.fake.count(), 1);
    assert_eq!(s.fake.send_requests(), 3);
    // Retry-After: 1 twice; the test policy's own backoff is milliseconds.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unavailable_through_every_attempt_is_retry_later() {
    let s = setup_with(|c| {
        c.retry = RetryPolicy {
            max_attempts: 2,
            ..FakeFcm::test_retry_policy()
        }
    })
    .await;
    s.fake.unavailable("busy", 10);

    match s.client.send(&message("busy")).await {
        Err(PushError::RetryLater {
            detail,
            retry_after,
        }) => {
            assert!(detail.contains("UNAVAILABLE"), "{detail}");
            assert!(detail.contains("2 attempts"), "{detail}");
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
        }
        other => panic!("expected RetryLater, got {other:?}"),
    }
    assert_eq!(s.fake.send_requests(), 2);
    assert_eq!(s.fake.count(), 0);
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_limit_gives_up_at_once() {
    let s = setup_with(|c| c.retry.max_total = Duration::from_millis(500)).await;
    s.fake.unavailable("busy", 10);
    s.fake.set_retry_after(30);

    let started = Instant::now();
    let result = s.client.send(&message("busy")).await;

    assert!(
        matches!(result, Err(PushError::RetryLater { retry_after: Some(d), .. }) if d == Duration::from_secs(30)),
        "{result:?}"
    );
    assert_eq!(s.fake.send_requests(), 1);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_401_drops_the_token_and_retries_once_with_a_new_one() {
    let s = setup().await;
    sent(s.client.send(&message("device-a")).await);
    s.fake.revoke_access_tokens();

    sent(s.client.send(&message("device-a")).await);

    assert_eq!(s.fake.tokens_issued(), 2);
    assert_eq!(s.fake.count(), 2);
    assert_eq!(s.fake.send_requests(), 3);
    let refused: Vec<_> = s.fake.rejections().into_iter().map(|r| r.status).collect();
    assert_eq!(refused, [401]);
    assert_eq!(s.fake.messages()[1].access_token, "fake-access-token-2");
}

#[tokio::test]
async fn a_404_without_unregistered_is_a_failure_not_a_gone_token() {
    // The fake serves another project: FCM's plain NOT_FOUND must not make
    // the scheduler delete every device.
    let fake =
        FakeFcm::start_with_key(FIXTURE_PUBLIC_KEY, FIXTURE_CLIENT_EMAIL, "other-project").await;
    let dir = tempfile::tempdir().unwrap();
    let client = FcmClient::new(fake.config(dir.path())).unwrap();

    match client.send(&message("device-a")).await {
        Err(PushError::Failed { status, detail }) => {
            assert_eq!(status, 404);
            assert!(detail.contains("NOT_FOUND"), "{detail}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_endpoint_refusing_the_account_is_a_credentials_error() {
    let fake = FakeFcm::start_with_key(
        FIXTURE_PUBLIC_KEY,
        "someone-else@example.com",
        "friskliv-test",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let client = FcmClient::new(fake.config(dir.path())).unwrap();

    match client.send(&message("device-a")).await {
        Err(PushError::Credentials(detail)) => {
            assert!(detail.contains("invalid_grant"), "{detail}");
        }
        other => panic!("expected Credentials, got {other:?}"),
    }
    assert_eq!(fake.send_requests(), 0);
}

#[tokio::test]
async fn an_unreachable_fcm_is_retry_later() {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = fake.config(dir.path());
    // Bind and drop a port so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.send_base_url = Some(Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap());
    config.retry.max_attempts = 2;
    let client = FcmClient::new(config).unwrap();

    match client.send(&message("device-a")).await {
        Err(PushError::RetryLater { detail, .. }) => {
            assert!(detail.contains("unreachable"), "{detail}")
        }
        other => panic!("expected RetryLater, got {other:?}"),
    }
}

#[tokio::test]
async fn the_client_is_a_sender() {
    let s = setup().await;
    let sender: Arc<dyn Sender> = Arc::new(s.client.clone());
    let name = sent(sender.send(&message("device-a")).await);
    assert_eq!(s.fake.messages()[0].name, name);
}

#[tokio::test]
async fn wait_for_gives_up_with_what_arrived() {
    let s = setup().await;
    sent(s.client.send(&message("device-a")).await);
    let err = s
        .fake
        .wait_for(2, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(err.contains("got 1"), "{err}");
}
