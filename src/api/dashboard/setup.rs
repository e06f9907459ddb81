//! The first run: `GET /api/v1/setup` tells whether any workspace exists yet,
//! and `POST /api/v1/setup` creates the first workspace and its
//! administrator (what `deskwoot setup` does) and signs them in. Once a
//! workspace exists the POST answers 409, so it cannot be used to take over
//! an installation.

use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::auth::start_session;
use crate::api::profile::Profile;
use crate::api::{Access, Json, Routes};
use crate::domain::{users, validate, workspaces};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Setup")
        .get("/api/v1/setup", status)
        .op("setupStatus", "Tell whether the first run is pending")
        .about("Whether no workspace exists yet, so the dashboard offers to create one.")
        .access(Access::Public)
        .ok::<SetupStatus>();
    api.post("/api/v1/setup", set_up)
        .op("setUp", "Create the first workspace and administrator")
        .about(
            "What `deskwoot setup` does, for the dashboard's first run: creates the \
             workspace and its administrator and signs them in (the session cookie). \
             Works only while no workspace exists; 409 afterwards.",
        )
        .access(Access::Public)
        .json::<SetupBody>()
        .ok::<Profile>()
        .errors(&[409])
        .unchecked("works only before any workspace exists");
}

#[derive(Serialize, JsonSchema)]
struct SetupStatus {
    /// True until the first workspace exists.
    needs_setup: bool,
}

async fn status(state: web::Data<AppState>) -> Result<HttpResponse> {
    let count = state.db.read(workspaces::count).await?;
    Ok(HttpResponse::Ok().json(SetupStatus {
        needs_setup: count == 0,
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    body: Json<SetupBody>,
) -> Result<HttpResponse> {
    let Json(body) = body;
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
