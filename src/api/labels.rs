//! `/api/v1/accounts/{account_id}/labels`. Everyone reads labels; only
//! administrators define them (agents still put existing or new titles on
//! conversations through the conversation routes).

use actix_web::{HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::items::{self, WorkspaceItems};
use crate::api::{AccountPath, Payload, Routes, Wrapped, read_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::labels::{self, Label, LabelFields};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Labels")
        .get(&items::collection::<Labels>(), list)
        .op("listLabels", "List labels")
        .about("Every label of the workspace, by title, under `payload`.")
        .scope(Labels::READ)
        .ok::<Payload<Vec<Label>>>();
    items::routes::<Labels>(api);
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LabelBody {
    /// Letters, digits, `-` and `_`; stored lower-cased. Required on create.
    title: Option<String>,
    description: Option<String>,
    color: Option<String>,
    show_on_sidebar: Option<bool>,
}

impl Wrapped for LabelBody {
    const KEY: &'static str = "label";
}

impl From<LabelBody> for LabelFields {
    fn from(body: LabelBody) -> LabelFields {
        LabelFields {
            title: body.title,
            description: body.description,
            color: body.color,
            show_on_sidebar: body.show_on_sidebar,
        }
    }
}

struct Labels;

impl WorkspaceItems for Labels {
    const PATH: &'static str = "labels";
    const READ: Scope = Scope::read("labels");
    const WRITE: Scope = Scope::write("labels");
    const NAME: &'static str = "label";
    const ID: &'static str = "Label";
    type Item = Label;
    type Body = LabelBody;

    fn example() -> Value {
        json!({"title": "enterprise", "description": "Customers on the top plan", "color": "#ff6600"})
    }

    fn update_example() -> Value {
        json!({"description": "Billing questions", "show_on_sidebar": false})
    }

    fn get(conn: &Connection, me: &WorkspaceCaller, id: i64) -> Result<Label> {
        labels::get(conn, me.workspace_id, id)
    }

    fn create(tx: &Transaction, me: &WorkspaceCaller, body: LabelBody) -> Result<Label> {
        labels::create(tx, me.workspace_id, body.into())
    }

    /// A new title carries over to every conversation with the label: they
    /// refer to it by id.
    fn update(tx: &Transaction, me: &WorkspaceCaller, id: i64, body: LabelBody) -> Result<Label> {
        labels::update(tx, me.workspace_id, id, body.into())
    }

    /// The label leaves every conversation that had it.
    fn delete(tx: &Transaction, me: &WorkspaceCaller, id: i64) -> Result<()> {
        labels::delete(tx, me.workspace_id, id)
    }
}

/// `{payload: [label]}`, by title.
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let labels = read_as(
        &state,
        &caller,
        path.account_id,
        Labels::READ,
        |conn, me| labels::list(conn, me.workspace_id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Payload::of(labels)))
}
