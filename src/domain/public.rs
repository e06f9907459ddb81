//! What a contact may see of their conversations and messages: the shapes of
//! the public Client API and of the visitor socket. Built from the agents'
//! JSON by keeping only public fields, so the two views cannot drift apart;
//! private notes and activity lines are never public.

use schemars::JsonSchema;
use serde_json::{Map, Value, json};

// The shapes below describe, for the API docs, the JSON that the functions
// of this module build; keep them beside the builders.

/// A message as its contact sees it.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes JSON built by `message`
pub struct PublicMessage {
    id: i64,
    content: Option<String>,
    /// 0 incoming (from the contact), 1 outgoing, 3 template.
    message_type: i64,
    content_type: String,
    content_attributes: Value,
    created_at: i64,
    conversation_id: i64,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    echo_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<PublicSender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachments: Option<Vec<PublicAttachment>>,
}

/// Who wrote: name and type, never an agent's email.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes JSON built by `sender_of`
pub struct PublicSender {
    id: Value,
    name: String,
    available_name: String,
    avatar_url: Value,
    /// `contact` or `user`.
    #[serde(rename = "type")]
    kind: String,
}

#[derive(JsonSchema)]
#[allow(dead_code)] // describes JSON built by `message`
pub struct PublicAttachment {
    id: i64,
    file_type: String,
    content_type: String,
    file_name: String,
    file_size: i64,
    data_url: String,
    thumb_url: String,
    extension: Option<String>,
}

/// A conversation as its contact sees it, with its public messages.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes JSON built by `conversation_with_messages`
pub struct PublicConversation {
    id: i64,
    inbox_id: i64,
    status: String,
    contact_last_seen_at: i64,
    agent_last_seen_at: i64,
    created_at: i64,
    last_activity_at: i64,
    assignee: Option<PublicSender>,
    messages: Vec<PublicMessage>,
}

/// The public form of a message, or `None` when contacts must not see it.
pub fn message(agent_view: &Value) -> Option<Value> {
    let private = agent_view["private"].as_bool().unwrap_or(false);
    let kind = agent_view["message_type"].as_i64().unwrap_or(2);
    if private || kind == 2 {
        return None;
    }
    let mut public = pick(
        agent_view,
        &[
            "id",
            "content",
            "message_type",
            "content_type",
            "content_attributes",
            "created_at",
            "conversation_id",
            "status",
        ],
    );
    if let Some(echo_id) = agent_view.get("echo_id").filter(|e| !e.is_null()) {
        public.insert("echo_id".into(), echo_id.clone());
    }
    if let Some(sender) = agent_view.get("sender").filter(|s| s.is_object()) {
        public.insert("sender".into(), sender_of(sender));
    }
    if let Some(files) = agent_view.get("attachments").and_then(Value::as_array) {
        let files: Vec<Value> = files
            .iter()
            .map(|f| {
                Value::Object(pick(
                    f,
                    &[
                        "id",
                        "file_type",
                        "content_type",
                        "file_name",
                        "file_size",
                        "data_url",
                        "thumb_url",
                        "extension",
                    ],
                ))
            })
            .collect();
        public.insert("attachments".into(), Value::Array(files));
    }
    Some(Value::Object(public))
}

/// The public form of a conversation (without messages).
pub fn conversation(agent_view: &Value) -> Value {
    let mut public = pick(
        agent_view,
        &[
            "id",
            "inbox_id",
            "status",
            "contact_last_seen_at",
            "agent_last_seen_at",
            "created_at",
            "last_activity_at",
        ],
    );
    let assignee = agent_view["meta"]["assignee"]
        .as_object()
        .map(|_| sender_of(&agent_view["meta"]["assignee"]));
    public.insert("assignee".into(), assignee.unwrap_or(Value::Null));
    Value::Object(public)
}

/// A conversation with its public messages.
pub fn conversation_with_messages(agent_view: &Value, messages: &[Value]) -> Value {
    let mut public = conversation(agent_view);
    public["messages"] = Value::Array(messages.iter().filter_map(message).collect());
    public
}

/// Who wrote: name and type, never an agent's email.
fn sender_of(sender: &Value) -> Value {
    let kind = sender["type"].as_str().unwrap_or("user");
    let name = sender["available_name"]
        .as_str()
        .or(sender["name"].as_str())
        .unwrap_or_default();
    json!({
        "id": sender["id"],
        "name": name,
        "available_name": name,
        "avatar_url": sender.get("avatar_url").or(sender.get("thumbnail")).cloned().unwrap_or(Value::Null),
        "type": if kind == "contact" { "contact" } else { "user" },
    })
}

fn pick(value: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| value.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_notes_and_activity_lines_are_never_public() {
        assert!(message(&json!({"id": 1, "private": true, "message_type": 1})).is_none());
        assert!(message(&json!({"id": 1, "private": false, "message_type": 2})).is_none());
        let reply = message(&json!({
            "id": 1, "private": false, "message_type": 1, "content": "hi",
            "sender": {"id": 7, "name": "Alice", "available_name": "Ali", "email": "alice@acme.test", "type": "user"}
        }))
        .unwrap();
        assert_eq!(reply["sender"]["name"], "Ali");
        assert!(!reply.to_string().contains("alice@acme.test"));
    }
}
