//! `/api/v1/accounts/{account_id}/conversations`: list (with the tab counts),
//! meta, create, show, update and delete. Actions on one conversation live in
//! `conversations/actions.rs`, its messages in `conversations/messages.rs`.

mod actions;
mod messages;

use actix_web::{HttpResponse, web};
use rusqlite::Transaction;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{AccountItemPath, AccountPath};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::conversations::{
    self, Actor, Conversation, ConversationRow, ListQuery, NewConversation,
};
use crate::domain::filters::Condition;
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/conversations")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/conversations/meta")
            .route(web::get().to(meta)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/conversations/filter")
            .route(web::post().to(filter)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/conversations/{id}")
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
    actions::routes(cfg);
    messages::routes(cfg);
}

/// The list's query string. `labels[]` may repeat.
#[derive(Debug, Deserialize)]
struct ListParams {
    status: Option<String>,
    assignee_type: Option<String>,
    inbox_id: Option<i64>,
    team_id: Option<i64>,
    q: Option<String>,
    sort_by: Option<String>,
    page: Option<i64>,
}

fn list_query(req: &actix_web::HttpRequest) -> Result<ListQuery> {
    let params = web::Query::<ListParams>::from_query(req.query_string())
        .map_err(|e| Error::BadRequest(format!("invalid query string: {e}")))?
        .into_inner();
    let labels = form_values(req.query_string(), &["labels[]", "labels"]);
    let page = crate::api::PageQuery { page: params.page }.page()?;
    Ok(ListQuery {
        status: params.status,
        assignee_type: params.assignee_type,
        inbox_id: params.inbox_id,
        team_id: params.team_id,
        contact_id: None,
        labels,
        q: params.q,
        sort_by: params.sort_by,
        page,
        conditions: Vec::new(),
    })
}

/// Every value of the query-string keys `names` (for repeated keys such as `labels[]`).
fn form_values(query: &str, names: &[&str]) -> Vec<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(key, value)| names.contains(&key.as_str()) && !value.is_empty())
        .map(|(_, value)| value)
        .collect()
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("conversations"))?;
    let (query, viewer) = (list_query(&req)?, me.viewer());
    let (meta, payload) = state
        .db
        .read(move |conn| conversations::list::list(conn, &viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": { "meta": meta, "payload": payload } })))
}

async fn meta(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("conversations"))?;
    let (query, viewer) = (list_query(&req)?, me.viewer());
    let (meta, _) = state
        .db
        .read(move |conn| conversations::list::list(conn, &viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "meta": meta })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterBody {
    payload: Vec<Value>,
    page: Option<i64>,
}

/// `POST conversations/filter`: Chatwoot's filter payload over every status
/// (unless a condition names one), with the list's tabs and paging.
async fn filter(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    req: actix_web::HttpRequest,
    body: web::Json<FilterBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("conversations"))?;
    let body = body.into_inner();
    let mut query = list_query(&req)?;
    query.conditions = Condition::parse_all(&body.payload)?;
    query.status = Some(query.status.unwrap_or_else(|| "all".into()));
    if let Some(page) = body.page {
        query.page = crate::api::PageQuery { page: Some(page) }.page()?;
    }
    let viewer = me.viewer();
    let (meta, payload) = state
        .db
        .read(move |conn| conversations::list::list(conn, &viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "meta": meta, "payload": payload })))
}

/// A first message given with a new conversation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    content: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    inbox_id: Option<i64>,
    contact_id: Option<i64>,
    source_id: Option<String>,
    status: Option<String>,
    snoozed_until: Option<i64>,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    priority: Option<String>,
    custom_attributes: Option<Map<String, Value>>,
    additional_attributes: Option<Map<String, Value>>,
    message: Option<FirstMessage>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let b = body.into_inner();
    let new = NewConversation {
        inbox_id: b.inbox_id,
        contact_id: b.contact_id,
        source_id: b.source_id,
        status: b.status,
        snoozed_until: b.snoozed_until,
        assignee_id: b.assignee_id,
        team_id: b.team_id,
        priority: b.priority,
        custom_attributes: b.custom_attributes,
        additional_attributes: b.additional_attributes,
        message: b.message.map(|m| m.content),
    };
    let (viewer, actor) = (me.viewer(), Actor::User(me.user_id));
    let conversation = state
        .db
        .write(move |tx| {
            let row = conversations::create(tx, &viewer, actor, new)?;
            conversations::view(tx, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("conversations"))?;
    let (viewer, id) = (me.viewer(), path.id);
    let conversation = state
        .db
        .read(move |conn| conversations::view(conn, conversations::visible_row(conn, &viewer, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

/// `PATCH` takes the fields Chatwoot's does (priority) and the additional
/// attributes; the other fields have their own actions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, with = "crate::api::double_option")]
    priority: Option<Option<String>>,
    additional_attributes: Option<Map<String, Value>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<UpdateBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let body = body.into_inner();
    let conversation = change(&state, &me, path.id, move |tx, row, actor| {
        let mut row = row.clone();
        if let Some(priority) = body.priority {
            row = conversations::set_priority(tx, &row, actor, priority.as_deref())?;
        }
        if let Some(attributes) = body.additional_attributes {
            row = conversations::merge_additional_attributes(tx, &row, attributes)?;
        }
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

/// Deleting a conversation (with its messages) is for administrators.
async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    if !me.is_administrator() {
        return Err(Error::Forbidden("only administrators delete conversations"));
    }
    let (viewer, id) = (me.viewer(), path.id);
    state
        .db
        .write(move |tx| conversations::delete(tx, &viewer, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Runs `f` on conversation `display_id` (if the caller may see it) in one
/// write transaction and returns the conversation as it is afterwards.
pub(crate) async fn change<F>(
    state: &AppState,
    me: &WorkspaceCaller,
    display_id: i64,
    f: F,
) -> Result<Conversation>
where
    F: FnOnce(&Transaction, &ConversationRow, Actor) -> Result<ConversationRow> + Send + 'static,
{
    let (viewer, actor) = (me.viewer(), Actor::User(me.user_id));
    state
        .db
        .write(move |tx| {
            let row = conversations::visible_row(tx, &viewer, display_id)?;
            let row = f(tx, &row, actor)?;
            conversations::view(tx, row)
        })
        .await
}
