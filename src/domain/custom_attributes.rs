//! Custom attribute definitions for contacts and conversations, and the check
//! that values written through the API have the defined type.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::now;
use crate::domain::validate;
use crate::error::{Error, FieldError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Model {
    #[serde(rename = "contact_attribute")]
    Contact,
    #[serde(rename = "conversation_attribute")]
    Conversation,
}

impl Model {
    pub fn parse(s: &str) -> Option<Model> {
        match s {
            "contact_attribute" | "1" => Some(Model::Contact),
            "conversation_attribute" | "0" => Some(Model::Conversation),
            _ => None,
        }
    }

    fn stored(self) -> &'static str {
        match self {
            Model::Contact => "contact_attribute",
            Model::Conversation => "conversation_attribute",
        }
    }
}

/// The display types, in Chatwoot's numbering (their index).
pub const DISPLAY_TYPES: &[&str] = &[
    "text", "number", "currency", "percent", "link", "date", "list", "checkbox",
];

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Definition {
    pub id: i64,
    pub attribute_model: Model,
    pub attribute_key: String,
    pub attribute_display_name: String,
    pub attribute_display_type: String,
    pub attribute_description: String,
    pub attribute_values: Vec<String>,
    pub regex_pattern: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &Row) -> rusqlite::Result<Definition> {
    let model: String = row.get("attribute_model")?;
    let values: String = row.get("attribute_values")?;
    Ok(Definition {
        id: row.get("id")?,
        attribute_model: Model::parse(&model).unwrap_or(Model::Contact),
        attribute_key: row.get("attribute_key")?,
        attribute_display_name: row.get("attribute_display_name")?,
        attribute_display_type: row.get("attribute_display_type")?,
        attribute_description: row.get("attribute_description")?,
        attribute_values: serde_json::from_str(&values).unwrap_or_default(),
        regex_pattern: row.get("regex_pattern")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

pub fn list(conn: &Connection, workspace_id: i64, model: Option<Model>) -> Result<Vec<Definition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM custom_attribute_definitions
         WHERE workspace_id = :workspace_id AND (:model IS NULL OR attribute_model = :model)
         ORDER BY attribute_model, attribute_key",
    )?;
    let rows = stmt.query_map(
        named_params! {":workspace_id": workspace_id, ":model": model.map(Model::stored)},
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Definition> {
    conn.prepare_cached(
        "SELECT * FROM custom_attribute_definitions WHERE id = ?1 AND workspace_id = ?2",
    )?
    .query_row([id, workspace_id], from_row)
    .optional()?
    .ok_or(Error::NotFound("custom attribute definition"))
}

fn find(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    key: &str,
) -> Result<Option<Definition>> {
    Ok(conn
        .prepare_cached(
            "SELECT * FROM custom_attribute_definitions
             WHERE workspace_id = ?1 AND attribute_model = ?2 AND attribute_key = ?3",
        )?
        .query_row(
            rusqlite::params![workspace_id, model.stored(), key],
            from_row,
        )
        .optional()?)
}

/// The fields of a definition that a create or update may set.
#[derive(Debug, Default)]
pub struct DefinitionFields {
    pub attribute_model: Option<Model>,
    pub attribute_key: Option<String>,
    pub attribute_display_name: Option<String>,
    pub attribute_display_type: Option<String>,
    pub attribute_description: Option<String>,
    pub attribute_values: Option<Vec<String>>,
    pub regex_pattern: Option<Option<String>>,
}

/// Keys the built-in fields use, which a custom attribute may not shadow.
const RESERVED: &[&str] = &[
    "name",
    "email",
    "phone_number",
    "identifier",
    "status",
    "priority",
    "assignee_id",
    "inbox_id",
    "team_id",
    "display_id",
    "labels",
    "created_at",
    "last_activity_at",
    "blocked",
];

pub fn create(tx: &Transaction, workspace_id: i64, fields: DefinitionFields) -> Result<Definition> {
    let model = fields.attribute_model.ok_or_else(|| {
        Error::invalid(
            "attribute_model",
            "must be contact_attribute or conversation_attribute",
        )
    })?;
    let key = fields
        .attribute_key
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let valid_key = !key.is_empty()
        && key.len() <= 64
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_key {
        return Err(Error::invalid(
            "attribute_key",
            "must be 1 to 64 letters, digits or underscores",
        ));
    }
    if RESERVED.contains(&key.as_str()) {
        return Err(Error::invalid(
            "attribute_key",
            "is the name of a built-in field",
        ));
    }
    if find(tx, workspace_id, model, &key)?.is_some() {
        return Err(Error::invalid(
            "attribute_key",
            "is already defined for this model",
        ));
    }
    let now = now();
    tx.prepare_cached(
        "INSERT INTO custom_attribute_definitions
             (workspace_id, attribute_model, attribute_key, attribute_display_name,
              attribute_display_type, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3, 'text', ?4, ?4)",
    )?
    .execute(rusqlite::params![workspace_id, model.stored(), key, now])?;
    let id = tx.last_insert_rowid();
    let fields = DefinitionFields {
        attribute_model: None,
        attribute_key: None,
        attribute_display_name: fields.attribute_display_name.or(Some(key)),
        attribute_display_type: Some(fields.attribute_display_type.unwrap_or_default()),
        ..fields
    };
    update(tx, workspace_id, id, fields)
}

/// Updates a definition. The model and key are fixed once created: values
/// already stored under the key stay meaningful.
pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    id: i64,
    fields: DefinitionFields,
) -> Result<Definition> {
    let mut def = get(tx, workspace_id, id)?;
    if fields
        .attribute_model
        .is_some_and(|m| m != def.attribute_model)
        || fields
            .attribute_key
            .as_ref()
            .is_some_and(|k| *k != def.attribute_key)
    {
        return Err(Error::invalid(
            "attribute_key",
            "the model and key of a definition cannot change; create a new one",
        ));
    }
    let mut problems = Vec::new();
    if let Some(name) = fields.attribute_display_name {
        match validate::name("attribute_display_name", &name, 100) {
            Ok(name) => def.attribute_display_name = name,
            Err(_) => problems.push(FieldError::new(
                "attribute_display_name",
                "must be 1 to 100 characters",
            )),
        }
    }
    if let Some(kind) = fields.attribute_display_type {
        let kind = DISPLAY_TYPES
            .iter()
            .enumerate()
            .find(|(i, name)| **name == kind || i.to_string() == kind)
            .map(|(_, name)| name.to_string());
        match kind {
            Some(kind) => def.attribute_display_type = kind,
            None => problems.push(FieldError::new(
                "attribute_display_type",
                format!("must be one of {}", DISPLAY_TYPES.join(", ")),
            )),
        }
    }
    if let Some(description) = fields.attribute_description {
        def.attribute_description = description.trim().to_string();
    }
    if let Some(values) = fields.attribute_values {
        def.attribute_values = values
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
    }
    if let Some(pattern) = fields.regex_pattern {
        def.regex_pattern = pattern.filter(|p| !p.is_empty());
        if def
            .regex_pattern
            .as_deref()
            .is_some_and(|p| compile(p).is_none())
        {
            problems.push(FieldError::new(
                "regex_pattern",
                "is not a valid regular expression",
            ));
        }
    }
    if def.attribute_display_type == "list" && def.attribute_values.is_empty() {
        problems.push(FieldError::new(
            "attribute_values",
            "a list needs at least one value",
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    tx.prepare_cached(
        "UPDATE custom_attribute_definitions
         SET attribute_display_name = :name, attribute_display_type = :kind,
             attribute_description = :description, attribute_values = :values,
             regex_pattern = :pattern, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": def.attribute_display_name,
        ":kind": def.attribute_display_type,
        ":description": def.attribute_description,
        ":values": serde_json::to_string(&def.attribute_values)?,
        ":pattern": def.regex_pattern,
        ":now": now(),
        ":id": id,
    })?;
    get(tx, workspace_id, id)
}

pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute(
        "DELETE FROM custom_attribute_definitions WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Checks each value whose key has a definition against its type; keys with
/// no definition are accepted as they are. `null` (removing a key) always passes.
pub fn check_values(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    values: &Map<String, Value>,
) -> Result<()> {
    let mut problems = Vec::new();
    for (key, value) in values {
        if value.is_null() {
            continue;
        }
        let Some(def) = find(conn, workspace_id, model, key)? else {
            continue;
        };
        if let Err(expected) = check_value(&def, value) {
            problems.push(FieldError::new(
                format!("custom_attributes.{key}"),
                format!("must be {expected}"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// `Err` carries what was expected.
fn check_value(def: &Definition, value: &Value) -> std::result::Result<(), String> {
    let ok = match def.attribute_display_type.as_str() {
        "number" | "currency" | "percent" => value.is_number(),
        "checkbox" => value.is_boolean(),
        "link" => value
            .as_str()
            .is_some_and(|s| validate::http_url("link", s).is_ok()),
        "date" => value.as_str().is_some_and(is_iso_date),
        "list" => value
            .as_str()
            .is_some_and(|s| def.attribute_values.iter().any(|v| v == s)),
        _ => value.as_str().is_some_and(|s| {
            def.regex_pattern
                .as_deref()
                .and_then(compile)
                .is_none_or(|re| re.is_match(s))
        }),
    };
    if ok {
        return Ok(());
    }
    Err(match def.attribute_display_type.as_str() {
        "number" | "currency" | "percent" => "a number".into(),
        "checkbox" => "true or false".into(),
        "link" => "an http(s) URL".into(),
        "date" => "a date such as 2026-11-25 or 2026-11-25T10:00:00Z".into(),
        "list" => format!("one of {}", def.attribute_values.join(", ")),
        _ => match &def.regex_pattern {
            Some(pattern) => format!("a string matching {pattern}"),
            None => "a string".into(),
        },
    })
}

/// Patterns are bounded so a definition cannot make checks expensive.
fn compile(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 16)
        .build()
        .ok()
}

/// `YYYY-MM-DD`, optionally followed by a time (`T...`).
fn is_iso_date(s: &str) -> bool {
    let date = s.split('T').next().unwrap_or_default();
    let parts: Vec<&str> = date.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u32>().unwrap_or(0)))
}
