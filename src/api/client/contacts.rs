//! Client API contacts: a visitor is created (or identified) and gets a
//! `source_id` and a `pubsub_token` for their live socket; custom events
//! from the host page are recorded.

use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{client_ip, inbox, limit, visitor};
use crate::api::Json;
use crate::api::{Access, Routes};
use crate::domain::visitors::{self, Identity, VisitorView};
use crate::error::Result;
use crate::events::{self, Event};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.post("/contacts", create)
        .op("clientCreateContact", "Create a visitor")
        .about(
            "Creates a contact in the inbox (or, with a verified `identifier`, finds \
             theirs) and answers its `source_id`, the credential of the other Client API \
             calls, and the `pubsub_token` of its websocket. Limited per IP address \
             (`rate_limit.visitor_contacts_per_minute`).",
        )
        .access(Access::Visitor)
        .json::<IdentityBody>()
        .ok::<VisitorView>()
        .example(json!({"name": "Dana Visitor", "email": "dana@example.com"}));
    api.get("/contacts/{source_id}", show)
        .op("clientGetContact", "Show the visitor")
        .access(Access::Visitor)
        .ok::<VisitorView>();
    api.patch_put("/contacts/{source_id}", update)
        .op("clientUpdateContact", "Identify or update the visitor")
        .about(
            "Identifies the visitor (`identifier` with `identifier_hash`, the HMAC-SHA256 \
             of the identifier keyed by the inbox's `hmac_token`) or updates what they \
             told about themselves.",
        )
        .access(Access::Visitor)
        .json::<IdentityBody>()
        .ok::<VisitorView>()
        .example(json!({"phone_number": "+15555550188"}));
    api.post("/contacts/{source_id}/events", track_event)
        .op("clientTrackEvent", "Record a custom event")
        .about(
            "A custom event from the host page (`window.$deskwoot.trigger(name, data)`), \
             recorded for webhooks as `webwidget_triggered`.",
        )
        .access(Access::Visitor)
        .json::<CustomEvent>()
        .no_content()
        .example(json!({"name": "viewed_pricing", "data": {"plan": "pro"}}));
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IdentityBody {
    source_id: Option<String>,
    identifier: Option<String>,
    identifier_hash: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    avatar_url: Option<String>,
    custom_attributes: Option<Map<String, Value>>,
}

impl IdentityBody {
    fn into_identity(self) -> (Identity, Option<String>) {
        let identity = Identity {
            identifier: self.identifier.filter(|i| !i.trim().is_empty()),
            identifier_hash: self.identifier_hash.filter(|h| !h.trim().is_empty()),
            name: self.name,
            email: self.email,
            phone_number: self.phone_number,
            avatar_url: self.avatar_url,
            custom_attributes: self.custom_attributes,
        };
        (identity, self.source_id)
    }
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<IdentityBody>,
) -> Result<HttpResponse> {
    let inbox = inbox(&req, &state, path.into_inner()).await?;
    limit(
        &state,
        "visitor-contacts",
        &client_ip(&req),
        state.settings.rate_limit.visitor_contacts_per_minute,
    )?;
    let (identity, source_id) = body.into_inner().into_identity();
    let vault = state.vault.clone();
    let visitor = state
        .db
        .write(move |tx| visitors::create(tx, &vault, &inbox, identity, source_id.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(visitor.json()))
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (inbox, source_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(visitor(&req, &state, inbox, source_id).await?.json()))
}

/// Identifies the visitor (`identifier` with `identifier_hash`) or updates
/// what they told about themselves.
async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Json<IdentityBody>,
) -> Result<HttpResponse> {
    let (inbox, source_id) = path.into_inner();
    let current = visitor(&req, &state, inbox, source_id).await?;
    let (identity, _) = body.into_inner().into_identity();
    let vault = state.vault.clone();
    let visitor = state
        .db
        .write(move |tx| visitors::identify(tx, &vault, &current, identity))
        .await?;
    Ok(HttpResponse::Ok().json(visitor.json()))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CustomEvent {
    name: String,
    #[serde(default)]
    data: Value,
}

/// A custom event from the host page (`$deskwoot.trigger(name, data)`),
/// recorded for webhooks as `webwidget_triggered`.
async fn track_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Json<CustomEvent>,
) -> Result<HttpResponse> {
    let (inbox, source_id) = path.into_inner();
    let visitor = visitor(&req, &state, inbox, source_id).await?;
    limit(
        &state,
        "visitor-events",
        &client_ip(&req),
        state.settings.rate_limit.visitor_messages_per_minute,
    )?;
    let CustomEvent { name, data } = body.into_inner();
    let name = crate::domain::validate::name("name", &name, 100)?;
    if data.to_string().len() > 8192 {
        return Err(crate::error::Error::invalid(
            "data",
            "must be at most 8 KB of JSON",
        ));
    }
    let link = visitor.link.id;
    state
        .db
        .write(move |tx| {
            events::record(
                tx,
                Event::WebwidgetTriggered {
                    contact_inbox_id: link,
                    name,
                    data,
                },
            )
            .map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
