//! A contact's conversations and inbox links: `contacts/{id}/conversations`,
//! `contacts/{id}/contact_inboxes` and `contacts/{id}/contactable_inboxes`.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{READ, WRITE};
use crate::api::Json;
use crate::api::{AccountItemPath, PageQuery, Payload, Routes};
use crate::auth::{Caller, Scope};
use crate::domain::contacts::{self, InboxLink};
use crate::domain::conversations::{self, Conversation, ListQuery};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/contacts/{id}";
    api.get(&format!("{base}/conversations"), conversations)
        .op("listContactConversations", "List a contact's conversations")
        .about("The contact's conversations in the inboxes the caller sees, latest first.")
        .scope(READ)
        .scope(Scope::read("conversations"))
        .query::<PageQuery>()
        .ok::<Payload<Vec<Conversation>>>();
    api.get(&format!("{base}/contact_inboxes"), list)
        .op("listContactInboxes", "List a contact's inbox links")
        .scope(READ)
        .ok::<Payload<Vec<InboxLink>>>();
    api.post(&format!("{base}/contact_inboxes"), create)
        .op("createContactInbox", "Link a contact to an inbox")
        .about("With `source_id`, the id the channel knows the contact by (random when absent).")
        .scope(WRITE)
        .json::<LinkBody>()
        .ok::<InboxLink>()
        .errors(&[409])
        .example(json!({"inbox_id": 2, "source_id": "crm-4711"}));
    api.get(&format!("{base}/contactable_inboxes"), contactable)
        .op(
            "listContactableInboxes",
            "List the inboxes a contact can be reached through",
        )
        .about("The inboxes the caller sees, with the contact's `source_id` where linked.")
        .scope(READ)
        .ok::<Payload<Vec<InboxLink>>>();
}

/// The contact's conversations in the inboxes the caller sees, latest first.
async fn conversations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    me.require(Scope::read("conversations"))?;
    let (viewer, id) = (me.viewer(), path.id);
    let query = ListQuery {
        contact_id: Some(id),
        status: Some("all".into()),
        page: query.page()?,
        ..ListQuery::default()
    };
    let (_, found) = state
        .db
        .read(move |conn| {
            contacts::get(conn, viewer.workspace_id, id)?;
            conversations::list::list(conn, &viewer, &query)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(found)))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    let links = state
        .db
        .read(move |conn| contacts::inbox_links(conn, &contacts::get(conn, workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(links)))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    inbox_id: i64,
    source_id: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<LinkBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (viewer, id, body) = (me.viewer(), path.id, body.into_inner());
    let link = state
        .db
        .write(move |tx| {
            contacts::add_inbox_link(tx, &viewer, id, body.inbox_id, body.source_id.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(link))
}

async fn contactable(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (viewer, id) = (me.viewer(), path.id);
    let inboxes = state
        .db
        .read(move |conn| contacts::contactable_inboxes(conn, &viewer, id))
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(inboxes)))
}
