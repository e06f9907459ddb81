//! `/api/v1/accounts/{account_id}/inboxes` and Chatwoot's `inbox_members`
//! routes. Agents list only the inboxes they are members of.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::Json;
use crate::api::{AccountItemPath, AccountPath, Payload, Routes, write_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::agents::Agent;
use crate::domain::inboxes::{
    self, ChannelType, Inbox, InboxChange, InboxSettings, MemberChange, NewInbox,
};
use crate::error::{Error, Result};
use crate::server::AppState;

const READ: Scope = Scope::read("inboxes");
const WRITE: Scope = Scope::write("inboxes");

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/inboxes";
    api.tag("Inboxes")
        .get(base, list)
        .op("listInboxes", "List inboxes")
        .about("Administrators see every inbox; agents the inboxes they are members of.")
        .scope(READ)
        .ok::<Payload<Vec<InboxView>>>();
    api.post(base, create)
        .op("createInbox", "Create an inbox")
        .about(
            "Creates a website (`web_widget`) or API (`api`) inbox. Settings may sit at \
             the top level or inside `channel`, as Chatwoot's clients send them.",
        )
        .scope(WRITE)
        .json::<InboxBody>()
        .ok::<InboxView>()
        .example(json!({"name": "Website", "channel": {"type": "web_widget", "website_url": "https://shop.example.com"}}));
    api.get(&format!("{base}/{{id}}"), show)
        .op("getInbox", "Show an inbox")
        .scope(READ)
        .ok::<InboxView>();
    api.patch_put(&format!("{base}/{{id}}"), update)
        .op("updateInbox", "Change an inbox")
        .about(
            "Changes the name and the given settings; `rotate_hmac_token: true` makes a \
             new identity-verification secret. The channel type cannot change.",
        )
        .scope(WRITE)
        .json::<InboxBody>()
        .ok::<InboxView>()
        .example(json!({"greeting_enabled": true, "greeting_message": "Hi! How can we help?"}));
    api.delete(&format!("{base}/{{id}}"), delete)
        .op("deleteInbox", "Delete an inbox")
        .about("Deletes the inbox with its conversations and messages.")
        .scope(WRITE)
        .no_content()
        .example_path("/api/v1/accounts/1/inboxes/2");
    let members_path = "/api/v1/accounts/{account_id}/inbox_members";
    api.post(members_path, add_members)
        .op("addInboxMembers", "Add agents to an inbox")
        .about("Answers the inbox's members after the change.")
        .scope(WRITE)
        .json::<MembersBody>()
        .ok::<Payload<Vec<Agent>>>()
        .example(json!({"inbox_id": 1, "user_ids": [2]}));
    api.add(
        &[crate::api::route::Method::Patch],
        members_path,
        replace_members,
    )
    .op("replaceInboxMembers", "Replace an inbox's members")
    .about("Makes the given agents the inbox's members; answers them.")
    .scope(WRITE)
    .json::<MembersBody>()
    .ok::<Payload<Vec<Agent>>>()
    .example(json!({"inbox_id": 1, "user_ids": [1, 2]}));
    api.delete(members_path, remove_members)
        .op("removeInboxMembers", "Remove agents from an inbox")
        .about("Answers the inbox's members after the change.")
        .scope(WRITE)
        .json::<MembersBody>()
        .ok::<Payload<Vec<Agent>>>()
        .example(json!({"inbox_id": 1, "user_ids": [1]}));
    api.get(&format!("{members_path}/{{id}}"), members)
        .op("listInboxMembers", "List an inbox's members")
        .about("`{id}` is the inbox's id.")
        .scope(READ)
        .ok::<Payload<Vec<Agent>>>();
}

/// An inbox as the API shows it; administrators also see its secret.
#[derive(Serialize, JsonSchema)]
struct InboxView<'a> {
    #[serde(flatten)]
    inbox: &'a Inbox,
    /// The identity-verification secret (and, for API inboxes, the key that
    /// signs callbacks); shown to administrators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    hmac_token: Option<Option<String>>,
}

fn render<'a>(state: &AppState, me: &WorkspaceCaller, inbox: &'a Inbox) -> Result<InboxView<'a>> {
    let hmac_token = if me.is_administrator() && me.scopes.contains(WRITE) {
        Some(inbox.secret(&state.vault)?)
    } else {
        None
    };
    Ok(InboxView { inbox, hmac_token })
}

/// The body of a create or an update, for the docs: the code reads it as a
/// map (`split_body`) since settings may sit at either level.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct InboxBody {
    /// Required on create.
    name: Option<String>,
    /// The channel: its type (create only) and any settings.
    channel: Option<ChannelBody>,
    /// Update only: make a new `hmac_token`.
    rotate_hmac_token: Option<bool>,
    #[serde(flatten)]
    settings: InboxSettings,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct ChannelBody {
    /// `web_widget` or `api` (Chatwoot's `Channel::WebWidget` and `Channel::Api` too).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Any of the inbox settings; the ones left out keep their value.
    #[serde(flatten)]
    settings: InboxSettings,
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
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
    Ok(HttpResponse::Ok().json(Payload::of(payload)))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
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
struct InboxFields {
    name: Option<String>,
    channel_type: Option<String>,
    settings: Map<String, Value>,
    rotate_secret: bool,
}

/// Splits a create or update body into the name, the channel type and the
/// settings. Settings may sit at the top level or inside `channel`, as
/// Chatwoot's clients send them.
fn split_body(mut body: Map<String, Value>) -> Result<InboxFields> {
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
        // A setting given twice would silently lose one of its values.
        if let Some(key) = channel.keys().find(|k| body.contains_key(*k)) {
            return Err(Error::invalid(
                key.as_str(),
                "given both at the top level and in channel; give it once",
            ));
        }
        body.extend(channel);
    }
    Ok(InboxFields {
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
    body: Json<Map<String, Value>>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let InboxFields {
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
    body: Json<Map<String, Value>>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let InboxFields {
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
    let id = path.id;
    write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        inboxes::delete(tx, me.workspace_id, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    let agents = state
        .db
        .read(move |conn| inboxes::members(conn, workspace_id, id))
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(agents)))
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    me.require(WRITE)?;
    let workspace_id = me.workspace_id;
    let agents = state
        .db
        .write(move |tx| {
            inboxes::change_members(tx, workspace_id, body.inbox_id, &body.user_ids, how)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(agents)))
}

async fn add_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Json<MembersBody>,
) -> Result<HttpResponse> {
    change_members(state, caller, path, body.into_inner(), MemberChange::Add).await
}

async fn replace_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Json<MembersBody>,
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
    body: Json<MembersBody>,
) -> Result<HttpResponse> {
    change_members(state, caller, path, body.into_inner(), MemberChange::Remove).await
}
