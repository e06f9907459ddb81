//! `/api/v1/accounts/{account_id}/teams` and each team's `team_members`.
//! Everyone in the workspace reads teams; only administrators change them.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::Json;
use crate::api::items::{self, WorkspaceItems};
use crate::api::{AccountItemPath, AccountPath, Routes, Wrapped, read_as, write_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::agents::Agent;
use crate::domain::inboxes::MemberChange;
use crate::domain::teams::{self, Team, TeamFields};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Teams")
        .get(&items::collection::<Teams>(), list)
        .op("listTeams", "List teams")
        .about("A bare array of the workspace's teams, by name.")
        .scope(Teams::READ)
        .ok::<Vec<TeamView>>();
    items::routes::<Teams>(api);
    let members_path = "/api/v1/accounts/{account_id}/teams/{id}/team_members";
    api.get(members_path, members)
        .op("listTeamMembers", "List a team's members")
        .about("A bare array of agents.")
        .scope(Teams::READ)
        .ok::<Vec<Agent>>();
    api.add(
        &[crate::api::route::Method::Post],
        members_path,
        change_members,
    )
    .op("addTeamMembers", "Add agents to a team")
    .about("Adds the agents and answers with them. Unknown user ids are a 422 on `user_ids`.")
    .scope(Teams::WRITE)
    .json::<UserIds>()
    .ok::<Vec<Agent>>()
    .example(json!({"user_ids": [2]}));
    api.add(
        &[crate::api::route::Method::Patch],
        members_path,
        change_members,
    )
    .op("replaceTeamMembers", "Replace a team's members")
    .about("Makes the given agents the team's members and answers with all of them.")
    .scope(Teams::WRITE)
    .json::<UserIds>()
    .ok::<Vec<Agent>>()
    .example(json!({"user_ids": [1, 2]}));
    api.add(
        &[crate::api::route::Method::Delete],
        members_path,
        change_members,
    )
    .op("removeTeamMembers", "Remove agents from a team")
    .about(
        "Answers 204 (Chatwoot: 200 with an empty body). Unknown user ids are a 422 \
             on `user_ids` (Chatwoot answers 401).",
    )
    .scope(Teams::WRITE)
    .json::<UserIds>()
    .no_content()
    .example(json!({"user_ids": [1]}));
}

/// A team as the API shows it: with whether the caller is one of its members.
#[derive(Serialize, JsonSchema)]
struct TeamView {
    #[serde(flatten)]
    team: Team,
    /// Whether the caller is one of its members.
    is_member: bool,
}

impl TeamView {
    fn new(team: Team, mine: &[i64]) -> TeamView {
        let is_member = mine.contains(&team.id);
        TeamView { team, is_member }
    }

    fn of(conn: &Connection, user_id: i64, team: Team) -> Result<TeamView> {
        let mine = teams::ids_with_member(conn, team.account_id, user_id)?;
        Ok(TeamView::new(team, &mine))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    name: Option<String>,
    description: Option<String>,
    allow_auto_assign: Option<bool>,
}

impl Wrapped for TeamBody {
    const KEY: &'static str = "team";
}

impl From<TeamBody> for TeamFields {
    fn from(body: TeamBody) -> TeamFields {
        TeamFields {
            name: body.name,
            description: body.description,
            allow_auto_assign: body.allow_auto_assign,
        }
    }
}

struct Teams;

impl WorkspaceItems for Teams {
    const PATH: &'static str = "teams";
    const READ: Scope = Scope::read("teams");
    const WRITE: Scope = Scope::write("teams");
    const NAME: &'static str = "team";
    const ID: &'static str = "Team";
    type Item = TeamView;
    type Body = TeamBody;

    fn example() -> Value {
        json!({"name": "Billing", "description": "Invoices and refunds", "allow_auto_assign": true})
    }

    fn update_example() -> Value {
        json!({"description": "First-line support"})
    }

    fn get(conn: &Connection, me: &WorkspaceCaller, id: i64) -> Result<TeamView> {
        TeamView::of(conn, me.user_id, teams::get(conn, me.workspace_id, id)?)
    }

    fn create(tx: &Transaction, me: &WorkspaceCaller, body: TeamBody) -> Result<TeamView> {
        let team = teams::create(tx, me.workspace_id, body.into())?;
        TeamView::of(tx, me.user_id, team)
    }

    fn update(tx: &Transaction, me: &WorkspaceCaller, id: i64, body: TeamBody) -> Result<TeamView> {
        let team = teams::update(tx, me.workspace_id, id, body.into())?;
        TeamView::of(tx, me.user_id, team)
    }

    /// Its conversations keep their assignee and lose the team.
    fn delete(tx: &Transaction, me: &WorkspaceCaller, id: i64) -> Result<()> {
        teams::delete(tx, me.workspace_id, id)
    }
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let views = read_as(&state, &caller, path.account_id, Teams::READ, |conn, me| {
        let mine = teams::ids_with_member(conn, me.workspace_id, me.user_id)?;
        let all = teams::list(conn, me.workspace_id)?;
        Ok(all
            .into_iter()
            .map(|team| TeamView::new(team, &mine))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// The team's members: a bare array of agents.
async fn members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    let agents = read_as(
        &state,
        &caller,
        path.account_id,
        Teams::READ,
        move |conn, me| teams::members(conn, me.workspace_id, id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(agents))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UserIds {
    user_ids: Vec<i64>,
}

/// POST adds the agents and answers with them, PATCH replaces the set and
/// answers with all members, DELETE removes them. Unknown user ids are a 422
/// on `user_ids` (Chatwoot answers 401 "Invalid User IDs"), and DELETE
/// answers 204 (Chatwoot: 200 with an empty body).
async fn change_members(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<UserIds>,
) -> Result<HttpResponse> {
    let how = match *req.method() {
        Method::POST => MemberChange::Add,
        Method::DELETE => MemberChange::Remove,
        _ => MemberChange::Replace,
    };
    let (id, user_ids) = (path.id, body.into_inner().user_ids);
    let named = user_ids.clone();
    let members = write_as(
        &state,
        &caller,
        path.account_id,
        Teams::WRITE,
        move |tx, me| teams::change_members(tx, me.workspace_id, id, &user_ids, how),
    )
    .await?;
    Ok(match how {
        MemberChange::Add => HttpResponse::Ok().json(
            members
                .into_iter()
                .filter(|agent| named.contains(&agent.id))
                .collect::<Vec<_>>(),
        ),
        MemberChange::Replace => HttpResponse::Ok().json(members),
        MemberChange::Remove => HttpResponse::NoContent().finish(),
    })
}
