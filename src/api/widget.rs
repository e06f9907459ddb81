//! The website chat widget's two public URLs: the loader that sites embed
//! (`/widget/sdk.js`) and the page of the widget's iframe (`/widget/frame`),
//! which carries the inbox's public settings and a strict
//! Content-Security-Policy whose `frame-ancestors` are the inbox's allowed
//! domains. The sources are in `assets/widget/`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::api::{Access, Routes};
use crate::assets;
use crate::domain::inboxes::{self, ChannelType, Inbox};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let sdk_about = "The loader a site embeds with one script tag; it puts the chat on the \
                     page and exposes `window.$deskwoot`.";
    api.tag("Widget")
        .get("/widget/sdk.js", sdk)
        .op("widgetSdk", "Fetch the widget's loader")
        .about(sdk_about)
        .access(Access::Public)
        .returns(200, "text/javascript", None);
    // Where Chatwoot's embed snippet loads its SDK from, so a site that moves
    // only has to change the base URL and the token.
    api.get("/packs/js/sdk.js", sdk)
        .op(
            "widgetSdkChatwootPath",
            "Fetch the widget's loader at Chatwoot's path",
        )
        .about(sdk_about)
        .access(Access::Public)
        .returns(200, "text/javascript", None);
    api.get("/widget/frame", frame)
        .op("widgetFrame", "Open the widget's chat frame")
        .about(
            "The page inside the widget's iframe, for the website inbox of \
             `website_token`, with a strict Content-Security-Policy whose \
             `frame-ancestors` are the inbox's allowed domains.",
        )
        .access(Access::Public)
        .query::<FrameQuery>()
        .returns(200, "text/html", None)
        .errors(&[404])
        .unchecked("needs a website inbox's token");
}

async fn sdk(req: HttpRequest) -> HttpResponse {
    let mut response = assets::stable(&req, "widget/sdk.js");
    // Sites that isolate themselves (COEP: require-corp) may still load it.
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

#[derive(Debug, Deserialize, JsonSchema)]
struct FrameQuery {
    /// The website inbox's token.
    website_token: Option<String>,
}

async fn frame(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FrameQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().website_token.unwrap_or_default();
    let inbox = state
        .db
        .read(move |conn| inboxes::find_public(conn, &token))
        .await?;
    if inbox.channel_type != ChannelType::WebWidget {
        return Err(Error::NotFound("inbox"));
    }
    let template = assets::text("widget/frame.html").ok_or(Error::NotFound("resource"))?;
    let config = frame_config(&inbox, state.settings.storage.max_attachment_size);
    let page = template
        .replace("{{frame_css}}", &assets::fingerprinted("widget/frame.css"))
        .replace("{{frame_js}}", &assets::fingerprinted("widget/frame.js"))
        .replace("{{config}}", &script_safe_json(&config));
    let policy = frame_policy(
        &req,
        &inbox.settings.allowed_domains,
        &state.settings.public_url(),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        // The page carries the inbox's settings: always ask for the current ones.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(page))
}

/// The inbox's public settings, as the Client API's inbox endpoint shows
/// them, embedded in the page so the widget draws without a round trip.
fn frame_config(inbox: &Inbox, max_attachment_size: usize) -> serde_json::Value {
    let s = &inbox.settings;
    json!({
        "identifier": inbox.website_token,
        "name": inbox.name,
        "channel_type": inbox.channel_type,
        "widget_color": s.widget_color,
        "welcome_title": s.welcome_title,
        "welcome_tagline": s.welcome_tagline,
        "greeting_enabled": s.greeting_enabled,
        "greeting_message": s.greeting_message,
        "working_hours_enabled": s.working_hours_enabled,
        "working_hours": s.working_hours,
        "timezone": s.timezone,
        "out_of_office_message": s.out_of_office_message,
        "attachments_enabled": s.attachments_enabled,
        "identity_validation_enabled": s.hmac_mandatory,
        "triggers": s.triggers,
        "max_attachment_size": max_attachment_size,
    })
}

/// JSON that cannot end the `<script type="application/json">` element it
/// sits in: `<`, `>` and `&` only occur inside strings, where their escapes
/// mean the same.
fn script_safe_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The frame's Content-Security-Policy: its own scripts and styles only, its
/// websocket, images from itself (attachments, previews), and embedding only
/// by the inbox's allowed domains.
fn frame_policy(req: &HttpRequest, allowed_domains: &str, public_url: &str) -> String {
    let info = req.connection_info();
    let mut connect = String::from("'self'");
    // 'self' covers ws: and wss: in current browsers; older ones need the
    // websocket origin spelled out.
    if is_host(info.host()) {
        let scheme = if info.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        connect.push_str(&format!(" {scheme}://{}", info.host()));
    }
    let mut images = String::from("'self' data: blob:");
    // Attachment links are built on the public URL, which a proxy may put on
    // another origin than the one the page was requested on.
    if let Some(origin) = source_of(public_url) {
        images.push(' ');
        images.push_str(&origin);
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; \
         connect-src {connect}; frame-ancestors {}; base-uri 'none'; form-action 'none'",
        frame_ancestors(allowed_domains)
    )
}

/// `frame-ancestors` from an inbox's comma-separated allowed domains: `*`
/// when there are none. Entries may carry a scheme, a port, a leading `*.`
/// and a path (ignored); an entry that is none of these is left out, and if
/// nothing valid is left the widget may be framed nowhere.
pub fn frame_ancestors(allowed_domains: &str) -> String {
    let entries: Vec<&str> = allowed_domains
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return "*".into();
    }
    let sources: Vec<String> = entries.into_iter().filter_map(source_of).collect();
    if sources.is_empty() {
        "'none'".into()
    } else {
        sources.join(" ")
    }
}

/// A CSP host source from `https://shop.example.com/path`, `example.com`,
/// `*.example.com:8443`, `localhost:*` and the like; `None` if it is not one.
fn source_of(entry: &str) -> Option<String> {
    let (scheme, rest) = match entry.split_once("://") {
        Some((scheme, rest)) if scheme == "http" || scheme == "https" => (Some(scheme), rest),
        Some(_) => return None,
        None => (None, entry),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let name = host.strip_prefix("*.").unwrap_or(host);
    let name = name.strip_suffix(":*").unwrap_or(name);
    if !is_host(name) || name.contains('*') || name.starts_with(['.', ':']) {
        return None;
    }
    Some(match scheme {
        Some(scheme) => format!("{scheme}://{host}"),
        None => host.to_string(),
    })
}

/// A host name or address with an optional port, and nothing that could end
/// a CSP source.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_come_from_the_allowed_domains() {
        assert_eq!(frame_ancestors(""), "*");
        assert_eq!(frame_ancestors(" , "), "*");
        assert_eq!(
            frame_ancestors("example.com, https://shop.example.org/cart,*.example.net:8443"),
            "example.com https://shop.example.org *.example.net:8443"
        );
        assert_eq!(
            frame_ancestors("http://localhost:*\nhttps://[::1]:8443"),
            "http://localhost:* https://[::1]:8443"
        );
    }

    #[test]
    fn entries_that_could_break_the_policy_are_left_out() {
        assert_eq!(
            frame_ancestors("example.com;script-src *,ftp://x.test,a.*.test,'self'"),
            "'none'"
        );
        assert_eq!(frame_ancestors("ok.test,bad'one"), "ok.test");
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let json = script_safe_json(&json!({"t": "</script><b>&"}));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["t"], "</script><b>&");
    }
}
