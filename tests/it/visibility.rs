//! Who sees what: agents only their inboxes' conversations, read tokens no
//! writes, other workspaces nothing; and every list query uses an index.

use deskwoot::auth::Role;
use serde_json::json;

use crate::support::TestApp;

#[test]
fn an_agent_sees_only_the_inboxes_they_are_a_member_of() {
    let t = TestApp::start();
    let (support, vip) = (t.inbox("Support", "api"), t.inbox("VIP", "api"));
    let alice = t.contact("Alice");
    let theirs = t.conversation(support, alice);
    let hidden = t.conversation(vip, alice);
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{hidden}/messages")),
            json!({"content": "secret vip refund", "message_type": "incoming"}),
        )
        .expect(200);
    let bob = t.person("bob", Role::Agent, "read conversations:write");
    t.admin()
        .post(
            &t.account_path("/inbox_members"),
            json!({"inbox_id": support, "user_ids": [bob.id]}),
        )
        .expect(200);
    let agent = t.with_token(&bob.token);

    let listed = agent
        .get(&t.account_path("/conversations"))
        .expect(200)
        .json();
    let ids: Vec<i64> = listed["data"]["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![theirs]);
    assert_eq!(listed["data"]["meta"]["all_count"], 1);
    let inboxes = agent.get(&t.account_path("/inboxes")).expect(200).json();
    assert_eq!(inboxes["payload"].as_array().unwrap().len(), 1);
    assert!(
        inboxes["payload"][0].get("hmac_token").is_none(),
        "agents never see inbox secrets"
    );

    for path in [
        format!("/conversations/{hidden}"),
        format!("/conversations/{hidden}/messages"),
        format!("/inboxes/{vip}"),
    ] {
        agent
            .get(&t.account_path(&path))
            .expect_error(404, "not_found");
    }
    agent
        .post(
            &t.account_path(&format!("/conversations/{hidden}/toggle_status")),
            json!({}),
        )
        .expect_error(404, "not_found");
    let search = agent
        .get(&t.account_path("/search/messages?q=refund"))
        .expect(200)
        .json();
    assert_eq!(search["payload"]["messages"], json!([]));
    agent
        .post(
            &t.account_path("/conversations"),
            json!({"inbox_id": vip, "contact_id": alice}),
        )
        .expect_error(422, "validation_failed");

    // Once a member, the agent sees it.
    t.admin()
        .post(
            &t.account_path("/inbox_members"),
            json!({"inbox_id": vip, "user_ids": [bob.id]}),
        )
        .expect(200);
    agent
        .get(&t.account_path(&format!("/conversations/{hidden}")))
        .expect(200);
    // An agent cannot manage inboxes.
    agent
        .post(
            &t.account_path("/inboxes"),
            json!({"name": "Mine", "channel": {"type": "api"}}),
        )
        .expect_error(403, "insufficient_scope");
}

#[test]
fn a_read_token_gets_403_on_every_write() {
    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let alice = t.contact("Alice");
    let id = t.conversation(inbox, alice);
    let message = t
        .admin()
        .post(
            &t.account_path(&format!("/conversations/{id}/messages")),
            json!({"content": "hi"}),
        )
        .expect(200)
        .json()["id"]
        .clone();
    let secret = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "ro", "scopes": "read"}),
        )
        .expect(201)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let reader = t.with_token(&secret);
    let c = format!("/conversations/{id}");
    // Well-formed bodies, so the only thing wrong is the scope.
    let writes = [
        (
            "POST",
            "/inboxes".to_string(),
            json!({"name": "x", "channel": {"type": "api"}}),
        ),
        ("PATCH", format!("/inboxes/{inbox}"), json!({"name": "x"})),
        ("DELETE", format!("/inboxes/{inbox}"), json!({})),
        (
            "POST",
            "/inbox_members".to_string(),
            json!({"inbox_id": inbox, "user_ids": []}),
        ),
        (
            "POST",
            "/conversations".to_string(),
            json!({"inbox_id": inbox, "contact_id": alice}),
        ),
        ("PATCH", c.clone(), json!({"priority": "low"})),
        ("DELETE", c.clone(), json!({})),
        ("POST", format!("{c}/toggle_status"), json!({})),
        (
            "POST",
            format!("{c}/toggle_priority"),
            json!({"priority": "low"}),
        ),
        (
            "POST",
            format!("{c}/assignments"),
            json!({"assignee_id": null}),
        ),
        ("POST", format!("{c}/labels"), json!({"labels": []})),
        (
            "POST",
            format!("{c}/custom_attributes"),
            json!({"custom_attributes": {}}),
        ),
        ("POST", format!("{c}/update_last_seen"), json!({})),
        ("POST", format!("{c}/unread"), json!({})),
        ("POST", format!("{c}/mute"), json!({})),
        ("POST", format!("{c}/unmute"), json!({})),
        ("POST", format!("{c}/messages"), json!({"content": "x"})),
        (
            "PATCH",
            format!("{c}/messages/{message}"),
            json!({"content": "x"}),
        ),
        ("DELETE", format!("{c}/messages/{message}"), json!({})),
        (
            "POST",
            "/bulk_actions".to_string(),
            json!({"type": "Conversation", "ids": [id]}),
        ),
    ];
    let events = t.count("events");
    for (method, path, body) in writes {
        let response = reader.json(method, &t.account_path(&path), body);
        assert_eq!(response.status, 403, "{method} {path}: {}", response.text);
        assert_eq!(
            response.json()["error"],
            "insufficient_scope",
            "{method} {path}"
        );
    }
    assert_eq!(t.count("events"), events);
    reader.get(&t.account_path(&c)).expect(200);
}

#[test]
fn muting_keeps_a_resolved_conversation_resolved() {
    let t = TestApp::start();
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Spammy"));
    let path = t.account_path(&format!("/conversations/{id}"));
    t.admin()
        .post(
            &format!("{path}/toggle_status"),
            json!({"status": "resolved"}),
        )
        .expect(200);
    let muted = t
        .admin()
        .post(&format!("{path}/mute"), json!({}))
        .expect(200)
        .json();
    assert_eq!(muted["muted"], true);
    t.admin()
        .post(
            &format!("{path}/messages"),
            json!({"content": "buy now", "message_type": "incoming"}),
        )
        .expect(200);
    assert_eq!(t.admin().get(&path).json()["status"], "resolved");
    t.admin()
        .post(&format!("{path}/unmute"), json!({}))
        .expect(200);
    t.admin()
        .post(
            &format!("{path}/messages"),
            json!({"content": "real question", "message_type": "incoming"}),
        )
        .expect(200);
    assert_eq!(t.admin().get(&path).json()["status"], "open");
}

/// SQL statements seen by the tracing connection of the query-plan test.
static TRACED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn record_statement(event: rusqlite::trace::TraceEvent<'_>) {
    if let rusqlite::trace::TraceEvent::Stmt(stmt, sql) = event {
        TRACED
            .lock()
            .unwrap()
            .push(stmt.expanded_sql().unwrap_or_else(|| sql.to_string()));
    }
}

/// Runs the real list and search queries on a traced connection, then
/// checks the plan of every SELECT they ran: none may scan a whole
/// conversations, messages or contacts table.
#[test]
fn list_and_search_queries_never_scan_whole_tables() {
    use deskwoot::domain::conversations::{ListQuery, Viewer, list};
    use deskwoot::domain::{contacts, messages, search};

    let t = TestApp::start();
    let inbox = t.inbox("Support", "api");
    let id = t.conversation(inbox, t.contact("Alice"));
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{id}/messages")),
            json!({"content": "hello"}),
        )
        .expect(200);
    let conn = rusqlite::Connection::open(t.db().path()).unwrap();
    let row = conn
        .query_row(
            "SELECT id FROM conversations WHERE display_id = ?1",
            [id],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    let admin = Viewer {
        workspace_id: t.account_id,
        user_id: t.admin.id,
        all_inboxes: true,
    };
    let agent = Viewer {
        all_inboxes: false,
        ..admin
    };
    let queries = [
        ListQuery::default(),
        ListQuery {
            assignee_type: Some("me".into()),
            ..Default::default()
        },
        ListQuery {
            assignee_type: Some("unassigned".into()),
            status: Some("all".into()),
            ..Default::default()
        },
        ListQuery {
            inbox_id: Some(inbox),
            ..Default::default()
        },
        ListQuery {
            team_id: Some(1),
            ..Default::default()
        },
        ListQuery {
            labels: vec!["vip".into()],
            ..Default::default()
        },
        ListQuery {
            q: Some("hello".into()),
            ..Default::default()
        },
        ListQuery {
            contact_id: Some(1),
            status: Some("all".into()),
            ..Default::default()
        },
    ];
    conn.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(record_statement),
    );
    for query in &queries {
        for viewer in [&admin, &agent] {
            list::list(
                &conn,
                viewer,
                &ListQuery {
                    page: 1,
                    ..query.clone()
                },
            )
            .unwrap();
        }
    }
    messages::list(
        &conn,
        row,
        messages::Cursor {
            before: Some(1_000),
            after: None,
        },
        true,
    )
    .unwrap();
    search::messages(&conn, &agent, "hello", 1).unwrap();
    search::conversations(&conn, &agent, "alice", 1).unwrap();
    search::contacts(&conn, t.account_id, "ali", 1).unwrap();
    for sort in ["name", "-last_activity_at", "created_at"] {
        let mut w = deskwoot::domain::query::Where::default();
        contacts::restrict(&mut w, t.account_id);
        contacts::page(&conn, &w, Some(sort), 1).unwrap();
    }
    conn.trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);

    let statements: Vec<String> = std::mem::take(&mut *TRACED.lock().unwrap());
    let selects: Vec<&String> = statements
        .iter()
        .filter(|s| s.trim_start().starts_with("SELECT"))
        .collect();
    assert!(
        selects.len() > 20,
        "the trace caught the queries: {}",
        selects.len()
    );
    for sql in selects {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // "SCAN x" reads every row of x (even "USING INDEX" reads the whole
        // index); "SEARCH x" reads a range. FTS virtual tables are searches.
        let full_scan = plan.iter().find(|step| {
            let mut words = step.split_whitespace();
            words.next() == Some("SCAN")
                && words.next().is_some_and(|t| {
                    ["conversations", "messages", "contacts", "c", "m", "ct"].contains(&t)
                })
                && !step.contains("VIRTUAL TABLE")
        });
        assert!(full_scan.is_none(), "full scan in {sql}: {plan:?}");
    }
}
