//! Canned responses: saved replies that agents insert by short code.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::db::now;
use crate::error::{Error, FieldError, Result};

pub const SHORT_CODE_MAX: usize = 64;
pub const CONTENT_MAX: usize = 10_000;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CannedResponse {
    pub id: i64,
    pub account_id: i64,
    pub short_code: String,
    pub content: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &Row) -> rusqlite::Result<CannedResponse> {
    Ok(CannedResponse {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        short_code: row.get("short_code")?,
        content: row.get("content")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The workspace's canned responses by short code; with `search`, those whose
/// short code starts with it or whose content contains it, ignoring case.
pub fn list(
    conn: &Connection,
    workspace_id: i64,
    search: Option<&str>,
) -> Result<Vec<CannedResponse>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM canned_responses WHERE workspace_id = ?1 ORDER BY short_code, id",
    )?;
    let all = stmt
        .query_map([workspace_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Matched here rather than with LIKE, whose case folding is ASCII only; a
    // workspace has tens or hundreds of these, not millions.
    let Some(needle) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(all);
    };
    let needle = needle.to_lowercase();
    Ok(all
        .into_iter()
        .filter(|c| {
            c.short_code.to_lowercase().starts_with(&needle)
                || c.content.to_lowercase().contains(&needle)
        })
        .collect())
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<CannedResponse> {
    conn.prepare_cached("SELECT * FROM canned_responses WHERE id = ?1 AND workspace_id = ?2")?
        .query_row([id, workspace_id], from_row)
        .optional()?
        .ok_or(Error::NotFound("canned response"))
}

#[derive(Debug, Default)]
pub struct CannedFields {
    pub short_code: Option<String>,
    pub content: Option<String>,
}

/// A short code as stored: trimmed; 1 to 64 letters, digits, `-` or `_`.
fn check_short_code(short_code: &str) -> std::result::Result<String, FieldError> {
    let short_code = short_code.trim();
    let valid = !short_code.is_empty()
        && short_code.chars().count() <= SHORT_CODE_MAX
        && short_code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(short_code.to_string())
    } else {
        Err(FieldError::new(
            "short_code",
            format!("must be 1 to {SHORT_CODE_MAX} letters, digits, - or _"),
        ))
    }
}

/// Content as stored: trimmed; 1 to 10,000 characters.
fn check_content(content: &str) -> std::result::Result<String, FieldError> {
    let content = content.trim();
    if content.is_empty() || content.chars().count() > CONTENT_MAX {
        return Err(FieldError::new(
            "content",
            format!("must be 1 to {CONTENT_MAX} characters"),
        ));
    }
    Ok(content.to_string())
}

pub fn create(tx: &Transaction, workspace_id: i64, fields: CannedFields) -> Result<CannedResponse> {
    let (short_code, content) = checked(
        tx,
        workspace_id,
        None,
        fields.short_code.as_deref().unwrap_or_default(),
        fields.content.as_deref().unwrap_or_default(),
    )?;
    tx.prepare_cached(
        "INSERT INTO canned_responses (workspace_id, short_code, content, created_at, updated_at)
         VALUES (:workspace_id, :short_code, :content, :now, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":short_code": short_code,
        ":content": content,
        ":now": now(),
    })?;
    get(tx, workspace_id, tx.last_insert_rowid())
}

pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    id: i64,
    fields: CannedFields,
) -> Result<CannedResponse> {
    let current = get(tx, workspace_id, id)?;
    let (short_code, content) = checked(
        tx,
        workspace_id,
        Some(id),
        fields.short_code.as_deref().unwrap_or(&current.short_code),
        fields.content.as_deref().unwrap_or(&current.content),
    )?;
    tx.prepare_cached(
        "UPDATE canned_responses SET short_code = :short_code, content = :content,
                updated_at = :now WHERE id = :id",
    )?
    .execute(named_params! {
        ":short_code": short_code,
        ":content": content,
        ":now": now(),
        ":id": id,
    })?;
    get(tx, workspace_id, id)
}

/// Both fields checked, every problem reported at once; the short code must
/// not belong to another canned response of the workspace (`id` is this one).
fn checked(
    conn: &Connection,
    workspace_id: i64,
    id: Option<i64>,
    short_code: &str,
    content: &str,
) -> Result<(String, String)> {
    let mut problems = Vec::new();
    let short_code = check_short_code(short_code).map_err(|e| problems.push(e));
    let content = check_content(content).map_err(|e| problems.push(e));
    if let Ok(short_code) = &short_code {
        let other: Option<i64> = conn
            .prepare_cached(
                "SELECT id FROM canned_responses WHERE workspace_id = ?1 AND short_code = ?2",
            )?
            .query_row(rusqlite::params![workspace_id, short_code], |r| r.get(0))
            .optional()?;
        if other.is_some_and(|other| Some(other) != id) {
            problems.push(FieldError::new(
                "short_code",
                "a canned response with this short code exists",
            ));
        }
    }
    match (short_code, content) {
        (Ok(short_code), Ok(content)) if problems.is_empty() => Ok((short_code, content)),
        _ => Err(Error::Validation(problems)),
    }
}

pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM canned_responses WHERE id = ?1", [id])?;
    Ok(())
}
