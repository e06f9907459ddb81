//! Contacts in and out as CSV: the export writes the standard columns and one
//! per custom attribute; the import creates or updates a contact per row.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, Transaction};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::{Contact, ContactFields, create, find_by, from_row, update};
use crate::domain::custom_attributes::{self, Model};
use crate::domain::query::Where;
use crate::error::{Error, Result};

/// The columns every export has, in order.
pub const STANDARD_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "identifier",
    "blocked",
    "created_at",
    "last_activity_at",
];

/// Columns of an export that an import passes over: the server sets them.
const READ_ONLY_COLUMNS: &[&str] = &["id", "created_at", "last_activity_at", "updated_at"];

/// The contacts `w` selects (over `contacts ct`) as CSV. `only` keeps the
/// named columns, in the export's order.
pub fn export(
    conn: &Connection,
    workspace_id: i64,
    w: &Where,
    only: Option<&[String]>,
) -> Result<Vec<u8>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT ct.* FROM contacts ct WHERE {} ORDER BY ct.id",
        w.sql()
    ))?;
    let contacts: Vec<Contact> = stmt
        .query_map(w.params(&[]).as_slice(), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut custom_keys: BTreeSet<String> = contacts
        .iter()
        .filter_map(|c| c.custom_attributes.as_object())
        .flat_map(|map| map.keys().cloned())
        .collect();
    let mut columns: Vec<String> = STANDARD_COLUMNS.iter().map(|c| c.to_string()).collect();
    if let Some(only) = only {
        if only.is_empty() {
            return Err(Error::invalid("column_names", "needs at least one column"));
        }
        let defined = custom_attributes::list(conn, workspace_id, Some(Model::Contact))?;
        custom_keys.extend(defined.into_iter().map(|d| d.attribute_key));
        if let Some(unknown) = only
            .iter()
            .find(|name| !columns.contains(name) && !custom_keys.contains(*name))
        {
            return Err(Error::invalid(
                "column_names",
                format!("`{unknown}` is neither a standard column nor a contact custom attribute"),
            ));
        }
        custom_keys.retain(|key| only.contains(key));
        columns.retain(|column| only.contains(column));
    }
    columns.extend(custom_keys.iter().cloned());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&columns).map_err(Error::internal)?;
    for contact in &contacts {
        let row = columns.iter().map(|column| cell(contact, column));
        out.write_record(row).map_err(Error::internal)?;
    }
    out.into_inner().map_err(Error::internal)
}

/// One cell of the export, defused so a spreadsheet does not run it.
fn cell(contact: &Contact, column: &str) -> String {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let value = match column {
        "id" => contact.id.to_string(),
        "name" => contact.name.clone(),
        "email" => text(&contact.email),
        "phone_number" => text(&contact.phone_number),
        "identifier" => text(&contact.identifier),
        "blocked" => contact.blocked.to_string(),
        "created_at" => iso_time(contact.created_at),
        "last_activity_at" => contact.last_activity_at.map(iso_time).unwrap_or_default(),
        key => match contact.custom_attributes.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        },
    };
    defuse(value)
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a
/// formula; such a cell gets a leading `'`, which the import takes off.
/// Phone numbers and plain numbers are left as they are.
fn defuse(value: String) -> String {
    let mut chars = value.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r' | '\'') => true,
        Some('+' | '-') => {
            let rest = chars.as_str();
            rest.is_empty()
                || !rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
        }
        _ => false,
    };
    if risky { format!("'{value}") } else { value }
}

/// The inverse of `defuse`.
fn restore(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '@', '\t', '\r', '\'', '+', '-']) => rest,
        _ => value,
    }
}

/// `2026-11-25T10:00:00Z`.
fn iso_time(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

/// What an import did.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<ImportError>,
}

/// A row the import passed over, by its line in the file (the header is line 1).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ImportError {
    pub row: u64,
    pub message: String,
}

/// Imports a CSV file: a header row naming the columns, then one contact per
/// row. A row updates the contact with its email, else its identifier, else
/// its phone number, or creates one. Empty cells leave fields alone; columns
/// other than the standard ones are custom attributes. Invalid rows are
/// reported and skipped; the rest are applied.
pub fn import(tx: &Transaction, workspace_id: i64, file: &[u8]) -> Result<ImportReport> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| Error::invalid("import_file", format!("is not a CSV file: {e}")))?
        .iter()
        .map(column_name)
        .collect::<Vec<_>>();
    check_header(&header)?;
    let types: HashMap<String, String> =
        custom_attributes::list(tx, workspace_id, Some(Model::Contact))?
            .into_iter()
            .map(|d| (d.attribute_key, d.attribute_display_type))
            .collect();
    let mut report = ImportReport::default();
    for (index, record) in reader.records().enumerate() {
        // The header is line 1; a row's line is where it starts.
        let fallback_line = index as u64 + 2;
        let outcome = match record {
            Ok(record) => {
                let line = record.position().map_or(fallback_line, |p| p.line());
                let row: Vec<(&str, &str)> = header
                    .iter()
                    .map(String::as_str)
                    .zip(record.iter().map(restore))
                    .collect();
                (line, import_row(tx, workspace_id, &row, &types))
            }
            Err(e) => (
                e.position().map_or(fallback_line, |p| p.line()),
                Err(Error::invalid("row", e.to_string())),
            ),
        };
        match outcome {
            (_, Ok(Imported::Created)) => report.created += 1,
            (_, Ok(Imported::Updated)) => report.updated += 1,
            (row, Err(Error::Validation(problems))) => report.errors.push(ImportError {
                row,
                message: problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            (_, Err(e)) => return Err(e),
        }
    }
    Ok(report)
}

/// A header cell as a column name: the standard columns in any case, custom
/// attribute keys exactly as written.
fn column_name(cell: &str) -> String {
    let cell = cell.trim_start_matches('\u{feff}');
    let lower = cell.to_lowercase();
    if STANDARD_COLUMNS.contains(&lower.as_str()) || READ_ONLY_COLUMNS.contains(&lower.as_str()) {
        lower
    } else {
        cell.to_string()
    }
}

fn check_header(header: &[String]) -> Result<()> {
    if !header
        .iter()
        .any(|h| ["name", "email", "phone_number", "identifier"].contains(&h.as_str()))
    {
        return Err(Error::invalid(
            "import_file",
            "needs a header row naming at least one of name, email, phone_number, identifier",
        ));
    }
    let mut seen = BTreeSet::new();
    for column in header {
        let valid = !column.is_empty()
            && column.len() <= 64
            && column
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::invalid(
                "import_file",
                format!("column `{column}`: names are 1 to 64 letters, digits or underscores"),
            ));
        }
        if !seen.insert(column) {
            return Err(Error::invalid(
                "import_file",
                format!("column `{column}` appears twice"),
            ));
        }
    }
    Ok(())
}

enum Imported {
    Created,
    Updated,
}

/// Applies one row inside a savepoint, so a row that fails leaves nothing.
fn import_row(
    tx: &Transaction,
    workspace_id: i64,
    row: &[(&str, &str)],
    types: &HashMap<String, String>,
) -> Result<Imported> {
    tx.execute_batch("SAVEPOINT import_row")?;
    let result = upsert_row(tx, workspace_id, row, types);
    if result.is_err() {
        tx.execute_batch("ROLLBACK TO import_row")?;
    }
    tx.execute_batch("RELEASE import_row")?;
    result
}

fn upsert_row(
    tx: &Transaction,
    workspace_id: i64,
    row: &[(&str, &str)],
    types: &HashMap<String, String>,
) -> Result<Imported> {
    let mut fields = ContactFields::default();
    let mut custom = Map::new();
    for &(column, value) in row.iter().filter(|(_, v)| !v.is_empty()) {
        let text = Some(Some(value.to_string()));
        match column {
            "name" => fields.name = Some(value.to_string()),
            "email" => fields.email = text,
            "phone_number" => fields.phone_number = text,
            "identifier" => fields.identifier = text,
            "blocked" => fields.blocked = Some(parse_bool("blocked", value)?),
            c if READ_ONLY_COLUMNS.contains(&c) => {}
            key => {
                let value = typed(types.get(key).map(String::as_str), key, value)?;
                custom.insert(key.to_string(), value);
            }
        }
    }
    if !custom.is_empty() {
        fields.custom_attributes = Some(custom);
    }
    let mut existing = None;
    for (field, value) in [
        ("email", &fields.email),
        ("identifier", &fields.identifier),
        ("phone_number", &fields.phone_number),
    ] {
        if let (None, Some(Some(value))) = (existing, value) {
            existing = find_by(tx, workspace_id, field, value.trim())?;
        }
    }
    match existing {
        Some(id) => update(tx, workspace_id, id, fields).map(|_| Imported::Updated),
        None => create(tx, workspace_id, fields).map(|_| Imported::Created),
    }
}

fn parse_bool(field: &str, value: &str) -> Result<bool> {
    match value.to_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::invalid(field, "must be true or false")),
    }
}

/// A cell as the JSON its custom attribute's type wants: numbers and
/// checkboxes are converted, everything else stays text.
fn typed(display_type: Option<&str>, key: &str, value: &str) -> Result<Value> {
    let field = format!("custom_attributes.{key}");
    match display_type {
        Some("number" | "currency" | "percent") => value
            .parse::<i64>()
            .map(Number::from)
            .ok()
            .or_else(|| value.parse::<f64>().ok().and_then(Number::from_f64))
            .map(Value::Number)
            .ok_or_else(|| Error::invalid(field, "must be a number")),
        Some("checkbox") => parse_bool(&field, value).map(Value::Bool),
        _ => Ok(Value::String(value.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_restored() {
        for (raw, exported) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("@cmd", "'@cmd"),
            ("-2+3", "'-2+3"),
            ("'quoted", "''quoted"),
            ("+14155550123", "+14155550123"),
            ("-12.5", "-12.5"),
            ("Alice", "Alice"),
        ] {
            assert_eq!(defuse(raw.to_string()), exported);
            assert_eq!(restore(exported), raw);
        }
    }

    #[test]
    fn times_are_iso_utc() {
        assert_eq!(iso_time(90_061), "1970-01-02T01:01:01Z");
    }
}
