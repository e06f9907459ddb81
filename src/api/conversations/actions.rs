//! Actions on one conversation: status, priority, assignment, labels, custom
//! attributes, read state and muting. Each is one transaction that writes the
//! activity line and the events with the change.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::change;
use crate::api::AccountItemPath;
use crate::auth::{Caller, Scope};
use crate::domain::conversations;
use crate::domain::{agents, labels, teams};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    let base = "/api/v1/accounts/{account_id}/conversations/{id}";
    let post = |action: &str, handler| web::resource(format!("{base}/{action}")).route(handler);
    cfg.service(post("toggle_status", web::post().to(toggle_status)))
        .service(post("toggle_priority", web::post().to(toggle_priority)))
        .service(post("assignments", web::post().to(assignments)))
        .service(
            web::resource(format!("{base}/labels"))
                .route(web::get().to(list_labels))
                .route(web::post().to(set_labels)),
        )
        .service(post(
            "custom_attributes",
            web::post().to(set_custom_attributes),
        ))
        .service(post("update_last_seen", web::post().to(update_last_seen)))
        .service(post("unread", web::post().to(unread)))
        .service(post("mute", web::post().to(mute)))
        .service(post("unmute", web::post().to(unmute)));
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ToggleStatus {
    status: Option<String>,
    snoozed_until: Option<i64>,
}

/// With no status, an open conversation is resolved and any other reopened.
async fn toggle_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Option<web::Json<ToggleStatus>>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let body = body.map(web::Json::into_inner).unwrap_or_default();
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
    Ok(HttpResponse::Ok().json(json!({
        "meta": {},
        "payload": {
            "success": true,
            "conversation_id": conversation.id,
            "current_status": conversation.status,
            "snoozed_until": conversation.snoozed_until,
        }
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TogglePriority {
    priority: Option<String>,
}

async fn toggle_priority(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<TogglePriority>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let priority = body.into_inner().priority.filter(|p| p != "none");
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        conversations::set_priority(tx, row, actor, priority.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Assignment {
    #[serde(default, with = "crate::api::double_option")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, with = "crate::api::double_option")]
    team_id: Option<Option<i64>>,
    assignee_type: Option<String>,
}

/// Assigns an agent (`assignee_id`) or a team (`team_id`); `null` clears.
/// Answers the new assignee or team, as Chatwoot does.
async fn assignments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<Assignment>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
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
        return Ok(HttpResponse::Ok().json(agent));
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
    Ok(HttpResponse::Ok().json(team))
}

async fn list_labels(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("conversations"))?;
    let (viewer, id) = (me.viewer(), path.id);
    let titles = state
        .db
        .read(move |conn| {
            labels::titles_of(conn, conversations::visible_row(conn, &viewer, id)?.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": titles })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsBody {
    labels: Vec<String>,
}

/// Replaces the conversation's labels with the given set.
async fn set_labels(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<LabelsBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let titles = body.into_inner().labels;
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        conversations::set_labels(tx, row, actor, &titles)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": conversation.labels })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomAttributesBody {
    custom_attributes: Map<String, Value>,
}

/// Replaces the conversation's custom attributes (checked against their definitions).
async fn set_custom_attributes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<CustomAttributesBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let attributes = body.into_inner().custom_attributes;
    let conversation = change(&state, &me, path.id, move |tx, row, _| {
        conversations::set_custom_attributes(tx, row, attributes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "custom_attributes": conversation.custom_attributes })))
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
    me.require(Scope::write("conversations"))?;
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
