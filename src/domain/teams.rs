//! Teams: groups of agents that conversations can be assigned to.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::db::now;
use crate::domain::agents::Agent;
use crate::domain::memberships::{self, Group, MemberChange};
use crate::domain::validate;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Team {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: String,
    pub allow_auto_assign: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &Row) -> rusqlite::Result<Team> {
    Ok(Team {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        allow_auto_assign: row.get("allow_auto_assign")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

pub fn list(conn: &Connection, workspace_id: i64) -> Result<Vec<Team>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM teams WHERE workspace_id = ?1 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Team> {
    conn.prepare_cached("SELECT * FROM teams WHERE id = ?1 AND workspace_id = ?2")?
        .query_row([id, workspace_id], from_row)
        .optional()?
        .ok_or(Error::NotFound("team"))
}

#[derive(Debug, Default)]
pub struct TeamFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub allow_auto_assign: Option<bool>,
}

pub fn create(tx: &Transaction, workspace_id: i64, fields: TeamFields) -> Result<Team> {
    let name = validate::name("name", fields.name.as_deref().unwrap_or_default(), 100)?;
    check_unique(tx, workspace_id, &name, None)?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO teams (workspace_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(rusqlite::params![workspace_id, name, now])?;
    let id = tx.last_insert_rowid();
    update(
        tx,
        workspace_id,
        id,
        TeamFields {
            name: None,
            ..fields
        },
    )
}

fn check_unique(conn: &Connection, workspace_id: i64, name: &str, id: Option<i64>) -> Result<()> {
    let other: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM teams WHERE workspace_id = ?1 AND name = ?2 COLLATE NOCASE",
        )?
        .query_row(rusqlite::params![workspace_id, name], |r| r.get(0))
        .optional()?;
    if other.is_some_and(|other| Some(other) != id) {
        return Err(Error::invalid("name", "a team with this name exists"));
    }
    Ok(())
}

pub fn update(tx: &Transaction, workspace_id: i64, id: i64, fields: TeamFields) -> Result<Team> {
    let mut team = get(tx, workspace_id, id)?;
    if let Some(name) = fields.name {
        team.name = validate::name("name", &name, 100)?;
        check_unique(tx, workspace_id, &team.name, Some(id))?;
    }
    if let Some(description) = fields.description {
        if description.chars().count() > 1000 {
            return Err(Error::invalid(
                "description",
                "must be at most 1000 characters",
            ));
        }
        team.description = description.trim().to_string();
    }
    if let Some(allow) = fields.allow_auto_assign {
        team.allow_auto_assign = allow;
    }
    tx.prepare_cached(
        "UPDATE teams SET name = :name, description = :description,
                allow_auto_assign = :allow, updated_at = :now WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": team.name,
        ":description": team.description,
        ":allow": team.allow_auto_assign,
        ":now": now(),
        ":id": id,
    })?;
    get(tx, workspace_id, id)
}

/// Deletes a team; its conversations keep their assignee and lose the team.
pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM teams WHERE id = ?1", [id])?;
    Ok(())
}

/// The ids of the workspace's teams that `user_id` belongs to.
pub fn ids_with_member(conn: &Connection, workspace_id: i64, user_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.user_id = ?1 AND t.workspace_id = ?2",
    )?;
    let rows = stmt.query_map([user_id, workspace_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn members(conn: &Connection, workspace_id: i64, team_id: i64) -> Result<Vec<Agent>> {
    get(conn, workspace_id, team_id)?;
    memberships::members(conn, Group::Team, workspace_id, team_id)
}

pub fn change_members(
    tx: &Transaction,
    workspace_id: i64,
    team_id: i64,
    user_ids: &[i64],
    how: MemberChange,
) -> Result<Vec<Agent>> {
    get(tx, workspace_id, team_id)?;
    memberships::change(tx, Group::Team, workspace_id, team_id, user_ids, how)
}
