//! `POST /api/v1/accounts/{account_id}/actions/contact_merge`: one contact
//! absorbs another.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{ContactView, WRITE, view};
use crate::api::Json;
use crate::api::{AccountPath, Routes};
use crate::auth::Caller;
use crate::domain::contacts;
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.post("/api/v1/accounts/{account_id}/actions/contact_merge", merge)
        .op("mergeContacts", "Merge two contacts")
        .about(
            "The base contact absorbs the mergee: its conversations, notes, inbox links \
             and the attributes the base lacks; the mergee is deleted. Answers the base \
             contact itself, not under `payload`, as Chatwoot does.",
        )
        .scope(WRITE)
        .json::<MergeBody>()
        .ok::<ContactView>()
        .example(json!({"base_contact_id": 1, "mergee_contact_id": 3}));
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    base_contact_id: i64,
    mergee_contact_id: i64,
}

/// Answers the base contact itself, not wrapped in `payload`, as Chatwoot does.
async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Json<MergeBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (workspace_id, body) = (me.workspace_id, body.into_inner());
    let contact = state
        .db
        .write(move |tx| {
            let base = contacts::merge_into(
                tx,
                workspace_id,
                body.base_contact_id,
                body.mergee_contact_id,
            )?;
            view(tx, base)
        })
        .await?;
    Ok(HttpResponse::Ok().json(contact))
}
