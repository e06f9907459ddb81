//! The delivery log: each event (or ping) sent, or to be sent, to a webhook
//! or an API inbox's callback URL, every attempt at it, replays, and pruning.
//! The delivery worker (`events::outbox`) creates and completes deliveries.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use serde_json::Value;

use crate::auth::secret;
use crate::db::now;
use crate::error::{Error, Result};
use crate::events::courier::Attempt;

pub const PAGE_SIZE: i64 = 25;
pub const STATUSES: &[&str] = &["pending", "succeeded", "failed"];
const MSG_ID_LEN: usize = 24;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub message_id: Option<i64>,
    pub event_id: Option<i64>,
    pub event: String,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub msg_id: String,
    pub status: String,
    pub attempt_count: i64,
    /// When the next attempt is due (Unix seconds), while pending.
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// The body sent; in a delivery's own view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Every attempt, oldest first; in a delivery's own view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<Vec<AttemptView>>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttemptView {
    pub id: i64,
    #[serde(flatten)]
    pub attempt: Attempt,
}

fn from_row(row: &Row) -> rusqlite::Result<Delivery> {
    let status: String = row.get("status")?;
    let next_ms: i64 = row.get("next_attempt_at_ms")?;
    Ok(Delivery {
        id: row.get("id")?,
        webhook_id: row.get("webhook_id")?,
        inbox_id: row.get("inbox_id")?,
        message_id: row.get("message_id")?,
        event_id: row.get("event_id")?,
        event: row.get("event")?,
        msg_id: row.get("msg_id")?,
        next_attempt_at: (status == "pending").then_some(next_ms.div_euclid(1000)),
        status,
        attempt_count: row.get("attempts")?,
        last_error: row.get("last_error")?,
        created_at: row.get("created_at")?,
        completed_at: row.get("completed_at")?,
        payload: None,
        attempts: None,
    })
}

fn attempt_from_row(row: &Row) -> rusqlite::Result<AttemptView> {
    let attempt = Attempt {
        at: row.get("at")?,
        status_code: row.get("status_code")?,
        latency_ms: row.get("latency_ms")?,
        response_headers: serde_json::from_str(&row.get::<_, String>("response_headers")?)
            .unwrap_or(Value::Null),
        response_body: row.get("response_body")?,
        error: row.get("error")?,
    };
    Ok(AttemptView {
        id: row.get("id")?,
        attempt,
    })
}

/// Which deliveries of a webhook to list.
#[derive(Debug, Default)]
pub struct DeliveryFilter {
    pub status: Option<String>,
    pub event: Option<String>,
    /// Created at or after, Unix seconds.
    pub since: Option<i64>,
    /// Created before, Unix seconds.
    pub until: Option<i64>,
    pub page: i64,
}

/// A webhook's deliveries, newest first, `PAGE_SIZE` a page.
pub fn list(conn: &Connection, webhook_id: i64, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
    if let Some(status) = &filter.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(Error::invalid(
            "status",
            format!("must be one of {}", STATUSES.join(", ")),
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM webhook_deliveries
         WHERE webhook_id = :webhook_id
           AND (:status IS NULL OR status = :status)
           AND (:event IS NULL OR event = :event)
           AND (:since IS NULL OR created_at >= :since)
           AND (:until IS NULL OR created_at < :until)
         ORDER BY id DESC LIMIT :limit OFFSET :offset",
    )?;
    let rows = stmt.query_map(
        named_params! {
            ":webhook_id": webhook_id,
            ":status": filter.status,
            ":event": filter.event,
            ":since": filter.since,
            ":until": filter.until,
            ":limit": PAGE_SIZE,
            ":offset": (filter.page - 1) * PAGE_SIZE,
        },
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A webhook's delivery with its payload and attempts.
pub fn get(conn: &Connection, webhook_id: i64, id: i64) -> Result<Delivery> {
    let (mut delivery, payload) = conn
        .prepare_cached("SELECT * FROM webhook_deliveries WHERE id = ?1 AND webhook_id = ?2")?
        .query_row([id, webhook_id], |r| {
            Ok((from_row(r)?, r.get::<_, String>("payload")?))
        })
        .optional()?
        .ok_or(Error::NotFound("delivery"))?;
    delivery.payload = Some(serde_json::from_str(&payload)?);
    let mut stmt =
        conn.prepare_cached("SELECT * FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id")?;
    let attempts = stmt.query_map([id], attempt_from_row)?;
    delivery.attempts = Some(attempts.collect::<rusqlite::Result<_>>()?);
    Ok(delivery)
}

/// Where a new delivery goes and what it carries.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Webhook(i64),
    /// An API inbox's callback URL, for one of its outgoing messages.
    Callback {
        inbox_id: i64,
        message_id: i64,
    },
}

pub struct NewDelivery<'a> {
    pub target: Target,
    pub event_id: Option<i64>,
    pub event: &'a str,
    pub payload: &'a str,
    pub msg_id: String,
    pub next_attempt_at_ms: i64,
}

/// A new `webhook-id`: random, so receivers of several Deskwoot servers can
/// dedupe by it.
pub fn new_msg_id() -> String {
    format!("msg_{}", secret::random_base62(MSG_ID_LEN))
}

/// Queues a delivery at the end of its target's queue.
pub fn insert(tx: &Transaction, new: NewDelivery) -> Result<i64> {
    let (webhook_id, inbox_id, message_id) = match new.target {
        Target::Webhook(id) => (Some(id), None, None),
        Target::Callback {
            inbox_id,
            message_id,
        } => (None, Some(inbox_id), Some(message_id)),
    };
    tx.prepare_cached(
        "INSERT INTO webhook_deliveries (webhook_id, inbox_id, message_id, event_id, event, payload,
                                         msg_id, seq, next_attempt_at_ms, created_at)
         VALUES (:webhook_id, :inbox_id, :message_id, :event_id, :event, :payload,
                 :msg_id, :seq, :next, :now)",
    )?
    .execute(named_params! {
        ":webhook_id": webhook_id,
        ":inbox_id": inbox_id,
        ":message_id": message_id,
        ":event_id": new.event_id,
        ":event": new.event,
        ":payload": new.payload,
        ":msg_id": new.msg_id,
        ":seq": next_seq(tx)?,
        ":next": new.next_attempt_at_ms,
        ":now": now(),
    })?;
    Ok(tx.last_insert_rowid())
}

/// The next place in the queues: a replayed delivery goes to the end of its
/// target's queue, behind everything fanned out before it.
fn next_seq(tx: &Transaction) -> Result<i64> {
    Ok(tx
        .prepare_cached("UPDATE webhook_outbox SET last_seq = last_seq + 1 RETURNING last_seq")?
        .query_row([], |r| r.get(0))?)
}

/// Adds an attempt to the log.
pub fn record_attempt(tx: &Transaction, delivery_id: i64, attempt: &Attempt) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO webhook_attempts (delivery_id, at, status_code, latency_ms, response_headers,
                                       response_body, error)
         VALUES (:delivery_id, :at, :status_code, :latency_ms, :headers, :body, :error)",
    )?
    .execute(named_params! {
        ":delivery_id": delivery_id,
        ":at": attempt.at,
        ":status_code": attempt.status_code,
        ":latency_ms": attempt.latency_ms,
        ":headers": attempt.response_headers.to_string(),
        ":body": attempt.response_body,
        ":error": attempt.error,
    })?;
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, step = step + 1,
                last_error = :error
         WHERE id = :id",
    )?
    .execute(named_params! {":error": attempt.error, ":id": delivery_id})?;
    Ok(())
}

/// Ends a delivery: `succeeded`, or `failed` for good.
pub fn complete(tx: &Transaction, id: i64, succeeded: bool) -> Result<()> {
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET status = :status, completed_at = :now WHERE id = :id",
    )?
    .execute(named_params! {
        ":status": if succeeded { "succeeded" } else { "failed" },
        ":now": now(),
        ":id": id,
    })?;
    Ok(())
}

/// Schedules a pending delivery's next attempt.
pub fn reschedule(tx: &Transaction, id: i64, next_attempt_at_ms: i64) -> Result<()> {
    tx.prepare_cached("UPDATE webhook_deliveries SET next_attempt_at_ms = ?1 WHERE id = ?2")?
        .execute([next_attempt_at_ms, id])?;
    Ok(())
}

/// Fails every pending delivery of a webhook, with `reason` as the error.
pub fn fail_pending(tx: &Transaction, webhook_id: i64, reason: &str) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE webhook_deliveries SET status = 'failed', completed_at = :now,
                    last_error = :reason
             WHERE webhook_id = :webhook_id AND status = 'pending'",
        )?
        .execute(named_params! {":now": now(), ":reason": reason, ":webhook_id": webhook_id})?)
}

/// Sends a finished delivery again, from the start of the retry schedule,
/// at the end of its webhook's queue. A pending one is a conflict.
pub fn replay(tx: &Transaction, webhook_id: i64, id: i64) -> Result<Delivery> {
    let status: String = tx
        .prepare_cached("SELECT status FROM webhook_deliveries WHERE id = ?1 AND webhook_id = ?2")?
        .query_row([id, webhook_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound("delivery"))?;
    if status == "pending" {
        return Err(Error::Conflict(
            "the delivery is still pending; it will be sent".into(),
        ));
    }
    requeue(tx, id)?;
    get(tx, webhook_id, id)
}

/// Replays every failed delivery of a webhook created at or after `since`, in
/// their original order. Returns how many.
pub fn replay_failed_since(tx: &Transaction, webhook_id: i64, since: i64) -> Result<usize> {
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM webhook_deliveries
             WHERE webhook_id = ?1 AND status = 'failed' AND created_at >= ?2 ORDER BY seq",
        )?
        .query_map([webhook_id, since], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        requeue(tx, *id)?;
    }
    Ok(ids.len())
}

fn requeue(tx: &Transaction, id: i64) -> Result<()> {
    let now_ms = now() * 1000;
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET status = 'pending', step = 0, seq = :seq,
                next_attempt_at_ms = :now_ms, completed_at = NULL
         WHERE id = :id",
    )?
    .execute(named_params! {":seq": next_seq(tx)?, ":now_ms": now_ms, ":id": id})?;
    Ok(())
}

/// Deletes up to `limit` deliveries that finished before `before`, with their
/// attempts. Returns how many.
pub fn prune(tx: &Transaction, before: i64, limit: i64) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "DELETE FROM webhook_deliveries WHERE id IN
               (SELECT id FROM webhook_deliveries WHERE completed_at < ?1 LIMIT ?2)",
        )?
        .execute([before, limit])?)
}

/// How far behind delivery is, for `/metrics`.
#[derive(Debug, Default)]
pub struct Backlog {
    /// Events committed but not yet turned into deliveries.
    pub outbox_depth: i64,
    /// When the oldest of those was committed (Unix seconds).
    pub outbox_oldest_at: Option<i64>,
    /// Deliveries in the log, by status.
    pub by_status: Vec<(String, i64)>,
    /// When the oldest pending delivery was created.
    pub oldest_pending_at: Option<i64>,
}

pub fn backlog(conn: &Connection) -> Result<Backlog> {
    let (outbox_depth, outbox_oldest_at) = conn
        .prepare_cached(
            "SELECT count(*), min(created_at) FROM events
             WHERE id > (SELECT last_event_id FROM webhook_outbox LIMIT 1)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let by_status = conn
        .prepare_cached("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let oldest_pending_at = conn
        .prepare_cached("SELECT min(created_at) FROM webhook_deliveries WHERE status = 'pending'")?
        .query_row([], |r| r.get(0))?;
    Ok(Backlog {
        outbox_depth,
        outbox_oldest_at,
        by_status,
        oldest_pending_at,
    })
}
