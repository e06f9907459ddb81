//! Actions on one conversation: status, priority, assignment, labels, custom
//! attributes, read state and muting. Each is one transaction that writes the
//! activity line and the events with the change.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{READ, WRITE, change};
use crate::api::{AccountItemPath, Payload, Routes};
use crate::api::{Json, OptionalJson};
use crate::auth::Caller;
use crate::domain::agents::Agent;
use crate::domain::conversations::{self, Conversation};
use crate::domain::teams::Team;
use crate::domain::{agents, labels, teams};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let at =
        |action: &str| format!("/api/v1/accounts/{{account_id}}/conversations/{{id}}/{action}");
    api.post(&at("toggle_status"), toggle_status)
        .op("toggleConversationStatus", "Change a conversation's status")
        .about(
            "Sets `status` (with `snoozed_until` for `snoozed`). With no body or no \
             status, an open conversation is resolved and any other reopened.",
        )
        .scope(WRITE)
        .optional_json::<ToggleStatus>()
        .ok::<StatusChanged>()
        .example(json!({"status": "pending"}));
    api.post(&at("toggle_priority"), toggle_priority)
        .op(
            "toggleConversationPriority",
            "Change a conversation's priority",
        )
        .about("`low`, `medium`, `high`, `urgent`, or `none` (or null) to clear it.")
        .scope(WRITE)
        .json::<TogglePriority>()
        .ok::<Conversation>()
        .example(json!({"priority": "urgent"}));
    api.post(&at("assignments"), assignments)
        .op("assignConversation", "Assign a conversation")
        .about(
            "Assigns an agent (`assignee_id`) or a team (`team_id`); `null` clears. \
             Answers the new assignee or team (null when cleared), as Chatwoot does.",
        )
        .scope(WRITE)
        .json::<Assignment>()
        .ok::<Option<Assignee>>()
        .example(json!({"assignee_id": 1}));
    api.get(&at("labels"), list_labels)
        .op("listConversationLabels", "List a conversation's labels")
        .scope(READ)
        .ok::<Payload<Vec<String>>>();
    api.post(&at("labels"), set_labels)
        .op("setConversationLabels", "Set a conversation's labels")
        .about("Replaces the conversation's labels; titles that do not exist yet are created.")
        .scope(WRITE)
        .json::<LabelsBody>()
        .ok::<Payload<Vec<String>>>()
        .example(json!({"labels": ["billing", "vip"]}));
    api.post(&at("custom_attributes"), set_custom_attributes)
        .op(
            "setConversationCustomAttributes",
            "Set a conversation's custom attributes",
        )
        .about("Replaces them; values are checked against their definitions.")
        .scope(WRITE)
        .json::<CustomAttributesBody>()
        .ok::<CustomAttributes>()
        .example(json!({"custom_attributes": {"order_id": "A-1042"}}));
    api.post(&at("update_last_seen"), update_last_seen)
        .op("markConversationRead", "Mark a conversation read")
        .about("Marks every message read for the agents.")
        .scope(WRITE)
        .ok::<Conversation>();
    api.post(&at("unread"), unread)
        .op("markConversationUnread", "Mark a conversation unread")
        .about("Marks the last incoming message unread.")
        .scope(WRITE)
        .ok::<Conversation>();
    api.post(&at("mute"), mute)
        .op("muteConversation", "Mute a conversation")
        .about("A muted conversation stays resolved when the contact writes again.")
        .scope(WRITE)
        .ok::<Conversation>();
    api.post(&at("unmute"), unmute)
        .op("unmuteConversation", "Unmute a conversation")
        .about("Undoes `mute`.")
        .scope(WRITE)
        .ok::<Conversation>();
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ToggleStatus {
    /// `open`, `pending`, `snoozed` or `resolved`.
    #[schemars(extend("enum" = ["open", "pending", "snoozed", "resolved", null]))]
    status: Option<String>,
    /// Unix seconds; for `snoozed` (until the next reply when absent).
    snoozed_until: Option<i64>,
}

/// What a status change answers, in Chatwoot's shape.
#[derive(Serialize, JsonSchema)]
struct StatusChanged {
    meta: Map<String, Value>,
    payload: StatusPayload,
}

#[derive(Serialize, JsonSchema)]
struct StatusPayload {
    success: bool,
    conversation_id: i64,
    current_status: String,
    snoozed_until: Option<i64>,
}

/// The new assignee: an agent, or a team.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum Assignee {
    Agent(Agent),
    Team(Team),
}

#[derive(Serialize, JsonSchema)]
struct CustomAttributes {
    custom_attributes: Value,
}

/// With no status, an open conversation is resolved and any other reopened.
async fn toggle_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: OptionalJson<ToggleStatus>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let body = body.0;
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        let status = body.status.unwrap_or_else(|| {
            if row.status == "open" {
                "resolved".into()
            } else {
                "open".into()
            }
        });
        conversations::set_status(tx, row, actor, &status, body.snoozed_until)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StatusChanged {
        meta: Map::new(),
        payload: StatusPayload {
            success: true,
            conversation_id: conversation.id,
            current_status: conversation.status,
            snoozed_until: conversation.snoozed_until,
        },
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TogglePriority {
    priority: Option<String>,
}

async fn toggle_priority(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<TogglePriority>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let priority = body.into_inner().priority.filter(|p| p != "none");
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        conversations::set_priority(tx, row, actor, priority.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Assignment {
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    team_id: Option<Option<i64>>,
    assignee_type: Option<String>,
}

/// Assigns an agent (`assignee_id`) or a team (`team_id`); `null` clears.
/// Answers the new assignee or team, as Chatwoot does.
async fn assignments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<Assignment>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let body = body.into_inner();
    if body.assignee_type.as_deref().is_some_and(|t| t != "User") {
        return Err(Error::invalid(
            "assignee_type",
            "only User assignees exist here",
        ));
    }
    let workspace_id = me.workspace_id;
    if let Some(assignee_id) = body.assignee_id {
        change(&state, &me, path.id, move |tx, row, actor| {
            conversations::assign_agent(tx, row, actor, assignee_id)
        })
        .await?;
        let agent = match assignee_id {
            Some(id) => Some(
                state
                    .db
                    .read(move |conn| agents::get(conn, workspace_id, id))
                    .await?,
            ),
            None => None,
        };
        return Ok(HttpResponse::Ok().json(agent.map(Assignee::Agent)));
    }
    let Some(team_id) = body.team_id else {
        return Err(Error::invalid("assignee_id", "give assignee_id or team_id"));
    };
    change(&state, &me, path.id, move |tx, row, actor| {
        conversations::assign_team(tx, row, actor, team_id)
    })
    .await?;
    let team = match team_id {
        Some(id) => Some(
            state
                .db
                .read(move |conn| teams::get(conn, workspace_id, id))
                .await?,
        ),
        None => None,
    };
    Ok(HttpResponse::Ok().json(team.map(Assignee::Team)))
}

async fn list_labels(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (viewer, id) = (me.viewer(), path.id);
    let titles = state
        .db
        .read(move |conn| {
            labels::titles_of(conn, conversations::visible_row(conn, &viewer, id)?.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(titles)))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LabelsBody {
    labels: Vec<String>,
}

/// Replaces the conversation's labels with the given set.
async fn set_labels(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<LabelsBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let titles = body.into_inner().labels;
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        conversations::set_labels(tx, row, actor, &titles)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Payload::of(conversation.labels)))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CustomAttributesBody {
    custom_attributes: Map<String, Value>,
}

/// Replaces the conversation's custom attributes (checked against their definitions).
async fn set_custom_attributes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<CustomAttributesBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let attributes = body.into_inner().custom_attributes;
    let conversation = change(&state, &me, path.id, move |tx, row, _| {
        conversations::set_custom_attributes(tx, row, attributes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CustomAttributes {
        custom_attributes: conversation.custom_attributes,
    }))
}

/// The read-state and mute actions: no body, the conversation answers.
async fn simple_action(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    action: fn(
        &rusqlite::Transaction,
        &conversations::ConversationRow,
        conversations::Actor,
    ) -> Result<conversations::ConversationRow>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let conversation = change(&state, &me, path.id, action).await?;
    Ok(HttpResponse::Ok().json(conversation))
}

async fn update_last_seen(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    simple_action(state, caller, path, |tx, row, _| {
        conversations::mark_read(tx, row)
    })
    .await
}

async fn unread(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    simple_action(state, caller, path, |tx, row, _| {
        conversations::mark_unread(tx, row)
    })
    .await
}

async fn mute(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    simple_action(state, caller, path, |tx, row, actor| {
        conversations::set_muted(tx, row, actor, true)
    })
    .await
}

async fn unmute(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    simple_action(state, caller, path, |tx, row, actor| {
        conversations::set_muted(tx, row, actor, false)
    })
    .await
}
