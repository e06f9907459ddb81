//! Events: the one type for everything that happened, recorded in the same
//! transaction as the change that caused it. The `events` table is the outbox
//! that webhooks drain and the log that live sockets resume from.

pub mod courier;
pub mod outbox;
pub mod signing;
pub mod worker;

use rusqlite::{Connection, Transaction, named_params};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::db::now;
use crate::domain::{contacts, conversations, inboxes, messages, webhooks};
use crate::error::Result;

/// One attribute's value before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub attribute: &'static str,
    pub previous_value: Value,
    pub current_value: Value,
}

impl Change {
    pub fn new(
        attribute: &'static str,
        previous: impl Serialize,
        current: impl Serialize,
    ) -> Change {
        Change {
            attribute,
            previous_value: serde_json::to_value(previous).unwrap_or(Value::Null),
            current_value: serde_json::to_value(current).unwrap_or(Value::Null),
        }
    }
}

/// Everything that happened that a webhook or a live view cares about. Ids
/// are internal row ids; the payload is built from the rows when recorded.
#[derive(Debug, Clone)]
pub enum Event {
    ConversationCreated {
        conversation_id: i64,
    },
    ConversationUpdated {
        conversation_id: i64,
        changes: Vec<Change>,
    },
    ConversationStatusChanged {
        conversation_id: i64,
        changes: Vec<Change>,
    },
    ConversationAssigned {
        conversation_id: i64,
        changes: Vec<Change>,
    },
    ConversationResolved {
        conversation_id: i64,
        changes: Vec<Change>,
    },
    MessageCreated {
        message_id: i64,
    },
    MessageUpdated {
        message_id: i64,
        changes: Vec<Change>,
    },
    ContactCreated {
        contact_id: i64,
    },
    ContactUpdated {
        contact_id: i64,
        changes: Vec<Change>,
    },
    /// A visitor's custom event from the widget (`$deskwoot.trigger`).
    WebwidgetTriggered {
        contact_inbox_id: i64,
        name: String,
        data: Value,
    },
    /// A webhook was disabled for failing (or for a 410 Gone); its payload is
    /// the webhook with `disabled_reason`.
    WebhookDisabled {
        webhook_id: i64,
    },
}

impl Event {
    /// The event's name, as Chatwoot's webhooks call it.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ConversationCreated { .. } => "conversation_created",
            Event::ConversationUpdated { .. } => "conversation_updated",
            Event::ConversationStatusChanged { .. } => "conversation_status_changed",
            Event::ConversationAssigned { .. } => "conversation_assigned",
            Event::ConversationResolved { .. } => "conversation_resolved",
            Event::MessageCreated { .. } => "message_created",
            Event::MessageUpdated { .. } => "message_updated",
            Event::ContactCreated { .. } => "contact_created",
            Event::WebwidgetTriggered { .. } => "webwidget_triggered",
            Event::ContactUpdated { .. } => "contact_updated",
            Event::WebhookDisabled { .. } => "webhook_disabled",
        }
    }

    fn changes(&self) -> Option<&[Change]> {
        match self {
            Event::ConversationUpdated { changes, .. }
            | Event::ConversationStatusChanged { changes, .. }
            | Event::ConversationAssigned { changes, .. }
            | Event::ConversationResolved { changes, .. }
            | Event::MessageUpdated { changes, .. }
            | Event::ContactUpdated { changes, .. } => Some(changes),
            _ => None,
        }
    }
}

/// Where an event belongs, for routing it to subscribers and sockets.
struct Scope {
    workspace_id: i64,
    inbox_id: Option<i64>,
    conversation_id: Option<i64>,
    contact_id: Option<i64>,
    private: bool,
}

/// Records `event` in the transaction that made the change. Its payload is
/// Chatwoot's webhook shape: the object, `event`, and `changed_attributes`
/// (`[{attr: {previous_value, current_value}}]`) for updates.
pub fn record(tx: &Transaction, event: Event) -> Result<i64> {
    let (mut object, scope) = payload_of(tx, &event)?;
    object.insert("event".into(), json!(event.name()));
    if let Some(changes) = event.changes() {
        let changed: Vec<Value> = changes
            .iter()
            .map(|c| json!({ c.attribute: {"previous_value": c.previous_value, "current_value": c.current_value} }))
            .collect();
        object.insert("changed_attributes".into(), Value::Array(changed));
    }
    tx.prepare_cached(
        "INSERT INTO events (workspace_id, name, inbox_id, conversation_id, contact_id, private,
                             payload, created_at)
         VALUES (:workspace_id, :name, :inbox_id, :conversation_id, :contact_id, :private,
                 :payload, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": scope.workspace_id,
        ":name": event.name(),
        ":inbox_id": scope.inbox_id,
        ":conversation_id": scope.conversation_id,
        ":contact_id": scope.contact_id,
        ":private": scope.private,
        ":payload": Value::Object(object).to_string(),
        ":now": now(),
    })?;
    Ok(tx.last_insert_rowid())
}

fn payload_of(conn: &Connection, event: &Event) -> Result<(Map<String, Value>, Scope)> {
    match event {
        Event::ConversationCreated { conversation_id }
        | Event::ConversationUpdated {
            conversation_id, ..
        }
        | Event::ConversationStatusChanged {
            conversation_id, ..
        }
        | Event::ConversationAssigned {
            conversation_id, ..
        }
        | Event::ConversationResolved {
            conversation_id, ..
        } => {
            let conversation = conversations::load_by_row_id(conn, *conversation_id)?;
            let scope = Scope {
                workspace_id: conversation.account_id,
                inbox_id: Some(conversation.inbox_id),
                conversation_id: Some(*conversation_id),
                contact_id: Some(conversation.contact_id()),
                private: false,
            };
            Ok((to_object(&conversation)?, scope))
        }
        Event::MessageCreated { message_id } | Event::MessageUpdated { message_id, .. } => {
            let message = messages::load_by_id(conn, *message_id)?;
            let conversation = conversations::load_by_row_id(conn, message.conversation_row_id)?;
            let scope = Scope {
                workspace_id: conversation.account_id,
                inbox_id: Some(conversation.inbox_id),
                conversation_id: Some(message.conversation_row_id),
                contact_id: Some(conversation.contact_id()),
                private: message.private,
            };
            let mut object = to_object(&message)?;
            object.insert("conversation".into(), serde_json::to_value(&conversation)?);
            Ok((object, scope))
        }
        Event::ContactCreated { contact_id } | Event::ContactUpdated { contact_id, .. } => {
            let contact = contacts::get_by_id(conn, *contact_id)?;
            let scope = Scope {
                workspace_id: contact.account_id,
                inbox_id: None,
                conversation_id: None,
                contact_id: Some(*contact_id),
                private: false,
            };
            Ok((to_object(&contact)?, scope))
        }
        Event::WebwidgetTriggered {
            contact_inbox_id,
            name,
            data,
        } => {
            let link = contacts::contact_inbox(conn, *contact_inbox_id)?;
            let contact = contacts::get_by_id(conn, link.contact_id)?;
            let inbox = inboxes::get(conn, contact.account_id, link.inbox_id)?;
            let scope = Scope {
                workspace_id: contact.account_id,
                inbox_id: Some(link.inbox_id),
                conversation_id: None,
                contact_id: Some(contact.id),
                private: false,
            };
            let object = json!({
                "id": link.id,
                "contact": contact,
                "inbox": {"id": inbox.id, "name": inbox.name},
                "account": {"id": contact.account_id},
                "source_id": link.source_id,
                "event_info": {"name": name, "data": data},
            });
            Ok((to_object(&object)?, scope))
        }
        Event::WebhookDisabled { webhook_id } => {
            let webhook = webhooks::by_id(conn, *webhook_id)?;
            let scope = Scope {
                workspace_id: webhook.account_id,
                inbox_id: None,
                conversation_id: None,
                contact_id: None,
                private: false,
            };
            Ok((to_object(&webhook)?, scope))
        }
    }
}

fn to_object(value: &impl Serialize) -> Result<Map<String, Value>> {
    match serde_json::to_value(value)? {
        Value::Object(map) => Ok(map),
        other => Ok(Map::from_iter([("data".to_string(), other)])),
    }
}
