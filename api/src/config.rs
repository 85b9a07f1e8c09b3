//! Configuration from the environment (`FRISKLIV_*`, `DATABASE_URL`), with
//! defaults that run on a laptop with nothing set.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./friskliv-data/friskliv.db?mode=rwc";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP server listens. `FRISKLIV_BIND`, default 127.0.0.1:8080.
    pub bind: SocketAddr,
    /// `DATABASE_URL`: `sqlite://…` (default, a file under ./friskliv-data)
    /// or `postgres://…`.
    pub database_url: String,
    /// `FRISKLIV_DB_POOL_SIZE`, default 10.
    pub db_pool_size: u32,
    /// WebAuthn relying party id: the registrable domain the passkeys are
    /// bound to. `FRISKLIV_RP_ID`, default `localhost`.
    pub rp_id: String,
    /// The web origin passkey ceremonies come from.
    /// `FRISKLIV_RP_ORIGIN`, default `http://localhost:8080`.
    pub rp_origin: Url,
    /// Extra origins allowed in ceremonies, e.g. an Android app's
    /// `android:apk-key-hash:…`. `FRISKLIV_RP_EXTRA_ORIGINS`, comma separated.
    pub rp_extra_origins: Vec<Url>,
    /// Shown by authenticators. `FRISKLIV_RP_NAME`, default `Friskliv`.
    pub rp_name: String,
    /// Attempts per minute per client address on the sign-in and
    /// registration endpoints. `FRISKLIV_AUTH_RATE_PER_MINUTE`, default 30.
    pub auth_rate_per_minute: u32,
    /// Largest request body accepted. `FRISKLIV_MAX_BODY_BYTES`, default 1 MiB.
    pub max_body_bytes: usize,
    /// How long in-flight requests may take to finish on shutdown.
    /// `FRISKLIV_SHUTDOWN_GRACE_SECS`, default 20.
    pub shutdown_grace: Duration,
    /// Where research extract files are written (created when needed).
    /// `FRISKLIV_EXPORT_DIR`, default `./friskliv-data/exports`.
    pub export_dir: PathBuf,
    /// How long a finished research extract can be downloaded before its
    /// file is deleted. `FRISKLIV_EXPORT_RETENTION_DAYS`, default 7.
    pub export_retention: chrono::Duration,
    /// Whether `/docs` (Swagger UI) is served. `FRISKLIV_DOCS=on|off`,
    /// default on; off in production if the API should not advertise itself.
    pub docs_enabled: bool,
    /// A TLS-terminating proxy is in front of this server, so an `http://`
    /// origin on a real host is not plain text on the wire.
    /// `FRISKLIV_BEHIND_TLS=true|false`, default false.
    pub behind_tls: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for the sign-in
    /// rate limit). `FRISKLIV_TRUSTED_PROXIES`, comma-separated IPs or CIDRs;
    /// default none: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Push reminders over FCM HTTP v1: the Google service-account JSON
    /// (the project id comes from it). `FRISKLIV_FCM_CREDENTIALS`; without
    /// it the server runs with push off.
    pub fcm_credentials: Option<PathBuf>,
    /// Overrides of FCM's OAuth2 token endpoint and send base URL (tests,
    /// a proxy). `FRISKLIV_FCM_TOKEN_URL`, `FRISKLIV_FCM_SEND_URL`.
    pub fcm_token_url: Option<Url>,
    pub fcm_send_url: Option<Url>,
    /// The Android notification channel reminders use, if the app has one.
    /// `FRISKLIV_FCM_ANDROID_CHANNEL`.
    pub fcm_android_channel: Option<String>,
    /// How often the reminder scheduler looks for due reminders.
    /// `FRISKLIV_REMINDER_TICK_SECS`, default 30.
    pub reminder_tick: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError {
            name,
            problem: format!("is not valid ({e})"),
        }),
    }
}

fn switch(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    var(name).map_or(Ok(default), |raw| parse_switch(name, &raw))
}

fn parse_switch(name: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(ConfigError {
            name,
            problem: format!("must be on or off (true or false), was {raw:?}"),
        }),
    }
}

fn proxy_list(name: &'static str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    var(name).map_or(Ok(Vec::new()), |raw| parse_proxies(name, &raw))
}

/// `10.0.0.0/8, 192.0.2.1`: CIDRs, or bare addresses (one host each).
fn parse_proxies(name: &'static str, raw: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError {
                    name,
                    problem: format!("has {item:?}, which is neither an IP address nor a CIDR"),
                })
        })
        .collect()
}

/// Whether an origin's host is this machine (`localhost`, `*.localhost`, a
/// loopback address), where plain `http://` never crosses a network.
pub fn is_local_origin(origin: &Url) -> bool {
    match origin.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn optional_url(name: &'static str) -> Result<Option<Url>, ConfigError> {
    var(name)
        .map(|raw| {
            Url::parse(&raw).map_err(|e| ConfigError {
                name,
                problem: format!("is not a URL ({e})"),
            })
        })
        .transpose()
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let bind = parsed("FRISKLIV_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let rp_origin: Url = parsed(
            "FRISKLIV_RP_ORIGIN",
            Url::parse("http://localhost:8080").expect("valid default"),
        )?;
        let rp_extra_origins = match var("FRISKLIV_RP_EXTRA_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Url::parse(s).map_err(|e| ConfigError {
                        name: "FRISKLIV_RP_EXTRA_ORIGINS",
                        problem: format!("has an invalid origin {s:?} ({e})"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let config = Config {
            bind,
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            db_pool_size: parsed("FRISKLIV_DB_POOL_SIZE", 10)?,
            rp_id: var("FRISKLIV_RP_ID").unwrap_or_else(|| "localhost".to_owned()),
            rp_origin,
            rp_extra_origins,
            rp_name: var("FRISKLIV_RP_NAME").unwrap_or_else(|| "Friskliv".to_owned()),
            auth_rate_per_minute: parsed("FRISKLIV_AUTH_RATE_PER_MINUTE", 30)?,
            max_body_bytes: parsed("FRISKLIV_MAX_BODY_BYTES", 1024 * 1024)?,
            shutdown_grace: Duration::from_secs(parsed("FRISKLIV_SHUTDOWN_GRACE_SECS", 20)?),
            export_dir: var("FRISKLIV_EXPORT_DIR")
                .map_or_else(|| PathBuf::from("./friskliv-data/exports"), PathBuf::from),
            export_retention: chrono::Duration::days(
                parsed("FRISKLIV_EXPORT_RETENTION_DAYS", 7u16)?.into(),
            ),
            docs_enabled: switch("FRISKLIV_DOCS", true)?,
            behind_tls: switch("FRISKLIV_BEHIND_TLS", false)?,
            trusted_proxies: proxy_list("FRISKLIV_TRUSTED_PROXIES")?,
            fcm_credentials: var("FRISKLIV_FCM_CREDENTIALS").map(PathBuf::from),
            fcm_token_url: optional_url("FRISKLIV_FCM_TOKEN_URL")?,
            fcm_send_url: optional_url("FRISKLIV_FCM_SEND_URL")?,
            fcm_android_channel: var("FRISKLIV_FCM_ANDROID_CHANNEL"),
            reminder_tick: Duration::from_secs(
                parsed("FRISKLIV_REMINDER_TICK_SECS", 30u64)?.max(1),
            ),
        };
        config.check_transport()?;
        if config.export_retention.is_zero() {
            return Err(ConfigError {
                name: "FRISKLIV_EXPORT_RETENTION_DAYS",
                problem: "must be at least 1".to_owned(),
            });
        }
        if config.db_pool_size == 0 {
            return Err(ConfigError {
                name: "FRISKLIV_DB_POOL_SIZE",
                problem: "must be at least 1".to_owned(),
            });
        }
        Ok(config)
    }

    /// Refuses plain-HTTP origins on a real host: passkeys and bearer tokens
    /// would cross the network unencrypted. Allowed when a TLS-terminating
    /// proxy is declared with `FRISKLIV_BEHIND_TLS=true`.
    pub fn check_transport(&self) -> Result<(), ConfigError> {
        if self.behind_tls {
            return Ok(());
        }
        let origins = std::iter::once(("FRISKLIV_RP_ORIGIN", &self.rp_origin)).chain(
            self.rp_extra_origins
                .iter()
                .map(|origin| ("FRISKLIV_RP_EXTRA_ORIGINS", origin)),
        );
        for (name, origin) in origins {
            if origin.scheme() == "http" && !is_local_origin(origin) {
                return Err(ConfigError {
                    name,
                    problem: format!(
                        "is {}, plain http:// on a host other than localhost; use https://, \
                         or set FRISKLIV_BEHIND_TLS=true if a TLS-terminating proxy is in front",
                        origin.as_str().trim_end_matches('/')
                    ),
                });
            }
        }
        Ok(())
    }

    /// Whether responses carry `Strict-Transport-Security`: when the origin
    /// people use is https.
    pub fn sends_hsts(&self) -> bool {
        self.rp_origin.scheme() == "https"
    }

    /// A configuration for tests and embedding: everything default except
    /// the database, listening on a random loopback port.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            db_pool_size: 5,
            rp_id: "localhost".to_owned(),
            rp_origin: Url::parse("http://localhost:8080").expect("valid"),
            rp_extra_origins: Vec::new(),
            rp_name: "Friskliv".to_owned(),
            auth_rate_per_minute: 1000,
            max_body_bytes: 1024 * 1024,
            shutdown_grace: Duration::from_secs(5),
            export_dir: std::env::temp_dir()
                .join(format!("friskliv-exports-{}", uuid::Uuid::new_v4())),
            export_retention: chrono::Duration::days(7),
            docs_enabled: true,
            behind_tls: false,
            trusted_proxies: Vec::new(),
            fcm_credentials: None,
            fcm_token_url: None,
            fcm_send_url: None,
            fcm_android_channel: None,
            reminder_tick: Duration::from_secs(30),
        }
    }

    pub fn db_settings(&self) -> friskliv_store::DbSettings {
        friskliv_store::DbSettings {
            url: self.database_url.clone(),
            pool_size: self.db_pool_size,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> Config {
        let mut config = Config::for_database("sqlite::memory:");
        config.rp_origin = Url::parse(origin).unwrap();
        config
    }

    #[test]
    fn plain_http_is_refused_on_a_real_host_unless_behind_tls() {
        for local in [
            "http://localhost:8080",
            "http://app.localhost",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://friskliv.kommune.no",
        ] {
            assert!(with_origin(local).check_transport().is_ok(), "{local}");
        }
        let err = with_origin("http://friskliv.kommune.no")
            .check_transport()
            .unwrap_err();
        assert_eq!(err.name, "FRISKLIV_RP_ORIGIN");
        let message = err.to_string();
        assert!(message.contains("FRISKLIV_RP_ORIGIN"), "{message}");
        assert!(message.contains("FRISKLIV_BEHIND_TLS"), "{message}");

        let mut behind = with_origin("http://friskliv.kommune.no");
        behind.behind_tls = true;
        assert!(behind.check_transport().is_ok());

        let mut extra = with_origin("https://friskliv.kommune.no");
        extra.rp_extra_origins = vec![Url::parse("http://10.0.0.5:8080").unwrap()];
        assert_eq!(
            extra.check_transport().unwrap_err().name,
            "FRISKLIV_RP_EXTRA_ORIGINS"
        );
    }

    #[test]
    fn hsts_only_for_an_https_origin() {
        assert!(with_origin("https://friskliv.kommune.no").sends_hsts());
        assert!(!with_origin("http://localhost:8080").sends_hsts());
    }

    #[test]
    fn switches_and_proxy_lists_name_the_variable_when_wrong() {
        assert!(!parse_switch("FRISKLIV_DOCS", "off").unwrap());
        assert!(parse_switch("FRISKLIV_DOCS", " ON ").unwrap());
        let err = parse_switch("FRISKLIV_DOCS", "maybe").unwrap_err();
        assert!(err.to_string().contains("FRISKLIV_DOCS"), "{err}");

        let proxies = parse_proxies(
            "FRISKLIV_TRUSTED_PROXIES",
            "10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,",
        )
        .unwrap();
        assert_eq!(proxies.len(), 3);
        assert!(proxies[1].contains(&"192.0.2.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(!proxies[1].contains(&"192.0.2.2".parse::<std::net::IpAddr>().unwrap()));
        let err =
            parse_proxies("FRISKLIV_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal").unwrap_err();
        assert_eq!(err.name, "FRISKLIV_TRUSTED_PROXIES");
        assert!(err.to_string().contains("proxy.internal"), "{err}");
    }
}
