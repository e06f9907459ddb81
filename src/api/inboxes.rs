//! `/api/v1/accounts/{account_id}/inboxes` and Chatwoot's `inbox_members`
//! routes. Agents list only the inboxes they are members of.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{AccountItemPath, AccountPath};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::inboxes::{self, ChannelType, Inbox, InboxChange, MemberChange, NewInbox};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/inboxes")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/inboxes/{id}")
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/inbox_members")
            .route(web::post().to(add_members))
            .route(web::patch().to(replace_members))
            .route(web::delete().to(remove_members)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/inbox_members/{id}")
            .route(web::get().to(members)),
    );
}

/// An inbox as the API shows it; administrators also see its secret.
fn render(state: &AppState, me: &WorkspaceCaller, inbox: &Inbox) -> Result<Value> {
    let mut value = serde_json::to_value(inbox)?;
    if me.is_administrator() && me.scopes.contains(Scope::write("inboxes")) {
        value["hmac_token"] = json!(inbox.secret(&state.vault)?);
    }
    Ok(value)
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("inboxes"))?;
    let member = (!me.is_administrator()).then_some(me.user_id);
    let workspace_id = me.workspace_id;
    let inboxes = state
        .db
        .read(move |conn| inboxes::list(conn, workspace_id, member))
        .await?;
    let payload = inboxes
        .iter()
        .map(|i| render(&state, &me, i))
        .collect::<Result<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(json!({ "payload": payload })))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("inboxes"))?;
    let (viewer, id) = (me.viewer(), path.id);
    let inbox = state
        .db
        .read(move |conn| {
            if !viewer.sees_inbox(conn, id)? {
                return Err(Error::NotFound("inbox"));
            }
            inboxes::get(conn, viewer.workspace_id, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(render(&state, &me, &inbox)?))
}

/// A create or update body, taken apart.
struct InboxBody {
    name: Option<String>,
    channel_type: Option<String>,
    settings: Map<String, Value>,
    rotate_secret: bool,
}

/// Splits a create or update body into the name, the channel type and the
/// settings. Settings may sit at the top level or inside `channel`, as
/// Chatwoot's clients send them.
fn split_body(mut body: Map<String, Value>) -> Result<InboxBody> {
    let name = match body.remove("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err(Error::invalid("name", "must be a string")),
    };
    let rotate = match body.remove("rotate_hmac_token") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(Error::invalid("rotate_hmac_token", "must be true or false")),
    };
    let mut channel_type = None;
    if let Some(channel) = body.remove("channel") {
        let Value::Object(mut channel) = channel else {
            return Err(Error::invalid("channel", "must be an object"));
        };
        channel_type = match channel.remove("type") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(t),
            Some(_) => return Err(Error::invalid("channel.type", "must be web_widget or api")),
        };
        body.extend(channel);
    }
    Ok(InboxBody {
        name,
        channel_type,
        settings: body,
        rotate_secret: rotate,
    })
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("inboxes"))?;
    let InboxBody {
        name,
        channel_type,
        settings,
        ..
    } = split_body(body.into_inner())?;
    let channel_type = channel_type
        .as_deref()
        .and_then(ChannelType::parse)
        .ok_or_else(|| Error::invalid("channel.type", "must be web_widget or api"))?;
    let new = NewInbox {
        name: name.unwrap_or_default(),
        channel_type,
        settings,
    };
    let (vault, workspace_id) = (state.vault.clone(), me.workspace_id);
    let inbox = state
        .db
        .write(move |tx| inboxes::create(tx, &vault, workspace_id, new))
        .await?;
    Ok(HttpResponse::Ok().json(render(&state, &me, &inbox)?))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("inboxes"))?;
    let InboxBody {
        name,
        channel_type,
        settings,
        rotate_secret,
    } = split_body(body.into_inner())?;
    if channel_type.is_some() {
        return Err(Error::invalid(
            "channel.type",
            "an inbox's channel type cannot change",
        ));
    }
    let change = InboxChange {
        name,
        settings,
        rotate_secret,
    };
    let (vault, workspace_id, id) = (state.vault.clone(), me.workspace_id, path.id);
    let inbox = state
        .db
        .write(move |tx| inboxes::update(tx, &vault, workspace_id, id, change))
        .await?;
    Ok(HttpResponse::Ok().json(render(&state, &me, &inbox)?))
}

async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("inboxes"))?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    state
        .db
        .write(move |tx| inboxes::delete(tx, workspace_id, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("inboxes"))?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    let agents = state
        .db
        .read(move |conn| inboxes::members(conn, workspace_id, id))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": agents })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersBody {
    inbox_id: i64,
    user_ids: Vec<i64>,
}

async fn change_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: MembersBody,
    how: MemberChange,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("inboxes"))?;
    let workspace_id = me.workspace_id;
    let agents = state
        .db
        .write(move |tx| {
            inboxes::change_members(tx, workspace_id, body.inbox_id, &body.user_ids, how)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": agents })))
}

async fn add_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<MembersBody>,
) -> Result<HttpResponse> {
    change_members(state, caller, path, body.into_inner(), MemberChange::Add).await
}

async fn replace_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<MembersBody>,
) -> Result<HttpResponse> {
    change_members(
        state,
        caller,
        path,
        body.into_inner(),
        MemberChange::Replace,
    )
    .await
}

async fn remove_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<MembersBody>,
) -> Result<HttpResponse> {
    change_members(state, caller, path, body.into_inner(), MemberChange::Remove).await
}
