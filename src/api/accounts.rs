//! `GET/PATCH /api/v1/accounts/{account_id}`: the workspace itself.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::api::Json;
use crate::api::{Access, Routes};
use crate::auth::{Caller, Scope};
use crate::domain::workspaces::{self, Workspace, WorkspaceChange};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let path = "/api/v1/accounts/{account_id}";
    api.tag("Workspace")
        .get(path, show)
        .op("getAccount", "Show the workspace")
        .about("The workspace (Chatwoot's account): any member may read it.")
        .access(Access::Caller)
        .ok::<Workspace>();
    api.patch_put(path, update)
        .op("updateAccount", "Change the workspace")
        .about("Renames the workspace or replaces its settings.")
        .scope(Scope::Admin)
        .json::<AccountUpdate>()
        .ok::<Workspace>()
        .example(json!({"name": "Acme Support"}));
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AccountUpdate {
    name: Option<String>,
    settings: Option<serde_json::Map<String, serde_json::Value>>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: Json<AccountUpdate>,
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
