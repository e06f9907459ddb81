//! `/api/v1/accounts/{account_id}/conversations/{id}/messages`: list by
//! cursor, create (JSON, or multipart with up to 15 attachments), update and
//! soft-delete.

use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{READ, WRITE};
use crate::api::Json;
use crate::api::Routes;
use crate::api::multipart::{self, FileRules};
use crate::auth::{Caller, WorkspaceCaller};
use crate::domain::agents::Agent;
use crate::domain::attachments::{self, StoredFile};
use crate::domain::contacts::Contact;
use crate::domain::conversations;
use crate::domain::messages::Message;
use crate::domain::messages::{self, Cursor, MessageChange, MessageType, NewMessage, Sender};
use crate::domain::{agents, contacts, labels};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/conversations/{id}/messages";
    api.tag("Messages")
        .get(base, list)
        .op("listMessages", "List a conversation's messages")
        .about(
            "Up to 20 messages, oldest first, with the conversation's labels, contact and \
             assignee in `meta`. Page back with `?before=<message id>`, forward with \
             `?after=`.",
        )
        .scope(READ)
        .query::<ListParams>()
        .ok::<MessageList>();
    api.post(base, create)
        .op("createMessage", "Send a message")
        .about(
            "A reply (`outgoing`, the default), a private note (`private: true`), or, in \
             API inboxes, a message from the contact (`incoming`). Send JSON, or \
             `multipart/form-data` with the same fields as text and up to 15 files in \
             `attachments[]`.",
        )
        .scope(WRITE)
        .json::<CreateBody>()
        .multipart::<CreateForm>()
        .ok::<Message>()
        .example(json!({"content": "Thanks, we are looking into it.", "message_type": "outgoing"}));
    api.patch_put(&format!("{base}/{{message_id}}"), update)
        .op("updateMessage", "Change a message")
        .about(
            "Changes the content, the delivery status (`sent`, `delivered`, `read`, \
             `failed`, with `external_error`) or merges content attributes.",
        )
        .scope(WRITE)
        .json::<UpdateBody>()
        .ok::<Message>()
        .example(json!({"status": "delivered"}));
    api.delete(&format!("{base}/{{message_id}}"), delete)
        .op("deleteMessage", "Delete a message")
        .about(
            "Soft-deletes it: the content becomes \"This message was deleted\" and its \
             attachments go. Answers the message as it is now.",
        )
        .scope(WRITE)
        .ok::<Message>();
}

/// Messages with the conversation's context.
#[derive(Serialize, JsonSchema)]
struct MessageList {
    meta: MessageListMeta,
    payload: Vec<Message>,
}

#[derive(Serialize, JsonSchema)]
struct MessageListMeta {
    labels: Vec<String>,
    additional_attributes: Value,
    contact: Contact,
    assignee: Option<Agent>,
    agent_last_seen_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct ConversationPath {
    account_id: i64,
    id: i64,
}

#[derive(Debug, Deserialize)]
struct MessagePath {
    account_id: i64,
    id: i64,
    message_id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// Messages older than this message id.
    before: Option<i64>,
    /// Messages newer than this message id.
    after: Option<i64>,
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ConversationPath>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (viewer, id) = (me.viewer(), path.id);
    let cursor = Cursor {
        before: query.before,
        after: query.after,
    };
    let body = state
        .db
        .read(move |conn| {
            let row = conversations::visible_row(conn, &viewer, id)?;
            let payload = messages::list(conn, row.id, cursor, true)?;
            let assignee = row
                .assignee_id
                .and_then(|a| agents::get(conn, row.workspace_id, a).ok());
            Ok(MessageList {
                meta: MessageListMeta {
                    labels: labels::titles_of(conn, row.id)?,
                    additional_attributes: row.additional_attributes.clone(),
                    contact: contacts::get_by_id(conn, row.contact_id)?,
                    assignee,
                    agent_last_seen_at: row.agent_last_seen_at,
                },
                payload,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// A new message, from a JSON body or the text fields of a multipart one.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "NewMessage")]
#[serde(deny_unknown_fields)]
struct CreateBody {
    content: Option<String>,
    /// `outgoing` (the default) or `incoming` (API inboxes only); Chatwoot's
    /// numbers 1 and 0 too.
    #[schemars(with = "Option<MessageTypeName>")]
    message_type: Option<Value>,
    #[serde(default)]
    private: bool,
    content_type: Option<String>,
    /// An object, or a JSON string of one (multipart bodies).
    #[schemars(with = "Option<Map<String, Value>>")]
    content_attributes: Option<Value>,
    echo_id: Option<String>,
    source_id: Option<String>,
}

/// A message type by name or by Chatwoot's number.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes the body for the docs only
enum MessageTypeName {
    #[serde(rename = "outgoing")]
    Outgoing,
    #[serde(rename = "incoming")]
    Incoming,
}

/// The multipart form of a new message: the fields of the JSON body as
/// text, and the files.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes the body for the docs only
struct CreateForm {
    content: Option<String>,
    /// `outgoing` (the default) or `incoming`.
    message_type: Option<MessageTypeName>,
    /// `true` for a private note.
    private: Option<String>,
    content_type: Option<String>,
    /// A JSON object, as text.
    content_attributes: Option<String>,
    echo_id: Option<String>,
    source_id: Option<String>,
    /// Up to 15 files.
    #[serde(rename = "attachments[]")]
    #[schemars(with = "Vec<crate::api::route::Upload>")]
    attachments: (),
}

impl CreateBody {
    fn into_new_message(self, files: Vec<StoredFile>) -> Result<NewMessage> {
        let message_type = match &self.message_type {
            None | Some(Value::Null) => MessageType::Outgoing,
            Some(Value::String(s)) => MessageType::parse(s).ok_or_else(bad_type)?,
            Some(Value::Number(n)) => MessageType::parse(&n.to_string()).ok_or_else(bad_type)?,
            Some(_) => return Err(bad_type()),
        };
        if !matches!(message_type, MessageType::Outgoing | MessageType::Incoming) {
            return Err(bad_type());
        }
        if self.private && message_type == MessageType::Incoming {
            return Err(Error::invalid("private", "private notes are outgoing"));
        }
        let content_attributes = match self.content_attributes {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(Value::String(text)) => match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(Error::invalid(
                        "content_attributes",
                        "must be a JSON object",
                    ));
                }
            },
            Some(_) => return Err(Error::invalid("content_attributes", "must be an object")),
        };
        Ok(NewMessage {
            content: self.content,
            message_type,
            private: self.private,
            content_type: self.content_type.unwrap_or_else(|| "text".into()),
            content_attributes,
            echo_id: self.echo_id,
            source_id: self.source_id,
            files,
        })
    }
}

fn bad_type() -> Error {
    Error::invalid("message_type", "must be outgoing or incoming")
}

/// The body and files of a create request, JSON or multipart.
async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<(CreateBody, Vec<StoredFile>)> {
    if !multipart::is_multipart(req) {
        let body = multipart::read_json(req, payload, state.settings.server.max_body_size).await?;
        return Ok((body, Vec::new()));
    }
    let rules = FileRules {
        dir: state.settings.attachments_dir(),
        field_names: &["attachments[]", "attachments"],
        max_size: state.settings.storage.max_attachment_size,
        max_files: attachments::MAX_PER_MESSAGE,
    };
    let form = multipart::read(req, payload, &rules).await?;
    let mut fields: Map<String, Value> = form
        .fields
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if let Some(Value::String(private)) = fields.get("private") {
        let private = matches!(private.as_str(), "true" | "1");
        fields.insert("private".into(), Value::Bool(private));
    }
    let body = serde_json::from_value(Value::Object(fields))
        .map_err(|e| Error::invalid("body", e.to_string()))?;
    Ok((body, form.files))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ConversationPath>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (body, files) = read_body(&req, payload, &state).await?;
    let new = body.into_new_message(files)?;
    let (viewer, id, user_id) = (me.viewer(), path.id, me.user_id);
    let message = state
        .db
        .write(move |tx| {
            let row = conversations::visible_row(tx, &viewer, id)?;
            let sender = if new.message_type == MessageType::Incoming {
                if !conversations::is_api_inbox(tx, &row)? {
                    return Err(Error::invalid(
                        "message_type",
                        "incoming messages can only be posted to API inboxes",
                    ));
                }
                Sender::Contact(row.contact_id)
            } else {
                Sender::User(user_id)
            };
            messages::create(tx, &row, sender, new)
        })
        .await?;
    Ok(HttpResponse::Ok().json(message))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "MessageUpdate")]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    content: Option<String>,
    status: Option<String>,
    content_attributes: Option<Map<String, Value>>,
    external_error: Option<String>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MessagePath>,
    body: Json<UpdateBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let b = body.into_inner();
    let change = MessageChange {
        content: b.content,
        status: b.status,
        content_attributes: b.content_attributes,
        external_error: b.external_error,
    };
    let message = in_conversation(&state, &me, &path, move |tx, row_id, message_id| {
        messages::update(tx, row_id, message_id, change)
    })
    .await?;
    Ok(HttpResponse::Ok().json(message))
}

async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MessagePath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (message, unused) = in_conversation(&state, &me, &path, messages::delete).await?;
    let dir = state.settings.attachments_dir();
    web::block(move || attachments::delete_files(&dir, &unused)).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Runs `f` on a message of a conversation the caller may see, in one write
/// transaction.
async fn in_conversation<T, F>(
    state: &AppState,
    me: &WorkspaceCaller,
    path: &MessagePath,
    f: F,
) -> Result<T>
where
    F: FnOnce(&rusqlite::Transaction, i64, i64) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let (viewer, id, message_id) = (me.viewer(), path.id, path.message_id);
    state
        .db
        .write(move |tx| {
            let row = conversations::visible_row(tx, &viewer, id)?;
            f(tx, row.id, message_id)
        })
        .await
}
