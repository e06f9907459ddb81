//! `contacts/{id}/notes`: the notes agents keep on a contact.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::api::AccountItemPath;
use crate::auth::{Caller, Scope};
use crate::domain::contact_notes;
use crate::error::Result;
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/contacts/{id}/notes")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/contacts/{id}/notes/{note_id}")
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
}

#[derive(Debug, Deserialize)]
struct NotePath {
    account_id: i64,
    id: i64,
    note_id: i64,
}

/// `{content}`, or `{note: {content}}` as Chatwoot's clients send it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum NoteBody {
    Wrapped { note: NoteContent },
    Flat(NoteContent),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteContent {
    content: String,
}

impl NoteBody {
    fn content(self) -> String {
        match self {
            NoteBody::Wrapped { note } | NoteBody::Flat(note) => note.content,
        }
    }
}

/// Bare array, newest first, as Chatwoot answers.
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("contacts"))?;
    let (workspace_id, contact_id) = (me.workspace_id, path.id);
    let notes = state
        .db
        .read(move |conn| contact_notes::list(conn, workspace_id, contact_id))
        .await?;
    Ok(HttpResponse::Ok().json(notes))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<NotePath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::read("contacts"))?;
    let (workspace_id, contact_id, id) = (me.workspace_id, path.id, path.note_id);
    let note = state
        .db
        .read(move |conn| contact_notes::get(conn, workspace_id, contact_id, id))
        .await?;
    Ok(HttpResponse::Ok().json(note))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("contacts"))?;
    let (workspace_id, contact_id, user_id) = (me.workspace_id, path.id, me.user_id);
    let content = body.into_inner().content();
    let note = state
        .db
        .write(move |tx| contact_notes::create(tx, workspace_id, contact_id, user_id, &content))
        .await?;
    Ok(HttpResponse::Ok().json(note))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<NotePath>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("contacts"))?;
    let (workspace_id, contact_id, id) = (me.workspace_id, path.id, path.note_id);
    let content = body.into_inner().content();
    let note = state
        .db
        .write(move |tx| contact_notes::update(tx, workspace_id, contact_id, id, &content))
        .await?;
    Ok(HttpResponse::Ok().json(note))
}

async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<NotePath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("contacts"))?;
    let (workspace_id, contact_id, id) = (me.workspace_id, path.id, path.note_id);
    state
        .db
        .write(move |tx| contact_notes::delete(tx, workspace_id, contact_id, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
