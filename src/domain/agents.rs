//! Agents: the users of a workspace, seen from inside it, with their role and
//! availability. Removing one unassigns their conversations.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::auth::Role;
use crate::auth::secret;
use crate::domain::conversations::{self, Actor};
use crate::domain::users::{self, AVAILABILITIES};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Agent {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub available_name: String,
    pub email: String,
    pub role: Role,
    pub availability_status: String,
    pub confirmed: bool,
    pub thumbnail: String,
}

const SELECT: &str = "SELECT u.id, wu.workspace_id, u.name, u.display_name, u.email, wu.role,
                             u.availability
                      FROM workspace_users wu JOIN users u ON u.id = wu.user_id";

fn from_row(row: &Row) -> rusqlite::Result<Agent> {
    let name: String = row.get(2)?;
    let display_name: Option<String> = row.get(3)?;
    let role: String = row.get(5)?;
    Ok(Agent {
        id: row.get(0)?,
        account_id: row.get(1)?,
        available_name: display_name.clone().unwrap_or_else(|| name.clone()),
        name,
        display_name,
        email: row.get(4)?,
        role: Role::parse(&role).unwrap_or(Role::Agent),
        availability_status: row.get(6)?,
        confirmed: true,
        thumbnail: String::new(),
    })
}

/// The workspace's agents, by name.
pub fn list(conn: &Connection, workspace_id: i64) -> Result<Vec<Agent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE wu.workspace_id = ?1 ORDER BY u.name COLLATE NOCASE, u.id"
    ))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, workspace_id: i64, user_id: i64) -> Result<Agent> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE wu.workspace_id = ?1 AND wu.user_id = ?2"
    ))?
    .query_row([workspace_id, user_id], from_row)
    .optional()?
    .ok_or(Error::NotFound("agent"))
}

/// The agents among `ids`, in the order of `ids`; unknown ids are skipped.
pub fn list_by_ids(conn: &Connection, workspace_id: i64, ids: &[i64]) -> Result<Vec<Agent>> {
    let mut agents = Vec::with_capacity(ids.len());
    for id in ids {
        if let Ok(agent) = get(conn, workspace_id, *id) {
            agents.push(agent);
        }
    }
    Ok(agents)
}

/// Fails with a field error naming `field` unless every id is an agent of the workspace.
pub fn check_members_of(
    conn: &Connection,
    workspace_id: i64,
    ids: &[i64],
    field: &str,
) -> Result<()> {
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| get(conn, workspace_id, **id).is_err())
        .map(i64::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("not agents of this workspace: {}", unknown.join(", ")),
        ))
    }
}

pub struct NewAgent {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub availability: Option<String>,
    /// Absent: a random one is generated and returned once, for an
    /// administrator to hand over.
    pub password: Option<String>,
}

/// Adds an agent: a new user, or an existing user (by email) joining this
/// workspace. Returns the agent and the generated password, if one was.
pub fn create(
    tx: &Transaction,
    workspace_id: i64,
    new: NewAgent,
) -> Result<(Agent, Option<String>)> {
    let existing = users::find_by_email(tx, &new.email)?;
    let (user_id, generated) = match existing {
        Some((user, _)) => {
            if get(tx, workspace_id, user.id).is_ok() {
                return Err(Error::Conflict(format!(
                    "{} is already an agent of this workspace",
                    user.email
                )));
            }
            // Their password is theirs: another workspace may not set it.
            if new.password.is_some() {
                return Err(Error::invalid(
                    "password",
                    "this person already has an account and keeps its password; leave it out",
                ));
            }
            (user.id, None)
        }
        None => {
            let generated = new.password.is_none().then(|| secret::random_base62(20));
            let password = new
                .password
                .or_else(|| generated.clone())
                .unwrap_or_default();
            let user = users::create(
                tx,
                users::NewUser {
                    name: new.name,
                    email: new.email,
                    password,
                },
            )?;
            (user.id, generated)
        }
    };
    users::add_to_workspace(tx, workspace_id, user_id, new.role)?;
    if new.availability.is_some() {
        users::update_profile(
            tx,
            user_id,
            users::ProfileChange {
                availability: new.availability,
                ..Default::default()
            },
        )?;
    }
    Ok((get(tx, workspace_id, user_id)?, generated))
}

pub struct AgentChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub availability: Option<String>,
}

pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    user_id: i64,
    change: AgentChange,
) -> Result<Agent> {
    let agent = get(tx, workspace_id, user_id)?;
    if let Some(role) = change.role {
        if role != Role::Administrator && agent.role == Role::Administrator {
            ensure_another_administrator(tx, workspace_id, user_id)?;
        }
        tx.prepare_cached(
            "UPDATE workspace_users SET role = ?1 WHERE workspace_id = ?2 AND user_id = ?3",
        )?
        .execute(rusqlite::params![role.as_str(), workspace_id, user_id])?;
    }
    if let Some(availability) = &change.availability
        && !AVAILABILITIES.contains(&availability.as_str())
    {
        return Err(Error::invalid(
            "availability",
            "must be one of online, busy, offline",
        ));
    }
    users::update_profile(
        tx,
        user_id,
        users::ProfileChange {
            name: change.name,
            availability: change.availability,
            ..Default::default()
        },
    )?;
    get(tx, workspace_id, user_id)
}

/// Removes an agent from the workspace on behalf of `remover_id`: each of
/// their conversations there is unassigned (with an activity line and its
/// events), and their inbox and team memberships and tokens there end.
pub fn remove(tx: &Transaction, workspace_id: i64, user_id: i64, remover_id: i64) -> Result<()> {
    let agent = get(tx, workspace_id, user_id)?;
    if agent.role == Role::Administrator {
        ensure_another_administrator(tx, workspace_id, user_id)?;
    }
    let assigned: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM conversations WHERE workspace_id = ?1 AND assignee_id = ?2",
        )?
        .query_map([workspace_id, user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in assigned {
        conversations::assign_agent(
            tx,
            &conversations::row(tx, id)?,
            Actor::User(remover_id),
            None,
        )?;
    }
    tx.prepare_cached(
        "DELETE FROM inbox_members WHERE user_id = :user_id
           AND inbox_id IN (SELECT id FROM inboxes WHERE workspace_id = :workspace_id)",
    )?
    .execute(named_params! {":workspace_id": workspace_id, ":user_id": user_id})?;
    tx.prepare_cached(
        "DELETE FROM team_members WHERE user_id = :user_id
           AND team_id IN (SELECT id FROM teams WHERE workspace_id = :workspace_id)",
    )?
    .execute(named_params! {":workspace_id": workspace_id, ":user_id": user_id})?;
    tx.prepare_cached(
        "DELETE FROM api_tokens WHERE workspace_id = :workspace_id AND user_id = :user_id",
    )?
    .execute(named_params! {":workspace_id": workspace_id, ":user_id": user_id})?;
    tx.prepare_cached(
        "DELETE FROM workspace_users WHERE workspace_id = :workspace_id AND user_id = :user_id",
    )?
    .execute(named_params! {":workspace_id": workspace_id, ":user_id": user_id})?;
    Ok(())
}

/// A workspace always keeps at least one administrator.
fn ensure_another_administrator(conn: &Connection, workspace_id: i64, user_id: i64) -> Result<()> {
    let others: i64 = conn.query_row(
        "SELECT count(*) FROM workspace_users
         WHERE workspace_id = ?1 AND role = 'administrator' AND user_id <> ?2",
        [workspace_id, user_id],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(Error::Conflict(
            "a workspace needs at least one administrator".into(),
        ));
    }
    Ok(())
}
