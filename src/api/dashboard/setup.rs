//! The first run: `GET /api/v1/setup` tells whether any workspace exists yet,
//! and `POST /api/v1/setup` creates the first workspace and its
//! administrator (what `deskwoot setup` does) and signs them in. Once a
//! workspace exists the POST answers 409, so it cannot be used to take over
//! an installation.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::start_session;
use crate::domain::{users, validate, workspaces};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/setup")
            .route(web::get().to(status))
            .route(web::post().to(set_up)),
    );
}

async fn status(state: web::Data<AppState>) -> Result<HttpResponse> {
    let count = state.db.read(workspaces::count).await?;
    Ok(HttpResponse::Ok().json(json!({ "needs_setup": count == 0 })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupBody {
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn set_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SetupBody>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    // The workspace's name is checked under its own field name: the domain
    // calls it `name`, which here is the administrator's.
    validate::name("workspace", &body.workspace, workspaces::NAME_MAX)?;
    let admin = users::NewUser {
        name: body.name,
        email: body.email,
        password: body.password,
    };
    let (_, user) = state
        .db
        .write(move |tx| {
            // Checked inside the write transaction, so two first runs at
            // once cannot both succeed.
            if workspaces::count(tx)? > 0 {
                return Err(Error::Conflict(
                    "Deskwoot is already set up; sign in instead".into(),
                ));
            }
            workspaces::create_with_admin(tx, &body.workspace, admin)
        })
        .await?;
    start_session(&req, &state, user.id).await
}
