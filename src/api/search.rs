//! `GET /api/v1/accounts/{account_id}/search?q=` and its per-kind variants
//! `search/conversations|contacts|messages`: full-text search that shows
//! each caller only what they may see.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{AccountPath, PageQuery, Payload, Routes};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::contacts::Contact;
use crate::domain::conversations::Conversation;
use crate::domain::messages::Message;
use crate::domain::search;
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Search")
        .get("/api/v1/accounts/{account_id}/search", all)
        .op("search", "Search conversations, contacts and messages")
        .about(
            "Full-text search over what the caller may see: each kind under its name in \
             `payload`. Needs `conversations:read` and `contacts:read`.",
        )
        .scope(Scope::read("conversations"))
        .scope(Scope::read("contacts"))
        .query::<SearchQuery>()
        .ok::<Payload<SearchResults>>()
        .example_path("/api/v1/accounts/1/search?q=refund");
    api.get("/api/v1/accounts/{account_id}/search/{kind}", one_kind)
        .op("searchKind", "Search one kind")
        .about(
            "`{kind}` is `conversations`, `contacts` (needs `contacts:read`) or \
             `messages`; the results are under `payload.<kind>`.",
        )
        .scope(Scope::read("conversations"))
        .query::<SearchQuery>()
        .ok::<Payload<SearchResults>>()
        .example_path("/api/v1/accounts/1/search/messages?q=refund");
}

/// The results, by kind; a search of one kind has only that key.
#[derive(Serialize, JsonSchema)]
#[allow(dead_code)] // describes the answer for the docs; it is built as a map
struct SearchResults {
    #[serde(skip_serializing_if = "Option::is_none")]
    conversations: Option<Vec<Conversation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<Contact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<Vec<Message>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct SearchQuery {
    /// Words to find.
    q: String,
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
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
    Ok(HttpResponse::Ok().json(Payload::of(payload)))
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
    let payload = serde_json::Map::from_iter([(kind.to_string(), found)]);
    Ok(HttpResponse::Ok().json(Payload::of(payload)))
}
