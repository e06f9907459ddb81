//! Users (agents and administrators) and their memberships in workspaces.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::auth::password;
use crate::auth::scope::Role;
use crate::db::now;
use crate::domain::validate;
use crate::error::{Error, Result};

pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub availability: String,
    pub created_at: i64,
}

impl User {
    /// The name shown to contacts: the display name when set.
    pub fn available_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}

/// A user's place in one workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub role: Role,
}

pub struct NewUser {
    pub name: String,
    pub email: String,
    pub password: String,
}

fn from_row(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get("id")?,
        name: row.get("name")?,
        display_name: row.get("display_name")?,
        email: row.get("email")?,
        availability: row.get("availability")?,
        created_at: row.get("created_at")?,
    })
}

/// Creates a user; an email already in use is a conflict.
pub fn create(tx: &Transaction, new: NewUser) -> Result<User> {
    let name = validate::name("name", &new.name, NAME_MAX)?;
    let email = validate::email("email", &new.email)?;
    password::check_new("password", &new.password)?;
    if find_by_email(tx, &email)?.is_some() {
        return Err(Error::Conflict(format!(
            "a user with the email {email} already exists"
        )));
    }
    let hash = password::hash(&new.password)?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO users (name, email, password_hash, created_at, updated_at)
         VALUES (:name, :email, :hash, :now, :now)",
    )?
    .execute(named_params! {":name": name, ":email": email, ":hash": hash, ":now": now})?;
    get(tx, tx.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<User> {
    conn.prepare_cached("SELECT * FROM users WHERE id = :id")?
        .query_row(named_params! {":id": id}, from_row)
        .optional()?
        .ok_or(Error::NotFound("user"))
}

/// The user with `email` (any case) and their password hash.
pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<(User, String)>> {
    let email = email.trim().to_lowercase();
    Ok(conn
        .prepare_cached("SELECT * FROM users WHERE email = :email")?
        .query_row(named_params! {":email": email}, |row| {
            Ok((from_row(row)?, row.get("password_hash")?))
        })
        .optional()?)
}

pub fn add_to_workspace(
    tx: &Transaction,
    workspace_id: i64,
    user_id: i64,
    role: Role,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO workspace_users (workspace_id, user_id, role, created_at)
         VALUES (:workspace_id, :user_id, :role, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":user_id": user_id,
        ":role": role.as_str(),
        ":now": now(),
    })?;
    Ok(())
}

/// Every workspace the user belongs to, with their role there.
pub fn memberships(conn: &Connection, user_id: i64) -> Result<Vec<Membership>> {
    let mut stmt = conn.prepare_cached(
        "SELECT wu.workspace_id, w.name, wu.role
         FROM workspace_users wu JOIN workspaces w ON w.id = wu.workspace_id
         WHERE wu.user_id = :user_id ORDER BY wu.workspace_id",
    )?;
    let rows = stmt.query_map(named_params! {":user_id": user_id}, |row| {
        let role: String = row.get(2)?;
        Ok(Membership {
            workspace_id: row.get(0)?,
            workspace_name: row.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Agent),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A change to one's own profile: fields left `None` stay as they are.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub name: Option<String>,
    /// `Some(None)` clears the display name.
    pub display_name: Option<Option<String>>,
    pub availability: Option<String>,
    /// The new password, with the current one that must match.
    pub password: Option<(String, String)>,
}

pub const AVAILABILITIES: &[&str] = &["online", "busy", "offline"];

pub fn update_profile(tx: &Transaction, user_id: i64, change: ProfileChange) -> Result<User> {
    let mut user = get(tx, user_id)?;
    if let Some(name) = change.name {
        user.name = validate::name("name", &name, NAME_MAX)?;
    }
    if let Some(display_name) = change.display_name {
        user.display_name = match display_name {
            Some(d) if !d.trim().is_empty() => Some(validate::name("display_name", &d, NAME_MAX)?),
            _ => None,
        };
    }
    if let Some(availability) = change.availability {
        if !AVAILABILITIES.contains(&availability.as_str()) {
            return Err(Error::invalid(
                "availability",
                "must be one of online, busy, offline",
            ));
        }
        user.availability = availability;
    }
    tx.prepare_cached(
        "UPDATE users SET name = :name, display_name = :display_name,
                          availability = :availability, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": user.name,
        ":display_name": user.display_name,
        ":availability": user.availability,
        ":now": now(),
        ":id": user_id,
    })?;
    if let Some((current, new)) = change.password {
        set_password(tx, user_id, &current, &new)?;
    }
    get(tx, user_id)
}

/// Replaces the password after checking the current one.
fn set_password(tx: &Transaction, user_id: i64, current: &str, new: &str) -> Result<()> {
    let stored: String = tx.query_row(
        "SELECT password_hash FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    if !password::verify(current, &stored) {
        return Err(Error::invalid("current_password", "is not correct"));
    }
    password::check_new("password", new)?;
    tx.execute(
        "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
        rusqlite::params![password::hash(new)?, now(), user_id],
    )?;
    Ok(())
}
