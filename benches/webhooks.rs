//! Benchmark of webhook delivery to a local receiver that answers at once:
//! 1. live: 4 clients post messages to one conversation as fast as the API
//!    takes them, with one subscription; prints deliveries per second and the
//!    outbox lag (the API acknowledged the change → the receiver got it) p50/p99.
//! 2. backlog: the receiver refuses while messages queue for 4 subscriptions,
//!    then accepts; prints how fast the backlog drains with 4 senders.
//!
//! Run: `cargo bench --bench webhooks` (or `scripts/bench webhooks`). Set
//! `MESSAGES` to post a different number (default 2000).

#[allow(dead_code)]
#[path = "../tests/it/support/receiver.rs"]
mod receiver;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deskwoot::auth::ScopeSet;
use deskwoot::config::Settings;
use deskwoot::domain::api_tokens::{self, NewToken};
use deskwoot::domain::contacts::{self, ContactFields};
use deskwoot::domain::{users, workspaces};
use deskwoot::server;
use receiver::Receiver;
use serde_json::{Value, json};

struct Api {
    base: String,
    auth: String,
    agent: ureq::Agent,
}

impl Api {
    fn post(&self, path: &str, body: Value) -> Value {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.auth)
            .send_json(body)
            .expect("answer");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.body_mut().read_json().expect("JSON")
    }
}

fn main() {
    if !support::wanted("webhooks") {
        return;
    }
    let messages: usize = support::size("MESSAGES", 2000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = support::settings(dir.path());
    settings.webhooks.allow_private_targets = true;
    settings.webhooks.retry_schedule = vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    let api = start(&settings);
    let inbox = api.post(
        "/inboxes",
        json!({"name": "API", "channel": {"type": "api"}}),
    )["id"]
        .clone();
    let db = deskwoot::db::Db::open(&settings.database_path(), 1).expect("database");
    let contact = db
        .write_blocking(|tx| {
            let fields = ContactFields {
                name: Some("Alice".into()),
                ..Default::default()
            };
            Ok(contacts::create(tx, 1, fields)?.id)
        })
        .expect("contact");
    let conversation = api.post(
        "/conversations",
        json!({"inbox_id": inbox, "contact_id": contact}),
    )["id"]
        .clone();
    let path = format!("/conversations/{conversation}/messages");

    let receiver = Receiver::start();
    subscribe(&api, &receiver, 1, 0);
    let started = Instant::now();
    let acked = post_messages(&api, &path, messages);
    let received = receiver.wait_for(messages, 600);
    let elapsed = received.iter().map(|r| r.at).max().expect("deliveries") - started;
    let mut lags: Vec<Duration> = received
        .iter()
        .filter_map(|r| {
            let id = r.json()["id"].as_i64()?;
            Some(r.at.saturating_duration_since(*acked.get(&id)?))
        })
        .collect();
    lags.sort();
    let pct = |p: f64| lags[((lags.len() as f64 * p) as usize).min(lags.len() - 1)];
    println!(
        "live:    {messages} messages, 1 subscription: {:.0} changes/s committed, \
         {:.0} deliveries/s, outbox lag p50 {:.2?} p99 {:.2?}",
        messages as f64 / acked_span(&acked, started).as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );

    let backlog = Receiver::start();
    backlog.answer(503);
    for n in 1..=4 {
        subscribe(&api, &backlog, n, messages);
    }
    post_messages(&api, &path, messages);
    std::thread::sleep(Duration::from_secs(2));
    let refused = backlog.received().len();
    backlog.answer(200);
    let drain_start = Instant::now();
    let total = refused + 4 * messages;
    let received = backlog.wait_for(total, 600);
    let drained = received.iter().map(|r| r.at).max().expect("deliveries") - drain_start;
    println!(
        "backlog: {} deliveries queued for 4 subscriptions drained in {drained:.2?}: \
         {:.0} deliveries/s (includes up to 1 s of retry wait)",
        4 * messages,
        (4 * messages) as f64 / drained.as_secs_f64()
    );
}

/// Starts the server in-process with a workspace and a full token.
fn start(settings: &Settings) -> Api {
    let db = server::open_storage(settings).expect("storage");
    let token = db
        .write_blocking(|tx| {
            let admin = users::NewUser {
                name: "Bench".into(),
                email: "bench@example.com".into(),
                password: "bench password".into(),
            };
            let (w, u) = workspaces::create_with_admin(tx, "Bench", admin)?;
            let new = NewToken {
                workspace_id: w.id,
                user_id: u.id,
                name: "bench",
                scopes: ScopeSet::full(),
                expires_in_days: None,
            };
            Ok(api_tokens::create(tx, new)?.1)
        })
        .expect("workspace");
    Api {
        base: format!("http://{}/api/v1/accounts/1", support::serve(settings)),
        auth: format!("Bearer {token}"),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into(),
    }
}

fn subscribe(api: &Api, receiver: &Receiver, n: usize, round: usize) {
    let url = format!("{}/{round}/{n}", receiver.url);
    api.post(
        "/webhooks",
        json!({"url": url, "events": ["message_created"]}),
    );
}

/// Posts `count` messages from 4 threads; returns when each was acknowledged.
fn post_messages(api: &Api, path: &str, count: usize) -> HashMap<i64, Instant> {
    let acked = Arc::new(Mutex::new(HashMap::with_capacity(count)));
    std::thread::scope(|scope| {
        for w in 0..4 {
            let acked = acked.clone();
            scope.spawn(move || {
                for i in (w..count).step_by(4) {
                    let message = api.post(path, json!({"content": format!("message {i}")}));
                    let id = message["id"].as_i64().expect("message id");
                    acked.lock().expect("lock").insert(id, Instant::now());
                }
            });
        }
    });
    Arc::try_unwrap(acked)
        .map(|m| m.into_inner().expect("lock"))
        .unwrap_or_default()
}

fn acked_span(acked: &HashMap<i64, Instant>, started: Instant) -> Duration {
    acked
        .values()
        .max()
        .map_or(Duration::ZERO, |t| *t - started)
}
