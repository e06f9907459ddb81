//! Settings: every default in one place, layered as defaults → TOML file →
//! `DESKWOOT__SECTION__KEY` environment variables, validated once at load.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable that names the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "DESKWOOT_CONFIG";
const ENV_PREFIX: &str = "DESKWOOT";
const ENV_SEPARATOR: &str = "__";
/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "deskwoot.db";
/// The attachments folder inside the data directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub rate_limit: RateLimitSettings,
    pub realtime: RealtimeSettings,
    pub log: LogSettings,
    pub webhooks: WebhookSettings,
    pub backup: BackupSettings,
    pub metrics: MetricsSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeSettings {
    /// Seconds an agent stays shown online after their last socket closes.
    pub presence_grace_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on.
    pub bind: String,
    /// The URL users reach Deskwoot at (behind a proxy, its public https URL).
    /// Empty means `http://<bind>`.
    pub public_url: String,
    /// Largest request body accepted, in bytes (JSON and forms).
    pub max_body_size: usize,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Seconds to let in-flight requests finish after SIGTERM.
    pub shutdown_timeout: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// Directory holding the database and the attachments.
    pub data_dir: PathBuf,
    /// Connections in the read pool.
    pub read_connections: u32,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per minute for each API token.
    pub per_minute: u32,
    /// Requests per minute for each API token on bulk endpoints.
    pub bulk_per_minute: u32,
    /// Requests per minute for each signed-in dashboard session.
    pub session_per_minute: u32,
    /// Requests per minute for each IP address on endpoints that need no credentials.
    pub unauthenticated_per_minute: u32,
    /// Failed sign-ins per minute allowed for one IP address, and for one email address.
    pub sign_in_failures_per_minute: u32,
    /// Client API (widget): new contacts per minute from one IP address.
    pub visitor_contacts_per_minute: u32,
    /// Client API: new conversations per minute from one IP address.
    pub visitor_conversations_per_minute: u32,
    /// Client API: messages per minute from one IP address.
    pub visitor_messages_per_minute: u32,
    /// Client API: messages per minute into one inbox, from everyone.
    pub inbox_messages_per_minute: u32,
    /// Per-endpoint limits that replace the ones above.
    pub overrides: Vec<EndpointLimit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointLimit {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Route pattern as the API docs write it, e.g. `/api/v1/accounts/{account_id}/conversations`.
    pub path: String,
    pub per_minute: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter: `info`, `debug`, `deskwoot=debug,actix_web=warn`. `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
}

/// Outgoing webhooks and API inbox callbacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Allow targets that resolve to loopback, private, link-local,
    /// unique-local, multicast or metadata addresses.
    pub allow_private_targets: bool,
    /// Seconds one attempt may take, connecting included.
    pub timeout_secs: u64,
    /// Threads sending deliveries in parallel (one target at a time each).
    pub senders: usize,
    /// Seconds to wait before each attempt, counted from the previous one;
    /// the first entry is the delay of the first attempt. Jittered by ±10%.
    pub retry_schedule: Vec<u64>,
    /// A subscription whose deliveries have failed for this many days is disabled.
    pub disable_after_failing_days: u64,
    /// Days that finished deliveries and their attempts are kept.
    pub log_retention_days: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupSettings {
    /// When the server backs itself up: a cron expression in UTC, five fields
    /// (`0 3 * * *`) or six with seconds first. Empty means never.
    pub schedule: String,
    /// Scheduled backups kept; older ones are deleted.
    pub keep: usize,
    /// Where scheduled and pre-migration backups go. Empty means `<data_dir>/backups`.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Networks (CIDR) that may read `/metrics` without a token. Requests that
    /// came through a proxy (with `Forwarded` or `X-Forwarded-For`) always need one.
    pub allow: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings {
                bind: "127.0.0.1:3000".into(),
                public_url: String::new(),
                max_body_size: 1024 * 1024,
                workers: 0,
                shutdown_timeout: 30,
            },
            storage: StorageSettings {
                data_dir: PathBuf::from("data"),
                read_connections: 8,
                max_attachment_size: 40 * 1024 * 1024,
            },
            rate_limit: RateLimitSettings {
                per_minute: 60,
                bulk_per_minute: 600,
                session_per_minute: 600,
                unauthenticated_per_minute: 300,
                sign_in_failures_per_minute: 10,
                visitor_contacts_per_minute: 10,
                visitor_conversations_per_minute: 10,
                visitor_messages_per_minute: 30,
                inbox_messages_per_minute: 600,
                overrides: Vec::new(),
            },
            realtime: RealtimeSettings {
                presence_grace_secs: 30,
            },
            log: LogSettings {
                level: "info".into(),
                format: LogFormat::Text,
            },
            webhooks: WebhookSettings {
                allow_private_targets: false,
                timeout_secs: 10,
                senders: 4,
                // About three days: at once, 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h.
                retry_schedule: vec![
                    0, 5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000, 36000,
                ],
                disable_after_failing_days: 3,
                log_retention_days: 14,
            },
            backup: BackupSettings {
                schedule: String::new(),
                keep: 7,
                dir: PathBuf::new(),
            },
            metrics: MetricsSettings {
                allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
            },
        }
    }
}

// The section structs take their defaults from `Settings::default()`, so that
// a file naming only some keys of a section keeps the others at their default.
macro_rules! default_from_settings {
    ($($ty:ident => $field:ident),* $(,)?) => {
        $(impl Default for $ty {
            fn default() -> Self {
                Settings::default().$field
            }
        })*
    };
}
default_from_settings!(
    ServerSettings => server,
    StorageSettings => storage,
    RateLimitSettings => rate_limit,
    RealtimeSettings => realtime,
    LogSettings => log,
    WebhookSettings => webhooks,
    BackupSettings => backup,
    MetricsSettings => metrics,
);

/// Why the settings could not be loaded. Every problem is listed with its key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .problems.join("\n  "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl ConfigError {
    fn one(problem: impl Into<String>) -> Self {
        ConfigError {
            problems: vec![problem.into()],
        }
    }
}

impl Settings {
    /// Loads the settings: defaults, then `file` (or the file named by
    /// `DESKWOOT_CONFIG`), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let from_env = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(from_env);
        let mut builder = config::Config::builder();
        if let Some(path) = &file {
            if !path.is_file() {
                return Err(ConfigError::one(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            builder = builder
                .add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator(ENV_SEPARATOR)
                .separator(ENV_SEPARATOR)
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("webhooks.retry_schedule"),
        );
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError::one(describe_config_error(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the rules serde cannot express, reporting every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.server.bind.parse::<SocketAddr>().is_err() {
            problems.push(format!(
                "server.bind: expected an address and port such as 127.0.0.1:3000, got {:?}",
                self.server.bind
            ));
        }
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            problems.push(format!(
                "server.public_url: expected an http:// or https:// URL, got {url:?}"
            ));
        }
        if self.server.max_body_size < 1024 {
            problems.push("server.max_body_size: expected at least 1024 bytes".into());
        }
        if self.storage.max_attachment_size == 0 {
            problems.push("storage.max_attachment_size: expected at least 1 byte".into());
        }
        if self.storage.read_connections == 0 {
            problems.push("storage.read_connections: expected at least 1".into());
        }
        let limits = &self.rate_limit;
        for (key, value) in [
            ("per_minute", limits.per_minute),
            ("bulk_per_minute", limits.bulk_per_minute),
            ("session_per_minute", limits.session_per_minute),
            (
                "unauthenticated_per_minute",
                limits.unauthenticated_per_minute,
            ),
            (
                "sign_in_failures_per_minute",
                limits.sign_in_failures_per_minute,
            ),
        ] {
            if value == 0 {
                problems.push(format!("rate_limit.{key}: expected at least 1"));
            }
        }
        for (i, o) in limits.overrides.iter().enumerate() {
            let known = ["GET", "POST", "PUT", "PATCH", "DELETE"];
            if !known.contains(&o.method.as_str()) {
                problems.push(format!(
                    "rate_limit.overrides[{i}].method: expected one of {}, got {:?}",
                    known.join(", "),
                    o.method
                ));
            }
            if !o.path.starts_with('/') {
                problems.push(format!(
                    "rate_limit.overrides[{i}].path: expected a route pattern starting with /"
                ));
            }
            if o.per_minute == 0 {
                problems.push(format!(
                    "rate_limit.overrides[{i}].per_minute: expected at least 1"
                ));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            problems.push(format!(
                "log.level: expected a level (error, warn, info, debug, trace) or a filter, got {:?}",
                self.log.level
            ));
        }
        self.webhooks.validate(&mut problems);
        if let Err(e) = crate::jobs::cron_schedule(&self.backup.schedule) {
            problems.push(format!("backup.schedule: {e}"));
        }
        if self.backup.keep == 0 {
            problems.push("backup.keep: expected at least 1".into());
        }
        for (i, network) in self.metrics.allow.iter().enumerate() {
            if let Err(e) = Network::parse(network) {
                problems.push(format!("metrics.allow[{i}]: {e}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// The base URL links and the start-up banner use.
    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.public_url.trim_end_matches('/').to_string()
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.storage.data_dir.join(DATABASE_FILE)
    }

    pub fn attachments_dir(&self) -> PathBuf {
        self.storage.data_dir.join(ATTACHMENTS_DIR)
    }

    /// Where scheduled and pre-migration backups are written.
    pub fn backups_dir(&self) -> PathBuf {
        if self.backup.dir.as_os_str().is_empty() {
            self.storage.data_dir.join("backups")
        } else {
            self.backup.dir.clone()
        }
    }

    /// The networks of `metrics.allow`, parsed (they were validated at load).
    pub fn metrics_networks(&self) -> Vec<Network> {
        self.metrics
            .allow
            .iter()
            .filter_map(|n| Network::parse(n).ok())
            .collect()
    }
}

/// An IP network written in CIDR notation: `127.0.0.1/32`, `10.0.0.0/8`, `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let bad = || format!("expected a network such as 127.0.0.1/32 or ::1/128, got {text:?}");
        let (addr, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("the prefix of {text:?} is longer than {max} bits"));
        }
        Ok(Network { addr, prefix })
    }

    /// True when `ip` is inside the network. An IPv4 address seen as
    /// IPv6 (`::ffff:127.0.0.1`) counts as the IPv4 one.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let (have, want, bits) = match (ip, self.addr) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (have >> shift) == (want >> shift)
    }
}

impl WebhookSettings {
    /// The longest wait one entry of the retry schedule may ask for: a week.
    const MAX_RETRY_DELAY: u64 = 7 * 24 * 3600;

    fn validate(&self, problems: &mut Vec<String>) {
        if !(1..=300).contains(&self.timeout_secs) {
            problems.push("webhooks.timeout_secs: expected 1 to 300 seconds".into());
        }
        if !(1..=64).contains(&self.senders) {
            problems.push("webhooks.senders: expected 1 to 64".into());
        }
        if self.retry_schedule.is_empty() || self.retry_schedule.len() > 50 {
            problems.push("webhooks.retry_schedule: expected 1 to 50 delays in seconds".into());
        }
        if self
            .retry_schedule
            .iter()
            .any(|d| *d > Self::MAX_RETRY_DELAY)
        {
            problems.push(format!(
                "webhooks.retry_schedule: each delay must be at most {} seconds",
                Self::MAX_RETRY_DELAY
            ));
        }
        if self.disable_after_failing_days == 0 {
            problems.push("webhooks.disable_after_failing_days: expected at least 1".into());
        }
        if self.log_retention_days == 0 {
            problems.push("webhooks.log_retention_days: expected at least 1".into());
        }
    }
}

/// The config crate's messages name the key but say little about where the
/// value came from; add the environment variable's name for env values.
fn describe_config_error(error: config::ConfigError) -> String {
    let text = error.to_string();
    if text.contains("unknown field") {
        format!("{text} (unknown keys are refused; see config.example.toml for the valid ones)")
    } else {
        text
    }
}

/// The environment variable that overrides `section.key`.
pub fn env_name(section: &str, key: &str) -> String {
    format!(
        "{ENV_PREFIX}{ENV_SEPARATOR}{}{ENV_SEPARATOR}{}",
        section.to_uppercase(),
        key.to_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn networks_contain_their_addresses_only() {
        let lo = Network::parse("127.0.0.1/32").unwrap();
        assert!(lo.contains("127.0.0.1".parse().unwrap()));
        assert!(lo.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!lo.contains("127.0.0.2".parse().unwrap()));
        assert!(!lo.contains("::1".parse().unwrap()));
        let lan = Network::parse("10.0.0.0/8").unwrap();
        assert!(lan.contains("10.200.3.4".parse().unwrap()));
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        let any = Network::parse("0.0.0.0/0").unwrap();
        assert!(any.contains("203.0.113.9".parse().unwrap()));
        let v6 = Network::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
    }

    #[test]
    fn malformed_networks_are_refused() {
        for bad in [
            "127.0.0.1",
            "127.0.0.1/33",
            "::1/129",
            "localhost/8",
            "1.2.3.4/x",
            "",
        ] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }
}
