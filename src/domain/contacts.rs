//! Contacts: the people who write in. Email, phone number and identifier are
//! each unique per workspace; custom attributes are checked against their
//! definitions; every change records its event.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::secret;
use crate::db::now;
use crate::domain::custom_attributes::{self, Model};
use crate::domain::inboxes;
use crate::domain::query::Where;
use crate::domain::{search, validate};
use crate::error::{Error, FieldError, Result};
use crate::events::{self, Change, Event};

mod csv_io;
mod links;
mod merge;

pub use csv_io::{ImportError, ImportReport, export, import};
pub use links::{InboxLink, add_inbox_link, contactable_inboxes, inbox_links};
pub use merge::merge_into;

pub const NAME_MAX: usize = 255;
pub const PAGE_SIZE: i64 = 15;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Contact {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub thumbnail: String,
    pub avatar_url: Option<String>,
    pub additional_attributes: Value,
    pub custom_attributes: Value,
    pub blocked: bool,
    pub availability_status: &'static str,
    pub last_activity_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A contact's link to an inbox: the id the channel knows them by.
#[derive(Debug, Clone, Serialize)]
pub struct ContactInbox {
    pub id: i64,
    pub contact_id: i64,
    pub inbox_id: i64,
    pub source_id: String,
    pub hmac_verified: bool,
    pub created_at: i64,
    #[serde(skip)]
    pub pubsub_token: String,
}

pub(crate) fn json_map(text: &str) -> Value {
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()))
}

fn from_row(row: &Row) -> rusqlite::Result<Contact> {
    let avatar_url: Option<String> = row.get("avatar_url")?;
    Ok(Contact {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        name: row.get("name")?,
        email: row.get("email")?,
        phone_number: row.get("phone_number")?,
        identifier: row.get("identifier")?,
        thumbnail: avatar_url.clone().unwrap_or_default(),
        avatar_url,
        additional_attributes: json_map(&row.get::<_, String>("additional_attributes")?),
        custom_attributes: json_map(&row.get::<_, String>("custom_attributes")?),
        blocked: row.get("blocked")?,
        availability_status: "offline",
        last_activity_at: row.get("last_activity_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        kind: "contact",
    })
}

fn contact_inbox_from_row(row: &Row) -> rusqlite::Result<ContactInbox> {
    Ok(ContactInbox {
        id: row.get("id")?,
        contact_id: row.get("contact_id")?,
        inbox_id: row.get("inbox_id")?,
        source_id: row.get("source_id")?,
        hmac_verified: row.get("hmac_verified")?,
        created_at: row.get("created_at")?,
        pubsub_token: row.get("pubsub_token")?,
    })
}

/// A contact by id, whatever its workspace: for code that already knows the
/// row belongs to the caller (events, joins).
pub fn get_by_id(conn: &Connection, id: i64) -> Result<Contact> {
    conn.prepare_cached("SELECT * FROM contacts WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound("contact"))
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Contact> {
    let contact = get_by_id(conn, id)?;
    if contact.account_id != workspace_id {
        return Err(Error::NotFound("contact"));
    }
    Ok(contact)
}

/// The fields of a contact that a create or update may set. `None` leaves a
/// field alone; `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct ContactFields {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub identifier: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub blocked: Option<bool>,
    /// Merged key by key into the stored attributes; `null` removes a key.
    pub additional_attributes: Option<Map<String, Value>>,
    pub custom_attributes: Option<Map<String, Value>>,
}

pub fn create(tx: &Transaction, workspace_id: i64, fields: ContactFields) -> Result<Contact> {
    let now = now();
    tx.prepare_cached(
        "INSERT INTO contacts (workspace_id, created_at, updated_at)
         VALUES (:workspace_id, :now, :now)",
    )?
    .execute(named_params! {":workspace_id": workspace_id, ":now": now})?;
    let id = tx.last_insert_rowid();
    apply(tx, workspace_id, id, fields)?;
    events::record(tx, Event::ContactCreated { contact_id: id })?;
    get(tx, workspace_id, id)
}

pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    id: i64,
    fields: ContactFields,
) -> Result<Contact> {
    let changes = apply(tx, workspace_id, id, fields)?;
    if !changes.is_empty() {
        events::record(
            tx,
            Event::ContactUpdated {
                contact_id: id,
                changes,
            },
        )?;
    }
    get(tx, workspace_id, id)
}

/// Validates `fields` against the stored contact, writes them, and returns
/// what changed. Every invalid field is reported at once.
fn apply(
    tx: &Transaction,
    workspace_id: i64,
    id: i64,
    fields: ContactFields,
) -> Result<Vec<Change>> {
    let before = get(tx, workspace_id, id)?;
    let mut after = before.clone();
    let mut problems: Vec<FieldError> = Vec::new();
    let mut check = |result: Result<()>| {
        if let Err(Error::Validation(mut fields)) = result {
            problems.append(&mut fields);
        }
    };
    if let Some(name) = fields.name {
        check(
            validate::optional_text("name", Some(&name), NAME_MAX).map(|n| {
                after.name = n.unwrap_or_default();
            }),
        );
    }
    if let Some(email) = fields.email {
        check(cleared_or(email, |e| validate::email("email", e)).map(|e| after.email = e));
    }
    if let Some(phone) = fields.phone_number {
        check(
            cleared_or(phone, |p| validate::phone_number("phone_number", p))
                .map(|p| after.phone_number = p),
        );
    }
    if let Some(identifier) = fields.identifier {
        check(
            validate::optional_text("identifier", identifier.as_deref(), 255).map(|i| {
                after.identifier = i;
            }),
        );
    }
    if let Some(avatar_url) = fields.avatar_url {
        check(
            cleared_or(avatar_url, |u| validate::http_url("avatar_url", u))
                .map(|u| after.avatar_url = u),
        );
    }
    if let Some(blocked) = fields.blocked {
        after.blocked = blocked;
    }
    if let Some(patch) = fields.additional_attributes {
        merge(&mut after.additional_attributes, patch);
    }
    if let Some(patch) = fields.custom_attributes {
        check(custom_attributes::check_values(
            tx,
            workspace_id,
            Model::Contact,
            &patch,
        ));
        merge(&mut after.custom_attributes, patch);
    }
    for (field, value) in [
        ("email", &after.email),
        ("phone_number", &after.phone_number),
        ("identifier", &after.identifier),
    ] {
        if let Some(value) = value
            && let Some(other) = find_by(tx, workspace_id, field, value)?
            && other != id
        {
            problems.push(FieldError::new(
                field,
                format!("is already used by contact {other}"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    tx.prepare_cached(
        "UPDATE contacts SET name = :name, email = :email, phone_number = :phone_number,
                identifier = :identifier, avatar_url = :avatar_url, blocked = :blocked,
                additional_attributes = :additional, custom_attributes = :custom,
                updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": after.name,
        ":email": after.email,
        ":phone_number": after.phone_number,
        ":identifier": after.identifier,
        ":avatar_url": after.avatar_url,
        ":blocked": after.blocked,
        ":additional": after.additional_attributes.to_string(),
        ":custom": after.custom_attributes.to_string(),
        ":now": now(),
        ":id": id,
    })?;
    Ok(changes_between(&before, &after))
}

/// A blank value clears the field; anything else must pass `check`.
fn cleared_or(
    value: Option<String>,
    check: impl Fn(&str) -> Result<String>,
) -> Result<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => check(v).map(Some),
    }
}

fn changes_between(before: &Contact, after: &Contact) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut compare = |attribute: &'static str, a: Value, b: Value| {
        if a != b {
            changes.push(Change::new(attribute, a, b));
        }
    };
    compare(
        "name",
        before.name.clone().into(),
        after.name.clone().into(),
    );
    compare(
        "email",
        before.email.clone().into(),
        after.email.clone().into(),
    );
    compare(
        "phone_number",
        before.phone_number.clone().into(),
        after.phone_number.clone().into(),
    );
    compare(
        "identifier",
        before.identifier.clone().into(),
        after.identifier.clone().into(),
    );
    compare(
        "avatar_url",
        before.avatar_url.clone().into(),
        after.avatar_url.clone().into(),
    );
    compare("blocked", before.blocked.into(), after.blocked.into());
    compare(
        "additional_attributes",
        before.additional_attributes.clone(),
        after.additional_attributes.clone(),
    );
    compare(
        "custom_attributes",
        before.custom_attributes.clone(),
        after.custom_attributes.clone(),
    );
    changes
}

/// Merges `patch` into the JSON object `target`; `null` values remove keys.
pub fn merge(target: &mut Value, patch: Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Some(map) = target.as_object_mut() {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(&key);
            } else {
                map.insert(key, value);
            }
        }
    }
}

/// The contact of the workspace whose `field` (email, phone_number or
/// identifier) equals `value`.
pub fn find_by(
    conn: &Connection,
    workspace_id: i64,
    field: &str,
    value: &str,
) -> Result<Option<i64>> {
    let sql = match field {
        "email" => "SELECT id FROM contacts WHERE workspace_id = ?1 AND email = lower(?2)",
        "phone_number" => "SELECT id FROM contacts WHERE workspace_id = ?1 AND phone_number = ?2",
        "identifier" => "SELECT id FROM contacts WHERE workspace_id = ?1 AND identifier = ?2",
        _ => return Err(Error::internal(format!("no lookup by {field}"))),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(rusqlite::params![workspace_id, value], |r| r.get(0))
        .optional()?)
}

/// Deletes a contact with their conversations, notes and inbox links.
pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
    Ok(())
}

/// How a contact list is sorted: `name`, `email`, `phone_number`,
/// `last_activity_at` or `created_at`, with `-` in front for descending.
pub fn order_by(sort: Option<&str>) -> Result<&'static str> {
    Ok(match sort.unwrap_or("-last_activity_at") {
        "name" => "name COLLATE NOCASE ASC, id ASC",
        "-name" => "name COLLATE NOCASE DESC, id DESC",
        "email" => "email ASC, id ASC",
        "-email" => "email DESC, id DESC",
        "phone_number" => "phone_number ASC, id ASC",
        "-phone_number" => "phone_number DESC, id DESC",
        "last_activity_at" => "last_activity_at ASC, id ASC",
        "-last_activity_at" => "last_activity_at DESC, id DESC",
        "created_at" => "created_at ASC, id ASC",
        "-created_at" => "created_at DESC, id DESC",
        _ => {
            return Err(Error::invalid(
                "sort",
                "must be one of name, email, phone_number, last_activity_at, created_at, optionally prefixed with -",
            ));
        }
    })
}

/// Restricts `w` (over `contacts ct`) to the workspace's contacts.
pub fn restrict(w: &mut Where, workspace_id: i64) {
    w.and(
        "ct.workspace_id = :workspace_id",
        [(":workspace_id", SqlValue::Integer(workspace_id))],
    );
}

/// The workspace's contacts that match `q`: each word a prefix of a word of
/// the name, email, phone number or identifier, or `q` equal to the whole
/// identifier or phone number.
pub fn search(workspace_id: i64, q: &str) -> Result<Where> {
    let q = q.trim();
    if q.is_empty() {
        return Err(Error::invalid("q", "is required"));
    }
    let mut w = Where::default();
    restrict(&mut w, workspace_id);
    let exact = "ct.identifier = :exact OR ct.phone_number = :exact";
    let mut params = vec![(":exact".to_string(), SqlValue::Text(q.to_string()))];
    let clause = match search::fts_query(q) {
        Some(fts) => {
            params.push((":fts".to_string(), SqlValue::Text(fts)));
            format!(
                "(ct.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :fts) OR {exact})"
            )
        }
        None => format!("({exact})"),
    };
    w.and_named(clause, params);
    Ok(w)
}

/// One page of the contacts `w` selects (over `contacts ct`), and how many
/// it selects in all.
pub fn page(
    conn: &Connection,
    w: &Where,
    sort: Option<&str>,
    page: i64,
) -> Result<(Vec<Contact>, i64)> {
    let order = order_by(sort)?;
    let offset = (page - 1) * PAGE_SIZE;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT ct.* FROM contacts ct WHERE {} ORDER BY {order} LIMIT :limit OFFSET :offset",
        w.sql()
    ))?;
    let rows = stmt.query_map(
        w.params(&[(":limit", &PAGE_SIZE), (":offset", &offset)])
            .as_slice(),
        from_row,
    )?;
    let contacts = rows.collect::<rusqlite::Result<_>>()?;
    let total = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM contacts ct WHERE {}",
            w.sql()
        ))?
        .query_row(w.params(&[]).as_slice(), |r| r.get(0))?;
    Ok((contacts, total))
}

/// The contact's links to inboxes.
pub fn contact_inboxes(conn: &Connection, contact_id: i64) -> Result<Vec<ContactInbox>> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM contact_inboxes WHERE contact_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([contact_id], contact_inbox_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn contact_inbox(conn: &Connection, id: i64) -> Result<ContactInbox> {
    conn.prepare_cached("SELECT * FROM contact_inboxes WHERE id = ?1")?
        .query_row([id], contact_inbox_from_row)
        .optional()?
        .ok_or(Error::NotFound("contact inbox"))
}

/// The link of inbox `inbox_id` whose source id is `source_id`.
pub fn contact_inbox_by_source(
    conn: &Connection,
    inbox_id: i64,
    source_id: &str,
) -> Result<ContactInbox> {
    conn.prepare_cached("SELECT * FROM contact_inboxes WHERE inbox_id = ?1 AND source_id = ?2")?
        .query_row(
            rusqlite::params![inbox_id, source_id],
            contact_inbox_from_row,
        )
        .optional()?
        .ok_or(Error::NotFound("contact"))
}

/// The link whose pubsub token is `token`, with its workspace.
pub fn contact_inbox_by_pubsub(conn: &Connection, token: &str) -> Result<(ContactInbox, i64)> {
    conn.prepare_cached(
        "SELECT ci.*, i.workspace_id AS link_workspace_id FROM contact_inboxes ci
         JOIN inboxes i ON i.id = ci.inbox_id WHERE ci.pubsub_token = ?1",
    )?
    .query_row([token], |r| {
        Ok((contact_inbox_from_row(r)?, r.get("link_workspace_id")?))
    })
    .optional()?
    .ok_or(Error::NotFound("contact"))
}

/// The contact's link to the inbox, created (with `source_id`, or a random
/// one) when missing.
pub fn link_to_inbox(
    tx: &Transaction,
    workspace_id: i64,
    contact_id: i64,
    inbox_id: i64,
    source_id: Option<&str>,
) -> Result<ContactInbox> {
    inboxes::get(tx, workspace_id, inbox_id)?;
    let source_id = match validate::optional_text("source_id", source_id, 255)? {
        Some(source_id) => source_id,
        None => {
            let existing = tx
                .prepare_cached(
                    "SELECT id FROM contact_inboxes WHERE contact_id = ?1 AND inbox_id = ?2
                     ORDER BY id LIMIT 1",
                )?
                .query_row([contact_id, inbox_id], |r| r.get::<_, i64>(0))
                .optional()?;
            if let Some(id) = existing {
                return contact_inbox(tx, id);
            }
            secret::random_base62(24)
        }
    };
    match contact_inbox_by_source(tx, inbox_id, &source_id) {
        Ok(link) if link.contact_id == contact_id => return Ok(link),
        Ok(_) => {
            return Err(Error::invalid(
                "source_id",
                "is already used by another contact in this inbox",
            ));
        }
        Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    tx.prepare_cached(
        "INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, pubsub_token, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        contact_id,
        inbox_id,
        source_id,
        secret::random_base62(32),
        now()
    ])?;
    contact_inbox(tx, tx.last_insert_rowid())
}

/// Records that the contact did something just now.
pub fn touch_activity(tx: &Transaction, contact_id: i64, at: i64) -> Result<()> {
    tx.prepare_cached("UPDATE contacts SET last_activity_at = ?1 WHERE id = ?2")?
        .execute([at, contact_id])?;
    Ok(())
}
