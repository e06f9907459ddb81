//! `/api/v1/accounts/{account_id}/agents`: the workspace's people. Everyone
//! reads the list; only administrators (the `agents:write` scope) add,
//! change or remove agents.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{AccountItemPath, AccountPath, Body, Routes, Wrapped, read_as, write_as};
use crate::auth::{Caller, Role, Scope};
use crate::domain::agents::{self, Agent, AgentChange, NewAgent};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/agents";
    api.tag("Agents")
        .get(base, list)
        .op("listAgents", "List agents")
        .about("The workspace's people, agents and administrators: a bare array.")
        .scope(Scope::read("agents"))
        .ok::<Vec<Agent>>();
    api.post(base, create)
        .op("createAgent", "Add an agent")
        .about(
            "Adds a person to the workspace (creating their user when the email is new). \
             Without `password` the server generates one and answers it once as \
             `initial_password`. The body may be flat or under `agent`.",
        )
        .scope(WRITE)
        .wrapped::<CreateAgent>()
        .ok::<CreatedAgent>()
        .errors(&[409])
        .example(json!({"name": "Bob Agent", "email": "bob@example.com", "role": "agent"}));
    api.patch_put(&format!("{base}/{{id}}"), update)
        .op("updateAgent", "Change an agent")
        .about("Changes the given fields. The last administrator cannot become an agent (409).")
        .scope(WRITE)
        .wrapped::<UpdateAgent>()
        .ok::<Agent>()
        .errors(&[409])
        .example_path("/api/v1/accounts/1/agents/2")
        .example(json!({"availability": "busy"}));
    api.delete(&format!("{base}/{{id}}"), remove)
        .op("removeAgent", "Remove an agent")
        .about(
            "Removes the person from this workspace; their user and other workspaces stay. \
             Removing the last administrator is a 409. Answers 204 where Chatwoot answers \
             200 with an empty body.",
        )
        .scope(WRITE)
        .no_content()
        .errors(&[409])
        .example_path("/api/v1/accounts/1/agents/2");
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateAgent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    /// `agent` (the default) or `administrator`.
    #[schemars(extend("enum" = ["agent", "administrator", null]))]
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
#[derive(Serialize, JsonSchema)]
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UpdateAgent {
    name: Option<String>,
    /// `agent` or `administrator`.
    #[schemars(extend("enum" = ["agent", "administrator", null]))]
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
