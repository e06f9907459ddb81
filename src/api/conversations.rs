//! `/api/v1/accounts/{account_id}/conversations`: list (with the tab counts),
//! meta, create, show, update and delete. Actions on one conversation live in
//! `conversations/actions.rs`, its messages in `conversations/messages.rs`.

mod actions;
mod messages;

use actix_web::{HttpResponse, web};
use rusqlite::Transaction;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::Json;
use crate::api::{AccountItemPath, AccountPath, Routes};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::conversations::list::Meta;
use crate::domain::conversations::{
    self, Actor, Conversation, ConversationRow, ListQuery, NewConversation,
};
use crate::domain::filters::Condition;
use crate::error::{Error, Result};
use crate::server::AppState;

const READ: Scope = Scope::read("conversations");
const WRITE: Scope = Scope::write("conversations");

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/conversations";
    let labels_param = json!({"type": "array", "items": {"type": "string"}});
    api.tag("Conversations")
        .get(base, list)
        .op("listConversations", "List conversations")
        .about(
            "One page (25) of the conversations the caller sees, with the counts of the \
             assignee tabs in `meta`. Open conversations by default; newest activity first.",
        )
        .scope(READ)
        .query::<ListParams>()
        .param(
            "labels[]",
            labels_param.clone(),
            "Conversations carrying any of these labels; repeat the key.",
        )
        .ok::<ConversationList>()
        .example_path("/api/v1/accounts/1/conversations?status=open&assignee_type=all");
    api.post(base, create)
        .op("createConversation", "Start a conversation")
        .about(
            "Starts a conversation with a contact in an inbox the caller sees, with an \
             optional first (outgoing) message.",
        )
        .scope(WRITE)
        .json::<CreateBody>()
        .ok::<Conversation>()
        .example(json!({"inbox_id": 1, "contact_id": 1, "message": {"content": "Hello! How can we help?"}}));
    api.get(&format!("{base}/meta"), meta)
        .op("getConversationCounts", "Count conversations")
        .about("The counts of the list's tabs, for the same query string, without the list.")
        .scope(READ)
        .query::<ListParams>()
        .param(
            "labels[]",
            labels_param,
            "Conversations carrying any of these labels; repeat the key.",
        )
        .ok::<MetaOnly>();
    api.post(&format!("{base}/filter"), filter)
        .op("filterConversations", "Filter conversations")
        .about(
            "Chatwoot's filter payload (`attribute_key`, `filter_operator`, `values`, \
             `query_operator`) over every status unless a condition names one, with the \
             list's tabs and paging.",
        )
        .scope(READ)
        .json::<FilterBody>()
        .ok::<ConversationPage>()
        .example(json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": null}]}));
    api.get(&format!("{base}/{{id}}"), show)
        .op("getConversation", "Show a conversation")
        .about("`{id}` is the conversation's display id, as everywhere in the API.")
        .scope(READ)
        .ok::<Conversation>();
    api.patch_put(&format!("{base}/{{id}}"), update)
        .op("updateConversation", "Change a conversation")
        .about(
            "Takes the priority and additional attributes (merged); status, assignment, \
             labels and custom attributes have their own actions.",
        )
        .scope(WRITE)
        .json::<UpdateBody>()
        .ok::<Conversation>()
        .example(json!({"priority": "high"}));
    api.delete(&format!("{base}/{{id}}"), delete)
        .op("deleteConversation", "Delete a conversation")
        .about("Deletes the conversation with its messages. Administrators only.")
        .scope(WRITE)
        .administrators_only()
        .no_content()
        .example_path("/api/v1/accounts/1/conversations/2");
    actions::routes(api);
    messages::routes(api);
}

/// `{data: {meta, payload}}`.
#[derive(Serialize, JsonSchema)]
struct ConversationList {
    data: ConversationPage,
}

/// One page of conversations and the counts of the assignee tabs.
#[derive(Serialize, JsonSchema)]
struct ConversationPage {
    meta: Meta,
    payload: Vec<Conversation>,
}

#[derive(Serialize, JsonSchema)]
struct MetaOnly {
    meta: Meta,
}

/// The list's query string. `labels[]` may repeat.
#[derive(Debug, Deserialize, JsonSchema)]
struct ListParams {
    /// `open` (the default), `pending`, `snoozed`, `resolved` or `all`.
    #[schemars(extend("enum" = ["open", "pending", "snoozed", "resolved", "all"]))]
    status: Option<String>,
    /// The tab: `me`, `unassigned`, `assigned` or `all` (the default).
    assignee_type: Option<String>,
    inbox_id: Option<i64>,
    team_id: Option<i64>,
    /// Words that must appear in one of the conversation's messages.
    q: Option<String>,
    /// `last_activity_at_desc` (the default), `last_activity_at_asc`,
    /// `created_at_desc`, `created_at_asc` or `priority_desc`.
    sort_by: Option<String>,
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
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
    me.require(READ)?;
    let (query, viewer) = (list_query(&req)?, me.viewer());
    let (meta, payload) = state
        .db
        .read(move |conn| conversations::list::list(conn, &viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(ConversationList {
        data: ConversationPage { meta, payload },
    }))
}

async fn meta(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (query, viewer) = (list_query(&req)?, me.viewer());
    let (meta, _) = state
        .db
        .read(move |conn| conversations::list::list(conn, &viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(MetaOnly { meta }))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "ConversationFilter")]
#[serde(deny_unknown_fields)]
struct FilterBody {
    /// The conditions, Chatwoot's filter payload.
    #[schemars(with = "Vec<Condition>", length(min = 1, max = 50))]
    payload: Vec<Value>,
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
    page: Option<i64>,
}

/// `POST conversations/filter`: Chatwoot's filter payload over every status
/// (unless a condition names one), with the list's tabs and paging.
async fn filter(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    req: actix_web::HttpRequest,
    body: Json<FilterBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
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
    Ok(HttpResponse::Ok().json(ConversationPage { meta, payload }))
}

/// A first message given with a new conversation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    content: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "NewConversation")]
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
    #[serde(default, deserialize_with = "crate::api::optional_object")]
    message: Option<FirstMessage>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Json<CreateBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
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
    me.require(READ)?;
    let (viewer, id) = (me.viewer(), path.id);
    let conversation = state
        .db
        .read(move |conn| conversations::view(conn, conversations::visible_row(conn, &viewer, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(conversation))
}

/// `PATCH` takes the fields Chatwoot's does (priority) and the additional
/// attributes; the other fields have their own actions.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "ConversationUpdate")]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    priority: Option<Option<String>>,
    additional_attributes: Option<Map<String, Value>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<UpdateBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
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
    me.require(WRITE)?;
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
