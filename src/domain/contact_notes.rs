//! Notes agents keep on a contact: free text with its author, listed newest
//! first. They belong to the contact and move with it on a merge.

use rusqlite::{Connection, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::db::now;
use crate::domain::{contacts, validate};
use crate::error::{Error, Result};

pub const CONTENT_MAX: usize = 10_000;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Note {
    pub id: i64,
    pub content: String,
    pub contact_id: i64,
    /// The agent who wrote it; `None` once they are deleted.
    pub user: Option<Author>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

const SELECT: &str = "SELECT n.id, n.content, n.contact_id, n.user_id, u.name AS user_name,
                             n.created_at, n.updated_at
                      FROM contact_notes n LEFT JOIN users u ON u.id = n.user_id";

fn from_row(row: &Row) -> rusqlite::Result<Note> {
    let user_id: Option<i64> = row.get("user_id")?;
    let user_name: Option<String> = row.get("user_name")?;
    Ok(Note {
        id: row.get("id")?,
        content: row.get("content")?,
        contact_id: row.get("contact_id")?,
        user: user_id.zip(user_name).map(|(id, name)| Author { id, name }),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The contact's notes, newest first.
pub fn list(conn: &Connection, workspace_id: i64, contact_id: i64) -> Result<Vec<Note>> {
    contacts::get(conn, workspace_id, contact_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE n.contact_id = ?1 ORDER BY n.id DESC"
    ))?;
    let rows = stmt.query_map([contact_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Note `id` of the contact; another contact's (or workspace's) note is not found.
pub fn get(conn: &Connection, workspace_id: i64, contact_id: i64, id: i64) -> Result<Note> {
    contacts::get(conn, workspace_id, contact_id)?;
    conn.prepare_cached(&format!("{SELECT} WHERE n.id = ?1 AND n.contact_id = ?2"))?
        .query_row([id, contact_id], from_row)
        .optional()?
        .ok_or(Error::NotFound("note"))
}

pub fn create(
    tx: &Transaction,
    workspace_id: i64,
    contact_id: i64,
    user_id: i64,
    content: &str,
) -> Result<Note> {
    contacts::get(tx, workspace_id, contact_id)?;
    let content = validate::name("content", content, CONTENT_MAX)?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO contact_notes (contact_id, user_id, content, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(rusqlite::params![contact_id, user_id, content, now])?;
    get(tx, workspace_id, contact_id, tx.last_insert_rowid())
}

pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    contact_id: i64,
    id: i64,
    content: &str,
) -> Result<Note> {
    get(tx, workspace_id, contact_id, id)?;
    let content = validate::name("content", content, CONTENT_MAX)?;
    tx.prepare_cached("UPDATE contact_notes SET content = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![content, now(), id])?;
    get(tx, workspace_id, contact_id, id)
}

pub fn delete(tx: &Transaction, workspace_id: i64, contact_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, contact_id, id)?;
    tx.prepare_cached("DELETE FROM contact_notes WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
