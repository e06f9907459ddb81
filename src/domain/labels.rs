//! Labels: lower-case titles with a colour, attached to conversations by id,
//! so renaming a label keeps it on every conversation.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::db::now;
use crate::error::{Error, FieldError, Result};

pub const TITLE_MAX: usize = 64;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Label {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub color: String,
    pub show_on_sidebar: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &Row) -> rusqlite::Result<Label> {
    Ok(Label {
        id: row.get("id")?,
        title: row.get("title")?,
        description: row.get("description")?,
        color: row.get("color")?,
        show_on_sidebar: row.get("show_on_sidebar")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// A title as stored: trimmed and lower-cased; letters, digits, `-` and `_` only.
pub fn normalise_title(field: &str, title: &str) -> Result<String> {
    let title = title.trim().to_lowercase();
    let valid = !title.is_empty()
        && title.chars().count() <= TITLE_MAX
        && title
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(title)
    } else {
        Err(Error::invalid(
            field,
            format!("labels are 1 to {TITLE_MAX} letters, digits, - or _ (got {title:?})"),
        ))
    }
}

pub fn list(conn: &Connection, workspace_id: i64) -> Result<Vec<Label>> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM labels WHERE workspace_id = ?1 ORDER BY title")?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Label> {
    conn.prepare_cached("SELECT * FROM labels WHERE id = ?1 AND workspace_id = ?2")?
        .query_row([id, workspace_id], from_row)
        .optional()?
        .ok_or(Error::NotFound("label"))
}

fn find(conn: &Connection, workspace_id: i64, title: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM labels WHERE workspace_id = ?1 AND title = ?2")?
        .query_row(rusqlite::params![workspace_id, title], |r| r.get(0))
        .optional()?)
}

#[derive(Debug, Default)]
pub struct LabelFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub show_on_sidebar: Option<bool>,
}

pub fn create(tx: &Transaction, workspace_id: i64, fields: LabelFields) -> Result<Label> {
    let title = normalise_title("title", fields.title.as_deref().unwrap_or_default())?;
    if find(tx, workspace_id, &title)?.is_some() {
        return Err(Error::invalid("title", "a label with this title exists"));
    }
    let now = now();
    tx.prepare_cached(
        "INSERT INTO labels (workspace_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(rusqlite::params![workspace_id, title, now])?;
    let id = tx.last_insert_rowid();
    update(
        tx,
        workspace_id,
        id,
        LabelFields {
            title: None,
            ..fields
        },
    )
}

pub fn update(tx: &Transaction, workspace_id: i64, id: i64, fields: LabelFields) -> Result<Label> {
    let mut label = get(tx, workspace_id, id)?;
    let mut problems = Vec::new();
    if let Some(title) = fields.title {
        match normalise_title("title", &title) {
            Ok(title) => {
                if find(tx, workspace_id, &title)?.is_some_and(|other| other != id) {
                    problems.push(FieldError::new("title", "a label with this title exists"));
                }
                label.title = title;
            }
            Err(Error::Validation(mut e)) => problems.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    if let Some(description) = fields.description {
        if description.chars().count() > 500 {
            problems.push(FieldError::new(
                "description",
                "must be at most 500 characters",
            ));
        }
        label.description = description.trim().to_string();
    }
    if let Some(color) = fields.color {
        let valid = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !valid {
            problems.push(FieldError::new("color", "must be a colour like #1f93ff"));
        }
        label.color = color;
    }
    if let Some(show) = fields.show_on_sidebar {
        label.show_on_sidebar = show;
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    tx.prepare_cached(
        "UPDATE labels SET title = :title, description = :description, color = :color,
                show_on_sidebar = :show, updated_at = :now WHERE id = :id",
    )?
    .execute(named_params! {
        ":title": label.title,
        ":description": label.description,
        ":color": label.color,
        ":show": label.show_on_sidebar,
        ":now": now(),
        ":id": id,
    })?;
    get(tx, workspace_id, id)
}

/// Deletes a label; it leaves every conversation that carried it.
pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM labels WHERE id = ?1", [id])?;
    Ok(())
}

/// The ids of labels with these titles, creating the ones not yet defined.
pub fn ensure(tx: &Transaction, workspace_id: i64, titles: &[String]) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(titles.len());
    for title in titles {
        let title = normalise_title("labels", title)?;
        let id = match find(tx, workspace_id, &title)? {
            Some(id) => id,
            None => {
                create(
                    tx,
                    workspace_id,
                    LabelFields {
                        title: Some(title),
                        ..Default::default()
                    },
                )?
                .id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The titles of a conversation's labels, sorted.
pub fn titles_of(conn: &Connection, conversation_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.title FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
         WHERE cl.conversation_id = ?1 ORDER BY l.title",
    )?;
    let rows = stmt.query_map([conversation_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
