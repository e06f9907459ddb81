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

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;

use crate::db::now;
use crate::domain::conversations::PRIORITIES;
use crate::domain::custom_attributes::Model;
use crate::domain::query::Where;
use crate::error::{Error, Result};

/// More conditions than this are refused: a filter is typed by a person.
pub const MAX_CONDITIONS: usize = 50;
const SECONDS_PER_DAY: i64 = 86_400;
/// Conversation statuses as a filter takes them: `all` matches every one.
const STATUS_VALUES: &[&str] = &["open", "pending", "snoozed", "resolved", "all"];

/// One condition of a filter payload.
#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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

const OPERATORS: &[(&str, Op)] = &[
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
    fn name(self) -> &'static str {
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
enum Kind {
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
struct Field {
    expr: String,
    params: Vec<(String, Sql)>,
    kind: Kind,
    ops: &'static [Op],
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
fn field_of(
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

fn build(
    conn: &Connection,
    workspace_id: i64,
    model: Model,
    conditions: &[Condition],
) -> Result<Where> {
    let mut w = Where::default();
    let mut params = Vec::new();
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    for (i, condition) in conditions.iter().enumerate() {
        let at = |e: Error| in_condition(i, e);
        let field =
            field_of(conn, workspace_id, model, &condition.attribute_key, &mut w).map_err(at)?;
        let mut clause = Clause {
            w: &mut w,
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
    Ok(w)
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

/// The SQL of one condition on one field, collecting its parameters.
struct Clause<'a> {
    w: &'a mut Where,
    params: Vec<(String, Sql)>,
    field: &'a Field,
}

impl Clause<'_> {
    fn sql(&mut self, condition: &Condition) -> Result<String> {
        let op = OPERATORS
            .iter()
            .find(|(name, _)| *name == condition.filter_operator)
            .map(|(_, op)| *op)
            .filter(|op| self.field.ops.contains(op))
            .ok_or_else(|| {
                let allowed: Vec<&str> = self.field.ops.iter().map(|op| op.name()).collect();
                Error::invalid(
                    "filter_operator",
                    format!(
                        "`{}` does not apply to {}; use one of {}",
                        condition.filter_operator,
                        condition.attribute_key,
                        allowed.join(", ")
                    ),
                )
            })?;
        let values = values_of(&condition.values)?;
        if values.is_empty() && !matches!(op, IsPresent | IsNotPresent) {
            return Err(Error::invalid("values", "needs at least one value"));
        }
        match op {
            IsPresent => Ok(self.present()),
            IsNotPresent => Ok(format!("NOT coalesce({}, 0)", self.present())),
            EqualTo => self.equal(&values),
            NotEqualTo => Ok(format!("NOT coalesce({}, 0)", self.equal(&values)?)),
            Contains => self.like(&values, "%", "%"),
            DoesNotContain => Ok(format!(
                "NOT coalesce({}, 0)",
                self.like(&values, "%", "%")?
            )),
            StartsWith => self.like(&values, "", "%"),
            IsGreaterThan => self.compare(&values, ">"),
            IsLessThan => self.compare(&values, "<"),
            DaysBefore => self.days_before(&values),
        }
    }

    fn bind(&mut self, value: Sql) -> String {
        let name = self.w.fresh_param("v");
        self.params.push((name.clone(), value));
        name
    }

    fn present(&self) -> String {
        let x = &self.field.expr;
        match self.field.kind {
            Kind::Text => format!("({x} IS NOT NULL AND {x} <> '')"),
            Kind::Labels => format!(
                "EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = {x})"
            ),
            _ => format!("({x} IS NOT NULL)"),
        }
    }

    fn equal(&mut self, values: &[Value]) -> Result<String> {
        let x = self.field.expr.clone();
        let kind = self.field.kind;
        if let Kind::Choice(_) = kind
            && values.iter().any(|v| v.as_str() == Some("all"))
        {
            return Ok("(1)".into());
        }
        let bound = values
            .iter()
            .map(|v| scalar(kind, v).map(|v| self.bind(v)))
            .collect::<Result<Vec<_>>>()?;
        let list = bound.join(", ");
        Ok(match kind {
            Kind::Text => format!("(lower({x}) IN ({list}))"),
            Kind::Date => format!("(date({x}) IN ({list}))"),
            Kind::Labels => format!(
                "EXISTS (SELECT 1 FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
                         WHERE cl.conversation_id = {x} AND l.title IN ({list}))"
            ),
            _ => format!("({x} IN ({list}))"),
        })
    }

    /// `contains` (`%v%`) and `starts_with` (`v%`): any of the values matches.
    fn like(&mut self, values: &[Value], before: &str, after: &str) -> Result<String> {
        let x = match self.field.kind {
            Kind::Text => format!("lower({})", self.field.expr),
            _ => format!("CAST({} AS TEXT)", self.field.expr),
        };
        let mut alternatives = Vec::new();
        for value in values {
            let Sql::Text(text) = scalar(Kind::Text, value)? else {
                continue;
            };
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let name = self.bind(Sql::Text(format!("{before}{escaped}{after}")));
            alternatives.push(format!("{x} LIKE {name} ESCAPE '\\'"));
        }
        Ok(format!("({})", alternatives.join(" OR ")))
    }

    fn compare(&mut self, values: &[Value], sign: &str) -> Result<String> {
        let value = single(values)?;
        let x = &self.field.expr;
        let (x, value) = match self.field.kind {
            Kind::Time => (
                x.clone(),
                Sql::Integer(unix_time(value).ok_or_else(|| {
                    Error::invalid(
                        "values",
                        "must be a date (2026-11-25), a date and time (2026-11-25T10:00:00Z) or Unix seconds",
                    )
                })?),
            ),
            Kind::Date => (format!("date({x})"), scalar(Kind::Date, value)?),
            kind => (x.clone(), scalar(kind, value)?),
        };
        let name = self.bind(value);
        Ok(format!("({x} {sign} {name})"))
    }

    /// Older than N days: before midnight (UTC) N days ago.
    fn days_before(&mut self, values: &[Value]) -> Result<String> {
        let days = match scalar(Kind::Integer, single(values)?) {
            Ok(Sql::Integer(days)) if (0..=36_500).contains(&days) => days,
            _ => {
                return Err(Error::invalid(
                    "values",
                    "must be a number of days from 0 to 36500",
                ));
            }
        };
        let cutoff = (now().div_euclid(SECONDS_PER_DAY) - days) * SECONDS_PER_DAY;
        let x = self.field.expr.clone();
        Ok(match self.field.kind {
            Kind::Date => {
                let name = self.bind(Sql::Text(iso_date(cutoff)));
                format!("(date({x}) < {name})")
            }
            _ => {
                let name = self.bind(Sql::Integer(cutoff));
                format!("({x} < {name})")
            }
        })
    }
}

/// The values of a condition: a list, or one value taken as a list of one.
fn values_of(values: &Value) -> Result<Vec<Value>> {
    Ok(match values {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    })
}

fn single(values: &[Value]) -> Result<&Value> {
    match values {
        [value] => Ok(value),
        [] => Err(Error::invalid("values", "needs a value")),
        _ => Err(Error::invalid("values", "takes exactly one value")),
    }
}

/// One value read as `kind` wants it, ready to bind.
fn scalar(kind: Kind, value: &Value) -> Result<Sql> {
    let text = match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let invalid = |expected: &str| Error::invalid("values", format!("must be {expected}"));
    let Some(text) = text else {
        return Err(invalid("strings, numbers or booleans"));
    };
    match kind {
        Kind::Text | Kind::Labels => Ok(Sql::Text(text.to_lowercase())),
        Kind::Choice(allowed) => {
            if allowed.contains(&text.as_str()) {
                Ok(Sql::Text(text))
            } else {
                Err(invalid(&format!("one of {}", allowed.join(", "))))
            }
        }
        Kind::Integer | Kind::Time => text
            .parse::<i64>()
            .map(Sql::Integer)
            .map_err(|_| invalid("whole numbers")),
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Sql::Real)
            .ok_or_else(|| invalid("numbers")),
        Kind::Date => unix_time(&Value::String(text))
            .map(|ts| Sql::Text(iso_date(ts)))
            .ok_or_else(|| invalid("dates such as 2026-11-25")),
        Kind::Bool => match text.as_str() {
            "true" | "1" => Ok(Sql::Integer(1)),
            "false" | "0" => Ok(Sql::Integer(0)),
            _ => Err(invalid("true or false")),
        },
    }
}

/// Unix seconds of a JSON number (taken as Unix seconds) or of an ISO 8601
/// date (`2026-11-25`, midnight UTC) or date and time (`2026-11-25T10:00:00Z`,
/// `2026-11-25 10:00:00+02:00`; no offset means UTC).
pub fn unix_time(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => parse_iso(s.trim()),
        _ => None,
    }
}

fn parse_iso(s: &str) -> Option<i64> {
    let number = |t: &str| {
        t.parse::<i64>()
            .ok()
            .filter(|_| t.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(seconds) = number(s) {
        return Some(seconds);
    }
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(number(m)?).ok()?).ok()?;
    let day = u8::try_from(number(d)?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(number(y)?).ok()?, month, day).ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    if rest.is_empty() {
        return Some(midnight);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let clock = clock.split('.').next()?;
    let mut hms = clock.split(':').map(number);
    let (h, min, sec) = (hms.next()??, hms.next()??, hms.next().unwrap_or(Some(0))?);
    if hms.next().is_some() || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let offset = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits = o.get(1..)?;
            let (oh, om) = match digits.split_once(':') {
                Some(parts) => parts,
                None => (digits.get(..2)?, digits.get(2..)?),
            };
            sign * (number(oh)? * 3600 + number(om)? * 60)
        }
    };
    Some(midnight + h * 3600 + min * 60 + sec - offset)
}

/// `YYYY-MM-DD` of Unix seconds, in UTC.
fn iso_date(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_times_parse_in_utc() {
        assert_eq!(unix_time(&json!("1970-01-02")), Some(86_400));
        assert_eq!(unix_time(&json!("1970-01-02T01:00:00Z")), Some(90_000));
        assert_eq!(unix_time(&json!("1970-01-02 03:00:00+02:00")), Some(90_000));
        assert_eq!(
            unix_time(&json!("1970-01-02T01:00:00.123-00:30")),
            Some(91_800)
        );
        assert_eq!(unix_time(&json!(1234)), Some(1234));
        assert_eq!(unix_time(&json!("1234")), Some(1234));
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "26-01-01",
            "2026-01-01T25:00",
            "soon",
        ] {
            assert_eq!(unix_time(&json!(bad)), None, "{bad}");
        }
        assert_eq!(iso_date(86_400 * 365), "1971-01-01");
    }

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
