//! API inboxes (custom channels): agents' outgoing messages are POSTed,
//! signed with the inbox's secret, to its callback URL through the outbox;
//! the message moves from `progress` to `sent`, or to `failed` with the error.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Receiver, TestApp, verify};

fn app() -> TestApp {
    TestApp::start_with(|s| {
        s.webhooks.allow_private_targets = true;
        s.webhooks.retry_schedule = vec![0, 1];
    })
}

/// An API inbox whose callback URL is `url`; returns its id and secret.
fn api_inbox(t: &TestApp, url: &str) -> (i64, String) {
    let inbox = t
        .admin()
        .post(
            &t.account_path("/inboxes"),
            json!({"name": "Custom", "channel": {"type": "api", "webhook_url": url}}),
        )
        .expect(200)
        .json();
    (
        inbox["id"].as_i64().unwrap(),
        inbox["hmac_token"]
            .as_str()
            .expect("admins see the secret")
            .to_string(),
    )
}

fn message_path(t: &TestApp, conversation: i64) -> String {
    t.account_path(&format!("/conversations/{conversation}/messages"))
}

/// The message as the agent sees it in the conversation.
fn shown(t: &TestApp, conversation: i64, id: &Value) -> Value {
    let list = t
        .admin()
        .get(&message_path(t, conversation))
        .expect(200)
        .json();
    list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| &m["id"] == id)
        .cloned()
        .expect("the message is listed")
}

/// Polls the message until its status is `status` (at most 10 s).
#[track_caller]
fn wait_status(t: &TestApp, conversation: i64, id: &Value, status: &str) -> Value {
    for _ in 0..200 {
        let message = shown(t, conversation, id);
        if message["status"] == status {
            return message;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("message {id} never became {status}");
}

#[test]
fn outgoing_messages_reach_the_callback_url_signed_and_become_sent() {
    let t = app();
    let receiver = Receiver::start();
    let (inbox, secret) = api_inbox(&t, &receiver.url);
    let conversation = t.conversation(inbox, t.contact("alice"));
    let path = message_path(&t, conversation);
    let reply = t
        .admin()
        .post(&path, json!({"content": "Your order shipped"}))
        .expect(200)
        .json();
    assert_eq!(reply["status"], "progress", "waiting for the callback");
    t.admin()
        .post(&path, json!({"content": "internal", "private": true}))
        .expect(200);
    t.admin()
        .post(
            &path,
            json!({"content": "from the contact", "message_type": "incoming"}),
        )
        .expect(200);
    let received = receiver.wait_for(1, 10);
    let body = received[0].json();
    assert_eq!(body["event"], "message_created");
    assert_eq!(body["id"], reply["id"]);
    assert_eq!(body["content"], "Your order shipped");
    assert!(
        verify(&secret, &received[0]),
        "signed with the inbox's secret"
    );
    wait_status(&t, conversation, &reply["id"], "sent");
    receiver.assert_stays_at(1, 2);
}

#[test]
fn a_callback_that_keeps_failing_marks_the_message_failed_with_the_error() {
    let t = app();
    let receiver = Receiver::start();
    receiver.answer(502);
    let (inbox, _) = api_inbox(&t, &receiver.url);
    let conversation = t.conversation(inbox, t.contact("alice"));
    let reply = t
        .admin()
        .post(
            &message_path(&t, conversation),
            json!({"content": "Hello?"}),
        )
        .expect(200)
        .json();
    receiver.wait_for(2, 10);
    let failed = wait_status(&t, conversation, &reply["id"], "failed");
    let error = failed["content_attributes"]["external_error"]
        .as_str()
        .unwrap();
    assert!(error.contains("502"), "{error}");
    assert!(t.event_names().contains(&"message_updated".to_string()));
}
