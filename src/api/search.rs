//! `GET /api/v1/accounts/{account_id}/search?q=` and its per-kind variants
//! `search/conversations|contacts|messages`: full-text search that shows
//! each caller only what they may see.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{AccountPath, PageQuery};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::search;
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/accounts/{account_id}/search").route(web::get().to(all)))
        .service(
            web::resource("/api/v1/accounts/{account_id}/search/{kind}")
                .route(web::get().to(one_kind)),
        );
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: String,
    page: Option<i64>,
}

const KINDS: &[&str] = &["conversations", "contacts", "messages"];

/// The results of one kind, if the caller holds the scope to read it.
async fn results(
    state: &AppState,
    me: &WorkspaceCaller,
    kind: &'static str,
    q: String,
    page: i64,
) -> Result<Value> {
    let scope = if kind == "contacts" {
        "contacts"
    } else {
        "conversations"
    };
    me.require(Scope::read(scope))?;
    let viewer = me.viewer();
    state
        .db
        .read(move |conn| {
            Ok(match kind {
                "conversations" => {
                    serde_json::to_value(search::conversations(conn, &viewer, &q, page)?)?
                }
                "contacts" => {
                    serde_json::to_value(search::contacts(conn, viewer.workspace_id, &q, page)?)?
                }
                _ => serde_json::to_value(search::messages(conn, &viewer, &q, page)?)?,
            })
        })
        .await
}

async fn all(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    let page = PageQuery { page: query.page }.page()?;
    let mut payload = serde_json::Map::new();
    for kind in KINDS {
        payload.insert(
            kind.to_string(),
            results(&state, &me, kind, query.q.clone(), page).await?,
        );
    }
    Ok(HttpResponse::Ok().json(json!({ "payload": payload })))
}

async fn one_kind(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, String)>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse> {
    let (account_id, kind) = path.into_inner();
    let me = caller.in_workspace(account_id)?;
    let kind = KINDS
        .iter()
        .find(|k| **k == kind)
        .ok_or(Error::NotFound("search kind"))?;
    let page = PageQuery { page: query.page }.page()?;
    let found = results(&state, &me, kind, query.q.clone(), page).await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": { *kind: found } })))
}
