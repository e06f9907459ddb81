//! `POST /api/v1/accounts/{account_id}/actions/contact_merge`: one contact
//! absorbs another.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::view;
use crate::api::AccountPath;
use crate::auth::{Caller, Scope};
use crate::domain::contacts;
use crate::error::Result;
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/actions/contact_merge")
            .route(web::post().to(merge)),
    );
}

#[derive(Debug, Deserialize)]
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
    body: web::Json<MergeBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(Scope::write("contacts"))?;
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
