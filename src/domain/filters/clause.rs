//! The SQL of one condition: its operator applied to its field, with every
//! value read as the field's kind wants and bound as a parameter.

use rusqlite::types::Value as Sql;
use serde_json::Value;

use super::Condition;
use super::fields::{Field, Kind, OPERATORS, Op::*};
use crate::db::now;
use crate::domain::query::Where;
use crate::error::{Error, Result};

const SECONDS_PER_DAY: i64 = 86_400;

/// The SQL of one condition on one field, collecting its parameters.
pub(super) struct Clause<'a> {
    pub(super) w: &'a mut Where,
    pub(super) params: Vec<(String, Sql)>,
    pub(super) field: &'a Field,
}

impl Clause<'_> {
    pub(super) fn sql(&mut self, condition: &Condition) -> Result<String> {
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
fn unix_time(value: &Value) -> Option<i64> {
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
}
