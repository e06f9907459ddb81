//! `contacts/{id}/notes`: the notes agents keep on a contact.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{READ, WRITE};
use crate::api::Json;
use crate::api::{AccountItemPath, Routes};
use crate::auth::Caller;
use crate::domain::contact_notes::{self, Note};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/contacts/{id}/notes";
    api.get(base, list)
        .op("listContactNotes", "List a contact's notes")
        .about("A bare array, newest first, as Chatwoot answers.")
        .scope(READ)
        .ok::<Vec<Note>>();
    api.post(base, create)
        .op("createContactNote", "Add a note to a contact")
        .about("`{content}`, or `{note: {content}}` as Chatwoot's clients send it.")
        .scope(WRITE)
        .json::<NoteBody>()
        .ok::<Note>()
        .example(json!({"content": "Prefers email over phone."}));
    let item = format!("{base}/{{note_id}}");
    api.get(&item, show)
        .op("getContactNote", "Show a contact's note")
        .scope(READ)
        .ok::<Note>();
    api.patch_put(&item, update)
        .op("updateContactNote", "Change a contact's note")
        .scope(WRITE)
        .json::<NoteBody>()
        .ok::<Note>()
        .example(json!({"content": "Prefers email; never call before 10am."}));
    api.delete(&item, delete)
        .op("deleteContactNote", "Delete a contact's note")
        .scope(WRITE)
        .no_content();
}

#[derive(Debug, Deserialize)]
struct NotePath {
    account_id: i64,
    id: i64,
    note_id: i64,
}

/// `{content}`, or `{note: {content}}` as Chatwoot's clients send it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
enum NoteBody {
    Wrapped { note: NoteContent },
    Flat(NoteContent),
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    me.require(READ)?;
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
    me.require(READ)?;
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
    body: Json<NoteBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
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
    body: Json<NoteBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
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
    me.require(WRITE)?;
    let (workspace_id, contact_id, id) = (me.workspace_id, path.id, path.note_id);
    state
        .db
        .write(move |tx| contact_notes::delete(tx, workspace_id, contact_id, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
