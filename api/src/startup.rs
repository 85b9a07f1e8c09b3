//! Builds the application: database, migrations, routes, middleware, and
//! the listener. `main` and the end-to-end tests start the server the same
//! way (tests on port 0).

use std::future::Future;
use std::net::SocketAddr;

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Response, Route, Server};
use poem_openapi::OpenApiService;

use crate::body_limit::BodyLimit;
use crate::config::Config;
use crate::error::catch_all;
use crate::http_headers::{AllowIndex, ResponseHeaders};
use crate::routes::{Api, api};
use crate::state::AppState;
use crate::telemetry::request_span;
use friskliv_store::db as store;

pub const SPEC_PATH: &str = "/v1/openapi.json";
pub const DOCS_PATH: &str = "/docs";

/// The OpenAPI service. The spec does not depend on configuration, so
/// `friskliv openapi`, the drift test and the server all produce the same one.
pub fn openapi_service() -> OpenApiService<Api, ()> {
    OpenApiService::new(api(), "Friskliv API", env!("CARGO_PKG_VERSION"))
        .description(
            "Backend for Norwegian frisklivssentraler: participants' diaries, \
             outcome indicators, consent-based sharing with the centre, and \
             anonymised outcome export. Errors are RFC 9457 problem details.",
        )
        .license(poem_openapi::LicenseObject::new("MIT OR Apache-2.0"))
}

/// The spec as committed in `openapi/openapi.json`: what poem-openapi
/// generates, with the refinements of [`crate::spec::refine`].
pub fn openapi_json() -> String {
    format!("{}\n", crate::spec::refine(&openapi_service().spec()))
}

pub fn app(state: AppState) -> impl Endpoint + 'static {
    let service = openapi_service();
    let generated = service.spec();
    let refined = crate::spec::refine(&generated);
    let spec = format!("{refined}\n");
    let spec_value: serde_json::Value = serde_json::from_str(&spec).expect("spec is JSON");
    let max_body = state.config.max_body_bytes;
    let mut extra_routes: Vec<(&str, &[&str])> = vec![(SPEC_PATH, &["GET"])];
    let mut route = Route::new().at(
        SPEC_PATH,
        poem::get(make_sync(move |_| {
            Response::builder()
                .content_type("application/json")
                .body(spec.clone())
        })),
    );
    if state.config.docs_enabled {
        // Swagger UI with the spec embedded, as served at /v1/openapi.json.
        let html = service.swagger_ui_html().replacen(&generated, &refined, 1);
        route = route.at(DOCS_PATH, poem::get(make_sync(move |_| Html(html.clone()))));
        extra_routes.push((DOCS_PATH, &["GET"]));
    }
    let headers = ResponseHeaders {
        hsts: state.config.sends_hsts(),
        public_paths: vec![SPEC_PATH],
        allow: Arc::new(AllowIndex::from_spec(&spec_value, &extra_routes)),
    };
    route
        .nest("/", service)
        .with(BodyLimit(max_body))
        .data(state)
        .catch_all_error(catch_all)
        .around(request_span)
        .with(headers)
}

pub struct Application {
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
    state: AppState,
    /// Push reminders' sender; `None` when push is off.
    sender: Option<std::sync::Arc<dyn friskliv_store::jobs::reminders::PushSender>>,
}

impl Application {
    /// Connects and migrates the database and binds the listener; the
    /// server starts answering in [`Application::run_until`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = store::connect(&config.db_settings()).await?;
        store::migrate(&db).await?;
        let sender = crate::push::sender(&config)?;
        if sender.is_none() {
            tracing::info!("push reminders off: set FRISKLIV_FCM_CREDENTIALS to send them");
        }
        let state = AppState::new(db, config)?;
        let acceptor = TcpListener::bind(state.config.bind).into_acceptor().await?;
        let local_addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|a| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("listener has no socket address"))?;
        Ok(Application {
            acceptor,
            local_addr,
            state,
            sender,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests
    /// finish (up to the configured grace period).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let grace = self.state.config.shutdown_grace;
        let housekeeping = tokio::spawn(friskliv_store::jobs::housekeeping_loop(
            self.state.store.db().clone(),
            self.state.config.export_dir.clone(),
            self.state.config.export_retention,
        ));
        let reminders = self.sender.map(|sender| {
            tokio::spawn(friskliv_store::jobs::reminders::reminders_loop(
                self.state.store.clone(),
                sender,
                self.state.config.reminder_tick,
            ))
        });
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app(self.state), shutdown, Some(grace))
            .await;
        housekeeping.abort();
        if let Some(reminders) = reminders {
            reminders.abort();
        }
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
