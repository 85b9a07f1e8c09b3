//! Push reminders (issue 15): devices and reminder settings over HTTP, and
//! the scheduler driven at chosen instants (a store with a fixed clock, as
//! a server instance runs it) with a recording sender: local times through
//! both DST changes and a move to New York, `only_if_not_logged` with an
//! entry synced a minute before, quiet hours, weekdays, disabled kinds,
//! ended periods and erasure, a gone token, two instances at once, and an
//! instance killed between claim and send.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use friskliv_domain::AccountRole;
use friskliv_domain::reminders::RemindersInput;
use friskliv_store::Store;
use friskliv_store::clock::Clock;
use friskliv_store::identity::Principal;
use friskliv_store::jobs::reminders::{Delivered, Notification, PushSender, SendFuture};
use friskliv_tests::{PasskeyDevice, Session, TestApp, stories};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

stories!(
    devices_and_settings_over_http_with_defaults_and_bad_input,
    twenty_hundred_arrives_once_a_day_across_both_dst_changes,
    a_time_in_the_spring_gap_fires_at_three_and_new_york_gets_new_york_time,
    only_if_not_logged_skips_a_day_with_an_entry_synced_a_minute_before,
    quiet_hours_weekdays_disabled_kinds_ended_periods_and_erasure_send_nothing,
    a_gone_token_removes_the_device,
    two_instances_send_each_due_reminder_once,
    an_instance_killed_between_claim_and_send_sends_it_once_later,
);

/// The real server with push on, pointed at a fake FCM on 127.0.0.1 that
/// verifies the JWT with the service account's public key and checks every
/// message against the FCM v1 shape; the scheduler's loop runs on its own.
mod through_fcm {
    use super::*;
    use friskliv_push::fake::FakeFcm;
    use friskliv_tests::{Backend, run_on_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        on(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        on(Backend::Postgres).await;
    }

    async fn on(backend: Backend) {
        let fake = FakeFcm::start().await;
        let dir = tempfile::tempdir().unwrap();
        let credentials = fake.write_service_account(dir.path());
        let (base, token_url) = (fake.base_url(), fake.token_url());
        run_on_with(
            backend,
            |config| {
                config.fcm_credentials = Some(credentials);
                config.fcm_token_url = Some(token_url);
                config.fcm_send_url = Some(base);
                config.reminder_tick = std::time::Duration::from_millis(300);
            },
            |app| async move { the_server_sends_due_reminders_through_fcm(&app, &fake).await },
        )
        .await;
    }

    async fn the_server_sends_due_reminders_through_fcm(app: &TestApp, fake: &FakeFcm) {
        let w = world(app).await;
        let invite = app.invite(&w.veileder.token, w.centre, "participant").await;
        let ola = app
            .register_ok(
                &mut PasskeyDevice::new("ola"),
                invite.body["code"].as_str().unwrap(),
                "Ola",
            )
            .await;
        put_device(app, &w.p.token, Uuid::now_v7(), "kari-phone", "nn-NO")
            .await
            .assert_status(StatusCode::CREATED);
        put_device(app, &ola.token, Uuid::now_v7(), "ola-old-phone", "nb-NO")
            .await
            .assert_status(StatusCode::CREATED);
        // Kari's first send meets a 503 with Retry-After; Ola's token is gone.
        fake.unavailable("kari-phone", 1);
        fake.unregister("ola-old-phone");
        for who in [&w.p, &ola] {
            app.request(
                Method::PUT,
                "/v1/me/reminders",
                Some(&who.token),
                Some(oslo(daily("activity", "20:00"))),
            )
            .await
            .assert_status(StatusCode::OK);
        }
        // Arrange what the clock would: the reminders fell due a moment ago, today.
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .date_naive();
        let db = app.db().await;
        use sea_orm::ConnectionTrait;
        let backend = db.get_database_backend();
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE reminder_schedule SET due_at = $1, local_date = $2"
                }
                _ => "UPDATE reminder_schedule SET due_at = ?, local_date = ?",
            },
            [
                (chrono::Utc::now() - Duration::seconds(5)).into(),
                today.into(),
            ],
        ))
        .await
        .unwrap();

        let arrived = fake
            .wait_for(1, std::time::Duration::from_secs(20))
            .await
            .expect("Kari's reminder arrives");
        assert_eq!(arrived[0].token, "kari-phone");
        assert_eq!(
            (arrived[0].title.as_str(), arrived[0].body.as_str()),
            ("Friskliv", "Hugs dagboka di i dag")
        );
        assert_eq!(arrived[0].data["kind"], "activity");
        assert_eq!(
            arrived[0].data["deep_link"],
            format!("friskliv://diary/activity?day={today}")
        );
        let rejections = fake.rejections();
        let retried = rejections.iter().filter(|r| r.status == 503).count();
        assert_eq!(
            retried, 1,
            "the 503 was met once and retried: {rejections:?}"
        );
        assert!(
            rejections
                .iter()
                .all(|r| r.status == 503 || r.status == 404),
            "every message had the v1 shape and a valid bearer token: {rejections:?}"
        );
        assert!(
            !fake.assertions().is_empty(),
            "the JWT assertion was verified"
        );

        // Ola's device was removed; nothing arrives twice.
        let mut gone = false;
        for _ in 0..50 {
            if app
                .get("/v1/me/devices", Some(&ola.token))
                .await
                .body
                .as_array()
                .is_some_and(|d| d.is_empty())
            {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(gone, "an UNREGISTERED token removes the device");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(fake.count(), 1, "the retried reminder arrived once");
    }

    #[tokio::test]
    async fn bad_fcm_credentials_stop_the_server_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service-account.json");
        std::fs::write(&path, "{ not json").unwrap();
        let mut config = friskliv_api::Config::for_database(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("db.sqlite").display()
        ));
        config.fcm_credentials = Some(path);
        let error = match friskliv_api::Application::build(config).await {
            Ok(_) => panic!("a server with unusable FCM credentials must not start"),
            Err(e) => e.to_string(),
        };
        assert!(error.contains("FRISKLIV_FCM_CREDENTIALS"), "{error}");
    }
}

/// Records what it is asked to send; scripted answers per token.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Notification>>,
    gone: Mutex<Vec<String>>,
    hang: Mutex<bool>,
}

impl PushSender for Recorder {
    fn send<'a>(&'a self, n: &'a Notification) -> SendFuture<'a> {
        Box::pin(async move {
            if *self.hang.lock().unwrap() {
                std::future::pending::<()>().await;
            }
            if self.gone.lock().unwrap().contains(&n.token) {
                return Ok(Delivered::TokenGone);
            }
            self.sent.lock().unwrap().push(n.clone());
            Ok(Delivered::Sent)
        })
    }
}

impl Recorder {
    fn take(&self) -> Vec<Notification> {
        std::mem::take(&mut self.sent.lock().unwrap())
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

struct World {
    centre: Uuid,
    veileder: Session,
    p: Session,
    device: PasskeyDevice,
}

async fn world(app: &TestApp) -> World {
    let centre = app
        .create_centre("Frisklivssentralen i Tromsø", "5501")
        .await;
    let veileder = app.staff(centre, "veileder", "Vera").await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let mut device = PasskeyDevice::new("phone");
    let p = app
        .register_ok(&mut device, invite.body["code"].as_str().unwrap(), "Kari")
        .await;
    World {
        centre,
        veileder,
        p,
        device,
    }
}

async fn put_device(
    app: &TestApp,
    token: &str,
    device_id: Uuid,
    push_token: &str,
    locale: &str,
) -> friskliv_tests::Reply {
    app.request(
        Method::PUT,
        &format!("/v1/me/devices/{device_id}"),
        Some(token),
        Some(json!({"platform": "android", "push_token": push_token, "app_version": "1.0.0", "locale": locale})),
    )
    .await
}

/// The participant as the store knows them (the scheduler's tests call the
/// store directly, with its own clock).
fn principal(p: &Session) -> Principal {
    Principal {
        account_id: p.account_id.parse().unwrap(),
        role: AccountRole::Participant,
        centre_id: None,
        display_name: "Kari".into(),
        account_created_at: Utc::now(),
        session_id: Uuid::now_v7(),
        session_expires_at: Utc::now() + Duration::days(30),
    }
}

/// Stores `settings` as of `now` (so the schedule starts there).
async fn settings_at(app: &TestApp, p: &Session, now: &str, settings: Value) -> Store {
    let store = app.store_at(Clock::Fixed(at(now))).await;
    let input: RemindersInput = serde_json::from_value(settings).unwrap();
    store
        .put_reminders(&principal(p), input.parse().expect("valid settings"))
        .await
        .expect("stored");
    store
}

/// A centre, a participant, and their phone registered for reminders
/// with the token `token-kari`.
async fn world_with_phone(app: &TestApp, locale: &str) -> World {
    let w = world(app).await;
    put_device(app, &w.p.token, Uuid::now_v7(), "token-kari", locale)
        .await
        .assert_status(StatusCode::CREATED);
    w
}

/// Settings with one reminder, in Oslo, without quiet hours.
fn oslo(reminder: Value) -> Value {
    json!({"time_zone": "Europe/Oslo", "reminders": [reminder]})
}

fn daily(kind: &str, time: &str) -> Value {
    json!({"kind": kind, "enabled": true, "time": time})
}

/// Runs one scheduler tick at `now`.
async fn tick(
    store: &Store,
    sender: &Recorder,
    now: &str,
) -> friskliv_store::jobs::reminders::TickReport {
    store
        .send_due_reminders(sender, at(now))
        .await
        .expect("tick")
}

async fn devices_and_settings_over_http_with_defaults_and_bad_input(app: TestApp) {
    let w = world(&app).await;
    let t = &w.p.token;
    // Before any device: the defaults are shown, nothing is stored.
    let before = app.get("/v1/me/reminders", Some(t)).await;
    before.assert_status(StatusCode::OK);
    assert_eq!(before.body["defaults"], true);

    // Bad input is refused naming the field, and stores nothing.
    let phone = Uuid::now_v7();
    put_device(&app, t, phone, "   ", "nb-NO")
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("push_token", "length")),
        );
    for (body, field, rule) in [
        (
            json!({"time_zone": "Europe/Olso", "reminders": []}),
            "time_zone",
            "iana_time_zone",
        ),
        (
            oslo(daily("sleep", "8:00")),
            "reminders[0].time",
            "time_of_day",
        ),
        (
            json!({"time_zone": "Europe/Oslo", "reminders": [{"kind": "sleep", "enabled": true, "time": "08:00", "weekdays": [8]}]}),
            "reminders[0].weekdays[0]",
            "range",
        ),
    ] {
        app.request(Method::PUT, "/v1/me/reminders", Some(t), Some(body))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some((field, rule)));
    }
    let unknown = app
        .request(
            Method::PUT,
            "/v1/me/reminders",
            Some(t),
            Some(oslo(daily("steps", "08:00"))),
        )
        .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.text);
    assert!(
        unknown.text.contains("kind"),
        "names the field: {}",
        unknown.text
    );
    assert_eq!(
        app.get("/v1/me/reminders", Some(t)).await.body["defaults"],
        true
    );
    assert!(
        app.get("/v1/me/devices", Some(t))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The first device stores the defaults and schedules them.
    put_device(&app, t, phone, "token-kari-1", "nb-NO")
        .await
        .assert_status(StatusCode::CREATED);
    // A veileder sees, under the `summaries` consent, that reminders are on; nothing more.
    let summary = format!(
        "/v1/centres/{}/participants/{}/summary",
        w.centre, w.p.account_id
    );
    app.get(&summary, Some(&w.veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
    app.post("/v1/me/consents", Some(t), json!({"scope": "summaries"}))
        .await
        .assert_status(StatusCode::CREATED);
    let seen = app.get(&summary, Some(&w.veileder.token)).await;
    assert_eq!(seen.body["reminders_on"], true, "{}", seen.text);
    assert!(!seen.text.contains("token-kari") && !seen.text.contains("20:00"));
    let stored = app.get("/v1/me/reminders", Some(t)).await;
    assert_eq!(stored.body["defaults"], false);
    let next: Vec<&str> = stored.body["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        next.contains(&"activity") && next.contains(&"sleep") && next.contains(&"weekly_checkin"),
        "{next:?}"
    );
    // A new token for the device replaces the old one.
    put_device(&app, t, phone, "token-kari-2", "nn-NO")
        .await
        .assert_status(StatusCode::OK);
    let devices = app.get("/v1/me/devices", Some(t)).await;
    assert_eq!(devices.body.as_array().unwrap().len(), 1);
    assert_eq!(devices.body[0]["locale"], "nn-NO");
    assert!(
        !devices.text.contains("token-kari"),
        "the token is not shown again"
    );

    // One token, one account: registering it for another participant moves it.
    let invite = app.invite(&w.veileder.token, w.centre, "participant").await;
    let other = app
        .register_ok(
            &mut PasskeyDevice::new("other"),
            invite.body["code"].as_str().unwrap(),
            "Ola",
        )
        .await;
    put_device(&app, &other.token, Uuid::now_v7(), "token-kari-2", "nb-NO")
        .await
        .assert_status(StatusCode::CREATED);
    assert!(
        app.get("/v1/me/devices", Some(t))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Settings replace the defaults; signing out of a device removes it.
    let put = app
        .request(
            Method::PUT,
            "/v1/me/reminders",
            Some(t),
            Some(json!({
                "time_zone": "Europe/Oslo", "quiet_hours": {"start": "22:30", "end": "06:30"},
                "reminders": [daily("food", "12:15")]
            })),
        )
        .await;
    put.assert_status(StatusCode::OK);
    assert_eq!(put.body["next"].as_array().unwrap().len(), 1);
    assert_eq!(put.body["next"][0]["kind"], "food");
    let other_phone = Uuid::now_v7();
    put_device(&app, t, other_phone, "token-kari-3", "en-GB")
        .await
        .assert_status(StatusCode::CREATED);
    app.delete(&format!("/v1/me/devices/{other_phone}"), Some(t))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.delete(&format!("/v1/me/devices/{other_phone}"), Some(t))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    // Kari's last phone is gone (moved to Ola, the other signed out): off.
    assert_eq!(
        app.get(&summary, Some(&w.veileder.token)).await.body["reminders_on"],
        false
    );
    // Staff have no devices or reminders of their own here.
    app.get("/v1/me/reminders", Some(&w.veileder.token))
        .await
        .assert_problem(StatusCode::FORBIDDEN, None);
}

async fn twenty_hundred_arrives_once_a_day_across_both_dst_changes(app: TestApp) {
    let w = world_with_phone(&app, "nb-NO").await;
    let sender = Recorder::default();
    for (start, days) in [
        // Spring forward on 2027-03-28: 20:00 is 19:00 UTC before, 18:00 after.
        (
            "2027-03-26T12:00:00Z",
            [
                ("2027-03-26", "19:00"),
                ("2027-03-27", "19:00"),
                ("2027-03-28", "18:00"),
                ("2027-03-29", "18:00"),
            ],
        ),
        // Fall back on 2026-10-25: 18:00 UTC before, 19:00 after.
        (
            "2026-10-23T12:00:00Z",
            [
                ("2026-10-23", "18:00"),
                ("2026-10-24", "18:00"),
                ("2026-10-25", "19:00"),
                ("2026-10-26", "19:00"),
            ],
        ),
    ] {
        let store = settings_at(
            &app,
            &w.p,
            start,
            json!({
                "time_zone": "Europe/Oslo", "quiet_hours": {"start": "22:00", "end": "07:00"},
                "reminders": [daily("activity", "20:00")]
            }),
        )
        .await;
        for (day, utc) in days {
            let due = at(&format!("{day}T{utc}:00Z"));
            let before = (due - Duration::minutes(1)).to_rfc3339();
            assert_eq!(
                tick(&store, &sender, &before).await.sent,
                0,
                "not before {day} 20:00"
            );
            let report = tick(&store, &sender, &(due + Duration::seconds(20)).to_rfc3339()).await;
            assert_eq!(report.sent, 1, "{day}: {report:?}");
            let again = tick(&store, &sender, &(due + Duration::minutes(5)).to_rfc3339()).await;
            assert_eq!(again.sent, 0, "{day}: once");
            let sent = sender.take();
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0].token, "token-kari");
            assert_eq!(sent[0].body, "Husk dagboka di i dag");
            assert_eq!(sent[0].data["kind"], "activity");
            assert_eq!(
                sent[0].data["deep_link"],
                format!("friskliv://diary/activity?day={day}")
            );
        }
    }
}

async fn a_time_in_the_spring_gap_fires_at_three_and_new_york_gets_new_york_time(app: TestApp) {
    let w = world_with_phone(&app, "en-US").await;
    let sender = Recorder::default();
    // 02:30 does not exist on 2027-03-28 in Oslo: it fires at 03:00 CEST (01:00 UTC).
    let store = settings_at(
        &app,
        &w.p,
        "2027-03-27T12:00:00Z",
        oslo(daily("sleep", "02:30")),
    )
    .await;
    assert_eq!(tick(&store, &sender, "2027-03-28T00:59:00Z").await.sent, 0);
    assert_eq!(tick(&store, &sender, "2027-03-28T01:00:10Z").await.sent, 1);
    assert_eq!(
        sender.take()[0].data["deep_link"],
        "friskliv://diary/sleep?day=2027-03-28"
    );

    // She moves to New York; the app updates the zone: 20:00 there is 00:00 UTC.
    let store = settings_at(
        &app,
        &w.p,
        "2026-06-01T12:00:00Z",
        json!({
            "time_zone": "America/New_York", "reminders": [daily("activity", "20:00")]
        }),
    )
    .await;
    assert_eq!(
        tick(&store, &sender, "2026-06-01T18:00:30Z").await.sent,
        0,
        "not at 20:00 Oslo time"
    );
    assert_eq!(tick(&store, &sender, "2026-06-02T00:00:30Z").await.sent, 1);
    let sent = sender.take();
    assert_eq!(sent[0].body, "Remember your diary today");
    assert_eq!(
        sent[0].data["deep_link"],
        "friskliv://diary/activity?day=2026-06-01"
    );
}

async fn only_if_not_logged_skips_a_day_with_an_entry_synced_a_minute_before(app: TestApp) {
    let w = world_with_phone(&app, "nb-NO").await;
    let sender = Recorder::default();
    let store = settings_at(
        &app,
        &w.p,
        "2026-11-09T12:00:00Z",
        oslo(daily("activity", "20:00")),
    )
    .await;
    // The phone was offline all day and syncs its walk a minute before 20:00.
    let synced = app
        .post("/v1/me/sync", Some(&w.p.token), json!({"items": [{
            "op": "upsert", "kind": "activity", "entry_id": Uuid::now_v7(),
            "entry": {"version": 1, "occurred_at": "2026-11-09T07:30:00+01:00",
                      "activity": {"activity_type": "walking", "duration_minutes": 30, "intensity": "moderate"}}
        }]}))
        .await;
    assert_eq!(
        synced.body["results"][0]["result"], "applied",
        "{}",
        synced.text
    );
    let report = tick(&store, &sender, "2026-11-09T19:00:30Z").await;
    assert_eq!(
        (report.sent, report.skipped.get("already_logged").copied()),
        (0, Some(1)),
        "{report:?}"
    );
    // The next day nothing is logged: it is sent.
    assert_eq!(tick(&store, &sender, "2026-11-10T19:00:30Z").await.sent, 1);
    // A food entry does not silence the activity reminder.
    app.post("/v1/me/sync", Some(&w.p.token), json!({"items": [{
        "op": "upsert", "kind": "food", "entry_id": Uuid::now_v7(),
        "entry": {"version": 1, "occurred_at": "2026-11-11T12:00:00+01:00", "food": {"meal": "lunch", "veg_fruit_portions": 2}}
    }]})).await.assert_status(StatusCode::OK);
    assert_eq!(tick(&store, &sender, "2026-11-11T19:00:30Z").await.sent, 1);
}

async fn quiet_hours_weekdays_disabled_kinds_ended_periods_and_erasure_send_nothing(app: TestApp) {
    let mut w = world_with_phone(&app, "nb-NO").await;
    let sender = Recorder::default();
    // Mondays only (2026-11-09 is a Monday), the sleep diary off.
    let store = settings_at(
        &app,
        &w.p,
        "2026-11-08T12:00:00Z",
        json!({
            "time_zone": "Europe/Oslo", "quiet_hours": {"start": "22:00", "end": "07:00"},
            "reminders": [
                {"kind": "activity", "enabled": true, "time": "21:30", "weekdays": [1]},
                {"kind": "sleep", "enabled": false, "time": "08:00"}
            ]
        }),
    )
    .await;
    let mut sent_on = Vec::new();
    for day in 8..=16 {
        let now = format!("2026-11-{day:02}T20:31:00Z"); // 21:31 Oslo
        if tick(&store, &sender, &now).await.sent == 1 {
            sent_on.push(day);
        }
    }
    assert_eq!(sent_on, [9, 16], "Mondays only; the sleep diary never");

    // Late for its day's window: due 21:30, the scheduler only runs at 22:10.
    let report = tick(&store, &sender, "2026-11-23T21:10:00Z").await;
    assert_eq!(
        (report.sent, report.skipped.get("quiet_hours").copied()),
        (0, Some(1)),
        "{report:?}"
    );

    // An ended period: no more reminders.
    let base = format!("/v1/centres/{}/participants/{}", w.centre, w.p.account_id);
    app.post(
        &format!("{base}/periods"),
        Some(&w.veileder.token),
        json!({"start_date": "2026-09-01"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.post(
        &format!("{base}/periods/1/discontinue"),
        Some(&w.veileder.token),
        json!({"ended_on": "2026-11-20", "discontinue_reason": "moved"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let report = tick(&store, &sender, "2026-11-30T20:31:00Z").await;
    assert_eq!(
        (report.sent, report.skipped.get("period_ended").copied()),
        (0, Some(1)),
        "{report:?}"
    );

    // Erasure removes the devices and the schedule: nothing is due any more.
    let start = app
        .post("/v1/me/erasure/start", Some(&w.p.token), json!({}))
        .await;
    let credential = w.device.get(&start.body["options"]);
    app.request(
        Method::DELETE,
        "/v1/me",
        Some(&w.p.token),
        Some(json!({"ceremony_id": start.body["ceremony_id"], "credential": credential})),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let report = tick(&store, &sender, "2026-12-07T20:31:00Z").await;
    assert_eq!(report.due, 0, "{report:?}");
    assert!(
        sender.take().len() == 2,
        "only the two Mondays were ever sent"
    );
}

async fn a_gone_token_removes_the_device(app: TestApp) {
    let w = world(&app).await;
    put_device(&app, &w.p.token, Uuid::now_v7(), "token-old", "nb-NO")
        .await
        .assert_status(StatusCode::CREATED);
    put_device(&app, &w.p.token, Uuid::now_v7(), "token-new", "nb-NO")
        .await
        .assert_status(StatusCode::CREATED);
    let sender = Recorder::default();
    sender.gone.lock().unwrap().push("token-old".into());
    let store = settings_at(
        &app,
        &w.p,
        "2026-11-09T12:00:00Z",
        oslo(daily("activity", "20:00")),
    )
    .await;
    let report = tick(&store, &sender, "2026-11-09T19:00:30Z").await;
    assert_eq!((report.sent, report.tokens_removed), (1, 1), "{report:?}");
    let devices = app.get("/v1/me/devices", Some(&w.p.token)).await;
    assert_eq!(devices.body.as_array().unwrap().len(), 1);
    assert_eq!(sender.take()[0].token, "token-new");
}

async fn two_instances_send_each_due_reminder_once(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen", "0301").await;
    let veileder = app.staff(centre, "veileder", "Vera").await;
    let mut participants = Vec::new();
    for i in 0..12 {
        let invite = app.invite(&veileder.token, centre, "participant").await;
        let p = app
            .register_ok(
                &mut PasskeyDevice::new(&format!("p{i}")),
                invite.body["code"].as_str().unwrap(),
                "Deltaker",
            )
            .await;
        put_device(
            &app,
            &p.token,
            Uuid::now_v7(),
            &format!("token-{i}"),
            "nb-NO",
        )
        .await
        .assert_status(StatusCode::CREATED);
        settings_at(&app, &p, "2026-11-09T12:00:00Z", json!({
            "time_zone": "Europe/Oslo", "reminders": [daily("activity", "20:00"), daily("sleep", "08:00")]
        })).await;
        participants.push(p);
    }
    let one = app.store_at(Clock::System).await;
    let two = app.store_at(Clock::System).await;
    let sender = Arc::new(Recorder::default());
    for now in [
        "2026-11-09T19:00:30Z",
        "2026-11-10T07:00:30Z",
        "2026-11-10T19:00:30Z",
    ] {
        let (a, b) = tokio::join!(
            one.send_due_reminders(sender.as_ref(), at(now)),
            two.send_due_reminders(sender.as_ref(), at(now))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, 12, "{now}: {a:?} {b:?}");
    }
    let mut per_token: BTreeMap<String, usize> = BTreeMap::new();
    for n in sender.take() {
        *per_token.entry(n.token).or_default() += 1;
    }
    assert_eq!(per_token.len(), 12);
    assert!(
        per_token.values().all(|&n| n == 3),
        "each participant three times: {per_token:?}"
    );
}

async fn an_instance_killed_between_claim_and_send_sends_it_once_later(app: TestApp) {
    let w = world_with_phone(&app, "nb-NO").await;
    let store = settings_at(
        &app,
        &w.p,
        "2026-11-09T12:00:00Z",
        oslo(daily("activity", "20:00")),
    )
    .await;
    // The instance claims the 20:00 reminder and dies while sending it.
    let dying = Recorder::default();
    *dying.hang.lock().unwrap() = true;
    let killed = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        store.send_due_reminders(&dying, at("2026-11-09T19:00:10Z")),
    )
    .await;
    assert!(killed.is_err(), "the instance died mid-send");
    drop(store);

    // Restarted: within the claim's lease nothing is sent (it may still be
    // on its way); after it, the reminder is sent once, not twice.
    let restarted = app.store_at(Clock::System).await;
    let sender = Recorder::default();
    assert_eq!(
        tick(&restarted, &sender, "2026-11-09T19:01:00Z").await.sent,
        0
    );
    let report = tick(&restarted, &sender, "2026-11-09T19:03:00Z").await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(
        tick(&restarted, &sender, "2026-11-09T19:10:00Z").await.sent,
        0
    );
    assert_eq!(sender.take().len(), 1);
}
