//! The routes that most resources of a workspace share, written once: create
//! on the collection, and show, update (PATCH or PUT) and delete by id. A
//! resource implements `WorkspaceItems` with its domain calls and mounts
//! them, next to its own list handler, with `items::routes`.

use actix_web::{HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::api::{AccountItemPath, AccountPath, Body, Routes, Wrapped, read_as, write_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::error::Result;
use crate::server::AppState;

pub trait WorkspaceItems: 'static {
    /// The collection's path under `/api/v1/accounts/{account_id}`.
    const PATH: &'static str;
    const READ: Scope;
    const WRITE: Scope;
    /// One item, for the docs: `label`, `canned response`.
    const NAME: &'static str;
    /// The stem of the operation ids: `Label` gives `createLabel`.
    const ID: &'static str;
    /// What show, create and update answer.
    type Item: Serialize + JsonSchema + Send + 'static;
    /// The body of a create or an update.
    type Body: Wrapped + JsonSchema + Send + 'static;

    /// The body of the docs' create example.
    fn example() -> Value;
    /// The body of the docs' update example.
    fn update_example() -> Value;

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

/// The collection's route pattern.
pub fn collection<R: WorkspaceItems>() -> String {
    format!("/api/v1/accounts/{{account_id}}/{}", R::PATH)
}

/// Registers create on the collection (its list handler is the
/// resource's own), and show, update and delete on `{id}` below it.
pub fn routes<R: WorkspaceItems>(api: &mut Routes) {
    let collection = collection::<R>();
    let item = format!("{collection}/{{id}}");
    let (name, id) = (R::NAME, R::ID);
    api.post(&collection, create::<R>)
        .op(&format!("create{id}"), &format!("Create a {name}"))
        .about(&format!(
            "Answers 200 with the new {name}, as Chatwoot does. The body may be flat \
             or nested under `{}`; unknown fields are a 422.",
            R::Body::KEY
        ))
        .scope(R::WRITE)
        .wrapped::<R::Body>()
        .ok::<R::Item>()
        .example(R::example());
    api.get(&item, show::<R>)
        .op(&format!("get{id}"), &format!("Show a {name}"))
        .scope(R::READ)
        .ok::<R::Item>();
    api.patch_put(&item, update::<R>)
        .op(&format!("update{id}"), &format!("Change a {name}"))
        .about("Changes the fields given; the others stay.")
        .scope(R::WRITE)
        .wrapped::<R::Body>()
        .ok::<R::Item>()
        .example(R::update_example());
    api.delete(&item, delete::<R>)
        .op(&format!("delete{id}"), &format!("Delete a {name}"))
        .about(
            "Answers 204. Chatwoot answers 200 with an empty body for most of these \
             resources: there is nothing to send either way.",
        )
        .scope(R::WRITE)
        .no_content();
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
