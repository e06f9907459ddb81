//! Conversations: a contact's thread in an inbox, with its status, priority,
//! assignee, team, labels and attributes. Every change writes an activity line
//! and records its events in the same transaction.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::db::now;
use crate::domain::agents::{self, Agent};
use crate::domain::contacts::{self, Contact, json_map};
use crate::domain::custom_attributes::{self, Model};
use crate::domain::inboxes::{self, ChannelType};
use crate::domain::labels;
use crate::domain::messages::{self, Message, MessageType, NewMessage, Sender};
use crate::domain::teams;
use crate::error::{Error, Result};
use crate::events::{self, Change, Event};

pub mod bulk;
pub mod list;

pub use list::{ListQuery, Meta, Viewer};

pub const STATUSES: &[&str] = &["open", "pending", "snoozed", "resolved"];
pub const PRIORITIES: &[&str] = &["low", "medium", "high", "urgent"];
/// Chatwoot caps the unread count it shows.
const UNREAD_CAP: i64 = 10;

/// A conversation's row as stored.
#[derive(Debug, Clone)]
pub struct ConversationRow {
    pub id: i64,
    pub workspace_id: i64,
    pub display_id: i64,
    pub inbox_id: i64,
    pub contact_id: i64,
    pub contact_inbox_id: Option<i64>,
    pub status: String,
    pub snoozed_until: Option<i64>,
    pub priority: Option<String>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub custom_attributes: Value,
    pub additional_attributes: Value,
    pub muted: bool,
    pub agent_last_seen_at: Option<i64>,
    pub contact_last_seen_at: Option<i64>,
    pub first_reply_created_at: Option<i64>,
    pub waiting_since: Option<i64>,
    pub last_activity_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn row_from(row: &Row) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: row.get("id")?,
        workspace_id: row.get("workspace_id")?,
        display_id: row.get("display_id")?,
        inbox_id: row.get("inbox_id")?,
        contact_id: row.get("contact_id")?,
        contact_inbox_id: row.get("contact_inbox_id")?,
        status: row.get("status")?,
        snoozed_until: row.get("snoozed_until")?,
        priority: row.get("priority")?,
        assignee_id: row.get("assignee_id")?,
        team_id: row.get("team_id")?,
        custom_attributes: json_map(&row.get::<_, String>("custom_attributes")?),
        additional_attributes: json_map(&row.get::<_, String>("additional_attributes")?),
        muted: row.get("muted")?,
        agent_last_seen_at: row.get("agent_last_seen_at")?,
        contact_last_seen_at: row.get("contact_last_seen_at")?,
        first_reply_created_at: row.get("first_reply_created_at")?,
        waiting_since: row.get("waiting_since")?,
        last_activity_at: row.get("last_activity_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

pub fn row(conn: &Connection, id: i64) -> Result<ConversationRow> {
    conn.prepare_cached("SELECT * FROM conversations WHERE id = ?1")?
        .query_row([id], row_from)
        .optional()?
        .ok_or(Error::NotFound("conversation"))
}

/// The conversation with display id `display_id`, if `viewer` may see it.
pub fn visible_row(conn: &Connection, viewer: &Viewer, display_id: i64) -> Result<ConversationRow> {
    let row = conn
        .prepare_cached("SELECT * FROM conversations WHERE workspace_id = ?1 AND display_id = ?2")?
        .query_row([viewer.workspace_id, display_id], row_from)
        .optional()?
        .ok_or(Error::NotFound("conversation"))?;
    if !viewer.sees_inbox(conn, row.inbox_id)? {
        return Err(Error::NotFound("conversation"));
    }
    Ok(row)
}

/// A conversation as the API and webhooks show it (Chatwoot's shape).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Conversation {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub channel: &'static str,
    pub status: String,
    pub priority: Option<String>,
    pub snoozed_until: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub custom_attributes: Value,
    pub additional_attributes: Value,
    pub muted: bool,
    pub can_reply: bool,
    pub unread_count: i64,
    pub agent_last_seen_at: i64,
    pub contact_last_seen_at: i64,
    pub first_reply_created_at: i64,
    pub waiting_since: i64,
    pub last_activity_at: i64,
    pub timestamp: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub meta: ConversationMeta,
    pub contact_inbox: Option<Value>,
    /// The last message, as Chatwoot lists it.
    pub messages: Vec<Message>,
    pub last_non_activity_message: Option<Message>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConversationMeta {
    pub sender: Contact,
    pub assignee: Option<Agent>,
    pub team: Option<Value>,
    pub channel: &'static str,
    pub hmac_verified: bool,
}

impl Conversation {
    pub fn contact_id(&self) -> i64 {
        self.meta.sender.id
    }
}

pub fn load_by_row_id(conn: &Connection, id: i64) -> Result<Conversation> {
    view(conn, row(conn, id)?)
}

/// Builds the API view of a stored conversation.
pub fn view(conn: &Connection, row: ConversationRow) -> Result<Conversation> {
    let inbox = inboxes::get(conn, row.workspace_id, row.inbox_id)?;
    let channel = inbox.channel_type.api_name();
    let sender = contacts::get_by_id(conn, row.contact_id)?;
    let assignee = row
        .assignee_id
        .map(|id| agents::get(conn, row.workspace_id, id))
        .transpose()
        .ok()
        .flatten();
    let team = row
        .team_id
        .map(|id| teams::get(conn, row.workspace_id, id))
        .transpose()?
        .map(|t| json!({"id": t.id, "name": t.name}));
    let contact_inbox = row
        .contact_inbox_id
        .map(|id| contacts::contact_inbox(conn, id))
        .transpose()?;
    let unread_count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM messages
             WHERE conversation_id = ?1 AND message_type = 0 AND created_at > ?2 LIMIT ?3)",
        )?
        .query_row(
            [row.id, row.agent_last_seen_at.unwrap_or(0), UNREAD_CAP],
            |r| r.get(0),
        )?;
    let last = messages::last(conn, row.id, false)?;
    let last_non_activity = messages::last(conn, row.id, true)?;
    let can_reply = row.status != "resolved" || inbox.settings.allow_messages_after_resolved;
    Ok(Conversation {
        id: row.display_id,
        account_id: row.workspace_id,
        inbox_id: row.inbox_id,
        channel,
        labels: labels::titles_of(conn, row.id)?,
        unread_count,
        agent_last_seen_at: row.agent_last_seen_at.unwrap_or(0),
        contact_last_seen_at: row.contact_last_seen_at.unwrap_or(0),
        first_reply_created_at: row.first_reply_created_at.unwrap_or(0),
        waiting_since: row.waiting_since.unwrap_or(0),
        last_activity_at: row.last_activity_at,
        timestamp: row.last_activity_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        can_reply,
        meta: ConversationMeta {
            hmac_verified: contact_inbox.as_ref().is_some_and(|ci| ci.hmac_verified),
            sender,
            assignee,
            team,
            channel,
        },
        contact_inbox: contact_inbox.map(|ci| json!({"id": ci.id, "source_id": ci.source_id, "inbox_id": ci.inbox_id, "hmac_verified": ci.hmac_verified})),
        messages: last.into_iter().collect(),
        last_non_activity_message: last_non_activity,
        status: row.status,
        priority: row.priority,
        snoozed_until: row.snoozed_until,
        assignee_id: row.assignee_id,
        team_id: row.team_id,
        custom_attributes: row.custom_attributes,
        additional_attributes: row.additional_attributes,
        muted: row.muted,
    })
}

/// Who is making a change, for activity lines and permissions.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    User(i64),
    Contact(i64),
    System,
}

impl Actor {
    fn name(self, conn: &Connection) -> Result<Option<String>> {
        Ok(match self {
            Actor::User(id) => conn
                .prepare_cached("SELECT coalesce(display_name, name) FROM users WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?,
            Actor::Contact(id) => Some(contacts::get_by_id(conn, id)?.name),
            Actor::System => None,
        })
    }

    /// " by Alice", or nothing for the system.
    fn by(self, conn: &Connection) -> Result<String> {
        Ok(self
            .name(conn)?
            .map(|n| format!(" by {n}"))
            .unwrap_or_default())
    }
}

#[derive(Debug, Default)]
pub struct NewConversation {
    pub inbox_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// The contact's source id in the inbox; finds the contact when
    /// `contact_id` is not given.
    pub source_id: Option<String>,
    pub status: Option<String>,
    pub snoozed_until: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub priority: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub additional_attributes: Option<Map<String, Value>>,
    /// A first message: outgoing from the creator when an agent creates the
    /// conversation, incoming when the contact does.
    pub message: Option<String>,
}

pub fn create(
    tx: &Transaction,
    viewer: &Viewer,
    actor: Actor,
    new: NewConversation,
) -> Result<ConversationRow> {
    let workspace_id = viewer.workspace_id;
    let (contact_id, contact_inbox) = match (new.contact_id, new.inbox_id, new.source_id.as_deref())
    {
        (Some(contact_id), Some(inbox_id), source_id) => {
            contacts::get(tx, workspace_id, contact_id)
                .map_err(|_| Error::invalid("contact_id", "no such contact"))?;
            inbox_visible(tx, viewer, inbox_id)?;
            let link = contacts::link_to_inbox(tx, workspace_id, contact_id, inbox_id, source_id)?;
            (contact_id, link)
        }
        (None, Some(inbox_id), Some(source_id)) => {
            inbox_visible(tx, viewer, inbox_id)?;
            let link =
                contacts::contact_inbox_by_source(tx, inbox_id, source_id).map_err(|_| {
                    Error::invalid("source_id", "no contact has this source id in the inbox")
                })?;
            (link.contact_id, link)
        }
        _ => {
            return Err(Error::invalid(
                "contact_id",
                "give inbox_id with contact_id, or inbox_id with source_id",
            ));
        }
    };
    let status = new.status.unwrap_or_else(|| "open".into());
    check_status(&status, new.snoozed_until)?;
    if let Some(priority) = &new.priority {
        check_priority(priority)?;
    }
    if let Some(assignee_id) = new.assignee_id {
        agents::get(tx, workspace_id, assignee_id)
            .map_err(|_| Error::invalid("assignee_id", "no such agent"))?;
    }
    if let Some(team_id) = new.team_id {
        teams::get(tx, workspace_id, team_id)
            .map_err(|_| Error::invalid("team_id", "no such team"))?;
    }
    let custom = new.custom_attributes.unwrap_or_default();
    custom_attributes::check_values(tx, workspace_id, Model::Conversation, &custom)?;
    let display_id: i64 = tx
        .prepare_cached(
            "UPDATE workspaces SET conversation_counter = conversation_counter + 1
             WHERE id = ?1 RETURNING conversation_counter",
        )?
        .query_row([workspace_id], |r| r.get(0))?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO conversations (workspace_id, display_id, inbox_id, contact_id, contact_inbox_id,
                                    status, snoozed_until, priority, assignee_id, team_id,
                                    custom_attributes, additional_attributes, waiting_since,
                                    last_activity_at, created_at, updated_at)
         VALUES (:workspace_id, :display_id, :inbox_id, :contact_id, :contact_inbox_id,
                 :status, :snoozed_until, :priority, :assignee_id, :team_id,
                 :custom, :additional, :now, :now, :now, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":display_id": display_id,
        ":inbox_id": contact_inbox.inbox_id,
        ":contact_id": contact_id,
        ":contact_inbox_id": contact_inbox.id,
        ":status": status,
        ":snoozed_until": new.snoozed_until.filter(|_| status == "snoozed"),
        ":priority": new.priority,
        ":assignee_id": new.assignee_id,
        ":team_id": new.team_id,
        ":custom": Value::Object(custom).to_string(),
        ":additional": Value::Object(new.additional_attributes.unwrap_or_default()).to_string(),
        ":now": now,
    })?;
    let id = tx.last_insert_rowid();
    events::record(
        tx,
        Event::ConversationCreated {
            conversation_id: id,
        },
    )?;
    if let Some(content) = new.message.filter(|m| !m.trim().is_empty()) {
        let (message_type, sender) = match actor {
            Actor::Contact(contact) => (MessageType::Incoming, Sender::Contact(contact)),
            Actor::User(user) => (MessageType::Outgoing, Sender::User(user)),
            Actor::System => (MessageType::Outgoing, Sender::System),
        };
        messages::create(
            tx,
            &row(tx, id)?,
            sender,
            NewMessage::text(message_type, content),
        )?;
    }
    row(tx, id)
}

fn inbox_visible(conn: &Connection, viewer: &Viewer, inbox_id: i64) -> Result<()> {
    inboxes::get(conn, viewer.workspace_id, inbox_id)
        .map_err(|_| Error::invalid("inbox_id", "no such inbox"))?;
    if !viewer.sees_inbox(conn, inbox_id)? {
        return Err(Error::invalid("inbox_id", "no such inbox"));
    }
    Ok(())
}

fn check_status(status: &str, snoozed_until: Option<i64>) -> Result<()> {
    if !STATUSES.contains(&status) {
        return Err(Error::invalid(
            "status",
            format!("must be one of {}", STATUSES.join(", ")),
        ));
    }
    if let Some(until) = snoozed_until
        && until <= now()
    {
        return Err(Error::invalid("snoozed_until", "must be in the future"));
    }
    Ok(())
}

fn check_priority(priority: &str) -> Result<()> {
    if PRIORITIES.contains(&priority) {
        Ok(())
    } else {
        Err(Error::invalid(
            "priority",
            format!("must be one of {} or null", PRIORITIES.join(", ")),
        ))
    }
}

/// Sets the status (and, for `snoozed`, until when). Returns the new status.
pub fn set_status(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    status: &str,
    snoozed_until: Option<i64>,
) -> Result<ConversationRow> {
    check_status(status, snoozed_until)?;
    let snoozed_until = if status == "snoozed" {
        snoozed_until
    } else {
        None
    };
    if conversation.status == status && conversation.snoozed_until == snoozed_until {
        return Ok(conversation.clone());
    }
    // Resolving ends the wait; reopening does not start one.
    let waiting_since = if status == "resolved" {
        None
    } else {
        conversation.waiting_since
    };
    tx.prepare_cached(
        "UPDATE conversations SET status = ?1, snoozed_until = ?2, waiting_since = ?3, updated_at = ?4
         WHERE id = ?5",
    )?
    .execute(rusqlite::params![status, snoozed_until, waiting_since, now(), conversation.id])?;
    let by = actor.by(tx)?;
    let line = match status {
        "resolved" => format!("Conversation was marked resolved{by}"),
        "open" => format!("Conversation was reopened{by}"),
        "pending" => format!("Conversation was marked pending{by}"),
        _ => format!("Conversation was snoozed{by}"),
    };
    messages::create_activity(tx, conversation, line)?;
    let mut changes = vec![Change::new("status", &conversation.status, status)];
    if conversation.snoozed_until != snoozed_until {
        changes.push(Change::new(
            "snoozed_until",
            conversation.snoozed_until,
            snoozed_until,
        ));
    }
    let conversation_id = conversation.id;
    events::record(
        tx,
        Event::ConversationStatusChanged {
            conversation_id,
            changes: changes.clone(),
        },
    )?;
    if status == "resolved" {
        events::record(
            tx,
            Event::ConversationResolved {
                conversation_id,
                changes: changes.clone(),
            },
        )?;
    }
    events::record(
        tx,
        Event::ConversationUpdated {
            conversation_id,
            changes,
        },
    )?;
    row(tx, conversation.id)
}

pub fn set_priority(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    priority: Option<&str>,
) -> Result<ConversationRow> {
    if let Some(p) = priority {
        check_priority(p)?;
    }
    if conversation.priority.as_deref() == priority {
        return Ok(conversation.clone());
    }
    let by = actor.by(tx)?;
    let line = match priority {
        Some(p) => format!("Priority was set to {p}{by}"),
        None => format!("Priority was removed{by}"),
    };
    let change = Change::new("priority", &conversation.priority, priority);
    write_field(tx, conversation, change, &priority, line, false)
}

/// Writes one column of a conversation (`change.attribute` names it), its
/// activity line and its events: `conversation_updated`, and
/// `conversation_assigned` too when `assignment`.
fn write_field(
    tx: &Transaction,
    conversation: &ConversationRow,
    change: Change,
    value: &dyn rusqlite::ToSql,
    activity: String,
    assignment: bool,
) -> Result<ConversationRow> {
    // The column names come from this module's callers, never from input.
    tx.prepare_cached(&format!(
        "UPDATE conversations SET {} = ?1, updated_at = ?2 WHERE id = ?3",
        change.attribute
    ))?
    .execute(rusqlite::params![value, now(), conversation.id])?;
    messages::create_activity(tx, conversation, activity)?;
    let conversation_id = conversation.id;
    if assignment {
        let changes = vec![change.clone()];
        events::record(
            tx,
            Event::ConversationAssigned {
                conversation_id,
                changes,
            },
        )?;
    }
    let changes = vec![change];
    events::record(
        tx,
        Event::ConversationUpdated {
            conversation_id,
            changes,
        },
    )?;
    row(tx, conversation.id)
}

/// Assigns the conversation to an agent of the workspace, or unassigns it.
pub fn assign_agent(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    assignee_id: Option<i64>,
) -> Result<ConversationRow> {
    let assignee = assignee_id
        .map(|id| agents::get(tx, conversation.workspace_id, id))
        .transpose()
        .map_err(|_| Error::invalid("assignee_id", "no such agent in this workspace"))?;
    if conversation.assignee_id == assignee_id {
        return Ok(conversation.clone());
    }
    let by = actor.by(tx)?;
    let line = match &assignee {
        Some(agent) => format!("Assigned to {}{by}", agent.available_name),
        None => format!("Conversation was unassigned{by}"),
    };
    let change = Change::new("assignee_id", conversation.assignee_id, assignee_id);
    write_field(tx, conversation, change, &assignee_id, line, true)
}

pub fn assign_team(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    team_id: Option<i64>,
) -> Result<ConversationRow> {
    let team = team_id
        .map(|id| teams::get(tx, conversation.workspace_id, id))
        .transpose()
        .map_err(|_| Error::invalid("team_id", "no such team in this workspace"))?;
    if conversation.team_id == team_id {
        return Ok(conversation.clone());
    }
    let by = actor.by(tx)?;
    let line = match &team {
        Some(team) => format!("Assigned to team {}{by}", team.name),
        None => format!("Conversation was removed from its team{by}"),
    };
    let change = Change::new("team_id", conversation.team_id, team_id);
    write_field(tx, conversation, change, &team_id, line, false)
}

/// Replaces the conversation's labels with `titles` (labels not yet defined
/// are created).
pub fn set_labels(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    titles: &[String],
) -> Result<ConversationRow> {
    let before = labels::titles_of(tx, conversation.id)?;
    let ids = labels::ensure(tx, conversation.workspace_id, titles)?;
    tx.prepare_cached("DELETE FROM conversation_labels WHERE conversation_id = ?1")?
        .execute([conversation.id])?;
    for id in &ids {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id) VALUES (?1, ?2)",
        )?
        .execute([conversation.id, *id])?;
    }
    let after = labels::titles_of(tx, conversation.id)?;
    if before == after {
        return Ok(conversation.clone());
    }
    tx.prepare_cached("UPDATE conversations SET updated_at = ?1 WHERE id = ?2")?
        .execute([now(), conversation.id])?;
    let by = actor.by(tx)?;
    let added: Vec<&String> = after.iter().filter(|t| !before.contains(t)).collect();
    let removed: Vec<&String> = before.iter().filter(|t| !after.contains(t)).collect();
    if !added.is_empty() {
        let list = added
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        messages::create_activity(tx, conversation, format!("Labels added{by}: {list}"))?;
    }
    if !removed.is_empty() {
        let list = removed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        messages::create_activity(tx, conversation, format!("Labels removed{by}: {list}"))?;
    }
    let changes = vec![Change::new("labels", &before, &after)];
    events::record(
        tx,
        Event::ConversationUpdated {
            conversation_id: conversation.id,
            changes,
        },
    )?;
    row(tx, conversation.id)
}

/// Replaces the conversation's custom attributes, checked against their definitions.
pub fn set_custom_attributes(
    tx: &Transaction,
    conversation: &ConversationRow,
    attributes: Map<String, Value>,
) -> Result<ConversationRow> {
    custom_attributes::check_values(
        tx,
        conversation.workspace_id,
        Model::Conversation,
        &attributes,
    )?;
    let attributes: Map<String, Value> = attributes
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect();
    let after = Value::Object(attributes);
    if after == conversation.custom_attributes {
        return Ok(conversation.clone());
    }
    tx.prepare_cached(
        "UPDATE conversations SET custom_attributes = ?1, updated_at = ?2 WHERE id = ?3",
    )?
    .execute(rusqlite::params![after.to_string(), now(), conversation.id])?;
    let changes = vec![Change::new(
        "custom_attributes",
        &conversation.custom_attributes,
        &after,
    )];
    events::record(
        tx,
        Event::ConversationUpdated {
            conversation_id: conversation.id,
            changes,
        },
    )?;
    row(tx, conversation.id)
}

/// Merges into the conversation's additional attributes (page context and
/// browser details from the widget).
pub fn merge_additional_attributes(
    tx: &Transaction,
    conversation: &ConversationRow,
    patch: Map<String, Value>,
) -> Result<ConversationRow> {
    let mut after = conversation.additional_attributes.clone();
    contacts::merge(&mut after, patch);
    if after == conversation.additional_attributes {
        return Ok(conversation.clone());
    }
    tx.prepare_cached(
        "UPDATE conversations SET additional_attributes = ?1, updated_at = ?2 WHERE id = ?3",
    )?
    .execute(rusqlite::params![after.to_string(), now(), conversation.id])?;
    let changes = vec![Change::new(
        "additional_attributes",
        &conversation.additional_attributes,
        &after,
    )];
    events::record(
        tx,
        Event::ConversationUpdated {
            conversation_id: conversation.id,
            changes,
        },
    )?;
    row(tx, conversation.id)
}

/// Marks everything up to now as seen by the agents.
pub fn mark_read(tx: &Transaction, conversation: &ConversationRow) -> Result<ConversationRow> {
    tx.prepare_cached("UPDATE conversations SET agent_last_seen_at = ?1 WHERE id = ?2")?
        .execute([now(), conversation.id])?;
    row(tx, conversation.id)
}

/// Marks the conversation unread from its last incoming message on.
pub fn mark_unread(tx: &Transaction, conversation: &ConversationRow) -> Result<ConversationRow> {
    let last_incoming: Option<i64> = tx
        .prepare_cached(
            "SELECT max(created_at) FROM messages WHERE conversation_id = ?1 AND message_type = 0",
        )?
        .query_row([conversation.id], |r| r.get(0))?;
    let seen = last_incoming.map(|t| t - 1);
    tx.prepare_cached("UPDATE conversations SET agent_last_seen_at = ?1 WHERE id = ?2")?
        .execute(rusqlite::params![seen, conversation.id])?;
    row(tx, conversation.id)
}

/// Records that the contact has seen the conversation up to now.
pub fn mark_seen_by_contact(tx: &Transaction, conversation: &ConversationRow) -> Result<()> {
    tx.prepare_cached("UPDATE conversations SET contact_last_seen_at = ?1 WHERE id = ?2")?
        .execute([now(), conversation.id])?;
    Ok(())
}

/// A muted conversation stays resolved when the contact writes again.
pub fn set_muted(
    tx: &Transaction,
    conversation: &ConversationRow,
    actor: Actor,
    muted: bool,
) -> Result<ConversationRow> {
    if conversation.muted == muted {
        return Ok(conversation.clone());
    }
    let by = actor.by(tx)?;
    let line = if muted {
        format!("Conversation was muted{by}")
    } else {
        format!("Conversation was unmuted{by}")
    };
    let change = Change::new("muted", conversation.muted, muted);
    write_field(tx, conversation, change, &muted, line, false)
}

/// What a new message does to its conversation.
pub(crate) fn after_message(
    tx: &Transaction,
    conversation: &ConversationRow,
    message_type: MessageType,
    private: bool,
    sender: Sender,
    at: i64,
) -> Result<()> {
    let current = row(tx, conversation.id)?;
    let mut waiting_since = current.waiting_since;
    let mut first_reply = current.first_reply_created_at;
    match (message_type, sender) {
        (MessageType::Incoming, _) => {
            waiting_since = waiting_since.or(Some(at));
            if let Sender::Contact(contact_id) = sender {
                contacts::touch_activity(tx, contact_id, at)?;
            }
        }
        (MessageType::Outgoing, Sender::User(_)) if !private => {
            waiting_since = None;
            first_reply = first_reply.or(Some(at));
        }
        _ => {}
    }
    tx.prepare_cached(
        "UPDATE conversations SET last_activity_at = ?1, waiting_since = ?2,
                first_reply_created_at = ?3, updated_at = ?1
         WHERE id = ?4",
    )?
    .execute(rusqlite::params![
        at,
        waiting_since,
        first_reply,
        conversation.id
    ])?;
    let reopen = message_type == MessageType::Incoming
        && (current.status == "snoozed" || (current.status == "resolved" && !current.muted));
    if reopen {
        set_status(tx, &current, Actor::System, "open", None)?;
    }
    Ok(())
}

/// Reopens every snoozed conversation whose time has come; returns how many.
pub fn reopen_due(tx: &Transaction, at: i64) -> Result<usize> {
    let due: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?1",
        )?
        .query_map([at], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &due {
        set_status(tx, &row(tx, *id)?, Actor::System, "open", None)?;
    }
    Ok(due.len())
}

/// Deletes a conversation with its messages and attachments' rows.
pub fn delete(tx: &Transaction, viewer: &Viewer, display_id: i64) -> Result<()> {
    let row = visible_row(tx, viewer, display_id)?;
    tx.execute("DELETE FROM conversations WHERE id = ?1", [row.id])?;
    Ok(())
}

/// Whether the inbox is an API channel (incoming messages may be posted).
pub fn is_api_inbox(conn: &Connection, conversation: &ConversationRow) -> Result<bool> {
    Ok(
        inboxes::get(conn, conversation.workspace_id, conversation.inbox_id)?.channel_type
            == ChannelType::Api,
    )
}
