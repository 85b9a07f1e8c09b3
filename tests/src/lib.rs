//! End-to-end test harness: the real server (the same `Application` that
//! `friskliv serve` runs) on a random loopback port, on a fresh database per
//! test, driven over HTTP with real passkey ceremonies.
//!
//! Each story runs against every backend (atuin-style): SQLite always, and
//! PostgreSQL when `FRISKLIV_TEST_POSTGRES_URL` names a server whose user may
//! create databases. Each test creates its own database with a random name
//! and drops it afterwards. With `FRISKLIV_REQUIRE_POSTGRES=1` (CI) a missing
//! PostgreSQL fails the run instead of skipping.

pub mod device;

use std::path::PathBuf;

use friskliv_api::{Application, Config};
use rand::Rng;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use url::Url;

pub use device::PasskeyDevice;

/// The origin the test "browser" claims; the server is configured with it.
pub const ORIGIN: &str = "http://localhost:8080";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a story on one backend, or explains why PostgreSQL was skipped.
pub async fn run_on<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run_on_with(backend, |_| {}, story).await
}

pub async fn run_on_with<F, Fut>(backend: Backend, tweak: impl FnOnce(&mut Config), story: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match TestApp::spawn_with(backend, tweak).await {
        Some(app) => story(app).await,
        None => eprintln!(
            "skipped on PostgreSQL: set FRISKLIV_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
        ),
    }
}

/// Declares each story as one test per backend: `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! stories {
    ($($story:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    $crate::run_on($crate::Backend::Sqlite, super::$story).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    $crate::run_on($crate::Backend::Postgres, super::$story).await;
                }
            )+
        }
    };
}

/// A database that exists for one test and is removed after it.
pub enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    async fn create(backend: Backend) -> Option<Self> {
        let suffix: String = {
            let mut rng = rand::rng();
            (0..12)
                .map(|_| {
                    char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)])
                })
                .collect()
        };
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("friskliv_test_{suffix}.db"));
                Some(TestDatabase::Sqlite { path })
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("FRISKLIV_TEST_POSTGRES_URL") else {
                    if std::env::var("FRISKLIV_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                        panic!(
                            "FRISKLIV_REQUIRE_POSTGRES=1 but FRISKLIV_TEST_POSTGRES_URL is not set"
                        );
                    }
                    return None;
                };
                let name = format!("friskliv_test_{suffix}");
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to FRISKLIV_TEST_POSTGRES_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                Some(TestDatabase::Postgres { admin_url, name })
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { path } => format!("sqlite://{}?mode=rwc", path.display()),
            TestDatabase::Postgres { admin_url, name } => {
                let mut url = Url::parse(admin_url).expect("valid FRISKLIV_TEST_POSTGRES_URL");
                url.set_path(&format!("/{name}"));
                url.to_string()
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite { path } => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            TestDatabase::Postgres { admin_url, name } => {
                // Drop runs inside the test's runtime; do the async cleanup
                // on a thread with its own.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async move {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub base: Url,
    /// The server's own store (its write gate, its clock): what an
    /// in-process job such as the reminder scheduler uses.
    pub store: friskliv_store::Store,
    pub http: reqwest::Client,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Declared last: dropped after the server has stopped.
    pub database: TestDatabase,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let database = TestDatabase::create(backend).await?;
        let mut config = Config::for_database(database.url());
        config.rp_origin = Url::parse(ORIGIN).expect("valid origin");
        tweak(&mut config);
        let app = Application::build(config.clone())
            .await
            .expect("the application starts");
        let base = Url::parse(&format!("http://{}", app.local_addr())).expect("url");
        let store = app.state().store.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Some(TestApp {
            base,
            store,
            http: reqwest::Client::new(),
            config,
            shutdown: Some(tx),
            server: Some(server),
            database,
        })
    }

    /// Stops the server (as an outage does); the database stays. Requests
    /// to [`TestApp::base`] then fail to connect until [`TestApp::start`].
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Starts the server again on the same address and database.
    pub async fn start(&mut self) {
        assert!(self.server.is_none(), "the server is already running");
        let mut config = self.config.clone();
        config.bind = format!(
            "{}:{}",
            self.base.host_str().expect("host"),
            self.base.port().expect("port")
        )
        .parse()
        .expect("address");
        let app = Application::build(config)
            .await
            .expect("the application starts again");
        let (tx, rx) = oneshot::channel::<()>();
        self.server = Some(tokio::spawn(app.run_until(async {
            let _ = rx.await;
        })));
        self.shutdown = Some(tx);
    }

    /// Another store over the test database, as a second server instance
    /// runs it, with its own clock (the scheduler's "now" in tests).
    pub async fn store_at(&self, clock: friskliv_store::clock::Clock) -> friskliv_store::Store {
        let settings = friskliv_store::Settings {
            export_dir: self.config.export_dir.clone(),
            export_retention: self.config.export_retention,
        };
        friskliv_store::operator::open_migrated(&self.config.db_settings(), clock, settings)
            .await
            .expect("a second store opens")
    }

    /// A direct connection to the test database, for arranging states that
    /// only time would otherwise produce (an expired invite or session).
    pub async fn db(&self) -> DatabaseConnection {
        Database::connect(self.database.url())
            .await
            .expect("connect")
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("path")
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Reply::from(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    /// `friskliv admin create-centre`, as the command runs it.
    pub async fn create_centre(&self, name: &str, municipality: &str) -> uuid::Uuid {
        friskliv_api::cli::create_centre(&self.config, name, municipality)
            .await
            .expect("centre created")
            .id
    }

    /// `friskliv admin invite-staff`, as the command runs it; returns the code.
    pub async fn invite_staff(&self, centre: uuid::Uuid, role: &str) -> String {
        let (code, _) = friskliv_api::cli::invite_staff(&self.config, centre, role)
            .await
            .expect("staff invite issued");
        code.display_grouped()
    }

    /// A signed-in staff member of `centre` in `role`: an operator's invite,
    /// registered on a new software passkey named `name`.
    pub async fn staff(&self, centre: uuid::Uuid, role: &str, name: &str) -> Session {
        let code = self.invite_staff(centre, role).await;
        self.register_ok(&mut PasskeyDevice::new(name), &code, name)
            .await
    }

    /// Registers a passkey on `device` with an invite code; returns the
    /// ceremony's final reply (a session on success).
    pub async fn register(
        &self,
        device: &mut PasskeyDevice,
        invite_code: &str,
        display_name: Option<&str>,
    ) -> Reply {
        let start = self
            .post(
                "/v1/auth/register/start",
                None,
                json!({ "invite_code": invite_code, "display_name": display_name, "passkey_name": device.name }),
            )
            .await;
        if start.status != StatusCode::OK {
            return start;
        }
        let credential = device.create(&start.body["options"]);
        self.post(
            "/v1/auth/register/finish",
            None,
            json!({ "ceremony_id": start.body["ceremony_id"], "credential": credential }),
        )
        .await
    }

    /// Registers and returns the session token, failing the test otherwise.
    pub async fn register_ok(
        &self,
        device: &mut PasskeyDevice,
        invite_code: &str,
        display_name: &str,
    ) -> Session {
        let reply = self.register(device, invite_code, Some(display_name)).await;
        reply.assert_status(StatusCode::OK);
        Session::from(&reply)
    }

    /// A discoverable passkey sign-in with whichever passkey `device` holds.
    pub async fn login(&self, device: &mut PasskeyDevice) -> Reply {
        let start = self.post("/v1/auth/login/start", None, json!({})).await;
        start.assert_status(StatusCode::OK);
        let credential = device.get(&start.body["options"]);
        self.post(
            "/v1/auth/login/finish",
            None,
            json!({ "ceremony_id": start.body["ceremony_id"], "credential": credential }),
        )
        .await
    }

    pub async fn login_ok(&self, device: &mut PasskeyDevice) -> Session {
        let reply = self.login(device).await;
        reply.assert_status(StatusCode::OK);
        Session::from(&reply)
    }

    /// Issues an invite at a centre through the API.
    pub async fn invite(&self, token: &str, centre: uuid::Uuid, role: &str) -> Reply {
        self.post(
            &format!("/v1/centres/{centre}/invites"),
            Some(token),
            json!({ "role": role }),
        )
        .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub account_id: String,
}

impl From<&Reply> for Session {
    fn from(reply: &Reply) -> Self {
        Session {
            token: reply.body["token"].as_str().expect("token").to_owned(),
            account_id: reply.body["account"]["id"]
                .as_str()
                .expect("account id")
                .to_owned(),
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(
            self.status, expected,
            "expected {expected}, got {} with body {}",
            self.status, self.text
        );
        self
    }

    /// Asserts an RFC 9457 problem with this status, and (if given) that it
    /// names `field` breaking `rule`.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode, field_rule: Option<(&str, &str)>) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.content_type, "application/problem+json",
            "not a problem: {}",
            self.text
        );
        assert_eq!(self.body["status"], status.as_u16(), "{}", self.text);
        assert!(
            self.body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:friskliv:problem:"))
        );
        assert!(self.body["title"].is_string());
        if let Some((field, rule)) = field_rule {
            let errors = self.body["errors"].as_array().expect("errors listed");
            assert!(
                errors
                    .iter()
                    .any(|e| e["field"] == field && e["rule"] == rule),
                "expected {field}/{rule} in {}",
                self.text
            );
        }
        self
    }

    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}
