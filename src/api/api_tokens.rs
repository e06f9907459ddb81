//! `/api/v1/accounts/{account_id}/api_tokens`: list, create (the secret is in
//! this one answer only) and revoke API tokens. Needs the `admin` scope.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Scope, ScopeSet};
use crate::domain::api_tokens::{self, ApiToken, NewToken};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/api_tokens")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/api_tokens/{id}")
            .route(web::get().to(show))
            .route(web::delete().to(revoke)),
    );
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.into_inner())?;
    me.require(Scope::Admin)?;
    let id = me.workspace_id;
    let tokens = state
        .db
        .read(move |conn| api_tokens::list(conn, Some(id)))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "payload": tokens })))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse> {
    let (account_id, id) = path.into_inner();
    let me = caller.in_workspace(account_id)?;
    me.require(Scope::Admin)?;
    let workspace_id = me.workspace_id;
    let token = state
        .db
        .read(move |conn| api_tokens::get(conn, workspace_id, id))
        .await?;
    Ok(HttpResponse::Ok().json(token))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    /// Scope names, or one string of names separated by commas or spaces.
    scopes: ScopeList,
    expires_in_days: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScopeList {
    List(Vec<String>),
    Text(String),
}

/// The created token, with its secret: the only time it is shown.
#[derive(Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    #[serde(rename = "token")]
    secret: String,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: web::Json<CreateToken>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.into_inner())?;
    me.require(Scope::Admin)?;
    let body = body.into_inner();
    let scopes = match &body.scopes {
        ScopeList::List(names) => ScopeSet::parse(names.iter().map(String::as_str))?,
        ScopeList::Text(text) => ScopeSet::parse([text.as_str()])?,
    };
    // A token cannot mint a token broader than itself.
    let beyond = scopes.difference(&me.scopes);
    if !beyond.is_empty() {
        return Err(Error::invalid(
            "scopes",
            format!("beyond what this credential holds: {}", beyond.join(", ")),
        ));
    }
    let (workspace_id, user_id) = (me.workspace_id, me.user_id);
    let (token, secret) = state
        .db
        .write(move |tx| {
            api_tokens::create(
                tx,
                NewToken {
                    workspace_id,
                    user_id,
                    name: &body.name,
                    scopes,
                    expires_in_days: body.expires_in_days,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedToken { token, secret }))
}

async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse> {
    let (account_id, id) = path.into_inner();
    let me = caller.in_workspace(account_id)?;
    me.require(Scope::Admin)?;
    let workspace_id = me.workspace_id;
    state
        .db
        .write(move |tx| api_tokens::revoke(tx, Some(workspace_id), id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
