//! The conversation list: tabs and their counts, filters, sorting, paging,
//! search and bulk actions.

use serde_json::{Value, json};

use crate::support::TestApp;

fn list(t: &TestApp, query: &str) -> Value {
    t.admin()
        .get(&t.account_path(&format!("/conversations{query}")))
        .expect(200)
        .json()["data"]
        .clone()
}

fn ids(page: &Value) -> Vec<i64> {
    page["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn post(t: &TestApp, path: &str, body: Value) -> Value {
    t.admin()
        .post(&t.account_path(path), body)
        .expect(200)
        .json()
}

#[test]
fn tabs_count_mine_unassigned_and_all_and_filters_narrow_the_list() {
    let t = TestApp::start();
    let (support, sales) = (t.inbox("Support", "api"), t.inbox("Sales", "api"));
    let alice = t.contact("Alice");
    let a = t.conversation(support, alice);
    let b = t.conversation(support, alice);
    let c = t.conversation(sales, alice);
    let d = t.conversation(sales, alice);
    post(
        &t,
        &format!("/conversations/{a}/assignments"),
        json!({"assignee_id": t.admin.id}),
    );
    post(
        &t,
        &format!("/conversations/{b}/labels"),
        json!({"labels": ["billing"]}),
    );
    post(
        &t,
        &format!("/conversations/{c}/toggle_status"),
        json!({"status": "pending"}),
    );
    post(
        &t,
        &format!("/conversations/{d}/toggle_status"),
        json!({"status": "resolved"}),
    );

    let open = list(&t, "");
    assert_eq!(open["meta"]["all_count"], 2, "open is the default status");
    assert_eq!(open["meta"]["mine_count"], 1);
    assert_eq!(open["meta"]["unassigned_count"], 1);
    assert_eq!(open["meta"]["assigned_count"], 1);
    assert_eq!(open["meta"]["per_page"], 25);
    assert_eq!(open["meta"]["current_page"], 1);
    assert_eq!(open["meta"]["total_count"], 2);

    assert_eq!(ids(&list(&t, "?assignee_type=me")), vec![a]);
    assert_eq!(ids(&list(&t, "?assignee_type=unassigned")), vec![b]);
    assert_eq!(list(&t, "?assignee_type=me")["meta"]["total_count"], 1);
    assert_eq!(ids(&list(&t, "?status=pending")), vec![c]);
    assert_eq!(list(&t, "?status=all")["meta"]["all_count"], 4);
    assert_eq!(
        ids(&list(
            &t,
            &format!("?status=all&inbox_id={sales}&sort_by=created_at_asc")
        )),
        vec![c, d]
    );
    assert_eq!(ids(&list(&t, "?status=all&labels[]=billing")), vec![b]);
    let meta = t
        .admin()
        .get(&t.account_path("/conversations/meta?status=all"))
        .expect(200)
        .json();
    assert_eq!(meta["meta"]["all_count"], 4);

    t.admin()
        .get(&t.account_path("/conversations?status=closed"))
        .expect_error(422, "validation_failed");
    t.admin()
        .get(&t.account_path("/conversations?sort_by=random"))
        .expect_error(422, "validation_failed");
    t.admin()
        .get(&t.account_path("/conversations?page=0"))
        .expect_error(422, "validation_failed");
    t.admin()
        .get(&t.account_path("/conversations?page=abc"))
        .expect_error(400, "bad_request");
}

#[test]
fn pages_hold_twenty_five_and_sort_by_priority() {
    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let alice = t.contact("Alice");
    let all: Vec<i64> = (0..30).map(|_| t.conversation(inbox, alice)).collect();
    post(
        &t,
        &format!("/conversations/{}/toggle_priority", all[3]),
        json!({"priority": "urgent"}),
    );
    post(
        &t,
        &format!("/conversations/{}/toggle_priority", all[7]),
        json!({"priority": "low"}),
    );
    let first = list(&t, "?sort_by=priority_desc");
    assert_eq!(ids(&first).len(), 25);
    assert_eq!(ids(&first)[0], all[3]);
    assert_eq!(ids(&first)[1], all[7]);
    let second = list(&t, "?page=2");
    assert_eq!(ids(&second).len(), 5);
    assert_eq!(second["meta"]["current_page"], 2);
    assert_eq!(second["meta"]["total_count"], 30);
}

#[test]
fn search_finds_messages_by_a_word_and_q_filters_the_list() {
    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let refund = t.conversation(inbox, t.contact("Alice"));
    let other = t.conversation(inbox, t.contact("Bruno"));
    let path = |id: i64| format!("/conversations/{id}/messages");
    post(
        &t,
        &path(refund),
        json!({"content": "My refund never arrived", "message_type": "incoming"}),
    );
    post(
        &t,
        &path(refund),
        json!({"content": "Escalate the refund to finance", "private": true}),
    );
    post(
        &t,
        &path(other),
        json!({"content": "How do I change my password?", "message_type": "incoming"}),
    );

    let found = t
        .admin()
        .get(&t.account_path("/search/messages?q=refund"))
        .expect(200)
        .json();
    let contents: Vec<&str> = found["payload"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents.len(),
        2,
        "agents find private notes too: {contents:?}"
    );
    assert_eq!(
        ids(&list(&t, "?q=refunds")),
        Vec::<i64>::new(),
        "whole-word prefixes only"
    );
    assert_eq!(ids(&list(&t, "?q=refu")), vec![refund]);

    let everything = t
        .admin()
        .get(&t.account_path("/search?q=bruno"))
        .expect(200)
        .json();
    assert_eq!(everything["payload"]["contacts"][0]["name"], "Bruno");
    assert_eq!(everything["payload"]["conversations"][0]["id"], other);
    let by_id = t
        .admin()
        .get(&t.account_path(&format!("/search/conversations?q={refund}")))
        .expect(200)
        .json();
    assert_eq!(by_id["payload"]["conversations"][0]["id"], refund);
    t.admin()
        .get(&t.account_path("/search/messages?q=%22%29"))
        .expect_error(422, "validation_failed");
    t.admin()
        .get(&t.account_path("/search/widgets?q=x"))
        .expect_error(404, "not_found");

    // Contacts never see private notes in their view of the conversation.
    let visible = t
        .db()
        .read_blocking(|c| {
            let row = c.query_row(
                "SELECT id FROM conversations WHERE display_id = ?1",
                [refund],
                |r| r.get::<_, i64>(0),
            )?;
            deskwoot::domain::messages::list(c, row, Default::default(), false)
        })
        .unwrap();
    assert!(visible.iter().all(|m| !m.private && m.message_type != 2));
    assert_eq!(visible.len(), 1);
}

#[test]
fn bulk_actions_change_many_conversations_at_once_or_none() {
    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let alice = t.contact("Alice");
    let ids: Vec<i64> = (0..3).map(|_| t.conversation(inbox, alice)).collect();
    let done = post(
        &t,
        "/bulk_actions",
        json!({"type": "Conversation", "ids": ids, "fields": {"status": "resolved", "assignee_id": t.admin.id},
               "labels": {"add": ["spam"]}}),
    );
    assert_eq!(done["count"], 3);
    for id in &ids {
        let c = t
            .admin()
            .get(&t.account_path(&format!("/conversations/{id}")))
            .json();
        assert_eq!(c["status"], "resolved");
        assert_eq!(c["meta"]["assignee"]["id"], t.admin.id);
        assert_eq!(c["labels"], json!(["spam"]));
    }
    let events = t.count("events");
    let refused = t
        .admin()
        .post(
            &t.account_path("/bulk_actions"),
            json!({"type": "Conversation", "ids": [ids[0], 999], "fields": {"status": "open"}}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(refused["details"][0]["field"], "ids");
    assert_eq!(t.count("events"), events, "nothing changed");
    let first = t
        .admin()
        .get(&t.account_path(&format!("/conversations/{}", ids[0])))
        .json();
    assert_eq!(first["status"], "resolved");

    let bulk = t.admin().post(
        &t.account_path("/bulk_actions"),
        json!({"type": "Conversation", "ids": [ids[1]], "labels": {"remove": ["spam"]}}),
    );
    assert_eq!(bulk.header("ratelimit-policy"), Some("\"bulk\";q=600;w=60"));
    bulk.expect(200);
}

#[test]
fn the_filter_endpoint_takes_chatwoots_payload() {
    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let alice = t.contact("Alice");
    let urgent = t.conversation(inbox, alice);
    let resolved = t.conversation(inbox, alice);
    let plain = t.conversation(inbox, alice);
    post(
        &t,
        &format!("/conversations/{urgent}/toggle_priority"),
        json!({"priority": "urgent"}),
    );
    post(
        &t,
        &format!("/conversations/{resolved}/toggle_status"),
        json!({"status": "resolved"}),
    );
    let filtered = t
        .admin()
        .post(
            &t.account_path("/conversations/filter"),
            json!({"payload": [
                {"attribute_key": "priority", "filter_operator": "equal_to", "values": ["urgent"], "query_operator": "OR"},
                {"attribute_key": "status", "filter_operator": "equal_to", "values": ["resolved"]}
            ]}),
        )
        .expect(200)
        .json();
    let mut found = ids(&filtered);
    found.sort();
    assert_eq!(found, vec![urgent, resolved]);
    assert!(!found.contains(&plain));
    assert_eq!(filtered["meta"]["all_count"], 2);
    let bad = t
        .admin()
        .post(
            &t.account_path("/conversations/filter"),
            json!({"payload": [{"attribute_key": "mood", "filter_operator": "equal_to", "values": ["happy"]}]}),
        )
        .expect_error(422, "validation_failed");
    assert!(
        bad["details"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("payload[0]")
    );
}
