//! `GET /docs/api/rate-limits`: the limit of every endpoint under the running
//! configuration, as an HTML table or (`?format=json`, or `Accept:
//! application/json`) as JSON.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::openapi::is_rate_limited;
use super::page::{escape, html_page};
use crate::api::route::{Access, operations};
use crate::config::RateLimitSettings;
use crate::error::{Error, Result};
use crate::rate_limit::{CredentialKind, WINDOW, policy_for};
use crate::server::AppState;

#[derive(Deserialize, JsonSchema)]
pub struct FormatQuery {
    /// `json` for the JSON form; HTML otherwise.
    #[schemars(extend("enum" = ["json", "html"]))]
    format: Option<String>,
}

/// The limits of this server.
#[derive(Serialize, JsonSchema)]
pub struct RateLimitTable {
    /// The length of a window, in seconds.
    window_seconds: u64,
    endpoints: Vec<EndpointLimits>,
    /// Further limits of the Client API and sign-in, per minute.
    other_limits: Vec<OtherLimit>,
}

#[derive(Serialize, JsonSchema)]
struct EndpointLimits {
    method: &'static str,
    path: String,
    bulk: bool,
    /// The policy for API tokens; absent where no credential is taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<Limit>,
    /// The policy for dashboard sessions.
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<Limit>,
    /// The policy per IP address for requests without credentials.
    unauthenticated: Limit,
}

#[derive(Serialize, JsonSchema)]
struct Limit {
    policy: String,
    per_minute: u32,
}

#[derive(Serialize, JsonSchema)]
struct OtherLimit {
    what: &'static str,
    per_minute: u32,
    key: &'static str,
}

pub fn table(settings: &RateLimitSettings) -> RateLimitTable {
    let limit = |method: &str, path: &str, kind| {
        let p = policy_for(settings, method, Some(path), kind);
        Limit {
            policy: p.name,
            per_minute: p.per_minute,
        }
    };
    let endpoints = operations()
        .iter()
        .filter(|op| is_rate_limited(&op.path))
        .map(|op| {
            let (method, path) = (op.method.as_str(), op.spec_path());
            let credential = op.access.as_ref().is_some_and(Access::needs_credential);
            EndpointLimits {
                method,
                bulk: op.bulk,
                token: credential.then(|| limit(method, &path, CredentialKind::Token)),
                session: credential.then(|| limit(method, &path, CredentialKind::Session)),
                unauthenticated: limit(method, &path, CredentialKind::None),
                path,
            }
        })
        .collect();
    let other_limits = vec![
        OtherLimit {
            what: "Failed sign-ins",
            per_minute: settings.sign_in_failures_per_minute,
            key: "rate_limit.sign_in_failures_per_minute (per IP address and per email)",
        },
        OtherLimit {
            what: "Client API: new contacts",
            per_minute: settings.visitor_contacts_per_minute,
            key: "rate_limit.visitor_contacts_per_minute (per IP address)",
        },
        OtherLimit {
            what: "Client API: new conversations",
            per_minute: settings.visitor_conversations_per_minute,
            key: "rate_limit.visitor_conversations_per_minute (per IP address)",
        },
        OtherLimit {
            what: "Client API: messages and events",
            per_minute: settings.visitor_messages_per_minute,
            key: "rate_limit.visitor_messages_per_minute (per IP address)",
        },
        OtherLimit {
            what: "Client API: messages into one inbox",
            per_minute: settings.inbox_messages_per_minute,
            key: "rate_limit.inbox_messages_per_minute (from everyone)",
        },
    ];
    RateLimitTable {
        window_seconds: WINDOW.as_secs(),
        endpoints,
        other_limits,
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse> {
    let table = table(&state.settings.rate_limit);
    let wants_json = match query.format.as_deref() {
        Some("json") => true,
        Some("html") => false,
        Some(_) => return Err(Error::invalid("format", "must be json or html")),
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html")),
    };
    if wants_json {
        return Ok(HttpResponse::Ok().json(table));
    }
    Ok(html_page("Rate limits — Deskwoot API", &render(&table)))
}

fn cell(limit: Option<&Limit>) -> String {
    match limit {
        Some(l) => format!("{} <small>({})</small>", l.per_minute, escape(&l.policy)),
        None => "—".into(),
    }
}

fn render(table: &RateLimitTable) -> String {
    let mut html = String::from(
        "<header class=\"top\"><a href=\"/docs/api\">Deskwoot API</a> › Rate limits</header>\
         <main class=\"narrow\"><h1>Rate limits</h1>\
         <p>The limits of this server, from its configuration (<code>[rate_limit]</code> and \
         its <code>[[rate_limit.overrides]]</code>). Each cell is requests per minute, with the \
         policy's name as the <code>RateLimit-Policy</code> header writes it. Windows are fixed, \
         one minute long, per API token, per dashboard session, or per IP address for requests \
         without credentials. The same table as JSON: \
         <a href=\"/docs/api/rate-limits?format=json\"><code>?format=json</code></a>.</p>\
         <table><thead><tr><th>Method</th><th>Path</th><th>API token</th>\
         <th>Session</th><th>No credentials</th></tr></thead><tbody>",
    );
    for e in &table.endpoints {
        html.push_str(&format!(
            "<tr><td><span class=\"method {m}\">{M}</span></td><td><code>{path}</code>{bulk}</td>\
             <td>{token}</td><td>{session}</td><td>{anon}</td></tr>",
            m = e.method.to_lowercase(),
            M = e.method,
            path = escape(&e.path),
            bulk = if e.bulk { " <small>bulk</small>" } else { "" },
            token = cell(e.token.as_ref()),
            session = cell(e.session.as_ref()),
            anon = cell(Some(&e.unauthenticated)),
        ));
    }
    html.push_str("</tbody></table><h2>Other limits</h2><table><thead><tr><th>What</th><th>Per minute</th><th>Setting</th></tr></thead><tbody>");
    for o in &table.other_limits {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            o.what,
            o.per_minute,
            escape(o.key)
        ));
    }
    html.push_str("</tbody></table></main>");
    html
}
