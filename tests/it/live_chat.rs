//! Live chat without a browser: the public Client API, identity
//! verification, and the agent and visitor websockets with resume.

use std::time::Duration;

use deskwoot::auth::Role;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{Socket, TestApp};

const SOON: Duration = Duration::from_secs(3);

/// A website inbox: its id, website token and identity secret.
fn widget_inbox(t: &TestApp, settings: Value) -> (i64, String, String) {
    let mut body = json!({"name": "Website", "channel": {"type": "web_widget"}});
    body.as_object_mut()
        .unwrap()
        .extend(settings.as_object().cloned().unwrap_or_default());
    let inbox = t
        .admin()
        .post(&t.account_path("/inboxes"), body)
        .expect(200)
        .json();
    (
        inbox["id"].as_i64().unwrap(),
        inbox["website_token"].as_str().unwrap().to_string(),
        inbox["hmac_token"].as_str().unwrap().to_string(),
    )
}

fn hash(secret: &str, identifier: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(identifier.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn public(token: &str, rest: &str) -> String {
    format!("/public/api/v1/inboxes/{token}{rest}")
}

fn ws_url(t: &TestApp, path: &str) -> String {
    format!("{}{path}", t.base_url.replace("http://", "ws://"))
}

/// A new visitor: (source_id, pubsub_token).
fn visitor(t: &TestApp, token: &str, body: Value) -> (String, String) {
    let v = t
        .anonymous()
        .post(&public(token, "/contacts"), body)
        .expect(200)
        .json();
    (
        v["source_id"].as_str().unwrap().into(),
        v["pubsub_token"].as_str().unwrap().into(),
    )
}

#[test]
fn a_visitor_chats_and_sees_agent_replies_live_but_never_private_notes() {
    let t = TestApp::start();
    let (_, token, _) = widget_inbox(&t, json!({}));
    let (source, pubsub) = visitor(&t, &token, json!({"name": "Vera"}));
    let mut socket = Socket::connect(
        &ws_url(&t, &format!("/ws/visitor?pubsub_token={pubsub}")),
        &[],
    );
    let mut agent = Socket::connect(
        &ws_url(&t, &format!("/ws/agent?token={}", t.admin.token)),
        &[],
    );
    agent.expect_event("presence.update", SOON);

    let conversation = t
        .anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "Do you ship to Norway?"}}),
        )
        .expect(200)
        .json();
    let id = conversation["id"].as_i64().unwrap();
    assert_eq!(
        conversation["messages"][0]["content"],
        "Do you ship to Norway?"
    );
    assert_eq!(conversation["messages"][0]["message_type"], 0);
    let created = agent.expect_event("conversation.created", SOON);
    assert_eq!(created["data"]["id"], id);
    assert_eq!(
        agent.expect_event("message.created", SOON)["data"]["content"],
        "Do you ship to Norway?"
    );

    // The agent sees it over the API, writes a note and a reply.
    let listed = t
        .admin()
        .get(&t.account_path("/conversations"))
        .expect(200)
        .json();
    assert_eq!(listed["data"]["payload"][0]["id"], id);
    let path = t.account_path(&format!("/conversations/{id}/messages"));
    t.admin()
        .post(&path, json!({"content": "VIP, be nice", "private": true}))
        .expect(200);
    t.admin()
        .post(&path, json!({"content": "Yes, in 3 days."}))
        .expect(200);
    let frames = socket.frames_within(Duration::from_millis(800));
    let contents: Vec<&str> = frames
        .iter()
        .filter(|f| f["event"] == "message.created")
        .filter_map(|f| f["data"]["content"].as_str())
        .collect();
    assert!(contents.contains(&"Yes, in 3 days."), "{frames:?}");
    assert!(
        !contents.contains(&"VIP, be nice"),
        "a private note reached the visitor"
    );
    let reply = frames
        .iter()
        .find(|f| f["data"]["content"] == "Yes, in 3 days.")
        .unwrap();
    assert_eq!(reply["data"]["sender"]["type"], "user");
    assert!(
        !reply.to_string().contains("alice@acme.test"),
        "agents' emails stay private"
    );

    // The visitor's own view of the messages has no notes or activity either.
    let messages = t
        .anonymous()
        .get(&public(
            &token,
            &format!("/contacts/{source}/conversations/{id}/messages"),
        ))
        .expect(200)
        .json();
    let texts: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(texts, vec!["Do you ship to Norway?", "Yes, in 3 days."]);

    // Typing goes both ways.
    t.anonymous()
        .post(
            &public(
                &token,
                &format!("/contacts/{source}/conversations/{id}/toggle_typing"),
            ),
            json!({"typing_status": "on"}),
        )
        .expect(204);
    assert_eq!(
        agent.expect_event("conversation.typing_on", SOON)["data"]["conversation_id"],
        id
    );
    agent.send(&json!({"type": "typing", "conversation_id": id, "status": "on"}));
    assert_eq!(
        socket.expect_event("conversation.typing_on", SOON)["data"]["user"]["type"],
        "user"
    );
}

#[test]
fn a_reconnecting_socket_gets_what_it_missed() {
    let t = TestApp::start();
    let (_, token, _) = widget_inbox(&t, json!({}));
    let (source, pubsub) = visitor(&t, &token, json!({}));
    let id = t
        .anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "hello?"}}),
        )
        .expect(200)
        .json()["id"]
        .as_i64()
        .unwrap();
    let url = ws_url(&t, &format!("/ws/visitor?pubsub_token={pubsub}"));
    let mut socket = Socket::connect(&url, &[]);
    let path = t.account_path(&format!("/conversations/{id}/messages"));
    t.admin()
        .post(&path, json!({"content": "first"}))
        .expect(200);
    let last_id = socket.expect_event("message.created", SOON)["id"]
        .as_i64()
        .unwrap();
    drop(socket);
    t.admin()
        .post(&path, json!({"content": "second"}))
        .expect(200);
    t.admin()
        .post(&path, json!({"content": "secret", "private": true}))
        .expect(200);
    t.admin()
        .post(&path, json!({"content": "third"}))
        .expect(200);
    let mut resumed = Socket::connect(&format!("{url}&since={last_id}"), &[]);
    let frames = resumed.frames_within(Duration::from_millis(600));
    let contents: Vec<&str> = frames
        .iter()
        .filter(|f| f["event"] == "message.created")
        .filter_map(|f| f["data"]["content"].as_str())
        .collect();
    assert_eq!(contents, vec!["second", "third"]);
}

#[test]
fn identity_verification_marks_contacts_verified_and_refuses_wrong_hashes() {
    let t = TestApp::start();
    let (_, token, secret) = widget_inbox(&t, json!({}));
    let good = json!({"identifier": "user-42", "identifier_hash": hash(&secret, "user-42"), "name": "Ola", "email": "ola@shop.test"});
    let first = t
        .anonymous()
        .post(&public(&token, "/contacts"), good.clone())
        .expect(200)
        .json();
    assert_eq!(first["verified"], true);
    let source = first["source_id"].as_str().unwrap();
    let id = t
        .anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "from my laptop"}}),
        )
        .expect(200)
        .json()["id"]
        .clone();
    let agents_view = t
        .admin()
        .get(&t.account_path(&format!("/conversations/{id}")))
        .json();
    assert_eq!(agents_view["meta"]["hmac_verified"], true);

    // The same person from another browser continues their conversations.
    let second = t
        .anonymous()
        .post(&public(&token, "/contacts"), good)
        .expect(200)
        .json();
    assert_eq!(second["id"], first["id"]);
    let theirs = t
        .anonymous()
        .get(&public(
            &token,
            &format!(
                "/contacts/{}/conversations",
                second["source_id"].as_str().unwrap()
            ),
        ))
        .expect(200)
        .json();
    assert_eq!(theirs[0]["id"], id);

    let contacts = t.count("contacts");
    t.anonymous()
        .post(
            &public(&token, "/contacts"),
            json!({"identifier": "user-42", "identifier_hash": hash("wrong", "user-42")}),
        )
        .expect_error(401, "identity_verification_failed");
    t.anonymous()
        .patch(
            &public(&token, &format!("/contacts/{source}")),
            json!({"identifier": "user-43", "identifier_hash": "00ff"}),
        )
        .expect_error(401, "identity_verification_failed");
    assert_eq!(t.count("contacts"), contacts, "nothing was created");

    // An unverified visitor cannot take over the verified contact's email.
    let (stranger, _) = visitor(&t, &token, json!({"email": "ola@shop.test"}));
    let stranger = t
        .anonymous()
        .get(&public(&token, &format!("/contacts/{stranger}")))
        .expect(200)
        .json();
    assert_eq!(stranger["email"], Value::Null);
    assert_ne!(stranger["id"], first["id"]);
}

#[test]
fn with_enforcement_unverified_visitors_can_neither_identify_nor_write() {
    let t = TestApp::start();
    let (_, token, secret) = widget_inbox(&t, json!({"hmac_mandatory": true}));
    let (source, _) = visitor(&t, &token, json!({}));
    t.anonymous()
        .patch(
            &public(&token, &format!("/contacts/{source}")),
            json!({"identifier": "user-1"}),
        )
        .expect_error(401, "identity_verification_failed");
    t.anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "hi"}}),
        )
        .expect_error(401, "identity_verification_failed");
    let verified = t
        .anonymous()
        .patch(
            &public(&token, &format!("/contacts/{source}")),
            json!({"identifier": "user-1", "identifier_hash": hash(&secret, "user-1")}),
        )
        .expect(200)
        .json();
    assert_eq!(verified["verified"], true);
    t.anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "hi"}}),
        )
        .expect(200);
}

#[test]
fn agents_get_live_events_only_for_their_inboxes() {
    let t = TestApp::start();
    let (inbox, token, _) = widget_inbox(&t, json!({}));
    let bob = t.person("bob", Role::Agent, "read conversations:write");
    let mut outsider = Socket::connect(&ws_url(&t, &format!("/ws/agent?token={}", bob.token)), &[]);
    outsider.expect_event("presence.update", SOON);
    let (source, _) = visitor(&t, &token, json!({}));
    t.anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "psst"}}),
        )
        .expect(200);
    let frames = outsider.frames_within(Duration::from_millis(600));
    assert!(
        frames
            .iter()
            .all(|f| !f["event"].as_str().unwrap().starts_with("message.")),
        "{frames:?}"
    );

    t.admin()
        .post(
            &t.account_path("/inbox_members"),
            json!({"inbox_id": inbox, "user_ids": [bob.id]}),
        )
        .expect(200);
    let mut member = Socket::connect(&ws_url(&t, &format!("/ws/agent?token={}", bob.token)), &[]);
    t.anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({"message": {"content": "again"}}),
        )
        .expect(200);
    assert_eq!(
        member.expect_event("message.created", SOON)["data"]["content"],
        "again"
    );
}

#[test]
fn sites_an_inbox_does_not_allow_are_refused() {
    let t = TestApp::start();
    let (_, token, _) = widget_inbox(&t, json!({"allowed_domains": "shop.test"}));
    t.anonymous()
        .header("Origin", "https://evil.test")
        .get(&public(&token, ""))
        .expect_error(403, "forbidden");
    let ok = t
        .anonymous()
        .header("Origin", "https://www.shop.test")
        .get(&public(&token, ""))
        .expect(200);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://www.shop.test")
    );
    assert_eq!(ok.json()["name"], "Website");
    t.anonymous()
        .get(&public("no-such-inbox", ""))
        .expect_error(404, "not_found");
}

#[test]
fn abuse_limits_stop_floods_of_new_visitors() {
    let t = TestApp::start_with(|s| s.rate_limit.visitor_contacts_per_minute = 2);
    let (_, token, _) = widget_inbox(&t, json!({}));
    visitor(&t, &token, json!({}));
    visitor(&t, &token, json!({}));
    let refused = t.anonymous().post(&public(&token, "/contacts"), json!({}));
    assert!(refused.header("retry-after").is_some());
    refused.expect_error(429, "rate_limited");
}

#[test]
fn visitors_record_page_context_labels_and_custom_events() {
    let t = TestApp::start();
    let (_, token, _) = widget_inbox(&t, json!({}));
    let (source, _) = visitor(&t, &token, json!({}));
    let id = t
        .anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/conversations")),
            json!({}),
        )
        .expect(200)
        .json()["id"]
        .clone();
    t.anonymous()
        .patch(
            &public(&token, &format!("/contacts/{source}/conversations/{id}")),
            json!({"additional_attributes": {"page_context": {"url": "https://shop.test/cart", "title": "Cart"}},
                   "custom_attributes": {"plan": "pro"}, "labels": {"add": ["cart"]}}),
        )
        .expect(200);
    let seen = t
        .admin()
        .get(&t.account_path(&format!("/conversations/{id}")))
        .json();
    assert_eq!(
        seen["additional_attributes"]["page_context"]["url"],
        "https://shop.test/cart"
    );
    assert_eq!(seen["custom_attributes"]["plan"], "pro");
    assert_eq!(seen["labels"], json!(["cart"]));
    t.anonymous()
        .patch(
            &public(&token, &format!("/contacts/{source}/conversations/{id}")),
            json!({"custom_attributes": {"plan": null}}),
        )
        .expect(200);
    let seen = t
        .admin()
        .get(&t.account_path(&format!("/conversations/{id}")))
        .json();
    assert_eq!(
        seen["custom_attributes"],
        json!({}),
        "null removes an attribute"
    );
    t.anonymous()
        .post(
            &public(&token, &format!("/contacts/{source}/events")),
            json!({"name": "checkout_started", "data": {"total": 12}}),
        )
        .expect(204);
    assert!(t.event_names().iter().any(|n| n == "webwidget_triggered"));
    let resolved = t
        .anonymous()
        .post(
            &public(
                &token,
                &format!("/contacts/{source}/conversations/{id}/toggle_status"),
            ),
            json!({}),
        )
        .expect(200)
        .json();
    assert_eq!(resolved["status"], "resolved");
    // Another visitor cannot reach this conversation.
    let (other, _) = visitor(&t, &token, json!({}));
    t.anonymous()
        .get(&public(
            &token,
            &format!("/contacts/{other}/conversations/{id}"),
        ))
        .expect_error(404, "not_found");
}
