//! `/api/v1/accounts/{account_id}/agents`: the workspace's people. Everyone
//! reads the list; only administrators (the `agents:write` scope) add,
//! change or remove agents.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::api::{AccountItemPath, AccountPath, Body, Wrapped, read_as, write_as};
use crate::auth::{Caller, Role, Scope};
use crate::domain::agents::{self, Agent, AgentChange, NewAgent};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/accounts/{account_id}/agents")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/accounts/{account_id}/agents/{id}")
            .route(web::patch().to(update))
            .route(web::put().to(update))
            .route(web::delete().to(remove)),
    );
}

const WRITE: Scope = Scope::write("agents");

/// `agent` or `administrator`; absent is `None`.
fn parse_role(role: Option<&str>) -> Result<Option<Role>> {
    role.map(|r| {
        Role::parse(r).ok_or_else(|| Error::invalid("role", "must be agent or administrator"))
    })
    .transpose()
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let agents = read_as(
        &state,
        &caller,
        path.account_id,
        Scope::read("agents"),
        |conn, me| agents::list(conn, me.workspace_id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(agents))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateAgent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    /// `agent` when absent.
    role: Option<String>,
    availability: Option<String>,
    password: Option<String>,
}

impl Wrapped for CreateAgent {
    const KEY: &'static str = "agent";
}

/// The new agent and, when the server generated their password, that
/// password: shown in this one answer only, for the administrator to hand
/// over; the person changes it from their profile.
#[derive(Serialize)]
struct CreatedAgent {
    #[serde(flatten)]
    agent: Agent,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_password: Option<String>,
}

impl TryFrom<CreateAgent> for NewAgent {
    type Error = Error;

    fn try_from(body: CreateAgent) -> Result<NewAgent> {
        Ok(NewAgent {
            role: parse_role(body.role.as_deref())?.unwrap_or(Role::Agent),
            name: body.name,
            email: body.email,
            availability: body.availability,
            password: body.password,
        })
    }
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Body<CreateAgent>,
) -> Result<HttpResponse> {
    let (agent, initial_password) = write_as(&state, &caller, path.account_id, WRITE, |tx, me| {
        agents::create(tx, me.workspace_id, body.0.try_into()?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CreatedAgent {
        agent,
        initial_password,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateAgent {
    name: Option<String>,
    role: Option<String>,
    availability: Option<String>,
}

impl Wrapped for UpdateAgent {
    const KEY: &'static str = "agent";
}

impl TryFrom<UpdateAgent> for AgentChange {
    type Error = Error;

    fn try_from(body: UpdateAgent) -> Result<AgentChange> {
        Ok(AgentChange {
            role: parse_role(body.role.as_deref())?,
            name: body.name,
            availability: body.availability,
        })
    }
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Body<UpdateAgent>,
) -> Result<HttpResponse> {
    let id = path.id;
    let agent = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        agents::update(tx, me.workspace_id, id, body.0.try_into()?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(agent))
}

/// Removes the agent from this workspace (their account stays, as do their
/// other workspaces). Removing the last administrator is a 409. Answers 204
/// where Chatwoot answers 200 with an empty body.
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        agents::remove(tx, me.workspace_id, id, me.user_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
