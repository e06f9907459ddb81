//! Webhook subscriptions: which events of a workspace (or of one inbox) are
//! POSTed where, and the signing secret, sealed in the database and shown only
//! when it is created or rotated.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::vault::Vault;
use crate::db::now;
use crate::domain::{inboxes, validate, webhook_deliveries};
use crate::error::{Error, FieldError, Result};
use crate::events::{self, Event, courier, signing};

/// The events a subscription may ask for: Chatwoot's, plus
/// conversation_assigned, conversation_resolved and webhook_disabled. The
/// last four are accepted so Chatwoot clients can subscribe as they do
/// there; Deskwoot does not record them (yet), so they are never sent.
pub const EVENTS: &[&str] = &[
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "conversation_assigned",
    "conversation_resolved",
    "message_created",
    "message_updated",
    "contact_created",
    "contact_updated",
    "webwidget_triggered",
    "webhook_disabled",
    "conversation_typing_on",
    "conversation_typing_off",
    "inbox_created",
    "inbox_updated",
];

/// The kinds of message a subscription's message events may be narrowed to.
/// Private notes are sent only to subscriptions that name them.
pub const MESSAGE_KINDS: &[&str] = &["incoming", "outgoing", "private_note"];
pub const NAME_MAX: usize = 100;
/// How long the previous secret keeps signing after a rotation, by default and at most.
pub const ROTATION_HOURS_DEFAULT: i64 = 24;
pub const ROTATION_HOURS_MAX: i64 = 168;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub url: String,
    /// The event names (Chatwoot calls them subscriptions).
    pub subscriptions: Vec<String>,
    pub inbox_id: Option<i64>,
    /// `{id, name}` of the inbox, as Chatwoot shows it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox: Option<Value>,
    pub message_kinds: Vec<String>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub previous_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(skip)]
    sealed_secret: String,
    #[serde(skip)]
    sealed_previous_secret: Option<String>,
    #[serde(skip)]
    pub after_event_id: i64,
}

impl Webhook {
    /// The HMAC keys deliveries are signed with at `at`: the secret's, and
    /// the previous secret's while its rotation window lasts.
    pub fn signing_keys(&self, vault: &Vault, at: i64) -> Result<Vec<Vec<u8>>> {
        let mut keys = vec![signing::key_of(&vault.open_sealed(&self.sealed_secret)?)?];
        if let (Some(previous), Some(until)) = (
            &self.sealed_previous_secret,
            self.previous_secret_expires_at,
        ) && at < until
        {
            keys.push(signing::key_of(&vault.open_sealed(previous)?)?);
        }
        Ok(keys)
    }

    /// Whether this subscription wants an event named `name` of inbox
    /// `inbox_id` (none for contact events); `kind` is the message kind of a
    /// message event.
    pub fn wants(&self, name: &str, inbox_id: Option<i64>, kind: Option<&str>) -> bool {
        self.subscriptions.iter().any(|s| s == name)
            && self.inbox_id.is_none_or(|mine| inbox_id == Some(mine))
            && kind.is_none_or(|k| self.message_kinds.iter().any(|m| m == k))
    }
}

const SELECT: &str = "SELECT w.*, i.name AS inbox_name FROM webhooks w
                      LEFT JOIN inboxes i ON i.id = w.inbox_id";

fn from_row(row: &Row) -> rusqlite::Result<Webhook> {
    let inbox_id: Option<i64> = row.get("inbox_id")?;
    let inbox_name: Option<String> = row.get("inbox_name")?;
    let list = |column: &str| -> rusqlite::Result<Vec<String>> {
        Ok(serde_json::from_str(&row.get::<_, String>(column)?).unwrap_or_default())
    };
    Ok(Webhook {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        name: row.get("name")?,
        url: row.get("url")?,
        subscriptions: list("events")?,
        inbox_id,
        inbox: inbox_id.map(|id| json!({"id": id, "name": inbox_name})),
        message_kinds: list("message_kinds")?,
        active: row.get("active")?,
        disabled_reason: row.get("disabled_reason")?,
        failing_since: row.get("failing_since")?,
        previous_secret_expires_at: row.get("previous_secret_expires_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        sealed_secret: row.get("secret")?,
        sealed_previous_secret: row.get("previous_secret")?,
        after_event_id: row.get("after_event_id")?,
    })
}

pub fn list(conn: &Connection, workspace_id: i64) -> Result<Vec<Webhook>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE w.workspace_id = ?1 ORDER BY w.id"))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every active subscription of every workspace: what the outbox fans out to.
pub fn active(conn: &Connection) -> Result<Vec<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE w.active = 1"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Webhook> {
    conn.prepare_cached(&format!("{SELECT} WHERE w.id = ?1 AND w.workspace_id = ?2"))?
        .query_row([id, workspace_id], from_row)
        .optional()?
        .ok_or(Error::NotFound("webhook"))
}

/// A subscription that is active; replays of an inactive one are refused.
pub fn get_active(conn: &Connection, workspace_id: i64, id: i64) -> Result<Webhook> {
    let webhook = get(conn, workspace_id, id)?;
    if !webhook.active {
        return Err(Error::Conflict(
            "the webhook is not active; activate it before replaying".into(),
        ));
    }
    Ok(webhook)
}

/// A subscription by id alone, for the delivery worker.
pub fn by_id(conn: &Connection, id: i64) -> Result<Webhook> {
    conn.prepare_cached(&format!("{SELECT} WHERE w.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound("webhook"))
}

/// A create (`url` and `events` required) or an update (all optional).
#[derive(Debug, Default)]
pub struct WebhookFields {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `Some(None)` makes the subscription workspace-wide.
    pub inbox_id: Option<Option<i64>>,
    pub message_kinds: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// The checked values of a subscription.
struct Checked {
    name: String,
    url: String,
    events: Vec<String>,
    inbox_id: Option<i64>,
    message_kinds: Vec<String>,
}

/// Applies `fields` to `current` (or to the defaults) and checks the result,
/// reporting every bad field at once.
fn check(
    conn: &Connection,
    workspace_id: i64,
    current: Option<&Webhook>,
    fields: &WebhookFields,
    allow_private: bool,
) -> Result<Checked> {
    let mut problems = Vec::new();
    let name = match &fields.name {
        Some(name) if name.trim().is_empty() => String::new(),
        Some(name) => collect(validate::name("name", name, NAME_MAX), &mut problems)?,
        None => current.map(|w| w.name.clone()).unwrap_or_default(),
    };
    let url = match (&fields.url, current) {
        (Some(url), _) => collect(
            courier::check_target("url", url, allow_private),
            &mut problems,
        )?,
        (None, Some(w)) => w.url.clone(),
        (None, None) => collect(Err(Error::invalid("url", "is required")), &mut problems)?,
    };
    let events = pick_names(
        fields.events.as_ref(),
        current.map(|w| w.subscriptions.clone()),
        ("subscriptions", EVENTS),
        &mut problems,
    );
    let default_kinds = || vec!["incoming".to_string(), "outgoing".to_string()];
    let message_kinds = pick_names(
        fields.message_kinds.as_ref(),
        Some(current.map_or_else(default_kinds, |w| w.message_kinds.clone())),
        ("message_kinds", MESSAGE_KINDS),
        &mut problems,
    );
    let inbox_id = fields
        .inbox_id
        .unwrap_or_else(|| current.and_then(|w| w.inbox_id));
    if let Some(inbox_id) = inbox_id {
        match inboxes::get(conn, workspace_id, inbox_id) {
            Err(Error::NotFound(_)) => {
                problems.push(FieldError::new(
                    "inbox_id",
                    "no such inbox in this workspace",
                ));
            }
            other => drop(other?),
        }
    }
    let taken: Option<i64> = conn
        .prepare_cached("SELECT id FROM webhooks WHERE workspace_id = ?1 AND url = ?2")?
        .query_row(rusqlite::params![workspace_id, url], |r| r.get(0))
        .optional()?;
    if taken.is_some_and(|id| Some(id) != current.map(|w| w.id)) {
        problems.push(FieldError::new(
            "url",
            "another webhook of this workspace already uses this URL",
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    Ok(Checked {
        name,
        url,
        events,
        inbox_id,
        message_kinds,
    })
}

/// A field's value, or an empty one with its problems noted; errors other
/// than validation pass through.
fn collect(result: Result<String>, problems: &mut Vec<FieldError>) -> Result<String> {
    match result {
        Err(Error::Validation(errors)) => {
            problems.extend(errors);
            Ok(String::new())
        }
        other => other,
    }
}

/// A non-empty list of names from `allowed`: the given one, else `fallback`
/// (none means the field is required).
fn pick_names(
    given: Option<&Vec<String>>,
    fallback: Option<Vec<String>>,
    (field, allowed): (&str, &[&str]),
    problems: &mut Vec<FieldError>,
) -> Vec<String> {
    let Some(given) = given else {
        return fallback.unwrap_or_else(|| {
            problems.push(FieldError::new(field, "is required"));
            Vec::new()
        });
    };
    let mut names: Vec<String> = Vec::new();
    for name in given {
        let name = name.trim();
        if !allowed.contains(&name) {
            problems.push(FieldError::new(
                field,
                format!("{name:?} is not one of {}", allowed.join(", ")),
            ));
        } else if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    if given.is_empty() {
        problems.push(FieldError::new(field, "must name at least one"));
    }
    names
}

/// Creates a subscription; returns it with its secret, which is shown this once.
pub fn create(
    tx: &Transaction,
    vault: &Vault,
    workspace_id: i64,
    fields: WebhookFields,
    allow_private: bool,
) -> Result<(Webhook, String)> {
    let c = check(tx, workspace_id, None, &fields, allow_private)?;
    let secret = signing::new_secret();
    let now = now();
    tx.prepare_cached(
        "INSERT INTO webhooks (workspace_id, inbox_id, name, url, events, message_kinds, active,
                               secret, after_event_id, created_at, updated_at)
         VALUES (:workspace_id, :inbox_id, :name, :url, :events, :message_kinds, :active,
                 :secret, (SELECT coalesce(max(id), 0) FROM events), :now, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":inbox_id": c.inbox_id,
        ":name": c.name,
        ":url": c.url,
        ":events": serde_json::to_string(&c.events)?,
        ":message_kinds": serde_json::to_string(&c.message_kinds)?,
        ":active": fields.active.unwrap_or(true),
        ":secret": vault.seal(&secret)?,
        ":now": now,
    })?;
    Ok((get(tx, workspace_id, tx.last_insert_rowid())?, secret))
}

/// Changes a subscription. Deactivating it fails its pending deliveries
/// (they can be replayed); activating it clears the reason it was disabled.
pub fn update(
    tx: &Transaction,
    workspace_id: i64,
    id: i64,
    fields: WebhookFields,
    allow_private: bool,
) -> Result<Webhook> {
    let current = get(tx, workspace_id, id)?;
    let c = check(tx, workspace_id, Some(&current), &fields, allow_private)?;
    let active = fields.active.unwrap_or(current.active);
    tx.prepare_cached(
        "UPDATE webhooks SET inbox_id = :inbox_id, name = :name, url = :url, events = :events,
                message_kinds = :message_kinds, active = :active, updated_at = :now,
                disabled_reason = CASE WHEN :active THEN NULL ELSE disabled_reason END,
                failing_since = CASE WHEN :active AND NOT active THEN NULL ELSE failing_since END
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":inbox_id": c.inbox_id,
        ":name": c.name,
        ":url": c.url,
        ":events": serde_json::to_string(&c.events)?,
        ":message_kinds": serde_json::to_string(&c.message_kinds)?,
        ":active": active,
        ":now": now(),
        ":id": id,
    })?;
    if current.active && !active {
        webhook_deliveries::fail_pending(tx, id, "the webhook was deactivated")?;
    }
    get(tx, workspace_id, id)
}

/// Deletes a subscription with its delivery log.
pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM webhooks WHERE id = ?1", [id])?;
    Ok(())
}

/// Replaces the secret; the old one keeps signing (beside the new one) for
/// `keep_previous_hours`. Returns the new secret, shown this once.
pub fn rotate_secret(
    tx: &Transaction,
    vault: &Vault,
    workspace_id: i64,
    id: i64,
    keep_previous_hours: i64,
) -> Result<(Webhook, String)> {
    if !(0..=ROTATION_HOURS_MAX).contains(&keep_previous_hours) {
        return Err(Error::invalid(
            "previous_secret_valid_hours",
            format!("must be 0 to {ROTATION_HOURS_MAX}"),
        ));
    }
    let current = get(tx, workspace_id, id)?;
    let secret = signing::new_secret();
    let now = now();
    tx.prepare_cached(
        "UPDATE webhooks SET secret = :secret, previous_secret = :previous,
                previous_secret_expires_at = :until, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":secret": vault.seal(&secret)?,
        ":previous": (keep_previous_hours > 0).then_some(&current.sealed_secret),
        ":until": (keep_previous_hours > 0).then_some(now + keep_previous_hours * 3600),
        ":now": now,
        ":id": id,
    })?;
    Ok((get(tx, workspace_id, id)?, secret))
}

/// Notes a failed attempt; returns whether the subscription has now been
/// failing for `disable_after_secs` with no success in between.
pub fn note_failure(tx: &Transaction, id: i64, at: i64, disable_after_secs: i64) -> Result<bool> {
    let since: Option<i64> = tx
        .prepare_cached(
            "UPDATE webhooks SET failing_since = coalesce(failing_since, :at)
             WHERE id = :id RETURNING failing_since",
        )?
        .query_row(named_params! {":at": at, ":id": id}, |r| r.get(0))
        .optional()?;
    Ok(since.is_some_and(|since| at - since >= disable_after_secs))
}

/// Notes a successful attempt: the subscription is no longer failing.
pub fn note_success(tx: &Transaction, id: i64) -> Result<()> {
    tx.prepare_cached("UPDATE webhooks SET failing_since = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Disables a subscription, fails its pending deliveries and records a
/// `webhook_disabled` event, which tells the administrators.
pub fn disable(tx: &Transaction, id: i64, reason: &str) -> Result<()> {
    let changed = tx
        .prepare_cached(
            "UPDATE webhooks SET active = 0, disabled_reason = :reason, updated_at = :now
             WHERE id = :id AND active = 1",
        )?
        .execute(named_params! {":reason": reason, ":now": now(), ":id": id})?;
    if changed == 0 {
        return Ok(());
    }
    tracing::warn!(webhook_id = id, reason, "webhook disabled");
    webhook_deliveries::fail_pending(tx, id, &format!("the webhook was disabled: {reason}"))?;
    events::record(tx, Event::WebhookDisabled { webhook_id: id })?;
    Ok(())
}
