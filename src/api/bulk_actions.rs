//! `POST /api/v1/accounts/{account_id}/bulk_actions`: one change to many
//! conversations, in one transaction. A bulk endpoint for the rate limiter.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::api::AccountPath;
use crate::auth::{Caller, Scope};
use crate::domain::conversations::Actor;
use crate::domain::conversations::bulk::{self, BulkChange};
use crate::error::{Error, Result};
use crate::server::AppState;

pub const ROUTE: &str = "/api/v1/accounts/{account_id}/bulk_actions";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(ROUTE).route(web::post().to(apply)));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    #[serde(rename = "type")]
    kind: String,
    ids: Vec<i64>,
    #[serde(default)]
    fields: Fields,
    #[serde(default)]
    labels: LabelChanges,
    snoozed_until: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    status: Option<String>,
    #[serde(default, with = "crate::api::double_option")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, with = "crate::api::double_option")]
    team_id: Option<Option<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelChanges {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

async fn apply(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("conversations"))?;
    let body = body.into_inner();
    if body.kind != "Conversation" {
        return Err(Error::invalid(
            "type",
            "only Conversation bulk actions exist",
        ));
    }
    let change = BulkChange {
        status: body.fields.status,
        snoozed_until: body.snoozed_until,
        assignee_id: body.fields.assignee_id,
        team_id: body.fields.team_id,
        add_labels: body.labels.add,
        remove_labels: body.labels.remove,
    };
    let (viewer, actor, ids) = (me.viewer(), Actor::User(me.user_id), body.ids);
    let count = state
        .db
        .write(move |tx| bulk::apply(tx, &viewer, actor, &ids, &change))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true, "count": count })))
}
