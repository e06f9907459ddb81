//! `GET/PATCH /api/v1/accounts/{account_id}`: the workspace itself.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::{Caller, Scope};
use crate::domain::workspaces::{self, WorkspaceChange};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}")
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::put().to(update)),
    );
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.into_inner())?;
    let id = me.workspace_id;
    let workspace = state.db.read(move |conn| workspaces::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(workspace))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountUpdate {
    name: Option<String>,
    settings: Option<serde_json::Map<String, serde_json::Value>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: web::Json<AccountUpdate>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.into_inner())?;
    me.require(Scope::Admin)?;
    let body = body.into_inner();
    let change = WorkspaceChange {
        name: body.name,
        settings: body.settings,
    };
    let id = me.workspace_id;
    let workspace = state
        .db
        .write(move |tx| workspaces::update(tx, id, change))
        .await?;
    Ok(HttpResponse::Ok().json(workspace))
}
