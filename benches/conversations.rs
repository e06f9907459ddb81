//! Benchmark of the conversation core at scale: seeds 100,000 conversations
//! and 1,000,000 messages, then prints p50/p99 latencies of listing
//! conversations, listing messages, searching and posting a message over
//! HTTP, and the size of the database.
//!
//! Run: `cargo bench --bench conversations` (or `scripts/bench conversations`).
//! Set `CONVERSATIONS` to seed a different number (messages are ten each).

mod support;

use std::time::Instant;

use deskwoot::auth::ScopeSet;
use deskwoot::auth::vault::Vault;
use deskwoot::config::Settings;
use deskwoot::domain::api_tokens::{self, NewToken};
use deskwoot::domain::inboxes::{self, ChannelType, NewInbox};
use deskwoot::domain::{users, workspaces};
use deskwoot::server;
use rand::Rng;

const WORDS: &[&str] = &[
    "order",
    "refund",
    "shipping",
    "invoice",
    "password",
    "account",
    "delivery",
    "broken",
    "thanks",
    "please",
    "help",
    "update",
    "cancel",
    "subscription",
    "discount",
    "warranty",
    "login",
    "email",
    "payment",
    "tracking",
];
const SAMPLES: usize = 300;

/// Times `SAMPLES` calls of `request` and prints p50 and p99.
fn measure(name: &str, mut request: impl FnMut() -> ureq::http::Response<ureq::Body>) {
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t0 = Instant::now();
        let mut response = request();
        let status = response.status();
        let _ = response.body_mut().read_to_vec();
        times.push(t0.elapsed());
        assert!(status.is_success(), "{name}: {status}");
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{name:<28} p50 {:>8.2?}  p99 {:>8.2?}",
        pct(0.50),
        pct(0.99)
    );
}

fn main() {
    if !support::wanted("conversations") {
        return;
    }
    let conversations: i64 = support::size("CONVERSATIONS", 100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = support::settings(dir.path());

    let started = Instant::now();
    let token = seed(&settings, conversations);
    println!(
        "seeded {conversations} conversations and {} messages in {:.1?}",
        conversations * 10,
        started.elapsed()
    );

    let base = format!("http://{}/api/v1/accounts/1", support::serve(&settings));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!("Bearer {token}");
    let rng = std::cell::RefCell::new(rand::rng());

    let get = |path: String| {
        agent
            .get(format!("{base}{path}"))
            .header("Authorization", &auth)
            .call()
            .expect("answer")
    };
    measure("list conversations", || get("/conversations".into()));
    measure("list messages", || {
        get(format!(
            "/conversations/{}/messages",
            rng.borrow_mut().random_range(1..=conversations)
        ))
    });
    measure("search messages", || {
        let mut rng = rng.borrow_mut();
        let (a, b) = (
            WORDS[rng.random_range(0..WORDS.len())],
            WORDS[rng.random_range(0..WORDS.len())],
        );
        get(format!("/search/messages?q={a}+{b}"))
    });
    measure("post a message", || {
        let id = rng.borrow_mut().random_range(1..=conversations);
        agent
            .post(format!("{base}/conversations/{id}/messages"))
            .header("Authorization", &auth)
            .send_json(serde_json::json!({"content": "We have shipped your order today."}))
            .expect("answer")
    });
    let size = |name: &str| {
        std::fs::metadata(settings.storage.data_dir.join(name))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    println!(
        "database {:.1} MiB (+ WAL {:.1} MiB)",
        size("deskwoot.db") as f64 / 1048576.0,
        size("deskwoot.db-wal") as f64 / 1048576.0
    );
}

/// Seeds one workspace directly in SQL (the domain path would also write an
/// event per row, which a benchmark of reads does not need). Returns a token.
fn seed(settings: &Settings, conversations: i64) -> String {
    let db = server::open_storage(settings).expect("storage");
    let vault = Vault::open(&settings.storage.data_dir).expect("vault");
    let (workspace_id, user_id) = db
        .write_blocking(|tx| {
            let admin = users::NewUser {
                name: "Bench".into(),
                email: "bench@example.com".into(),
                password: "bench password".into(),
            };
            let (w, u) = workspaces::create_with_admin(tx, "Bench", admin)?;
            inboxes::create(
                tx,
                &vault,
                w.id,
                NewInbox {
                    name: "Support".into(),
                    channel_type: ChannelType::Api,
                    settings: Default::default(),
                },
            )?;
            Ok((w.id, u.id))
        })
        .expect("workspace");
    let token = db
        .write_blocking(|tx| {
            let new = NewToken {
                workspace_id,
                user_id,
                name: "bench",
                scopes: ScopeSet::full(),
                expires_in_days: None,
            };
            Ok(api_tokens::create(tx, new)?.1)
        })
        .expect("token");
    let contacts = (conversations / 10).max(1);
    let now = deskwoot::db::now();
    let mut rng = rand::rng();
    db.write_blocking(|tx| {
        let mut contact = tx.prepare("INSERT INTO contacts (workspace_id, name, email, created_at, updated_at, last_activity_at) VALUES (?1, ?2, ?3, ?4, ?4, ?4)")?;
        let mut link = tx.prepare("INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, pubsub_token, created_at) VALUES (?1, 1, ?2, ?3, ?4)")?;
        for i in 1..=contacts {
            contact.execute(rusqlite::params![workspace_id, format!("Contact {i}"), format!("contact{i}@example.com"), now - i])?;
            link.execute(rusqlite::params![i, format!("src-{i}"), format!("pubsub-{i}"), now])?;
        }
        Ok(())
    })
    .expect("contacts");
    let statuses = ["open", "open", "open", "pending", "resolved", "resolved"];
    for batch in (1..=conversations).collect::<Vec<_>>().chunks(10_000) {
        db.write_blocking(|tx| {
            let mut conversation = tx.prepare(
                "INSERT INTO conversations (id, workspace_id, display_id, inbox_id, contact_id, contact_inbox_id, status,
                                            assignee_id, last_activity_at, created_at, updated_at)
                 VALUES (?1, ?2, ?1, 1, ?3, ?3, ?4, ?5, ?6, ?6, ?6)",
            )?;
            let mut message = tx.prepare(
                "INSERT INTO messages (workspace_id, conversation_id, inbox_id, message_type, content, sender_type, sender_id, created_at, updated_at)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?;
            for &id in batch {
                let contact_id = 1 + id % contacts;
                let at = now - (conversations - id) * 30;
                let assignee = (id % 3 == 0).then_some(user_id);
                conversation.execute(rusqlite::params![id, workspace_id, contact_id, statuses[(id % 6) as usize], assignee, at])?;
                for m in 0..10 {
                    let text: Vec<&str> = (0..12).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect();
                    let incoming = m % 2 == 0;
                    let (kind, sender_type, sender) = if incoming { (0, "contact", contact_id) } else { (1, "user", user_id) };
                    message.execute(rusqlite::params![workspace_id, id, kind, text.join(" "), sender_type, sender, at - 300 + m * 30])?;
                }
            }
            Ok(())
        })
        .expect("conversations");
    }
    db.write_blocking(|tx| {
        tx.execute(
            "UPDATE workspaces SET conversation_counter = ?1 WHERE id = ?2",
            [conversations, workspace_id],
        )?;
        tx.execute_batch("ANALYZE")?;
        Ok(())
    })
    .expect("counter");
    db.checkpoint().expect("checkpoint");
    token
}
