//! Client API conversations and messages: a visitor lists and starts their
//! conversations, writes (with attachments), types, reads, resolves, and
//! records the page they are on. Only public messages are ever shown.

use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::{Connection, Transaction};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{client_ip, limit, visitor};
use crate::api::multipart::{self, FileRules};
use crate::domain::attachments::{self, StoredFile};
use crate::domain::conversations::{self, Actor, ConversationRow, NewConversation, Viewer};
use crate::domain::messages::{self, Cursor, MessageChange, MessageType, NewMessage, Sender};
use crate::domain::visitors::{self, Visitor};
use crate::domain::{labels, public};
use crate::error::{Error, Result};
use crate::realtime::{self, Typist};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    let base = "/contacts/{source_id}/conversations";
    cfg.service(
        web::resource(base)
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource(format!("{base}/{{id}}"))
            .route(web::get().to(show))
            .route(web::patch().to(update)),
    )
    .route(
        &format!("{base}/{{id}}/toggle_status"),
        web::post().to(resolve),
    )
    .route(
        &format!("{base}/{{id}}/toggle_typing"),
        web::post().to(toggle_typing),
    )
    .route(
        &format!("{base}/{{id}}/update_last_seen"),
        web::post().to(update_last_seen),
    )
    .service(
        web::resource(format!("{base}/{{id}}/messages"))
            .route(web::get().to(list_messages))
            .route(web::post().to(create_message)),
    )
    .route(
        &format!("{base}/{{id}}/messages/{{message_id}}"),
        web::patch().to(update_message),
    );
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    content: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationBody {
    custom_attributes: Option<Map<String, Value>>,
    additional_attributes: Option<Map<String, Value>>,
    message: Option<FirstMessage>,
    labels: Option<LabelChange>,
}

#[derive(Debug, Default, Deserialize)]
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
    body: Option<web::Json<ConversationBody>>,
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
    let body = body.map(web::Json::into_inner).unwrap_or_default();
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
    body: web::Json<ConversationBody>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Typing {
    typing_status: String,
}

async fn toggle_typing(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ConversationPath>,
    body: web::Json<Typing>,
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

#[derive(Debug, Deserialize)]
struct Before {
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

#[derive(Debug, Default, Deserialize)]
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

#[derive(Debug, Deserialize)]
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
    body: web::Json<Submission>,
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
