//! Layered configuration: the built-in `config/default.toml`, an optional file, then
//! `GATEHOUSE_*` environment variables. Unknown keys and bad values fail at start with one line.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// Environment variables and the key each one sets.
const ENV_KEYS: &[(&str, &[&str])] = &[
    ("GATEHOUSE_LISTEN", &["listen"]),
    ("GATEHOUSE_PUBLIC_URL", &["public_url"]),
    ("GATEHOUSE_DATABASE_URL", &["database", "url"]),
    (
        "GATEHOUSE_DATABASE_MAX_CONNECTIONS",
        &["database", "max_connections"],
    ),
    (
        "GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_MS",
        &["database", "acquire_timeout_ms"],
    ),
    ("GATEHOUSE_METRICS_LISTEN", &["metrics", "listen"]),
    ("GATEHOUSE_LOG_FORMAT", &["log", "format"]),
    ("GATEHOUSE_LOG_LEVEL", &["log", "level"]),
    ("GATEHOUSE_HTTP_MAX_BODY_BYTES", &["http", "max_body_bytes"]),
    ("GATEHOUSE_HTTP_WORKERS", &["http", "workers"]),
    ("GATEHOUSE_SCIM_MAX_RESULTS", &["scim", "max_results"]),
    ("GATEHOUSE_SCIM_DEFAULT_COUNT", &["scim", "default_count"]),
    (
        "GATEHOUSE_SCIM_REQUESTS_PER_MINUTE",
        &["scim", "requests_per_minute"],
    ),
    (
        "GATEHOUSE_SCIM_CREDENTIAL_CACHE_SECONDS",
        &["scim", "credential_cache_seconds"],
    ),
    (
        "GATEHOUSE_SCIM_ADVERTISE_AGENT_EXTENSION",
        &["scim", "advertise_agent_extension"],
    ),
    (
        "GATEHOUSE_SCIM_BULK_MAX_OPERATIONS",
        &["scim", "bulk_max_operations"],
    ),
    (
        "GATEHOUSE_SCIM_BULK_MAX_PAYLOAD_BYTES",
        &["scim", "bulk_max_payload_bytes"],
    ),
    (
        "GATEHOUSE_IDP_JWKS_ALLOW_PRIVATE_NETWORKS",
        &["idp", "jwks_allow_private_networks"],
    ),
    (
        "GATEHOUSE_AUTH_FAILURES_PER_MINUTE",
        &["auth", "failures_per_minute"],
    ),
    (
        "GATEHOUSE_AUTH_TRUSTED_PROXIES",
        &["auth", "trusted_proxies"],
    ),
    ("GATEHOUSE_OUTBOX_WORKER", &["outbox", "worker"]),
    (
        "GATEHOUSE_OUTBOX_POLL_INTERVAL_MS",
        &["outbox", "poll_interval_ms"],
    ),
    ("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", &["outbox", "max_attempts"]),
    (
        "GATEHOUSE_OUTBOX_EXPIRY_SWEEP_SECONDS",
        &["outbox", "expiry_sweep_seconds"],
    ),
    (
        "GATEHOUSE_OUTBOX_BASE_DELAY_MS",
        &["outbox", "base_delay_ms"],
    ),
    (
        "GATEHOUSE_OUTBOX_ALLOW_PRIVATE_NETWORKS",
        &["outbox", "allow_private_networks"],
    ),
    ("GATEHOUSE_SMTP_HOST", &["smtp", "host"]),
    ("GATEHOUSE_SMTP_PORT", &["smtp", "port"]),
    ("GATEHOUSE_SMTP_FROM", &["smtp", "from"]),
    ("GATEHOUSE_SMTP_USER", &["smtp", "user"]),
    ("GATEHOUSE_SMTP_PASSWORD", &["smtp", "password"]),
    ("GATEHOUSE_SMTP_TLS", &["smtp", "tls"]),
];

/// Environment variables whose value is a comma-separated list.
const LIST_ENV: &[&str] = &["GATEHOUSE_AUTH_TRUSTED_PROXIES"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub public_url: String,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub http: HttpSettings,
    pub scim: ScimSettings,
    pub idp: IdpSettings,
    pub auth: AuthSettings,
    pub bootstrap: BootstrapSettings,
    pub metrics: MetricsSettings,
    pub outbox: OutboxSettings,
    pub smtp: SmtpSettings,
}

/// Delivery of notifications (see `outbox`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Whether this instance runs a delivery worker.
    pub worker: bool,
    /// How often the worker looks for due rows when nothing woke it.
    pub poll_interval_ms: u64,
    /// Rows claimed per round.
    pub batch_size: u32,
    /// How long a claim holds a row before another worker may take it over.
    pub lease_seconds: u64,
    /// Attempts before a row becomes a dead letter.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled for each further one, up to `max_delay_seconds`.
    pub base_delay_ms: u64,
    pub max_delay_seconds: u64,
    /// Timeout of one webhook request.
    pub request_timeout_ms: u64,
    /// Lets webhook URLs reach loopback and private addresses, and plain http.
    pub allow_private_networks: bool,
    /// How long a rotated-out webhook secret keeps signing, unless the rotation says otherwise.
    pub secret_rotation_seconds: u64,
    /// How often the token expiry-warning sweep runs, once per period across all instances
    /// (claimed in `scheduled_jobs`); 0 turns it off on this instance.
    pub expiry_sweep_seconds: u64,
}

/// Email over SMTP; off while `host` is empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub user: String,
    pub password: String,
    pub tls: SmtpTls,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Where `/metrics` is served; empty: nowhere. Never the main listener, so the metrics
    /// are not reachable from outside unless an operator binds them somewhere reachable.
    pub listen: String,
}

impl MetricsSettings {
    /// The address to serve metrics on, if any (checked at load).
    pub fn listen_addr(&self) -> Result<Option<SocketAddr>, String> {
        let listen = self.listen.trim();
        if listen.is_empty() {
            return Ok(None);
        }
        listen
            .parse()
            .map(Some)
            .map_err(|e| format!("metrics.listen {listen:?}: {e}"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpSettings {
    /// Lets JWKS URLs reach loopback and private addresses, and plain http.
    pub jwks_allow_private_networks: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Failed authentications a client address may make per minute (and in a burst).
    pub failures_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` names the client; empty: the peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub workers: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimSettings {
    pub max_results: u32,
    pub default_count: u32,
    pub bulk_max_operations: u32,
    pub bulk_max_payload_bytes: usize,
    pub requests_per_minute: u32,
    pub credential_cache_seconds: u64,
    /// Whether `/ServiceProviderConfig` carries the agent draft's `agentExtension` object.
    pub advertise_agent_extension: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSettings {
    pub org_name: String,
    pub domain: String,
    pub admin_email: String,
}

impl Settings {
    /// Loads the layers; the error is one line naming the bad key or file.
    pub fn load(file: Option<&Path>) -> Result<Settings, String> {
        Self::load_with_env(file, |name| std::env::var(name).ok())
    }

    /// As `load`, with the environment supplied by the caller (tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, String> {
        let mut merged: toml::Table =
            toml::from_str(DEFAULTS).map_err(|e| format!("built-in defaults: {e}"))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
            let layer: toml::Table = toml::from_str(&text)
                .map_err(|e| format!("config file {}: {}", path.display(), one_line(&e)))?;
            merge(&mut merged, layer);
        }
        for (name, key) in ENV_KEYS {
            if let Some(raw) = env(name) {
                let value = if LIST_ENV.contains(name) {
                    let items = raw.split(',').map(str::trim).filter(|i| !i.is_empty());
                    toml::Value::Array(items.map(|i| toml::Value::String(i.into())).collect())
                } else {
                    env_value(&raw)
                };
                set(&mut merged, key, value);
            }
        }
        let settings: Settings = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| format!("configuration: {}", one_line(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), String> {
        crate::db::Backend::from_url(&self.database.url)
            .map_err(|e| format!("database.url: {e}"))?;
        if self.scim.max_results == 0 || self.scim.default_count > self.scim.max_results {
            return Err("scim: max_results must be > 0 and >= default_count".into());
        }
        self.metrics.listen_addr()?;
        if self.http.max_body_bytes < 1024 {
            return Err("http.max_body_bytes must be at least 1024".into());
        }
        if self.auth.failures_per_minute == 0 {
            return Err("auth.failures_per_minute must be at least 1".into());
        }
        if self.outbox.max_attempts == 0 || self.outbox.batch_size == 0 {
            return Err("outbox.max_attempts and outbox.batch_size must be at least 1".into());
        }
        if self.outbox.poll_interval_ms == 0 {
            return Err("outbox.poll_interval_ms must be at least 1".into());
        }
        if !self.smtp.host.trim().is_empty()
            && self.smtp.from.parse::<lettre::message::Mailbox>().is_err()
        {
            return Err("smtp.from must be an email address when smtp.host is set".into());
        }
        Ok(())
    }

    /// The base URL of this service, without a trailing slash.
    pub fn base_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}

/// An environment value as TOML: numbers and booleans typed, anything else a string.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(n) = raw.parse::<i64>() {
        toml::Value::Integer(n)
    } else if let Ok(b) = raw.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(raw.to_owned())
    }
}

fn merge(base: &mut toml::Table, layer: toml::Table) {
    for (key, value) in layer {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(l)) => merge(b, l),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn set(table: &mut toml::Table, key: &[&str], value: toml::Value) {
    match key {
        [] => {}
        [last] => {
            table.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry((*first).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                set(inner, rest, value);
            }
        }
    }
}

fn one_line(err: &toml::de::Error) -> String {
    err.message().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_document_the_fresh_machine_setup() {
        let s = Settings::load_with_env(None, |_| None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://data/gatehouse.db");
        assert_eq!(s.base_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_the_defaults() {
        let s = Settings::load_with_env(None, |name| match name {
            "GATEHOUSE_LISTEN" => Some("0.0.0.0:9000".into()),
            "GATEHOUSE_DATABASE_MAX_CONNECTIONS" => Some("4".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.database.max_connections, 4);
    }

    #[test]
    fn a_bad_value_is_one_clear_line() {
        let err = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_LISTEN").then(|| "not-an-address".to_owned())
        })
        .unwrap_err();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.contains("listen") || err.contains("address"), "{err}");
    }

    #[test]
    fn auth_and_idp_keys_come_from_the_environment() {
        let s = Settings::load_with_env(None, |_| None).unwrap();
        assert!(!s.idp.jwks_allow_private_networks);
        assert!(s.auth.trusted_proxies.is_empty());
        let s = Settings::load_with_env(None, |name| match name {
            "GATEHOUSE_IDP_JWKS_ALLOW_PRIVATE_NETWORKS" => Some("true".into()),
            "GATEHOUSE_AUTH_TRUSTED_PROXIES" => Some("10.0.0.1, ::1".into()),
            "GATEHOUSE_AUTH_FAILURES_PER_MINUTE" => Some("5".into()),
            _ => None,
        })
        .unwrap();
        assert!(s.idp.jwks_allow_private_networks);
        assert_eq!(s.auth.failures_per_minute, 5);
        assert_eq!(
            s.auth.trusted_proxies,
            [
                "10.0.0.1".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let bad = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_AUTH_TRUSTED_PROXIES").then(|| "proxy.local".to_owned())
        });
        assert!(bad.is_err());
    }

    #[test]
    fn an_unsupported_database_url_is_refused() {
        let err = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_DATABASE_URL").then(|| "postgres://x/y".to_owned())
        })
        .unwrap_err();
        assert!(err.starts_with("database.url"), "{err}");
    }

    #[test]
    fn metrics_are_off_by_default_and_a_bad_metrics_address_is_refused() {
        let s = Settings::load_with_env(None, |_| None).unwrap();
        assert_eq!(s.metrics.listen_addr().unwrap(), None);
        let s = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_METRICS_LISTEN").then(|| "127.0.0.1:9464".to_owned())
        })
        .unwrap();
        assert_eq!(
            s.metrics.listen_addr().unwrap().map(|a| a.port()),
            Some(9464)
        );
        let err = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_METRICS_LISTEN").then(|| "nowhere".to_owned())
        })
        .unwrap_err();
        assert!(err.starts_with("metrics.listen"), "{err}");
    }

    #[test]
    fn the_outbox_worker_is_on_and_smtp_off_by_default_and_smtp_needs_a_sender() {
        let s = Settings::load_with_env(None, |_| None).unwrap();
        assert!(s.outbox.worker);
        assert!(!s.outbox.allow_private_networks);
        assert!(s.smtp.host.is_empty());
        let s = Settings::load_with_env(None, |name| match name {
            "GATEHOUSE_OUTBOX_WORKER" => Some("false".into()),
            "GATEHOUSE_SMTP_HOST" => Some("smtp.example.com".into()),
            "GATEHOUSE_SMTP_FROM" => Some("gatehouse <noreply@example.com>".into()),
            "GATEHOUSE_SMTP_TLS" => Some("tls".into()),
            _ => None,
        })
        .unwrap();
        assert!(!s.outbox.worker);
        assert_eq!(s.smtp.tls, SmtpTls::Tls);
        let err = Settings::load_with_env(None, |name| {
            (name == "GATEHOUSE_SMTP_HOST").then(|| "smtp.example.com".to_owned())
        })
        .unwrap_err();
        assert!(err.starts_with("smtp.from"), "{err}");
    }
}
