//! The outbox's database side. Fan-out turns committed events into
//! deliveries (one per matching subscription, and one per outgoing message of
//! an API inbox for its callback URL) and advances the cursor in the same
//! transaction, so an event is fanned out exactly once and a crash loses none.
//! Claiming picks, for each target not already being sent to, the run of due
//! deliveries at the head of its queue: a target's next delivery waits while
//! an earlier one waits for a retry. Recording applies each attempt's outcome:
//! done, retried later, or failed for good.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Deserialize;
use serde_json::json;

use crate::auth::vault::Vault;
use crate::config::WebhookSettings;
use crate::db::{now, now_ms};
use crate::domain::inboxes::{self, ChannelType};
use crate::domain::webhook_deliveries::{self as deliveries, NewDelivery, Target};
use crate::domain::{messages, webhooks};
use crate::error::{Error, Result};
use crate::events::courier::{Attempt, Courier, Envelope};
use crate::events::signing;

/// Where a run goes: the URL and the HMAC keys to sign with, or why nothing
/// can be sent (the inbox has no callback URL any more, say).
pub struct Destination {
    pub url: String,
    pub keys: Vec<Vec<u8>>,
}

/// Due deliveries at the head of one target's queue, to send in order.
pub struct Run {
    pub queue: String,
    pub destination: Result<Destination, String>,
    pub deliveries: Vec<Due>,
}

pub struct Due {
    pub id: i64,
    pub msg_id: String,
    pub payload: String,
}

/// What came of one attempt.
pub struct Outcome {
    pub delivery_id: i64,
    pub attempt: Attempt,
    /// No retry can help: fail the delivery now.
    pub permanent: bool,
}

/// Sends a run in order, stopping at the first failure: the deliveries after
/// it wait for its retry.
pub fn send_run(courier: &Courier, run: &Run) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for due in &run.deliveries {
        let (attempt, permanent) = match &run.destination {
            Ok(to) => {
                let envelope = Envelope {
                    url: &to.url,
                    msg_id: &due.msg_id,
                    body: &due.payload,
                    keys: &to.keys,
                };
                (courier.send(&envelope), false)
            }
            Err(reason) => (Attempt::not_sent(reason.clone()), true),
        };
        let succeeded = attempt.succeeded();
        outcomes.push(Outcome {
            delivery_id: due.id,
            attempt,
            permanent,
        });
        if !succeeded {
            break;
        }
    }
    outcomes
}

/// Whether events wait to be fanned out.
pub fn has_new_events(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM events
                            WHERE id > (SELECT last_event_id FROM webhook_outbox))",
        )?
        .query_row([], |r| r.get(0))?)
}

/// What fan-out needs of a message event's payload.
#[derive(Deserialize)]
struct MessageFacts {
    id: i64,
    message_type: i64,
    #[serde(default)]
    status: String,
}

struct EventRow {
    id: i64,
    workspace_id: i64,
    name: String,
    inbox_id: Option<i64>,
    private: bool,
    payload: String,
}

/// Fans out up to `limit` events after the cursor; returns how many.
pub fn fan_out(tx: &Transaction, settings: &WebhookSettings, limit: i64) -> Result<usize> {
    let events: Vec<EventRow> = tx
        .prepare_cached(
            "SELECT id, workspace_id, name, inbox_id, private, payload FROM events
             WHERE id > (SELECT last_event_id FROM webhook_outbox) ORDER BY id LIMIT ?1",
        )?
        .query_map([limit], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                workspace_id: r.get(1)?,
                name: r.get(2)?,
                inbox_id: r.get(3)?,
                private: r.get(4)?,
                payload: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(0);
    };
    let subscriptions = webhooks::active(tx)?;
    let mut callback_inboxes = HashMap::new();
    for event in &events {
        let message = if event.name.starts_with("message_") {
            Some(serde_json::from_str::<MessageFacts>(&event.payload)?)
        } else {
            None
        };
        let kind = message
            .as_ref()
            .map(|m| match (event.private, m.message_type) {
                (true, _) => Some("private_note"),
                (false, 0) => Some("incoming"),
                (false, 1 | 3) => Some("outgoing"),
                // Activity lines are never sent, as in Chatwoot.
                _ => None,
            });
        let first_attempt_ms = now_ms() + jittered_ms(settings.retry_schedule[0]);
        let queue = |target| {
            deliveries::insert(
                tx,
                NewDelivery {
                    target,
                    event_id: Some(event.id),
                    event: &event.name,
                    payload: &event.payload,
                    msg_id: deliveries::new_msg_id(),
                    next_attempt_at_ms: first_attempt_ms,
                },
            )
        };
        if kind != Some(None) {
            for subscription in &subscriptions {
                if subscription.account_id == event.workspace_id
                    && event.id > subscription.after_event_id
                    && subscription.wants(&event.name, event.inbox_id, kind.flatten())
                {
                    queue(Target::Webhook(subscription.id))?;
                }
            }
        }
        if let (Some(message), Some(inbox_id)) = (&message, event.inbox_id)
            && event.name == "message_created"
            && kind == Some(Some("outgoing"))
            && message.message_type == 1
            && needs_callback(tx, &mut callback_inboxes, inbox_id, &message.status)?
        {
            queue(Target::Callback {
                inbox_id,
                message_id: message.id,
            })?;
        }
    }
    tx.prepare_cached("UPDATE webhook_outbox SET last_event_id = ?1")?
        .execute([last])?;
    Ok(events.len())
}

/// Whether an outgoing message of `inbox_id` goes to the inbox's callback
/// URL: an API inbox with one, or a message created waiting for it (sent
/// anyway, so it fails visibly if the URL has gone).
fn needs_callback(
    tx: &Transaction,
    cache: &mut HashMap<i64, bool>,
    inbox_id: i64,
    status: &str,
) -> Result<bool> {
    if status == messages::AWAITING_CALLBACK {
        return Ok(true);
    }
    if let Some(has_url) = cache.get(&inbox_id) {
        return Ok(*has_url);
    }
    let has_url = match inboxes::by_id(tx, inbox_id) {
        Ok(inbox) => inbox.channel_type == ChannelType::Api && inbox.callback_url().is_some(),
        Err(Error::NotFound(_)) => false,
        Err(e) => return Err(e),
    };
    cache.insert(inbox_id, has_url);
    Ok(has_url)
}

/// `secs` in milliseconds, give or take 10%.
fn jittered_ms(secs: u64) -> i64 {
    let ms = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let jitter = ms / 10;
    if jitter == 0 {
        ms
    } else {
        ms + rand::rng().random_range(-jitter..=jitter)
    }
}

/// The due runs of every queue not in `in_flight` (at most `run_len`
/// deliveries each), and when the earliest waiting retry falls due.
pub fn claim(
    conn: &Connection,
    vault: &Vault,
    in_flight: &HashSet<String>,
    run_len: i64,
) -> Result<(Vec<Run>, Option<i64>)> {
    let now_ms = now_ms();
    // A loose index scan: one seek per queue that has pending deliveries.
    let queues: Vec<String> = conn
        .prepare_cached(
            "WITH RECURSIVE q(name) AS (
               SELECT min(queue) FROM webhook_deliveries WHERE status = 'pending'
               UNION ALL
               SELECT (SELECT min(queue) FROM webhook_deliveries
                       WHERE status = 'pending' AND queue > q.name)
               FROM q WHERE q.name IS NOT NULL)
             SELECT name FROM q WHERE name IS NOT NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut runs = Vec::new();
    let mut next_due: Option<i64> = None;
    for queue in queues.into_iter().filter(|q| !in_flight.contains(q)) {
        let head: Vec<(Due, i64)> = conn
            .prepare_cached(
                "SELECT id, msg_id, payload, next_attempt_at_ms FROM webhook_deliveries
                 WHERE queue = ?1 AND status = 'pending' ORDER BY seq LIMIT ?2",
            )?
            .query_map(rusqlite::params![queue, run_len], |r| {
                let due = Due {
                    id: r.get(0)?,
                    msg_id: r.get(1)?,
                    payload: r.get(2)?,
                };
                Ok((due, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let deliveries: Vec<Due> = head
            .into_iter()
            .map_while(|(due, at)| {
                if at > now_ms {
                    next_due = Some(next_due.map_or(at, |n| n.min(at)));
                    None
                } else {
                    Some(due)
                }
            })
            .collect();
        if !deliveries.is_empty() {
            let destination = destination(conn, vault, &queue);
            runs.push(Run {
                queue,
                destination,
                deliveries,
            });
        }
    }
    Ok((runs, next_due))
}

/// Where a queue's deliveries go, read when they are sent, so a changed URL
/// or secret applies to deliveries already queued. When nothing can be sent
/// (the webhook is inactive, the inbox has no callback URL, a secret cannot
/// be opened) the reason fails the head delivery, and the other queues go on.
fn destination(conn: &Connection, vault: &Vault, queue: &str) -> Result<Destination, String> {
    let found = if let Some(webhook_id) = queue.strip_prefix('w') {
        webhook_destination(conn, vault, webhook_id)
    } else {
        inbox_destination(conn, vault, queue.trim_start_matches('i'))
    };
    found.unwrap_or_else(|e| {
        tracing::warn!(queue, error = ?e, "a delivery target cannot be loaded");
        Err(format!("the target cannot be loaded: {e:?}"))
    })
}

type Found = Result<Result<Destination, String>>;

fn webhook_destination(conn: &Connection, vault: &Vault, id: &str) -> Found {
    let webhook = webhooks::by_id(conn, queue_id(id)?)?;
    if !webhook.active {
        return Ok(Err("the webhook is not active".into()));
    }
    Ok(Ok(Destination {
        keys: webhook.signing_keys(vault, now())?,
        url: webhook.url,
    }))
}

fn inbox_destination(conn: &Connection, vault: &Vault, id: &str) -> Found {
    let inbox = inboxes::by_id(conn, queue_id(id)?)?;
    let (Some(url), Some(secret)) = (inbox.callback_url(), inbox.secret(vault)?) else {
        return Ok(Err("the inbox has no callback URL".into()));
    };
    Ok(Ok(Destination {
        url: url.to_string(),
        keys: vec![signing::key_of(&secret)?],
    }))
}

fn queue_id(id: &str) -> Result<i64> {
    id.parse()
        .map_err(|_| Error::internal(format!("bad delivery queue id {id}")))
}

/// Records each outcome: a success completes the delivery (and marks a
/// callback's message sent); a failure schedules the next attempt, or fails
/// the delivery for good (and its message) when the schedule is spent. A
/// webhook answered 410 Gone, or failing for `disable_after_failing_days`,
/// is disabled.
pub fn record(tx: &Transaction, outcomes: &[Outcome], settings: &WebhookSettings) -> Result<()> {
    for outcome in outcomes {
        let id = outcome.delivery_id;
        let row = tx
            .prepare_cached(
                "SELECT webhook_id, message_id, status, step FROM webhook_deliveries WHERE id = ?1",
            )?
            .query_row([id], |r| {
                let step: i64 = r.get(3)?;
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    step,
                ))
            })
            .optional()?;
        // Deleted with its webhook or inbox while it was being sent.
        let Some((webhook_id, message_id, status, step)) = row else {
            continue;
        };
        let attempt = &outcome.attempt;
        deliveries::record_attempt(tx, id, attempt)?;
        if attempt.succeeded() {
            deliveries::complete(tx, id, true)?;
            if let Some(webhook_id) = webhook_id {
                webhooks::note_success(tx, webhook_id)?;
            }
            if let Some(message_id) = message_id {
                messages::set_callback_outcome(tx, message_id, None)?;
            }
            continue;
        }
        if status != "pending" {
            continue;
        }
        let next_step = usize::try_from(step + 1).unwrap_or(usize::MAX);
        if outcome.permanent || attempt.gone() || next_step >= settings.retry_schedule.len() {
            deliveries::complete(tx, id, false)?;
            if let Some(message_id) = message_id {
                let error = attempt.error.clone().unwrap_or_default();
                messages::set_callback_outcome(tx, message_id, Some(error))?;
            }
        } else {
            let delay = jittered_ms(settings.retry_schedule[next_step]);
            deliveries::reschedule(tx, id, now_ms() + delay)?;
        }
        if let Some(webhook_id) = webhook_id {
            let days = i64::try_from(settings.disable_after_failing_days).unwrap_or(i64::MAX);
            if attempt.gone() {
                webhooks::disable(tx, webhook_id, "the receiver answered 410 Gone")?;
            } else if webhooks::note_failure(
                tx,
                webhook_id,
                attempt.at,
                days.saturating_mul(86_400),
            )? {
                let reason = format!("deliveries have failed for {days} days");
                webhooks::disable(tx, webhook_id, &reason)?;
            }
        }
    }
    Ok(())
}

/// Sends a signed `ping` to a webhook at once (outside any transaction) and
/// logs it as a delivery with one attempt; no retries.
pub fn ping(
    db: &crate::db::Db,
    vault: &Vault,
    courier: &Courier,
    workspace_id: i64,
    webhook_id: i64,
) -> Result<deliveries::Delivery> {
    let webhook = db.read_blocking(|conn| webhooks::get(conn, workspace_id, webhook_id))?;
    let payload = json!({
        "event": "ping",
        "webhook": {"id": webhook.id, "name": webhook.name, "url": webhook.url},
        "account": {"id": workspace_id},
    })
    .to_string();
    let keys = webhook.signing_keys(vault, now())?;
    let msg_id = deliveries::new_msg_id();
    let attempt = courier.send(&Envelope {
        url: &webhook.url,
        msg_id: &msg_id,
        body: &payload,
        keys: &keys,
    });
    db.write_blocking(|tx| {
        let id = deliveries::insert(
            tx,
            NewDelivery {
                target: Target::Webhook(webhook_id),
                event_id: None,
                event: "ping",
                payload: &payload,
                msg_id,
                next_attempt_at_ms: now_ms(),
            },
        )?;
        deliveries::record_attempt(tx, id, &attempt)?;
        deliveries::complete(tx, id, attempt.succeeded())?;
        deliveries::get(tx, webhook_id, id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent() {
        assert_eq!(jittered_ms(0), 0);
        for _ in 0..100 {
            let ms = jittered_ms(10);
            assert!((9_000..=11_000).contains(&ms), "{ms}");
        }
    }
}
