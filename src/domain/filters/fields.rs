//! The fields a filter may name, for each model: built-in columns and
//! additional attributes, and defined custom attributes; with the operators
//! each allows and how its values are read.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};

use crate::domain::conversations::PRIORITIES;
use crate::domain::custom_attributes::Model;
use crate::domain::query::Where;
use crate::error::{Error, Result};

/// Conversation statuses as a filter takes them: `all` matches every one.
const STATUS_VALUES: &[&str] = &["open", "pending", "snoozed", "resolved", "all"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    EqualTo,
    NotEqualTo,
    Contains,
    DoesNotContain,
    IsPresent,
    IsNotPresent,
    IsGreaterThan,
    IsLessThan,
    DaysBefore,
    StartsWith,
}

pub(super) const OPERATORS: &[(&str, Op)] = &[
    ("equal_to", Op::EqualTo),
    ("not_equal_to", Op::NotEqualTo),
    ("contains", Op::Contains),
    ("does_not_contain", Op::DoesNotContain),
    ("is_present", Op::IsPresent),
    ("is_not_present", Op::IsNotPresent),
    ("is_greater_than", Op::IsGreaterThan),
    ("is_less_than", Op::IsLessThan),
    ("days_before", Op::DaysBefore),
    ("starts_with", Op::StartsWith),
];

impl Op {
    pub(super) fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(name, _)| name)
    }
}

use Op::*;

const TEXT_OPS: &[Op] = &[
    EqualTo,
    NotEqualTo,
    Contains,
    DoesNotContain,
    StartsWith,
    IsPresent,
    IsNotPresent,
];
const CHOICE_OPS: &[Op] = &[EqualTo, NotEqualTo];
const OPTIONAL_CHOICE_OPS: &[Op] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
const ID_OPS: &[Op] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
const DISPLAY_ID_OPS: &[Op] = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
const TIME_OPS: &[Op] = &[
    IsGreaterThan,
    IsLessThan,
    DaysBefore,
    IsPresent,
    IsNotPresent,
];
const NUMBER_OPS: &[Op] = &[
    EqualTo,
    NotEqualTo,
    IsGreaterThan,
    IsLessThan,
    IsPresent,
    IsNotPresent,
];
const DATE_OPS: &[Op] = &[
    EqualTo,
    NotEqualTo,
    IsGreaterThan,
    IsLessThan,
    DaysBefore,
    IsPresent,
    IsNotPresent,
];
const BOOL_OPS: &[Op] = &[EqualTo, NotEqualTo];

/// How a field's values are read and compared.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// Text, compared without regard to (ASCII) case.
    Text,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// An integer (ids, display ids).
    Integer,
    /// A number (custom number, currency and percent attributes).
    Number,
    /// Unix seconds (created_at, last_activity_at).
    Time,
    /// An ISO date stored as text (custom date attributes).
    Date,
    Bool,
    /// The conversation's label titles.
    Labels,
}

/// A filterable field: the SQL expression that reads it, with its parameters.
pub(super) struct Field {
    pub(super) expr: String,
    pub(super) params: Vec<(String, Sql)>,
    pub(super) kind: Kind,
    pub(super) ops: &'static [Op],
}

impl Field {
    fn standard(expr: &str, kind: Kind, ops: &'static [Op]) -> Field {
        Field {
            expr: expr.to_string(),
            params: Vec::new(),
            kind,
            ops,
        }
    }
}

/// The built-in field `key` of `model`, if there is one.
fn standard_field(model: Model, key: &str) -> Option<Field> {
    use Kind::*;
    let field = match (model, key) {
        (Model::Contact, "name") => Field::standard("ct.name", Text, TEXT_OPS),
        (Model::Contact, "email") => Field::standard("ct.email", Text, TEXT_OPS),
        (Model::Contact, "phone_number") => Field::standard("ct.phone_number", Text, TEXT_OPS),
        (Model::Contact, "identifier") => Field::standard("ct.identifier", Text, TEXT_OPS),
        (Model::Contact, "country_code") => Field::standard(
            "json_extract(ct.additional_attributes, '$.country_code')",
            Text,
            TEXT_OPS,
        ),
        (Model::Contact, "city") => Field::standard(
            "json_extract(ct.additional_attributes, '$.city')",
            Text,
            TEXT_OPS,
        ),
        (Model::Contact, "company") => Field::standard(
            "json_extract(ct.additional_attributes, '$.company_name')",
            Text,
            TEXT_OPS,
        ),
        (Model::Contact, "created_at") => Field::standard("ct.created_at", Time, TIME_OPS),
        (Model::Contact, "last_activity_at") => {
            Field::standard("ct.last_activity_at", Time, TIME_OPS)
        }
        (Model::Contact, "blocked") => Field::standard("ct.blocked", Bool, BOOL_OPS),
        (Model::Conversation, "status") => {
            Field::standard("c.status", Choice(STATUS_VALUES), CHOICE_OPS)
        }
        (Model::Conversation, "priority") => {
            Field::standard("c.priority", Choice(PRIORITIES), OPTIONAL_CHOICE_OPS)
        }
        (Model::Conversation, "assignee_id") => Field::standard("c.assignee_id", Integer, ID_OPS),
        (Model::Conversation, "inbox_id") => Field::standard("c.inbox_id", Integer, ID_OPS),
        (Model::Conversation, "team_id") => Field::standard("c.team_id", Integer, ID_OPS),
        (Model::Conversation, "display_id") => {
            Field::standard("c.display_id", Integer, DISPLAY_ID_OPS)
        }
        (Model::Conversation, "labels") => Field::standard("c.id", Labels, ID_OPS),
        (Model::Conversation, "created_at") => Field::standard("c.created_at", Time, TIME_OPS),
        (Model::Conversation, "last_activity_at") => {
            Field::standard("c.last_activity_at", Time, TIME_OPS)
        }
        (Model::Conversation, "browser_language") => Field::standard(
            "json_extract(c.additional_attributes, '$.browser_language')",
            Text,
            CHOICE_OPS,
        ),
        (Model::Conversation, "referer") => Field::standard(
            "json_extract(c.additional_attributes, '$.referer')",
            Text,
            TEXT_OPS,
        ),
        _ => return None,
    };
    Some(field)
}

/// The field a condition's key names: a built-in one, or a custom attribute
/// defined for the model.
pub(super) fn field_of(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    key: &str,
    w: &mut Where,
) -> Result<Field> {
    if model == Model::Contact && key == "labels" {
        return Err(Error::invalid(
            "attribute_key",
            "contact labels are not supported; filter conversations by labels instead",
        ));
    }
    if let Some(field) = standard_field(model, key) {
        return Ok(field);
    }
    let (model_name, alias) = match model {
        Model::Contact => ("contact_attribute", "ct"),
        Model::Conversation => ("conversation_attribute", "c"),
    };
    let display_type: Option<String> = conn
        .prepare_cached(
            "SELECT attribute_display_type FROM custom_attribute_definitions
             WHERE workspace_id = ?1 AND attribute_model = ?2 AND attribute_key = ?3",
        )?
        .query_row(rusqlite::params![workspace_id, model_name, key], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(display_type) = display_type else {
        return Err(Error::invalid(
            "attribute_key",
            format!("`{key}` is neither a built-in field nor a defined {model_name}"),
        ));
    };
    let (kind, ops) = match display_type.as_str() {
        "number" | "currency" | "percent" => (Kind::Number, NUMBER_OPS),
        "date" => (Kind::Date, DATE_OPS),
        "checkbox" => (Kind::Bool, BOOL_OPS),
        _ => (Kind::Text, TEXT_OPS),
    };
    let path = w.fresh_param("path");
    Ok(Field {
        expr: format!("json_extract({alias}.custom_attributes, {path})"),
        params: vec![(path, Sql::Text(format!("$.\"{key}\"")))],
        kind,
        ops,
    })
}
