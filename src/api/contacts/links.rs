//! A contact's conversations and inbox links: `contacts/{id}/conversations`,
//! `contacts/{id}/contact_inboxes` and `contacts/{id}/contactable_inboxes`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::api::{AccountItemPath, PageQuery};
use crate::auth::{Caller, Scope};
use crate::domain::contacts;
use crate::domain::conversations::{self, ListQuery};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/contacts/{id}/conversations")
            .route(web::get().to(conversations)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/contacts/{id}/contactable_inboxes")
            .route(web::get().to(contactable)),
    );
}

/// The contact's conversations in the inboxes the caller sees, latest first.
async fn conversations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("contacts"))?;
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
    Ok(HttpResponse::Ok().json(json!({ "payload": found })))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("contacts"))?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    let links = state
        .db
        .read(move |conn| contacts::inbox_links(conn, &contacts::get(conn, workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": links })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    inbox_id: i64,
    source_id: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<LinkBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("contacts"))?;
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
    me.require(Scope::read("contacts"))?;
    let (viewer, id) = (me.viewer(), path.id);
    let inboxes = state
        .db
        .read(move |conn| contacts::contactable_inboxes(conn, &viewer, id))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": inboxes })))
}
