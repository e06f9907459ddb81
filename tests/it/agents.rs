//! Agents of a workspace over HTTP: adding, changing and removing them.

use deskwoot::domain::{conversations, messages};
use serde_json::json;

use crate::fixtures::{agent_bob, conversation, detail_fields, read_only};
use crate::support::TestApp;

#[test]
fn an_added_agent_gets_a_password_shown_once_and_can_sign_in_with_it() {
    let t = TestApp::start();
    let admin = t.admin();
    let agents = t.account_path("/agents");
    let bob = admin
        .post(
            &agents,
            json!({"name": "Bob", "email": "Bob@Acme.test", "role": "agent", "availability": "busy"}),
        )
        .expect(200)
        .json();
    assert_eq!(bob["name"], "Bob");
    assert_eq!(bob["email"], "bob@acme.test");
    assert_eq!(bob["role"], "agent");
    assert_eq!(bob["availability_status"], "busy");
    assert_eq!(bob["account_id"], t.account_id);
    let password = bob["initial_password"]
        .as_str()
        .expect("a generated password");

    t.anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "bob@acme.test", "password": password}),
        )
        .expect(200);
    let list = admin.get(&agents).expect(200);
    assert!(!list.text.contains(password), "the list must not show it");
    let list = list.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice Admin", "Bob"]);

    // A password the administrator chose is not echoed back.
    let carol = admin
        .post(
            &agents,
            json!({"agent": {"name": "Carol", "email": "carol@acme.test", "role": "administrator", "password": "a long enough secret"}}),
        )
        .expect(200)
        .json();
    assert_eq!(carol["role"], "administrator");
    assert!(carol.get("initial_password").is_none(), "{carol}");
}

#[test]
fn a_person_with_an_account_joins_with_their_own_password() {
    let t = TestApp::start();
    let (_, gina) = t.other_workspace();
    let agents = t.account_path("/agents");
    let error = t
        .admin()
        .post(
            &agents,
            json!({"name": "Gina", "email": gina.email, "password": "chosen for her by us"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["password"]);
    assert_eq!(t.count("workspace_users"), 2);

    let joined = t
        .admin()
        .post(&agents, json!({"name": "Gina", "email": gina.email}))
        .expect(200)
        .json();
    assert_eq!(joined["id"], gina.id);
    assert_eq!(joined["name"], "Gina Globex");
    assert_eq!(joined["role"], "agent");
    assert!(joined.get("initial_password").is_none(), "{joined}");
}

#[test]
fn agents_are_updated() {
    let t = TestApp::start();
    let bob = agent_bob(&t);
    let path = t.account_path(&format!("/agents/{}", bob.id));
    let updated = t
        .admin()
        .patch(
            &path,
            json!({"name": "Robert", "role": "administrator", "availability": "online"}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["id"], bob.id);
    assert_eq!(updated["name"], "Robert");
    assert_eq!(updated["role"], "administrator");
    assert_eq!(updated["availability_status"], "online");
    let updated = t
        .admin()
        .put(&path, json!({"agent": {"role": "agent"}}))
        .expect(200)
        .json();
    assert_eq!(updated["role"], "agent");
    assert_eq!(updated["name"], "Robert");
}

#[test]
fn bad_agent_fields_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let admin = t.admin();
    let agents = t.account_path("/agents");
    let cases = [
        (json!({"name": "Bob", "email": "not an email"}), "email"),
        (json!({"email": "bob@acme.test"}), "name"),
        (
            json!({"name": "Bob", "email": "bob@acme.test", "role": "boss"}),
            "role",
        ),
        (
            json!({"name": "Bob", "email": "bob@acme.test", "availability": "away"}),
            "availability",
        ),
        (
            json!({"name": "Bob", "email": "bob@acme.test", "password": "short"}),
            "password",
        ),
        (
            json!({"name": "Bob", "email": "bob@acme.test", "auto_offline": true}),
            "body",
        ),
    ];
    for (body, field) in cases {
        let error = admin
            .post(&agents, body)
            .expect_error(422, "validation_failed");
        assert_eq!(detail_fields(&error), [field], "{error}");
    }
    assert_eq!(t.count("users"), 1);
    assert_eq!(t.count("workspace_users"), 1);

    let path = t.account_path(&format!("/agents/{}", t.admin.id));
    let error = admin
        .patch(&path, json!({"availability": "away"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["availability"]);
    let error = admin
        .patch(&path, json!({"email": "new@acme.test"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["body"]);
    // An existing agent again is a conflict.
    admin
        .post(&agents, json!({"name": "Alice", "email": t.admin.email}))
        .expect_error(409, "conflict");
    assert_eq!(t.count("workspace_users"), 1);
}

#[test]
fn removing_an_agent_unassigns_their_conversations_with_an_activity_message() {
    let t = TestApp::start();
    let bob = agent_bob(&t);
    let row = conversation(&t, Some(bob.id));
    assert_eq!(row.assignee_id, Some(bob.id));

    t.admin()
        .delete(&t.account_path(&format!("/agents/{}", bob.id)))
        .expect(204);

    let (after, activity, assigned_events) = t
        .db()
        .read_blocking(|conn| {
            let after = conversations::row(conn, row.id)?;
            let all = messages::list(conn, row.id, Default::default(), true)?;
            let events: i64 = conn.query_row(
                "SELECT count(*) FROM events WHERE name = 'conversation_assigned' AND conversation_id = ?1",
                [row.id],
                |r| r.get(0),
            )?;
            Ok((after, all.into_iter().filter_map(|m| m.content).collect::<Vec<_>>(), events))
        })
        .expect("read back");
    assert_eq!(after.assignee_id, None);
    assert!(
        activity
            .iter()
            .any(|c| c == "Conversation was unassigned by Alice Admin"),
        "{activity:?}"
    );
    assert_eq!(assigned_events, 1);

    let list = t.admin().get(&t.account_path("/agents")).expect(200).json();
    assert!(
        list.as_array().unwrap().iter().all(|a| a["id"] != bob.id),
        "{list}"
    );
    // Their tokens for the workspace went with them.
    t.with_token(&bob.token)
        .get(&t.account_path("/teams"))
        .expect_error(401, "unauthenticated");
}

#[test]
fn the_last_administrator_cannot_be_removed_or_demoted() {
    let t = TestApp::start();
    let admin = t.admin();
    let me = t.account_path(&format!("/agents/{}", t.admin.id));
    admin.delete(&me).expect_error(409, "conflict");
    admin
        .patch(&me, json!({"role": "agent"}))
        .expect_error(409, "conflict");
    let list = admin.get(&t.account_path("/agents")).expect(200).json();
    assert_eq!(list[0]["role"], "administrator");

    // With another administrator, one may leave.
    let carol = admin
        .post(
            &t.account_path("/agents"),
            json!({"name": "Carol", "email": "carol@acme.test", "role": "administrator"}),
        )
        .expect(200)
        .json();
    admin.delete(&me).expect(204);
    assert_eq!(t.count("workspace_users"), 1);
    let remaining: i64 = t
        .db()
        .read_blocking(
            |c| Ok(c.query_row("SELECT user_id FROM workspace_users", [], |r| r.get(0))?),
        )
        .unwrap();
    assert_eq!(remaining, carol["id"].as_i64().unwrap());
}

#[test]
fn only_administrators_change_agents() {
    let t = TestApp::start();
    let bob = agent_bob(&t);
    let agent = t.with_token(&bob.token);
    let reader = read_only(&t);
    let admin_path = t.account_path(&format!("/agents/{}", t.admin.id));
    for client in [&agent, &reader] {
        let body = client
            .post(
                &t.account_path("/agents"),
                json!({"name": "Eve", "email": "eve@acme.test"}),
            )
            .expect_error(403, "insufficient_scope");
        assert_eq!(body["required_scope"], "agents:write");
        client
            .patch(&admin_path, json!({"role": "agent"}))
            .expect_error(403, "insufficient_scope");
        client
            .delete(&admin_path)
            .expect_error(403, "insufficient_scope");
        client.get(&t.account_path("/agents")).expect(200);
    }
    // Not even themselves.
    agent
        .delete(&t.account_path(&format!("/agents/{}", bob.id)))
        .expect_error(403, "insufficient_scope");
    assert_eq!(t.count("workspace_users"), 2);
}

#[test]
fn another_workspaces_agents_are_not_found() {
    let t = TestApp::start();
    let (_, gina) = t.other_workspace();
    let path = t.account_path(&format!("/agents/{}", gina.id));
    t.admin()
        .patch(&path, json!({"name": "Renamed"}))
        .expect_error(404, "not_found");
    t.admin().delete(&path).expect_error(404, "not_found");
    let name: String = t
        .db()
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT name FROM users WHERE id = ?1", [gina.id], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(name, "Gina Globex");
}
