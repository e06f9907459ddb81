//! `/api/v1/accounts/{account_id}/api_tokens`: list, create (the secret is in
//! this one answer only) and revoke API tokens. Needs the `admin` scope.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::Json;
use crate::api::{Payload, Routes};
use crate::auth::{Caller, Scope, ScopeSet};
use crate::domain::api_tokens::{self, ApiToken, NewToken};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/api_tokens";
    api.tag("API tokens")
        .get(base, list)
        .op("listApiTokens", "List API tokens")
        .about("The workspace's active tokens, never their secrets.")
        .scope(Scope::Admin)
        .ok::<Payload<Vec<ApiToken>>>();
    api.post(base, create)
        .op("createApiToken", "Create an API token")
        .about(
            "Creates a token with the given scopes (names, or one string of names \
             separated by commas or spaces; `read` and `full` expand). The secret is in \
             this answer only, as `token`. A token cannot hold scopes beyond the \
             credential that creates it, nor beyond its user's role.",
        )
        .scope(Scope::Admin)
        .json::<CreateToken>()
        .created::<CreatedToken>()
        .example(json!({"name": "reporting job", "scopes": ["conversations:read", "reports:read"], "expires_in_days": 90}));
    api.get(&format!("{base}/{{id}}"), show)
        .op("getApiToken", "Show an API token")
        .scope(Scope::Admin)
        .ok::<ApiToken>();
    api.delete(&format!("{base}/{{id}}"), revoke)
        .op("revokeApiToken", "Revoke an API token")
        .about("Stops the token at once; other tokens keep working.")
        .scope(Scope::Admin)
        .no_content()
        .example_path("/api/v1/accounts/1/api_tokens/2");
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
    Ok(HttpResponse::Ok().json(Payload::of(tokens)))
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    /// What the token is for.
    name: String,
    /// Scope names, or one string of names separated by commas or spaces.
    scopes: ScopeList,
    /// Days until it expires; never when absent.
    expires_in_days: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
enum ScopeList {
    List(Vec<String>),
    Text(String),
}

/// The created token, with its secret: the only time it is shown.
#[derive(Serialize, JsonSchema)]
struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    /// The secret, `dw_...`: send it as `Authorization: Bearer <token>`.
    #[serde(rename = "token")]
    secret: String,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: Json<CreateToken>,
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
