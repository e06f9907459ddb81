//! A working day in the inbox: conversations are created, written in,
//! replied to, assigned, labelled, snoozed, resolved and reopened.

use serde_json::{Value, json};

use crate::support::TestApp;

/// An API inbox, a contact and a conversation with a first incoming message.
fn conversation_with_a_question(t: &TestApp) -> (i64, i64) {
    let inbox = t.inbox("Mobile app", "api");
    let alice = t.contact("Alice");
    let id = t.conversation(inbox, alice);
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{id}/messages")),
            json!({"content": "Where is my refund?", "message_type": "incoming"}),
        )
        .expect(200);
    (inbox, id)
}

fn activity_lines(t: &TestApp, id: i64) -> Vec<String> {
    let messages = t
        .admin()
        .get(&t.account_path(&format!("/conversations/{id}/messages")))
        .expect(200)
        .json();
    messages["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_conversation_is_created_with_chatwoots_shape_and_per_workspace_ids() {
    let t = TestApp::start();
    let inbox = t.inbox("Mobile app", "api");
    let alice = t.contact("Alice");
    let created = t
        .admin()
        .post(
            &t.account_path("/conversations"),
            json!({"inbox_id": inbox, "contact_id": alice, "message": {"content": "Hello from support"},
                   "custom_attributes": {"plan": "pro"}, "additional_attributes": {"referer": "https://acme.test/pricing"}}),
        )
        .expect(200)
        .json();
    assert_eq!(created["id"], 1, "display ids count per workspace");
    assert_eq!(created["status"], "open");
    assert_eq!(created["inbox_id"], inbox);
    assert_eq!(created["meta"]["sender"]["name"], "Alice");
    assert_eq!(created["meta"]["channel"], "Channel::Api");
    assert_eq!(created["custom_attributes"]["plan"], "pro");
    assert_eq!(created["messages"][0]["content"], "Hello from support");
    assert_eq!(created["messages"][0]["message_type"], 1);
    assert!(created["contact_inbox"]["source_id"].as_str().is_some());
    let second = t.conversation(inbox, alice);
    assert_eq!(second, 2);

    let (other_id, other_admin) = t.other_workspace();
    let db = t.db();
    let other_contact = db
        .write_blocking(|tx| {
            let fields = deskwoot::domain::contacts::ContactFields {
                name: Some("Olga".into()),
                ..Default::default()
            };
            Ok(deskwoot::domain::contacts::create(tx, other_id, fields)?.id)
        })
        .unwrap();
    let other_inbox = t
        .with_token(&other_admin.token)
        .post(
            &format!("/api/v1/accounts/{other_id}/inboxes"),
            json!({"name": "Theirs", "channel": {"type": "api"}}),
        )
        .expect(200)
        .json()["id"]
        .as_i64()
        .unwrap();
    let theirs = t
        .with_token(&other_admin.token)
        .post(
            &format!("/api/v1/accounts/{other_id}/conversations"),
            json!({"inbox_id": other_inbox, "contact_id": other_contact}),
        )
        .expect(200)
        .json();
    assert_eq!(theirs["id"], 1, "another workspace starts at 1 too");
    // Our ids are not theirs: their contact and inbox are unknown here.
    t.admin()
        .post(
            &t.account_path("/conversations"),
            json!({"inbox_id": other_inbox, "contact_id": other_contact}),
        )
        .expect_error(422, "validation_failed");
}

#[test]
fn incoming_messages_replies_and_private_notes_move_the_conversation() {
    let t = TestApp::start();
    let (_, id) = conversation_with_a_question(&t);
    let path = t.account_path(&format!("/conversations/{id}"));
    let waiting = t.admin().get(&path).expect(200).json();
    assert!(waiting["waiting_since"].as_i64().unwrap() > 0);
    assert_eq!(waiting["unread_count"], 1);
    assert_eq!(waiting["first_reply_created_at"], 0);

    let note = t
        .admin()
        .post(
            &format!("{path}/messages"),
            json!({"content": "Refund was sent on Monday", "private": true}),
        )
        .expect(200)
        .json();
    assert_eq!(note["private"], true);
    assert_eq!(note["message_type"], 1);
    let after_note = t.admin().get(&path).json();
    assert_eq!(
        after_note["first_reply_created_at"], 0,
        "a private note is not a reply"
    );

    let reply = t
        .admin()
        .post(
            &format!("{path}/messages"),
            json!({"content": "It is on its way!", "echo_id": "tmp-1"}),
        )
        .expect(200)
        .json();
    assert_eq!(reply["sender"]["type"], "user");
    assert_eq!(reply["echo_id"], "tmp-1");
    assert_eq!(reply["status"], "sent");
    let replied = t.admin().get(&path).json();
    assert!(replied["first_reply_created_at"].as_i64().unwrap() > 0);
    assert_eq!(replied["waiting_since"], 0, "a reply ends the wait");

    t.admin()
        .post(&format!("{path}/update_last_seen"), json!({}))
        .expect(200);
    assert_eq!(t.admin().get(&path).json()["unread_count"], 0);
    let unread = t
        .admin()
        .post(&format!("{path}/unread"), json!({}))
        .expect(200)
        .json();
    assert_eq!(unread["unread_count"], 1);

    let names = t.event_names();
    for expected in ["conversation_created", "message_created"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
}

#[test]
fn incoming_messages_are_only_for_api_inboxes() {
    let t = TestApp::start();
    let widget = t.inbox("Website", "web_widget");
    let id = t.conversation(widget, t.contact("Bob"));
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{id}/messages")),
            json!({"content": "pretending to be the visitor", "message_type": "incoming"}),
        )
        .expect_error(422, "validation_failed");
}

#[test]
fn status_priority_assignment_labels_and_activity_lines() {
    let t = TestApp::start();
    let (_, id) = conversation_with_a_question(&t);
    let path = t.account_path(&format!("/conversations/{id}"));

    let resolved = t
        .admin()
        .post(
            &format!("{path}/toggle_status"),
            json!({"status": "resolved"}),
        )
        .expect(200)
        .json();
    assert_eq!(resolved["payload"]["current_status"], "resolved");
    assert_eq!(resolved["payload"]["conversation_id"], id);
    let reopened = t
        .admin()
        .post(&format!("{path}/toggle_status"), json!({}))
        .expect(200)
        .json();
    assert_eq!(reopened["payload"]["current_status"], "open");

    let until = deskwoot::db::now() + 3600;
    let snoozed = t
        .admin()
        .post(
            &format!("{path}/toggle_status"),
            json!({"status": "snoozed", "snoozed_until": until}),
        )
        .expect(200)
        .json();
    assert_eq!(snoozed["payload"]["snoozed_until"], until);
    // A new message from the contact wakes a snoozed conversation.
    t.admin()
        .post(
            &format!("{path}/messages"),
            json!({"content": "Any news?", "message_type": "incoming"}),
        )
        .expect(200);
    assert_eq!(t.admin().get(&path).json()["status"], "open");

    let prioritised = t
        .admin()
        .post(
            &format!("{path}/toggle_priority"),
            json!({"priority": "urgent"}),
        )
        .expect(200)
        .json();
    assert_eq!(prioritised["priority"], "urgent");

    let assignee = t
        .admin()
        .post(
            &format!("{path}/assignments"),
            json!({"assignee_id": t.admin.id}),
        )
        .expect(200)
        .json();
    assert_eq!(assignee["id"], t.admin.id);
    assert_eq!(assignee["role"], "administrator");
    assert_eq!(
        t.admin().get(&path).json()["meta"]["assignee"]["id"],
        t.admin.id
    );

    let labels = t
        .admin()
        .post(
            &format!("{path}/labels"),
            json!({"labels": ["Billing", "vip"]}),
        )
        .expect(200)
        .json();
    assert_eq!(labels["payload"], json!(["billing", "vip"]));
    let replaced = t
        .admin()
        .post(&format!("{path}/labels"), json!({"labels": ["vip"]}))
        .expect(200)
        .json();
    assert_eq!(replaced["payload"], json!(["vip"]));
    assert_eq!(
        t.admin().get(&format!("{path}/labels")).json()["payload"],
        json!(["vip"])
    );

    let lines = activity_lines(&t, id);
    for expected in [
        "Conversation was marked resolved by Alice Admin",
        "Conversation was reopened by Alice Admin",
        "Conversation was snoozed by Alice Admin",
        "Conversation was reopened",
        "Priority was set to urgent by Alice Admin",
        "Assigned to Alice Admin by Alice Admin",
        "Labels added by Alice Admin: billing, vip",
        "Labels removed by Alice Admin: billing",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected:?} not in {lines:?}"
        );
    }

    let names = t.event_names();
    for expected in [
        "conversation_status_changed",
        "conversation_resolved",
        "conversation_assigned",
        "conversation_updated",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let payload: Value = t
        .db()
        .read_blocking(|c| {
            let text: String = c.query_row(
                "SELECT payload FROM events WHERE name = 'conversation_status_changed' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            Ok(serde_json::from_str(&text).unwrap())
        })
        .unwrap();
    assert_eq!(payload["event"], "conversation_status_changed");
    assert_eq!(payload["id"], id);
    assert_eq!(
        payload["changed_attributes"][0]["status"],
        json!({"previous_value": "open", "current_value": "resolved"})
    );
}

#[test]
fn invalid_values_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let (_, id) = conversation_with_a_question(&t);
    let path = t.account_path(&format!("/conversations/{id}"));
    let events_before = t.count("events");
    for (action, body, field) in [
        ("toggle_status", json!({"status": "closed"}), "status"),
        (
            "toggle_status",
            json!({"status": "snoozed", "snoozed_until": 1}),
            "snoozed_until",
        ),
        (
            "toggle_priority",
            json!({"priority": "critical"}),
            "priority",
        ),
        ("assignments", json!({"assignee_id": 999}), "assignee_id"),
        ("assignments", json!({"team_id": 999}), "team_id"),
        ("labels", json!({"labels": ["not a label!"]}), "labels"),
    ] {
        let body = t
            .admin()
            .post(&format!("{path}/{action}"), body)
            .expect_error(422, "validation_failed");
        assert_eq!(body["details"][0]["field"], field, "{action}: {body}");
    }
    assert_eq!(t.count("events"), events_before, "nothing was recorded");
    let unchanged = t.admin().get(&path).json();
    assert_eq!(unchanged["status"], "open");
    assert_eq!(unchanged["priority"], Value::Null);
    t.admin()
        .get(&t.account_path("/conversations/999"))
        .expect_error(404, "not_found");
    t.admin()
        .post(
            &t.account_path("/conversations/999/toggle_status"),
            json!({}),
        )
        .expect_error(404, "not_found");
}

#[test]
fn custom_attributes_are_checked_against_their_definitions() {
    let t = TestApp::start();
    let (_, id) = conversation_with_a_question(&t);
    t.db()
        .write_blocking(|tx| {
            use deskwoot::domain::custom_attributes::{self, DefinitionFields, Model};
            custom_attributes::create(
                tx,
                t.account_id,
                DefinitionFields {
                    attribute_model: Some(Model::Conversation),
                    attribute_key: Some("order_total".into()),
                    attribute_display_type: Some("number".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let path = t.account_path(&format!("/conversations/{id}/custom_attributes"));
    let body = t
        .admin()
        .post(&path, json!({"custom_attributes": {"order_total": "lots"}}))
        .expect_error(422, "validation_failed");
    assert_eq!(body["details"][0]["field"], "custom_attributes.order_total");
    let ok = t
        .admin()
        .post(
            &path,
            json!({"custom_attributes": {"order_total": 42.5, "note": "gift"}}),
        )
        .expect(200)
        .json();
    assert_eq!(
        ok["custom_attributes"],
        json!({"order_total": 42.5, "note": "gift"})
    );
}

#[test]
fn messages_page_by_cursor() {
    let t = TestApp::start();
    let inbox = t.inbox("Mobile app", "api");
    let id = t.conversation(inbox, t.contact("Carol"));
    let path = t.account_path(&format!("/conversations/{id}/messages"));
    let mut ids = Vec::new();
    for i in 0..45 {
        let m = t
            .admin()
            .post(&path, json!({"content": format!("message {i}")}))
            .expect(200)
            .json();
        ids.push(m["id"].as_i64().unwrap());
    }
    let latest = t.admin().get(&path).json()["payload"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(latest.len(), 20);
    assert_eq!(
        latest.last().unwrap()["id"],
        ids[44],
        "ascending, newest last"
    );
    let before = t.admin().get(&format!("{path}?before={}", ids[25])).json()["payload"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(before.len(), 20);
    assert_eq!(before.last().unwrap()["id"], ids[24]);
    let after = t.admin().get(&format!("{path}?after={}", ids[40])).json()["payload"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(after.len(), 4);
    assert_eq!(after[0]["id"], ids[41]);
}

#[test]
fn messages_can_be_edited_and_deleted_softly() {
    let t = TestApp::start();
    let (_, id) = conversation_with_a_question(&t);
    let path = t.account_path(&format!("/conversations/{id}/messages"));
    let sent = t
        .admin()
        .post(&path, json!({"content": "Typo herre"}))
        .expect(200)
        .json();
    let message_path = format!("{path}/{}", sent["id"]);
    let edited = t
        .admin()
        .patch(&message_path, json!({"content": "Typo here"}))
        .expect(200)
        .json();
    assert_eq!(edited["content"], "Typo here");
    let failed = t
        .admin()
        .patch(
            &message_path,
            json!({"status": "failed", "external_error": "bounced"}),
        )
        .expect(200)
        .json();
    assert_eq!(failed["content_attributes"]["external_error"], "bounced");
    t.admin()
        .patch(&message_path, json!({"status": "lost"}))
        .expect_error(422, "validation_failed");
    let deleted = t.admin().delete(&message_path).expect(200).json();
    assert_eq!(deleted["content"], "This message was deleted");
    assert_eq!(deleted["content_attributes"]["deleted"], true);
    assert!(t.event_names().iter().any(|n| n == "message_updated"));
    t.admin()
        .delete(&format!("{path}/999999"))
        .expect_error(404, "not_found");
}
