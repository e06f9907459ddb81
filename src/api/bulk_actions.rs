//! `POST /api/v1/accounts/{account_id}/bulk_actions`: one change to many
//! conversations, in one transaction. A bulk endpoint for the rate limiter.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::Json;
use crate::api::{AccountPath, Routes};
use crate::auth::{Caller, Scope};
use crate::domain::conversations::Actor;
use crate::domain::conversations::bulk::{self, BulkChange};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Conversations")
        .post("/api/v1/accounts/{account_id}/bulk_actions", apply)
        .op("bulkUpdateConversations", "Change many conversations at once")
        .about(
            "Applies one change (status, assignee, team, labels to add and remove) to the \
             conversations with the given display ids, in one transaction; ids the caller \
             cannot see are skipped. Counts against the bulk rate limit.",
        )
        .scope(Scope::write("conversations"))
        .bulk()
        .json::<BulkBody>()
        .ok::<BulkResult>()
        .example(json!({"type": "Conversation", "ids": [1], "fields": {"status": "open"}, "labels": {"add": ["vip"]}}));
}

#[derive(Serialize, JsonSchema)]
struct BulkResult {
    success: bool,
    /// How many conversations changed.
    count: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    /// Always `Conversation`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["Conversation"]))]
    kind: String,
    /// Conversation display ids: 1 to 1000.
    #[schemars(length(min = 1, max = 1000))]
    ids: Vec<i64>,
    #[serde(default, deserialize_with = "crate::api::object")]
    fields: Fields,
    #[serde(default, deserialize_with = "crate::api::object")]
    labels: LabelChanges,
    snoozed_until: Option<i64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Fields {
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    team_id: Option<Option<i64>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
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
    body: Json<BulkBody>,
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
    Ok(HttpResponse::Ok().json(BulkResult {
        success: true,
        count,
    }))
}
