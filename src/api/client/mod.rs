//! The public Client API, `/public/api/v1/inboxes/{inbox_identifier}/...`:
//! what the widget and custom chat interfaces use. There is no token: the
//! contact's `source_id` is the credential. Requests from a site an inbox
//! does not allow are refused, and abuse is limited per IP and per inbox.

mod contacts;
mod conversations;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::Serialize;

use crate::api::{Access, Routes};
use crate::domain::inboxes::{ChannelType, Inbox, Trigger, WorkingHours};
use crate::domain::visitors::{self, Visitor};
use crate::error::{Error, Result};
use crate::server::AppState;

pub const PREFIX: &str = "/public/api/v1/inboxes/{inbox_identifier}";

pub fn routes(api: &mut Routes) {
    api.tag("Client API").scope(
        PREFIX,
        |api| {
            api.get("", show_inbox)
                .op("clientGetInbox", "Show a public inbox")
                .about(
                    "What the widget needs to draw itself: the inbox's name, colours, \
                     greeting, working hours and how many agents are online. \
                     `{inbox_identifier}` is the website token of a website inbox or the \
                     inbox identifier of an API inbox.",
                )
                .access(Access::Visitor)
                .ok::<PublicInbox>();
            contacts::routes(api);
            conversations::routes(api);
        },
        |scope| {
            scope.wrap(from_fn(cors)).default_service(
                web::route()
                    .method(actix_web::http::Method::OPTIONS)
                    .to(HttpResponse::NoContent),
            )
        },
    );
}

/// Custom chat interfaces call the Client API from their own sites: answer
/// with CORS headers for the calling origin (inboxes that restrict their
/// sites refuse other origins before any work is done).
async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut response = next.call(req).await?;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PATCH, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    Ok(response)
}

/// The host of an origin or URL (`https://shop.example.com:8443` → `shop.example.com`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(authority)
}

/// Whether `host` is one of the comma-separated `allowed` domains (a domain
/// also allows its subdomains; `*.example.com` is accepted as written).
pub fn domain_allowed(allowed: &str, host: &str) -> bool {
    allowed
        .split(',')
        .map(|d| d.trim().trim_start_matches("*.").trim_end_matches('/'))
        .filter(|d| !d.is_empty())
        .map(|d| host_of(d).to_lowercase())
        .any(|d| host == d || host.ends_with(&format!(".{d}")))
}

/// Refuses a request from a site the inbox does not allow. The widget's own
/// frame (served from this server) is always allowed.
fn check_origin(req: &HttpRequest, state: &AppState, inbox: &Inbox) -> Result<()> {
    let allowed = &inbox.settings.allowed_domains;
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let host = host_of(origin).to_lowercase();
    let ours = host == host_of(&state.settings.public_url()).to_lowercase()
        || host == host_of(req.connection_info().host()).to_lowercase();
    if inbox.channel_type == ChannelType::WebWidget
        && !allowed.trim().is_empty()
        && !ours
        && !domain_allowed(allowed, &host)
    {
        return Err(Error::Forbidden(
            "this site may not use this inbox; add it to the inbox's allowed domains",
        ));
    }
    Ok(())
}

fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Counts one request against a Client API limit; 429 past it.
fn limit(state: &AppState, what: &str, key: &str, per_minute: u32) -> Result<()> {
    let decision = state
        .rate_limiter
        .check(&format!("{what}|{key}"), per_minute);
    if decision.allowed {
        Ok(())
    } else {
        Err(Error::RateLimited {
            retry_after: decision.reset_after,
        })
    }
}

/// The inbox named in the path, if this request's site may use it.
async fn inbox(req: &HttpRequest, state: &AppState, identifier: String) -> Result<Inbox> {
    let inbox = state
        .db
        .read(move |c| visitors::inbox(c, &identifier))
        .await?;
    check_origin(req, state, &inbox)?;
    Ok(inbox)
}

/// The visitor named in the path.
async fn visitor(
    req: &HttpRequest,
    state: &AppState,
    identifier: String,
    source_id: String,
) -> Result<Visitor> {
    let inbox = inbox(req, state, identifier).await?;
    state
        .db
        .read(move |c| visitors::find(c, &inbox, &source_id))
        .await
}

async fn show_inbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let inbox = inbox(&req, &state, path.into_inner()).await?;
    let workspace_id = inbox.account_id;
    let agents = state
        .db
        .read(move |c| crate::domain::agents::list(c, workspace_id))
        .await?;
    let online = agents
        .iter()
        .filter(|a| state.hub.presence.status(a.id, &a.availability_status) == "online")
        .count();
    let s = &inbox.settings;
    Ok(HttpResponse::Ok().json(PublicInbox {
        identifier: inbox
            .website_token
            .as_deref()
            .or(inbox.inbox_identifier.as_deref()),
        name: &inbox.name,
        channel_type: inbox.channel_type,
        widget_color: &s.widget_color,
        welcome_title: &s.welcome_title,
        welcome_tagline: &s.welcome_tagline,
        greeting_enabled: s.greeting_enabled,
        greeting_message: &s.greeting_message,
        working_hours_enabled: s.working_hours_enabled,
        working_hours: &s.working_hours,
        timezone: &s.timezone,
        out_of_office_message: &s.out_of_office_message,
        attachments_enabled: s.attachments_enabled,
        identity_validation_enabled: s.hmac_mandatory,
        allowed_domains: &s.allowed_domains,
        online_agents: online,
        triggers: &s.triggers,
    }))
}

/// An inbox as the widget sees it.
#[derive(Serialize, JsonSchema)]
struct PublicInbox<'a> {
    identifier: Option<&'a str>,
    name: &'a str,
    channel_type: ChannelType,
    widget_color: &'a str,
    welcome_title: &'a str,
    welcome_tagline: &'a str,
    greeting_enabled: bool,
    greeting_message: &'a str,
    working_hours_enabled: bool,
    working_hours: &'a [WorkingHours],
    timezone: &'a str,
    out_of_office_message: &'a str,
    attachments_enabled: bool,
    /// Whether visitors must prove their identity with `identifier_hash`.
    identity_validation_enabled: bool,
    allowed_domains: &'a str,
    /// Agents online now.
    online_agents: usize,
    triggers: &'a [Trigger],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_domains_cover_subdomains_only_of_what_is_listed() {
        let allowed = "example.com, *.shop.test, https://app.acme.io/";
        assert!(domain_allowed(allowed, "example.com"));
        assert!(domain_allowed(allowed, "www.example.com"));
        assert!(domain_allowed(allowed, "eu.shop.test"));
        assert!(domain_allowed(allowed, "app.acme.io"));
        assert!(!domain_allowed(allowed, "badexample.com"));
        assert!(!domain_allowed(allowed, "example.com.evil.test"));
        assert_eq!(host_of("https://a.b:8443/x"), "a.b");
    }
}
