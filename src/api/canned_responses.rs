//! `/api/v1/accounts/{account_id}/canned_responses`: saved replies. Agents
//! and administrators alike read and write them.

use actix_web::{HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::items::{self, WorkspaceItems};
use crate::api::{AccountPath, Routes, Wrapped, read_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::canned_responses::{self, CannedFields, CannedResponse};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Canned responses")
        .get(&items::collection::<CannedResponses>(), list)
        .op("listCannedResponses", "List canned responses")
        .about(
            "A bare array by short code; `?search=` keeps those whose short code starts \
             with it or whose content contains it, ignoring case.",
        )
        .scope(CannedResponses::READ)
        .query::<SearchQuery>()
        .ok::<Vec<CannedResponse>>()
        .example_path("/api/v1/accounts/1/canned_responses?search=thanks");
    items::routes::<CannedResponses>(api);
}

/// Other query parameters are ignored, as clients add cache-busters.
#[derive(Debug, Deserialize, JsonSchema)]
struct SearchQuery {
    /// A short code prefix or words of the content.
    search: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CannedBody {
    short_code: Option<String>,
    content: Option<String>,
}

impl Wrapped for CannedBody {
    const KEY: &'static str = "canned_response";
}

impl From<CannedBody> for CannedFields {
    fn from(body: CannedBody) -> CannedFields {
        CannedFields {
            short_code: body.short_code,
            content: body.content,
        }
    }
}

struct CannedResponses;

impl WorkspaceItems for CannedResponses {
    const PATH: &'static str = "canned_responses";
    const READ: Scope = Scope::read("canned_responses");
    const WRITE: Scope = Scope::write("canned_responses");
    const NAME: &'static str = "canned response";
    const ID: &'static str = "CannedResponse";
    type Item = CannedResponse;
    type Body = CannedBody;

    fn example() -> Value {
        json!({"short_code": "refund", "content": "Your refund is on its way."})
    }

    fn update_example() -> Value {
        json!({"content": "Thanks for writing in! We will get back to you shortly."})
    }

    /// Chatwoot has no such route; it is here as for every other resource.
    fn get(conn: &Connection, me: &WorkspaceCaller, id: i64) -> Result<CannedResponse> {
        canned_responses::get(conn, me.workspace_id, id)
    }

    fn create(tx: &Transaction, me: &WorkspaceCaller, body: CannedBody) -> Result<CannedResponse> {
        canned_responses::create(tx, me.workspace_id, body.into())
    }

    fn update(
        tx: &Transaction,
        me: &WorkspaceCaller,
        id: i64,
        body: CannedBody,
    ) -> Result<CannedResponse> {
        canned_responses::update(tx, me.workspace_id, id, body.into())
    }

    fn delete(tx: &Transaction, me: &WorkspaceCaller, id: i64) -> Result<()> {
        canned_responses::delete(tx, me.workspace_id, id)
    }
}

/// A bare array by short code; `?search=` keeps those whose short code
/// starts with it or whose content contains it, ignoring case.
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse> {
    let search = query.into_inner().search;
    let read = CannedResponses::READ;
    let canned = read_as(&state, &caller, path.account_id, read, move |conn, me| {
        canned_responses::list(conn, me.workspace_id, search.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(canned))
}
