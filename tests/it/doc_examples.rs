//! The curl examples of the API docs, run as documented against a seeded
//! `deskwoot serve`: each must succeed, so the examples stay true. Changes
//! run first in the docs' order, then deletions in reverse.

use std::process::Command;

use deskwoot::api::route::{Method, operations};
use deskwoot::docs::examples::{self, BASE_URL};
use serde_json::{Value, json};

use crate::support::{Client, ServeProcess, deskwoot_command};

/// The workspace the examples assume: account 1 with inbox 1 (a website, its
/// visitor's conversation is 1), inbox 2 (API), contacts 1 (the visitor) to
/// 3, conversations 1 and 2 (inbox 1), agent 2, token 2, webhooks 1 and 2 with a
/// delivery, and one label, team, canned response, attribute and note.
struct Seeded {
    server: ServeProcess,
    token: String,
    inbox_identifier: String,
    source_id: String,
}

fn cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = deskwoot_command(dir).args(args).output().expect("cli runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn seed(dir: &std::path::Path) -> Seeded {
    cli(
        dir,
        &[
            "setup",
            "--workspace",
            "Acme",
            "--name",
            "Alice",
            "--email",
            "alice@example.com",
            "--password",
            "a long password",
        ],
    );
    let create = [
        "token",
        "create",
        "--email",
        "alice@example.com",
        "--scopes",
        "full",
        "--name",
    ];
    let token = cli(dir, &[&create[..], &["docs"]].concat());
    cli(dir, &[&create[..], &["spare"]].concat());
    let server = ServeProcess::start(
        dir,
        &[
            ("DESKWOOT__WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true"),
            ("DESKWOOT__WEBHOOKS__TIMEOUT_SECS", "2"),
            ("DESKWOOT__RATE_LIMIT__PER_MINUTE", "100000"),
            // Two attempts at once: the seeded test ping fails for good at once, so
            // the replay example finds a finished delivery.
            ("DESKWOOT__WEBHOOKS__RETRY_SCHEDULE", "0,0"),
        ],
    );
    let admin = Client::new(&server.base_url, Some(token.clone()));
    let a = |rest: &str| format!("/api/v1/accounts/1{rest}");
    let website = admin
        .post(
            &a("/inboxes"),
            json!({"name": "Website", "channel": {"type": "web_widget"}}),
        )
        .expect(200)
        .json();
    let inbox_identifier = website["website_token"].as_str().unwrap().to_string();
    let public = Client::new(&server.base_url, None);
    let visitor_path = format!("/public/api/v1/inboxes/{inbox_identifier}/contacts");
    let visitor = public
        .post(&visitor_path, json!({"name": "Dana"}))
        .expect(200)
        .json();
    let source_id = visitor["source_id"].as_str().unwrap().to_string();
    public
        .post(
            &format!("{visitor_path}/{source_id}/conversations"),
            json!({"message": {"content": "Hi, is the blue one in stock?"}}),
        )
        .expect(200);
    let seeds: &[(&str, Value)] = &[
        (
            "/inboxes",
            json!({"name": "App", "channel": {"type": "api"}}),
        ),
        (
            "/contacts",
            json!({"name": "Erin", "email": "erin@example.com", "inbox_id": 2}),
        ),
        (
            "/contacts",
            json!({"name": "Frank", "email": "frank@example.com"}),
        ),
        ("/conversations", json!({"inbox_id": 1, "contact_id": 3})),
        (
            "/contacts/1/notes",
            json!({"content": "Asked about the blue one"}),
        ),
        ("/labels", json!({"title": "billing"})),
        ("/teams", json!({"name": "Support"})),
        (
            "/canned_responses",
            json!({"short_code": "thanks", "content": "Thank you!"}),
        ),
        (
            "/custom_attribute_definitions",
            json!({"attribute_display_name": "Tier", "attribute_key": "tier",
                   "attribute_display_type": "text", "attribute_model": "contact_attribute"}),
        ),
        (
            "/agents",
            json!({"name": "Gus", "email": "gus@example.com"}),
        ),
        (
            "/webhooks",
            json!({"url": format!("{}/healthz", server.base_url), "events": ["message_created"]}),
        ),
        (
            "/webhooks",
            json!({"url": format!("{}/docs/api", server.base_url), "events": ["contact_created"]}),
        ),
        ("/webhooks/1/test", json!({})),
    ];
    for (path, body) in seeds {
        admin.post(&a(path), body.clone()).expect(200);
    }
    Seeded {
        server,
        token,
        inbox_identifier,
        source_id,
    }
}

#[test]
fn the_curl_examples_of_the_docs_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = seed(dir.path());
    std::fs::write(
        dir.path().join("contacts.csv"),
        "name,email,plan\nHank,hank@example.com,pro\n",
    )
    .unwrap();
    let (changes, deletions): (Vec<_>, Vec<_>) = operations()
        .iter()
        .filter(|op| op.example.unchecked.is_none())
        .partition(|op| op.method != Method::Delete);
    let mut failures = Vec::new();
    let mut ran = 0;
    // Deletions last, the most nested first (team members before the team).
    for op in changes.into_iter().chain(deletions.into_iter().rev()) {
        let command = examples::curl(op).replace(BASE_URL, &seeded.server.base_url);
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("{command} -sS -o response.out -w '%{{http_code}}'"))
            .current_dir(dir.path())
            .env("DESKWOOT_TOKEN", &seeded.token)
            .env("INBOX_IDENTIFIER", &seeded.inbox_identifier)
            .env("CONTACT_SOURCE_ID", &seeded.source_id)
            .output()
            .expect("sh runs curl");
        ran += 1;
        let status = String::from_utf8_lossy(&output.stdout).to_string();
        if !status.starts_with('2') {
            let body = std::fs::read_to_string(dir.path().join("response.out")).unwrap_or_default();
            failures.push(format!(
                "{} ({status}): {command}\n  -> {body}{}",
                op.operation_id,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(ran > 100, "ran {ran} examples");
    assert!(
        failures.is_empty(),
        "examples that failed:\n{}",
        failures.join("\n")
    );
}
