//! Messages of a conversation: incoming (from the contact), outgoing (from an
//! agent), private notes, and activity lines written by the system. Creating
//! one moves the conversation along (waiting time, first reply, reopening).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::db::now;
use crate::domain::attachments::{self, Attachment, StoredFile};
use crate::domain::contacts::{self, json_map};
use crate::domain::conversations::{self, ConversationRow};
use crate::domain::inboxes;
use crate::error::{Error, Result};
use crate::events::{self, Change, Event};

pub const PAGE_SIZE: i64 = 20;
const AFTER_PAGE_SIZE: i64 = 100;
pub const CONTENT_MAX: usize = 150_000;
const DELETED_CONTENT: &str = "This message was deleted";

/// Chatwoot's numbering: 0 incoming, 1 outgoing, 2 activity, 3 template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Incoming = 0,
    Outgoing = 1,
    Activity = 2,
    Template = 3,
}

impl MessageType {
    pub fn parse(s: &str) -> Option<MessageType> {
        match s {
            "incoming" | "0" => Some(MessageType::Incoming),
            "outgoing" | "1" => Some(MessageType::Outgoing),
            "activity" | "2" => Some(MessageType::Activity),
            "template" | "3" => Some(MessageType::Template),
            _ => None,
        }
    }
}

pub const CONTENT_TYPES: &[&str] = &[
    "text",
    "input_text",
    "input_textarea",
    "input_email",
    "input_select",
    "cards",
    "form",
    "article",
    "input_csat",
];

pub const STATUSES: &[&str] = &["sent", "delivered", "read", "failed"];
/// The status of an outgoing message of an API inbox until its callback URL
/// has taken it (then `sent`) or its delivery has failed for good (`failed`).
pub const AWAITING_CALLBACK: &str = "progress";

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Message {
    pub id: i64,
    pub content: Option<String>,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The conversation's display id, as everywhere in the API.
    pub conversation_id: i64,
    pub message_type: i64,
    pub content_type: String,
    pub content_attributes: Value,
    pub private: bool,
    pub status: String,
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo_id: Option<String>,
    pub sender_type: Option<String>,
    pub sender_id: Option<i64>,
    pub sender: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(skip)]
    pub conversation_row_id: i64,
}

const SELECT: &str = "SELECT m.*, c.display_id FROM messages m
                      JOIN conversations c ON c.id = m.conversation_id";

fn from_row(row: &Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: row.get("id")?,
        content: row.get("content")?,
        account_id: row.get("workspace_id")?,
        inbox_id: row.get("inbox_id")?,
        conversation_id: row.get("display_id")?,
        message_type: row.get("message_type")?,
        content_type: row.get("content_type")?,
        content_attributes: json_map(&row.get::<_, String>("content_attributes")?),
        private: row.get("private")?,
        status: row.get("status")?,
        source_id: row.get("source_id")?,
        echo_id: row.get("echo_id")?,
        sender_type: row.get("sender_type")?,
        sender_id: row.get("sender_id")?,
        sender: None,
        attachments: Vec::new(),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        conversation_row_id: row.get("conversation_id")?,
    })
}

/// Fills in the sender and the attachments.
fn complete(conn: &Connection, mut message: Message) -> Result<Message> {
    message.sender = match (message.sender_type.as_deref(), message.sender_id) {
        (Some("contact"), Some(id)) => contacts::get_by_id(conn, id)
            .ok()
            .map(serde_json::to_value)
            .transpose()?,
        (Some("user"), Some(id)) => user_sender(conn, id)?,
        _ => None,
    };
    message.attachments = attachments::list_for_message(conn, message.id)?;
    Ok(message)
}

fn user_sender(conn: &Connection, id: i64) -> Result<Option<Value>> {
    Ok(conn
        .prepare_cached("SELECT name, display_name, availability FROM users WHERE id = ?1")?
        .query_row([id], |r| {
            let name: String = r.get(0)?;
            let display: Option<String> = r.get(1)?;
            let availability: String = r.get(2)?;
            Ok(json!({
                "id": id,
                "name": name,
                "available_name": display.unwrap_or_else(|| name.clone()),
                "avatar_url": "",
                "thumbnail": "",
                "availability_status": availability,
                "type": "user",
            }))
        })
        .optional()?)
}

pub fn load_by_id(conn: &Connection, id: i64) -> Result<Message> {
    let message = conn
        .prepare_cached(&format!("{SELECT} WHERE m.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound("message"))?;
    complete(conn, message)
}

/// A message of the given conversation (by its row id).
pub fn get_in(conn: &Connection, conversation_row_id: i64, id: i64) -> Result<Message> {
    let message = load_by_id(conn, id)?;
    if message.conversation_row_id != conversation_row_id {
        return Err(Error::NotFound("message"));
    }
    Ok(message)
}

/// Which page of a conversation's messages: the latest, those before a
/// message id, or those after one (both bound a range).
#[derive(Debug, Default, Clone, Copy)]
pub struct Cursor {
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// Messages in ascending id order. `include_private` is false for contacts,
/// who also never see activity lines.
pub fn list(
    conn: &Connection,
    conversation_row_id: i64,
    cursor: Cursor,
    include_private: bool,
) -> Result<Vec<Message>> {
    let (order, limit) = match (cursor.before, cursor.after) {
        (_, Some(_)) => ("ASC", AFTER_PAGE_SIZE),
        _ => ("DESC", PAGE_SIZE),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE m.conversation_id = :conversation_id
           AND (:before IS NULL OR m.id < :before) AND (:after IS NULL OR m.id > :after)
           AND (:include_private OR (m.private = 0 AND m.message_type <> 2))
         ORDER BY m.id {order} LIMIT :limit"
    ))?;
    let rows = stmt.query_map(
        named_params! {
            ":conversation_id": conversation_row_id,
            ":before": cursor.before,
            ":after": cursor.after,
            ":include_private": include_private,
            ":limit": limit,
        },
        from_row,
    )?;
    let mut messages = rows
        .map(|m| complete(conn, m?))
        .collect::<Result<Vec<_>>>()?;
    messages.sort_by_key(|m| m.id);
    Ok(messages)
}

/// The last message of a conversation, optionally skipping activity lines
/// and private notes.
pub fn last(
    conn: &Connection,
    conversation_row_id: i64,
    conversational_only: bool,
) -> Result<Option<Message>> {
    let message = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE m.conversation_id = :conversation_id
               AND (NOT :only OR (m.message_type <> 2 AND m.private = 0))
             ORDER BY m.id DESC LIMIT 1"
        ))?
        .query_row(
            named_params! {":conversation_id": conversation_row_id, ":only": conversational_only},
            from_row,
        )
        .optional()?;
    message.map(|m| complete(conn, m)).transpose()
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    User(i64),
    Contact(i64),
    System,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub content: Option<String>,
    pub message_type: MessageType,
    pub private: bool,
    pub content_type: String,
    pub content_attributes: Map<String, Value>,
    pub echo_id: Option<String>,
    pub source_id: Option<String>,
    pub files: Vec<StoredFile>,
}

impl NewMessage {
    pub fn text(message_type: MessageType, content: impl Into<String>) -> NewMessage {
        NewMessage {
            content: Some(content.into()),
            message_type,
            private: false,
            content_type: "text".into(),
            content_attributes: Map::new(),
            echo_id: None,
            source_id: None,
            files: Vec::new(),
        }
    }
}

/// Creates a message and moves the conversation along: incoming messages
/// start the wait and reopen snoozed (and, unless muted, resolved)
/// conversations; the first human reply stops the wait.
pub fn create(
    tx: &Transaction,
    conversation: &ConversationRow,
    sender: Sender,
    new: NewMessage,
) -> Result<Message> {
    let content = new
        .content
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if content.is_none() && new.files.is_empty() {
        return Err(Error::invalid(
            "content",
            "a message needs content or an attachment",
        ));
    }
    if content.is_some_and(|c| c.chars().count() > CONTENT_MAX) {
        return Err(Error::invalid(
            "content",
            format!("must be at most {CONTENT_MAX} characters"),
        ));
    }
    if !CONTENT_TYPES.contains(&new.content_type.as_str()) {
        return Err(Error::invalid(
            "content_type",
            format!("must be one of {}", CONTENT_TYPES.join(", ")),
        ));
    }
    if new.files.len() > attachments::MAX_PER_MESSAGE {
        return Err(Error::invalid(
            "attachments",
            format!("at most {} files per message", attachments::MAX_PER_MESSAGE),
        ));
    }
    let awaits_callback = new.message_type == MessageType::Outgoing
        && !new.private
        && inboxes::get(tx, conversation.workspace_id, conversation.inbox_id)?
            .callback_url()
            .is_some();
    let status = if awaits_callback {
        AWAITING_CALLBACK
    } else {
        "sent"
    };
    let (sender_type, sender_id) = match sender {
        Sender::User(id) => (Some("user"), Some(id)),
        Sender::Contact(id) => (Some("contact"), Some(id)),
        Sender::System => (None, None),
    };
    let now = now();
    tx.prepare_cached(
        "INSERT INTO messages (workspace_id, conversation_id, inbox_id, message_type, content,
                               content_type, content_attributes, private, status, source_id,
                               echo_id, sender_type, sender_id, created_at, updated_at)
         VALUES (:workspace_id, :conversation_id, :inbox_id, :message_type, :content,
                 :content_type, :content_attributes, :private, :status, :source_id,
                 :echo_id, :sender_type, :sender_id, :now, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": conversation.workspace_id,
        ":conversation_id": conversation.id,
        ":inbox_id": conversation.inbox_id,
        ":message_type": new.message_type as i64,
        ":content": content,
        ":content_type": new.content_type,
        ":content_attributes": Value::Object(new.content_attributes).to_string(),
        ":private": new.private,
        ":status": status,
        ":source_id": new.source_id,
        ":echo_id": new.echo_id,
        ":sender_type": sender_type,
        ":sender_id": sender_id,
        ":now": now,
    })?;
    let id = tx.last_insert_rowid();
    for file in &new.files {
        attachments::attach(tx, conversation.workspace_id, id, file)?;
    }
    if new.message_type != MessageType::Activity {
        conversations::after_message(tx, conversation, new.message_type, new.private, sender, now)?;
    }
    events::record(tx, Event::MessageCreated { message_id: id })?;
    load_by_id(tx, id)
}

/// Writes an activity line ("Conversation was resolved by Alice").
pub fn create_activity(
    tx: &Transaction,
    conversation: &ConversationRow,
    content: String,
) -> Result<Message> {
    create(
        tx,
        conversation,
        Sender::System,
        NewMessage::text(MessageType::Activity, content),
    )
}

#[derive(Debug, Default)]
pub struct MessageChange {
    pub content: Option<String>,
    pub status: Option<String>,
    pub content_attributes: Option<Map<String, Value>>,
    /// Why delivery failed, when `status` is `failed`.
    pub external_error: Option<String>,
}

pub fn update(
    tx: &Transaction,
    conversation_row_id: i64,
    id: i64,
    change: MessageChange,
) -> Result<Message> {
    let before = get_in(tx, conversation_row_id, id)?;
    if before.content_attributes.get("deleted") == Some(&Value::Bool(true)) {
        return Err(Error::Conflict(
            "a deleted message cannot be changed".into(),
        ));
    }
    let mut content = before.content.clone();
    let mut status = before.status.clone();
    let mut attributes = before.content_attributes.clone();
    if let Some(new_content) = change.content {
        let trimmed = new_content.trim();
        if trimmed.is_empty() || trimmed.chars().count() > CONTENT_MAX {
            return Err(Error::invalid(
                "content",
                format!("must be 1 to {CONTENT_MAX} characters"),
            ));
        }
        content = Some(trimmed.to_string());
    }
    if let Some(new_status) = change.status {
        if !STATUSES.contains(&new_status.as_str()) {
            return Err(Error::invalid(
                "status",
                format!("must be one of {}", STATUSES.join(", ")),
            ));
        }
        status = new_status;
    }
    if let Some(patch) = change.content_attributes {
        contacts::merge(&mut attributes, patch);
    }
    if let Some(error) = change.external_error {
        contacts::merge(
            &mut attributes,
            Map::from_iter([("external_error".into(), Value::String(error))]),
        );
    }
    write_change(tx, &before, content, status, attributes)
}

/// Records what came of POSTing an outgoing message to its API inbox's
/// callback URL: `sent`, or `failed` with the error in
/// `content_attributes.external_error`. A message deleted meanwhile keeps
/// its state.
pub fn set_callback_outcome(tx: &Transaction, id: i64, error: Option<String>) -> Result<()> {
    let before = match load_by_id(tx, id) {
        Err(Error::NotFound(_)) => return Ok(()),
        other => other?,
    };
    if before.content_attributes.get("deleted") == Some(&Value::Bool(true)) {
        return Ok(());
    }
    let mut attributes = before.content_attributes.clone();
    let status = match error {
        None => "sent",
        Some(error) => {
            contacts::merge(
                &mut attributes,
                Map::from_iter([("external_error".into(), Value::String(error))]),
            );
            "failed"
        }
    };
    write_change(
        tx,
        &before,
        before.content.clone(),
        status.into(),
        attributes,
    )?;
    Ok(())
}

/// Soft-deletes a message: its content is replaced and its files detached.
/// Returns the file contents no longer used, to delete after the commit.
pub fn delete(
    tx: &Transaction,
    conversation_row_id: i64,
    id: i64,
) -> Result<(Message, Vec<String>)> {
    let before = get_in(tx, conversation_row_id, id)?;
    let unused = attachments::detach_all(tx, id)?;
    let attributes = json!({"deleted": true});
    let message = write_change(
        tx,
        &before,
        Some(DELETED_CONTENT.into()),
        before.status.clone(),
        attributes,
    )?;
    Ok((message, unused))
}

fn write_change(
    tx: &Transaction,
    before: &Message,
    content: Option<String>,
    status: String,
    attributes: Value,
) -> Result<Message> {
    let mut changes = Vec::new();
    if content != before.content {
        changes.push(Change::new("content", &before.content, &content));
    }
    if status != before.status {
        changes.push(Change::new("status", &before.status, &status));
    }
    if attributes != before.content_attributes {
        changes.push(Change::new(
            "content_attributes",
            &before.content_attributes,
            &attributes,
        ));
    }
    tx.prepare_cached(
        "UPDATE messages SET content = :content, status = :status,
                content_attributes = :attributes, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":content": content,
        ":status": status,
        ":attributes": attributes.to_string(),
        ":now": now(),
        ":id": before.id,
    })?;
    if !changes.is_empty() {
        events::record(
            tx,
            Event::MessageUpdated {
                message_id: before.id,
                changes,
            },
        )?;
    }
    load_by_id(tx, before.id)
}
