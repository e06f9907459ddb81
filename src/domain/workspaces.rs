//! Workspaces (Chatwoot's "accounts"): the container of everything else.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::Value;

use crate::auth::scope::Role;
use crate::db::now;
use crate::domain::{users, validate};
use crate::error::{Error, Result};

pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub settings: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &Row) -> rusqlite::Result<Workspace> {
    let settings: String = row.get("settings")?;
    Ok(Workspace {
        id: row.get("id")?,
        name: row.get("name")?,
        settings: serde_json::from_str(&settings).unwrap_or(Value::Object(Default::default())),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

pub fn create(tx: &Transaction, name: &str) -> Result<Workspace> {
    let name = validate::name("name", name, NAME_MAX)?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO workspaces (name, settings, created_at, updated_at)
         VALUES (:name, '{}', :now, :now)",
    )?
    .execute(named_params! {":name": name, ":now": now})?;
    get(tx, tx.last_insert_rowid())
}

/// Creates a workspace and its first administrator in one go: what
/// `deskwoot setup` and the dashboard's first run do.
pub fn create_with_admin(
    tx: &Transaction,
    workspace_name: &str,
    admin: users::NewUser,
) -> Result<(Workspace, users::User)> {
    let workspace = create(tx, workspace_name)?;
    let user = users::create(tx, admin)?;
    users::add_to_workspace(tx, workspace.id, user.id, Role::Administrator)?;
    Ok((workspace, user))
}

pub fn get(conn: &Connection, id: i64) -> Result<Workspace> {
    conn.prepare_cached("SELECT * FROM workspaces WHERE id = :id")?
        .query_row(named_params! {":id": id}, from_row)
        .optional()?
        .ok_or(Error::NotFound("workspace"))
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0))?)
}

/// A change to a workspace: fields left `None` stay as they are. `settings` is
/// merged key by key into the stored object (a `null` value removes a key).
#[derive(Debug, Default)]
pub struct WorkspaceChange {
    pub name: Option<String>,
    pub settings: Option<serde_json::Map<String, Value>>,
}

pub fn update(tx: &Transaction, id: i64, change: WorkspaceChange) -> Result<Workspace> {
    let mut workspace = get(tx, id)?;
    if let Some(name) = change.name {
        workspace.name = validate::name("name", &name, NAME_MAX)?;
    }
    if let Some(patch) = change.settings {
        let settings = workspace
            .settings
            .as_object_mut()
            .ok_or_else(|| Error::internal("workspace settings are not an object"))?;
        for (key, value) in patch {
            if value.is_null() {
                settings.remove(&key);
            } else {
                settings.insert(key, value);
            }
        }
    }
    tx.prepare_cached(
        "UPDATE workspaces SET name = :name, settings = :settings, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": workspace.name,
        ":settings": workspace.settings.to_string(),
        ":now": now(),
        ":id": id,
    })?;
    get(tx, id)
}
