//! The filter engine behind `POST contacts/filter` and `POST conversations/filter`:
//! Chatwoot's filter payload, a list of conditions joined by AND/OR, turned into
//! a `query::Where` in which every value is a bound parameter.
//!
//! - `contact_conditions` filters `contacts` under the alias `ct`
//!   (`SELECT ct.* FROM contacts ct WHERE ...`);
//! - `conversation_conditions` filters `conversations` under the alias `c`
//!   (`SELECT c.* FROM conversations c WHERE ...`).
//!
//! The `Where` they return holds the filter alone: the caller adds the
//! workspace (for conversations, `Viewer::restrict`) before running it.
//!
//! `query_operator` joins a condition to the next one and AND binds tighter
//! than OR, which is what the SQL Chatwoot pastes together means:
//! `a AND b OR c AND d` is `(a AND b) OR (c AND d)`.

mod clause;
mod fields;

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::custom_attributes::Model;
use crate::domain::query::Where;
use crate::error::{Error, Result};
use clause::Clause;
use fields::field_of;

/// More conditions than this are refused: a filter is typed by a person.
pub const MAX_CONDITIONS: usize = 50;

/// One condition of a filter payload.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct Condition {
    pub attribute_key: String,
    pub filter_operator: String,
    /// A list of values (a single value is taken as a list of one).
    #[serde(default)]
    pub values: Value,
    /// `AND` or `OR`: how this condition joins the next one.
    #[serde(default)]
    pub query_operator: Option<String>,
}

impl Condition {
    /// Parses the `payload` list of a filter request; errors name the index.
    pub fn parse_all(items: &[Value]) -> Result<Vec<Condition>> {
        if items.is_empty() {
            return Err(Error::invalid("payload", "needs at least one condition"));
        }
        if items.len() > MAX_CONDITIONS {
            return Err(Error::invalid(
                "payload",
                format!("takes at most {MAX_CONDITIONS} conditions"),
            ));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                Condition::deserialize(item)
                    .map_err(|e| Error::invalid(format!("payload[{i}]"), e.to_string()))
            })
            .collect()
    }
}

/// The filter of `conditions` over `contacts ct`.
pub fn contact_conditions(
    conn: &Connection,
    workspace_id: i64,
    conditions: &[Condition],
) -> Result<Where> {
    build(conn, workspace_id, Model::Contact, conditions)
}

/// The filter of `conditions` over `conversations c`. Combine it with
/// `Viewer::restrict` so it stays inside the workspace and the agent's inboxes.
pub fn conversation_conditions(
    conn: &Connection,
    workspace_id: i64,
    conditions: &[Condition],
) -> Result<Where> {
    build(conn, workspace_id, Model::Conversation, conditions)
}

fn build(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    conditions: &[Condition],
) -> Result<Where> {
    let mut w = Where::default();
    add(conn, workspace_id, model, conditions, &mut w)?;
    Ok(w)
}

/// Adds the filter of `conditions` over `conversations c` to `w`, which may
/// already hold other conditions (the list's own); the names of the
/// parameters it generates never clash with them.
pub fn add_conversation_conditions(
    conn: &Connection,
    workspace_id: i64,
    conditions: &[Condition],
    w: &mut Where,
) -> Result<()> {
    add(conn, workspace_id, Model::Conversation, conditions, w)
}

fn add(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    conditions: &[Condition],
    w: &mut Where,
) -> Result<()> {
    let mut params = Vec::new();
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    for (i, condition) in conditions.iter().enumerate() {
        let at = |e: Error| in_condition(i, e);
        let field = field_of(conn, workspace_id, model, &condition.attribute_key, w).map_err(at)?;
        let mut clause = Clause {
            w: &mut *w,
            params: field.params.clone(),
            field: &field,
        };
        let sql = clause.sql(condition).map_err(at)?;
        params.append(&mut clause.params);
        if let Some(group) = groups.last_mut() {
            group.push(sql);
        }
        if i + 1 < conditions.len() && joins_with_or(condition).map_err(at)? {
            groups.push(Vec::new());
        }
    }
    let sql = groups
        .iter()
        .map(|group| format!("({})", group.join(" AND ")))
        .collect::<Vec<_>>()
        .join(" OR ");
    w.and_named(format!("({sql})"), params);
    Ok(())
}

/// Whether the condition joins the next one with OR (else AND).
fn joins_with_or(condition: &Condition) -> Result<bool> {
    match condition.query_operator.as_deref().map(str::to_uppercase) {
        Some(op) if op == "AND" => Ok(false),
        Some(op) if op == "OR" => Ok(true),
        _ => Err(Error::invalid(
            "query_operator",
            "must be AND or OR on every condition but the last",
        )),
    }
}

/// Prefixes each field error with the condition it is about.
fn in_condition(index: usize, error: Error) -> Error {
    match error {
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.field = format!("payload[{index}].{}", f.field);
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(key: &str, op: &str, values: Value, query_operator: Option<&str>) -> Condition {
        Condition {
            attribute_key: key.into(),
            filter_operator: op.into(),
            values,
            query_operator: query_operator.map(str::to_string),
        }
    }

    /// Runs `f` on a migrated database in a temporary directory.
    fn with_database(f: impl FnOnce(&Connection)) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("t.db"), 1).unwrap();
        db.read_blocking(|conn| {
            f(conn);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn and_binds_tighter_than_or_and_values_are_bound() {
        with_database(|conn| {
            let w = build(
                conn,
                1,
                Model::Contact,
                &[
                    condition("name", "contains", json!(["a'; DROP"]), Some("AND")),
                    condition("email", "equal_to", json!(["X@Y.Z"]), Some("or")),
                    condition("blocked", "equal_to", json!([true]), None),
                ],
            )
            .unwrap();
            let sql = w.sql();
            assert!(!sql.contains("DROP"), "{sql}");
            assert!(sql.starts_with("((") && sql.contains(") OR ("), "{sql}");
            assert_eq!(sql.matches(" AND ").count(), 1, "{sql}");
        });
    }

    #[test]
    fn bad_conditions_name_their_index() {
        with_database(|conn| {
            let cases = [
                condition("name", "is_greater_than", json!(["a"]), None),
                condition("nope", "equal_to", json!(["a"]), None),
                condition("labels", "equal_to", json!(["vip"]), None),
                condition("name", "equal_to", json!([]), None),
                condition("created_at", "days_before", json!(["x"]), None),
            ];
            for case in cases {
                let first = condition("name", "is_present", json!(null), Some("AND"));
                let conditions = [first, case];
                let Err(Error::Validation(fields)) = build(conn, 1, Model::Contact, &conditions)
                else {
                    panic!("accepted {:?}", conditions[1]);
                };
                assert!(fields[0].field.starts_with("payload[1]."), "{fields:?}");
            }
            let conditions = [
                condition("name", "is_present", json!(null), Some("XOR")),
                condition("name", "is_present", json!(null), None),
            ];
            assert!(build(conn, 1, Model::Contact, &conditions).is_err());
        });
    }
}
