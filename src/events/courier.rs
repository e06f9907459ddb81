//! Sending one delivery over HTTP, signed, and the SSRF guard: a target's
//! host is resolved at delivery time and refused when any of its addresses is
//! not public, unless `[webhooks] allow_private_targets` is on. The guard is
//! the agent's resolver, so the address checked is the address connected to
//! (no gap for DNS rebinding); redirects are not followed and no proxy is used.

use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::WebhookSettings;
use crate::db::now;
use crate::domain::validate;
use crate::error::{Error, Result};
use crate::events::signing;

/// How much of a response body the delivery log keeps.
pub const BODY_KEPT: usize = 4096;
const USER_AGENT: &str = concat!("Deskwoot-Webhooks/", env!("CARGO_PKG_VERSION"));
const METADATA: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// What one request carries.
pub struct Envelope<'a> {
    pub url: &'a str,
    /// The `webhook-id` header: the same on every attempt.
    pub msg_id: &'a str,
    pub body: &'a str,
    /// The HMAC keys to sign with: the current secret's, and the previous
    /// one's during a rotation.
    pub keys: &'a [Vec<u8>],
}

/// One attempt, as the delivery log records it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attempt {
    pub at: i64,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_headers: Value,
    pub response_body: String,
    pub error: Option<String>,
}

impl Attempt {
    /// An attempt that sent nothing, for `error`.
    pub fn not_sent(error: String) -> Attempt {
        Attempt {
            at: now(),
            status_code: None,
            latency_ms: 0,
            response_headers: Value::Object(Map::new()),
            response_body: String::new(),
            error: Some(error),
        }
    }

    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    /// 410 Gone: the receiver asks not to be sent anything again.
    pub fn gone(&self) -> bool {
        self.status_code == Some(410)
    }
}

/// Sends deliveries; cheap to share between threads.
#[derive(Clone)]
pub struct Courier {
    agent: ureq::Agent,
}

impl Courier {
    pub fn new(settings: &WebhookSettings) -> Courier {
        let config = Config::builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(USER_AGENT)
            .timeout_global(Some(Duration::from_secs(settings.timeout_secs)))
            .build();
        let resolver = GuardedResolver {
            allow_private: settings.allow_private_targets,
        };
        Courier {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver),
        }
    }

    /// POSTs the envelope, signed now, and records what happened. Never fails:
    /// a failure is an attempt with an error.
    pub fn send(&self, envelope: &Envelope) -> Attempt {
        let at = now();
        let started = Instant::now();
        let signature =
            signing::signature_header(envelope.keys, envelope.msg_id, at, envelope.body.as_bytes());
        let result = self
            .agent
            .post(envelope.url)
            .header("content-type", "application/json")
            .header("webhook-id", envelope.msg_id)
            .header("webhook-timestamp", at.to_string())
            .header("webhook-signature", signature)
            .send(envelope.body);
        let mut attempt = Attempt::not_sent(String::new());
        attempt.at = at;
        match result {
            Ok(mut response) => {
                let status = response.status().as_u16();
                attempt.status_code = Some(status);
                attempt.response_headers = headers_of(response.headers());
                let mut kept = Vec::with_capacity(BODY_KEPT);
                let read = response
                    .body_mut()
                    .as_reader()
                    .take(BODY_KEPT as u64)
                    .read_to_end(&mut kept);
                attempt.response_body = String::from_utf8_lossy(&kept).into_owned();
                attempt.error = match read {
                    Err(e) => Some(format!("reading the response failed: {e}")),
                    Ok(_) if !(200..300).contains(&status) => {
                        Some(format!("the receiver answered HTTP {status}"))
                    }
                    Ok(_) => None,
                };
            }
            Err(e) => attempt.error = Some(describe(&e)),
        }
        attempt.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        attempt
    }
}

fn headers_of(headers: &ureq::http::HeaderMap) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match map.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                map.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    Value::Object(map)
}

/// The error text the delivery log shows.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => e.to_string(),
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "the host name did not resolve".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        other => other.to_string(),
    }
}

/// Resolves as usual, then refuses any non-public address.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = DefaultResolver::default().resolve(uri, config, timeout)?;
        if !self.allow_private
            && let Some((ip, kind)) = addrs
                .iter()
                .find_map(|a| forbidden_kind(a.ip()).map(|k| (a.ip(), k)))
        {
            let host = uri.host().unwrap_or_default();
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                refusal(host, ip, kind),
            )));
        }
        Ok(addrs)
    }
}

fn refusal(host: &str, ip: IpAddr, kind: &str) -> String {
    format!(
        "refused: {host} resolves to {ip}, a {kind} address; \
         set [webhooks] allow_private_targets = true to allow such targets"
    )
}

/// Checks a target URL when it is saved: an http(s) URL, and, unless private
/// targets are allowed, not a literal non-public address. Host names are
/// checked when delivering, since what they resolve to may change.
pub fn check_target(field: &str, url: &str, allow_private: bool) -> Result<String> {
    let url = validate::http_url(field, url)?;
    let uri: Uri = url
        .parse()
        .map_err(|_| Error::invalid(field, "must be an http:// or https:// URL"))?;
    let host = uri.host().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && !allow_private
        && let Some(kind) = forbidden_kind(ip)
    {
        return Err(Error::invalid(field, refusal(host, ip, kind)));
    }
    Ok(url)
}

/// Why an address may not be a target, or `None` for a public one.
pub fn forbidden_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // IPv4-mapped and -compatible (::ffff:a.b.c.d, ::a.b.c.d), and NAT64.
            let embedded = v6.to_ipv4().or_else(|| {
                (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0])
                    .then(|| Ipv4Addr::from((u128::from(v6) & 0xffff_ffff) as u32))
            });
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("reserved")
            } else if let Some(v4) = embedded {
                forbidden_v4(v4)
            } else if v6.is_multicast() {
                Some("multicast")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("unique-local")
            } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
                Some("link-local")
            } else {
                None
            }
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == METADATA {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if a == 0 || a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_named() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("100.100.100.200", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "reserved"),
            ("255.255.255.255", "reserved"),
            ("::1", "loopback"),
            ("::", "reserved"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::7f00:1", "loopback"),
            ("fd00:ec2::254", "unique-local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_kind(ip), Some(kind), "{ip}");
        }
        for ip in ["93.184.215.14", "1.1.1.1", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(forbidden_kind(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn literal_private_targets_are_refused_when_saved() {
        assert!(check_target("url", "https://example.com/hook", false).is_ok());
        assert!(check_target("url", "http://localhost:9/hook", false).is_ok());
        assert!(check_target("url", "http://10.0.0.1/hook", true).is_ok());
        for bad in [
            "http://10.0.0.1/hook",
            "http://[::1]:8080/",
            "http://169.254.169.254/latest",
            "ftp://example.com",
        ] {
            assert!(check_target("url", bad, false).is_err(), "{bad}");
        }
    }
}
