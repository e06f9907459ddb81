//! The middleware that applies the rate limits to API requests and writes the
//! limit state headers: the IETF draft's `RateLimit-Policy` and `RateLimit`,
//! and the widespread `X-RateLimit-*`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use sha2::{Digest, Sha256};

use crate::auth::{SESSION_COOKIE, presented_token};
use crate::config::RateLimitSettings;
use crate::error::Error;
use crate::rate_limit::Decision;
use crate::server::AppState;

/// Paths the limits apply to; static assets and health checks are exempt.
pub const LIMITED_PREFIXES: &[&str] = &["/api/", "/auth/", "/public/api/"];

/// The policy a request falls under.
#[derive(Debug, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub per_minute: u32,
}

/// Picks the policy for a request: a configured per-endpoint override first,
/// then bulk, then the credential's default.
pub fn policy_for(
    settings: &RateLimitSettings,
    method: &str,
    pattern: Option<&str>,
    credential: CredentialKind,
) -> Policy {
    if let Some(pattern) = pattern {
        if let Some(o) = settings
            .overrides
            .iter()
            .find(|o| o.method == method && o.path == pattern)
        {
            return Policy {
                name: format!("{method} {pattern}"),
                per_minute: o.per_minute,
            };
        }
        // Bulk endpoints are marked where they are registered (`Op::bulk`).
        if credential != CredentialKind::None && crate::api::route::is_bulk(method, pattern) {
            return Policy {
                name: "bulk".into(),
                per_minute: settings.bulk_per_minute,
            };
        }
    }
    match credential {
        CredentialKind::Token => Policy {
            name: "default".into(),
            per_minute: settings.per_minute,
        },
        CredentialKind::Session => Policy {
            name: "session".into(),
            per_minute: settings.session_per_minute,
        },
        CredentialKind::None => Policy {
            name: "unauthenticated".into(),
            per_minute: settings.unauthenticated_per_minute,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Token,
    Session,
    None,
}

pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = req.path();
    if !LIMITED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let (bucket, kind) = bucket_of(&req);
    let pattern = req.match_pattern();
    let policy = policy_for(
        &state.settings.rate_limit,
        req.method().as_str(),
        pattern.as_deref(),
        kind,
    );
    let decision = state
        .rate_limiter
        .check(&format!("{}|{bucket}", policy.name), policy.per_minute);
    if !decision.allowed {
        let error = Error::RateLimited {
            retry_after: decision.reset_after,
        };
        let mut response = error.error_response();
        write_headers(response.headers_mut(), &policy, &decision);
        return Ok(req.into_response(response).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    write_headers(response.headers_mut(), &policy, &decision);
    Ok(response.map_into_left_body())
}

/// Whose allowance a request spends: the token's, the session's, or the IP
/// address's. Credentials are keyed by digest so no secret sits in the table.
fn bucket_of(req: &ServiceRequest) -> (String, CredentialKind) {
    if let Some(token) = presented_token(req.request()) {
        return (digest_key("t", token), CredentialKind::Token);
    }
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        return (digest_key("s", cookie.value()), CredentialKind::Session);
    }
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    (format!("ip:{ip}"), CredentialKind::None)
}

fn digest_key(kind: &str, secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("{kind}:{}", hex::encode(&digest[..16]))
}

fn write_headers(headers: &mut HeaderMap, policy: &Policy, d: &Decision) {
    let window = super::WINDOW.as_secs();
    let pairs = [
        (
            "ratelimit-policy",
            format!("\"{}\";q={};w={window}", policy.name, d.limit),
        ),
        (
            "ratelimit",
            format!("\"{}\";r={};t={}", policy.name, d.remaining, d.reset_after),
        ),
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        (
            "x-ratelimit-reset",
            (crate::db::now() as u64 + d.reset_after).to_string(),
        ),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}
