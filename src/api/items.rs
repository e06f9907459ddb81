//! The routes that most resources of a workspace share, written once: create
//! on the collection, and show, update (PATCH or PUT) and delete by id. A
//! resource implements `WorkspaceItems` with its domain calls and mounts
//! them, next to its own list handler, with `items::routes`.

use actix_web::{HttpResponse, Route, web};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

use crate::api::{AccountItemPath, AccountPath, Body, Wrapped, read_as, write_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::error::Result;
use crate::server::AppState;

pub trait WorkspaceItems: 'static {
    /// The collection's path under `/api/v1/accounts/{account_id}`.
    const PATH: &'static str;
    const READ: Scope;
    const WRITE: Scope;
    /// What show, create and update answer.
    type Item: Serialize + Send + 'static;
    /// The body of a create or an update.
    type Body: Wrapped + Send + 'static;

    fn get(conn: &Connection, me: &WorkspaceCaller, id: i64) -> Result<Self::Item>;
    fn create(tx: &Transaction, me: &WorkspaceCaller, body: Self::Body) -> Result<Self::Item>;
    fn update(
        tx: &Transaction,
        me: &WorkspaceCaller,
        id: i64,
        body: Self::Body,
    ) -> Result<Self::Item>;
    fn delete(tx: &Transaction, me: &WorkspaceCaller, id: i64) -> Result<()>;
}

/// Mounts `list` and create on the collection, and show, update and delete
/// on `{id}` below it.
pub fn routes<R: WorkspaceItems>(cfg: &mut web::ServiceConfig, list: Route) {
    let collection = format!("/api/v1/accounts/{{account_id}}/{}", R::PATH);
    cfg.service(
        web::resource(collection.as_str())
            .route(list)
            .route(web::post().to(create::<R>)),
    )
    .service(
        web::resource(format!("{collection}/{{id}}"))
            .route(web::get().to(show::<R>))
            .route(web::patch().to(update::<R>))
            .route(web::put().to(update::<R>))
            .route(web::delete().to(delete::<R>)),
    );
}

async fn show<R: WorkspaceItems>(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    let item = read_as(
        &state,
        &caller,
        path.account_id,
        R::READ,
        move |conn, me| R::get(conn, me, id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// Answers 200 with the item, as Chatwoot does (not 201).
async fn create<R: WorkspaceItems>(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Body<R::Body>,
) -> Result<HttpResponse> {
    let item = write_as(&state, &caller, path.account_id, R::WRITE, move |tx, me| {
        R::create(tx, me, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

async fn update<R: WorkspaceItems>(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Body<R::Body>,
) -> Result<HttpResponse> {
    let id = path.id;
    let item = write_as(&state, &caller, path.account_id, R::WRITE, move |tx, me| {
        R::update(tx, me, id, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// Answers 204. Chatwoot answers 200 with an empty body for most of these
/// resources (teams, labels, canned responses; 204 for custom attribute
/// definitions): there is nothing to send either way.
async fn delete<R: WorkspaceItems>(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    write_as(&state, &caller, path.account_id, R::WRITE, move |tx, me| {
        R::delete(tx, me, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
