//! Client API conversations and messages: a visitor lists and starts their
//! conversations, writes (with attachments), types, reads, resolves, and
//! records the page they are on. Only public messages are ever shown.

use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{client_ip, limit, visitor};
use crate::api::multipart::{self, FileRules};
use crate::api::{Access, Routes};
use crate::api::{Json, OptionalJson};
use crate::domain::attachments::{self, StoredFile};
use crate::domain::conversations::{self, Actor, ConversationRow, NewConversation, Viewer};
use crate::domain::messages::{self, Cursor, MessageChange, MessageType, NewMessage, Sender};
use crate::domain::public::{PublicConversation, PublicMessage};
use crate::domain::visitors::{self, Visitor};
use crate::domain::{labels, public};
use crate::error::{Error, Result};
use crate::realtime::{self, Typist};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/contacts/{source_id}/conversations";
    let one = format!("{base}/{{id}}");
    api.get(base, list)
        .op(
            "clientListConversations",
            "List the visitor's conversations",
        )
        .about("Each with its latest public messages; private notes are never shown.")
        .access(Access::Visitor)
        .ok::<Vec<PublicConversation>>();
    api.post(base, create)
        .op("clientCreateConversation", "Start a conversation")
        .about(
            "With an optional first message and attributes (the page context in \
             `additional_attributes`). Limited per IP address \
             (`rate_limit.visitor_conversations_per_minute`).",
        )
        .access(Access::Visitor)
        .optional_json::<ConversationBody>()
        .ok::<PublicConversation>()
        .example(json!({"message": {"content": "Hi, is the blue one in stock?"}, "additional_attributes": {"referer": "https://shop.example.com/blue"}}));
    api.get(&one, show)
        .op("clientGetConversation", "Show a conversation")
        .access(Access::Visitor)
        .ok::<PublicConversation>();
    api.add(&[crate::api::route::Method::Patch], &one, update)
        .op(
            "clientUpdateConversation",
            "Change a conversation's attributes",
        )
        .about(
            "Custom attributes and additional attributes (the page context) are merged; \
             labels are added and removed.",
        )
        .access(Access::Visitor)
        .json::<ConversationBody>()
        .ok::<PublicConversation>()
        .example(json!({"custom_attributes": {"cart_value": 42}}));
    api.post(&format!("{one}/toggle_status"), resolve)
        .op("clientResolveConversation", "Resolve a conversation")
        .about("Visitors can only end a conversation: it becomes resolved.")
        .access(Access::Visitor)
        .ok::<PublicConversation>();
    api.post(&format!("{one}/toggle_typing"), toggle_typing)
        .op("clientToggleTyping", "Show or hide the visitor typing")
        .access(Access::Visitor)
        .json::<Typing>()
        .no_content()
        .example(json!({"typing_status": "on"}));
    api.post(&format!("{one}/update_last_seen"), update_last_seen)
        .op(
            "clientUpdateLastSeen",
            "Mark a conversation read by the visitor",
        )
        .access(Access::Visitor)
        .no_content();
    api.get(&format!("{one}/messages"), list_messages)
        .op("clientListMessages", "List a conversation's messages")
        .about("Public messages, oldest first; page back with `?before=<message id>`.")
        .access(Access::Visitor)
        .query::<Before>()
        .ok::<Vec<PublicMessage>>();
    api.post(&format!("{one}/messages"), create_message)
        .op("clientCreateMessage", "Send a message")
        .about(
            "JSON, or `multipart/form-data` with `content` and files in `attachments[]` \
             (when the inbox takes attachments). Limited per IP address and per inbox.",
        )
        .access(Access::Visitor)
        .json::<MessageBody>()
        .multipart::<MessageForm>()
        .ok::<PublicMessage>()
        .example(json!({"content": "Thanks!", "echo_id": "tmp-1"}));
    api.add(
        &[crate::api::route::Method::Patch],
        &format!("{one}/messages/{{message_id}}"),
        update_message,
    )
    .op("clientSubmitMessage", "Answer a form or select message")
    .about("Stores the visitor's answer in the message's `content_attributes.submitted_values`.")
    .access(Access::Visitor)
    .json::<Submission>()
    .ok::<PublicMessage>()
    .example(json!({"submitted_values": [{"name": "email", "value": "dana@example.com"}]}));
}

/// A visitor's message as a multipart form.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes the body for the docs only
struct MessageForm {
    content: Option<String>,
    echo_id: Option<String>,
    /// Files, when the inbox takes attachments.
    #[serde(rename = "attachments[]")]
    #[schemars(with = "Vec<crate::api::route::Upload>")]
    attachments: (),
}

#[derive(Debug, Deserialize)]
struct ConversationPath {
    inbox_identifier: String,
    source_id: String,
    id: i64,
}

/// A conversation with its latest public messages.
fn render(conn: &Connection, row: ConversationRow) -> Result<Value> {
    let messages = messages::list(conn, row.id, Cursor::default(), false)?;
    let messages: Vec<Value> = messages
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<_, _>>()?;
    let view = serde_json::to_value(conversations::view(conn, row)?)?;
    Ok(public::conversation_with_messages(&view, &messages))
}

/// Runs `f` on one of the visitor's conversations in a write transaction and
/// answers the conversation as it is afterwards.
async fn change<F>(
    req: &HttpRequest,
    state: &AppState,
    path: ConversationPath,
    f: F,
) -> Result<HttpResponse>
where
    F: FnOnce(&Transaction, &Visitor, &ConversationRow) -> Result<()> + Send + 'static,
{
    let visitor = visitor(req, state, path.inbox_identifier, path.source_id).await?;
    let id = path.id;
    let body = state
        .db
        .write(move |tx| {
            let row = visitors::conversation(tx, &visitor, id)?;
            f(tx, &visitor, &row)?;
            render(tx, conversations::row(tx, row.id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (inbox, source_id) = path.into_inner();
    let visitor = visitor(&req, &state, inbox, source_id).await?;
    let body = state
        .db
        .read(move |c| {
            visitors::conversations(c, &visitor)?
                .into_iter()
                .map(|row| render(c, row))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    let id = path.id;
    let body = state
        .db
        .read(move |c| render(c, visitors::conversation(c, &visitor, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(rename = "VisitorFirstMessage")]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    content: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(rename = "VisitorConversation")]
#[serde(deny_unknown_fields)]
struct ConversationBody {
    custom_attributes: Option<Map<String, Value>>,
    additional_attributes: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "crate::api::optional_object")]
    message: Option<FirstMessage>,
    #[serde(default, deserialize_with = "crate::api::optional_object")]
    labels: Option<LabelChange>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(rename = "VisitorLabelChange")]
#[serde(deny_unknown_fields)]
struct LabelChange {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: OptionalJson<ConversationBody>,
) -> Result<HttpResponse> {
    let (inbox, source_id) = path.into_inner();
    let visitor = visitor(&req, &state, inbox, source_id).await?;
    visitors::check_may_write(&visitor)?;
    limit(
        &state,
        "visitor-conversations",
        &client_ip(&req),
        state.settings.rate_limit.visitor_conversations_per_minute,
    )?;
    let body = body.0;
    let body = state
        .db
        .write(move |tx| {
            let viewer = Viewer {
                workspace_id: visitor.inbox.account_id,
                user_id: 0,
                all_inboxes: true,
            };
            let new = NewConversation {
                inbox_id: Some(visitor.inbox.id),
                contact_id: Some(visitor.contact.id),
                source_id: Some(visitor.link.source_id.clone()),
                custom_attributes: body.custom_attributes,
                additional_attributes: body.additional_attributes,
                message: body.message.map(|m| m.content),
                ..Default::default()
            };
            let row = conversations::create(tx, &viewer, Actor::Contact(visitor.contact.id), new)?;
            render(tx, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Custom attributes and additional attributes (the page context) are
/// merged; labels are added and removed.
async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
    body: Json<ConversationBody>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    if body.message.is_some() {
        return Err(Error::invalid(
            "message",
            "post messages to the messages endpoint",
        ));
    }
    change(&req, &state, path.into_inner(), move |tx, visitor, row| {
        let actor = Actor::Contact(visitor.contact.id);
        let mut row = row.clone();
        if let Some(custom) = body.custom_attributes {
            let mut merged = row
                .custom_attributes
                .as_object()
                .cloned()
                .unwrap_or_default();
            merged.extend(custom);
            row = conversations::set_custom_attributes(tx, &row, merged)?;
        }
        if let Some(additional) = body.additional_attributes {
            row = conversations::merge_additional_attributes(tx, &row, additional)?;
        }
        if let Some(change) = body.labels {
            let removing: Vec<String> = change
                .remove
                .iter()
                .map(|t| t.trim().to_lowercase())
                .collect();
            let mut titles = labels::titles_of(tx, row.id)?;
            titles.retain(|t| !removing.contains(t));
            titles.extend(change.add);
            conversations::set_labels(tx, &row, actor, &titles)?;
        }
        Ok(())
    })
    .await
}

/// Visitors can only end a conversation (resolve it).
async fn resolve(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
) -> Result<HttpResponse> {
    change(&req, &state, path.into_inner(), |tx, visitor, row| {
        conversations::set_status(
            tx,
            row,
            Actor::Contact(visitor.contact.id),
            "resolved",
            None,
        )
        .map(|_| ())
    })
    .await
}

async fn update_last_seen(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    let id = path.id;
    state
        .db
        .write(move |tx| {
            conversations::mark_seen_by_contact(tx, &visitors::conversation(tx, &visitor, id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Typing {
    /// `on` or `off`.
    #[schemars(extend("enum" = ["on", "off"]))]
    typing_status: String,
}

async fn toggle_typing(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
    body: Json<Typing>,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let on = match body.typing_status.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(Error::invalid("typing_status", "must be on or off")),
    };
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    let id = path.id;
    let (row, name) = state
        .db
        .read(move |c| {
            Ok((
                visitors::conversation(c, &visitor, id)?,
                visitor.contact.name.clone(),
            ))
        })
        .await?;
    let user = serde_json::json!({"id": row.contact_id, "name": name, "type": "contact"});
    realtime::typing(&state.hub, &row, Typist::Contact { user }, on, false);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Before {
    /// Messages older than this message id.
    before: Option<i64>,
}

async fn list_messages(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
    query: web::Query<Before>,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    let (id, cursor) = (
        path.id,
        Cursor {
            before: query.before,
            after: None,
        },
    );
    let body = state
        .db
        .read(move |c| {
            let row = visitors::conversation(c, &visitor, id)?;
            let messages = messages::list(c, row.id, cursor, false)?;
            Ok(messages
                .iter()
                .filter_map(|m| serde_json::to_value(m).ok())
                .filter_map(|m| public::message(&m))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(rename = "VisitorMessage")]
#[serde(deny_unknown_fields)]
struct MessageBody {
    content: Option<String>,
    echo_id: Option<String>,
}

/// A visitor's message, JSON or multipart with `attachments[]`.
async fn create_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    visitors::check_may_write(&visitor)?;
    let limits = &state.settings.rate_limit;
    limit(
        &state,
        "visitor-messages",
        &client_ip(&req),
        limits.visitor_messages_per_minute,
    )?;
    limit(
        &state,
        "inbox-messages",
        &visitor.inbox.id.to_string(),
        limits.inbox_messages_per_minute,
    )?;
    let (body, files) = read_message(&req, payload, &state, &visitor).await?;
    let id = path.id;
    let message = state
        .db
        .write(move |tx| {
            let row = visitors::conversation(tx, &visitor, id)?;
            let mut new = NewMessage::text(MessageType::Incoming, body.content.unwrap_or_default());
            new.echo_id = body.echo_id;
            new.files = files;
            messages::create(tx, &row, Sender::Contact(visitor.contact.id), new)
        })
        .await?;
    let public = public::message(&serde_json::to_value(message)?)
        .ok_or_else(|| Error::internal("a visitor's message is public"))?;
    Ok(HttpResponse::Ok().json(public))
}

async fn read_message(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    visitor: &Visitor,
) -> Result<(MessageBody, Vec<StoredFile>)> {
    if !multipart::is_multipart(req) {
        return Ok((
            multipart::read_json(req, payload, state.settings.server.max_body_size).await?,
            Vec::new(),
        ));
    }
    if !visitor.inbox.settings.attachments_enabled {
        return Err(Error::invalid(
            "attachments",
            "this inbox does not take attachments",
        ));
    }
    let rules = FileRules {
        dir: state.settings.attachments_dir(),
        field_names: &["attachments[]", "attachments"],
        max_size: state.settings.storage.max_attachment_size,
        max_files: attachments::MAX_PER_MESSAGE,
    };
    let form = multipart::read(req, payload, &rules).await?;
    let mut fields = form.fields;
    let body = MessageBody {
        content: fields.remove("content"),
        echo_id: fields.remove("echo_id"),
    };
    Ok((body, form.files))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Submission {
    submitted_values: Value,
}

#[derive(Debug, Deserialize)]
struct MessagePath {
    inbox_identifier: String,
    source_id: String,
    id: i64,
    message_id: i64,
}

/// The visitor's answer to a form or select message.
async fn update_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<MessagePath>,
    body: Json<Submission>,
) -> Result<HttpResponse> {
    let path = path.into_inner();
    let visitor = visitor(&req, &state, path.inbox_identifier, path.source_id).await?;
    let (id, message_id, values) = (path.id, path.message_id, body.into_inner().submitted_values);
    let message = state
        .db
        .write(move |tx| {
            let row = visitors::conversation(tx, &visitor, id)?;
            let current = messages::get_in(tx, row.id, message_id)?;
            if current.private || current.message_type == MessageType::Activity as i64 {
                return Err(Error::NotFound("message"));
            }
            let change = MessageChange {
                content_attributes: Some(Map::from_iter([(
                    "submitted_values".to_string(),
                    values,
                )])),
                ..Default::default()
            };
            messages::update(tx, row.id, message_id, change)
        })
        .await?;
    let public =
        public::message(&serde_json::to_value(message)?).ok_or(Error::NotFound("message"))?;
    Ok(HttpResponse::Ok().json(public))
}
