//! Teams and their members over HTTP.

use serde_json::json;

use crate::fixtures::{
    agent_bob, assert_foreign_item_hidden, assert_writes_refused, detail_fields, read_only,
};
use crate::support::TestApp;

#[test]
fn teams_are_created_listed_shown_updated_and_deleted() {
    let t = TestApp::start();
    let admin = t.admin();
    let team = admin
        .post(
            &t.account_path("/teams"),
            json!({"name": " Billing ", "description": "Invoices and refunds"}),
        )
        .expect(200)
        .json();
    assert_eq!(team["name"], "Billing");
    assert_eq!(team["description"], "Invoices and refunds");
    assert_eq!(team["allow_auto_assign"], true);
    assert_eq!(team["account_id"], t.account_id);
    assert_eq!(team["is_member"], false);
    let path = t.account_path(&format!("/teams/{}", team["id"]));

    let list = admin.get(&t.account_path("/teams")).expect(200).json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["name"], "Billing");

    // Chatwoot clients may nest the fields under the resource's name.
    let updated = admin
        .patch(&path, json!({"team": {"allow_auto_assign": false}}))
        .expect(200)
        .json();
    assert_eq!(updated["allow_auto_assign"], false);
    assert_eq!(updated["name"], "Billing");
    let renamed = admin
        .put(&path, json!({"name": "Finance"}))
        .expect(200)
        .json();
    assert_eq!(renamed["name"], "Finance");
    assert_eq!(admin.get(&path).expect(200).json()["name"], "Finance");

    assert_eq!(admin.delete(&path).expect(204).text, "");
    admin.get(&path).expect_error(404, "not_found");
    assert_eq!(t.count("teams"), 0);
}

#[test]
fn team_members_are_added_replaced_and_removed() {
    let t = TestApp::start();
    let bob = agent_bob(&t);
    let admin = t.admin();
    let team = admin
        .post(&t.account_path("/teams"), json!({"name": "Support"}))
        .expect(200)
        .json();
    let members = t.account_path(&format!("/teams/{}/team_members", team["id"]));

    let added = admin
        .post(&members, json!({"user_ids": [bob.id]}))
        .expect(200)
        .json();
    assert_eq!(added.as_array().map(Vec::len), Some(1), "{added}");
    assert_eq!(added[0]["id"], bob.id);
    assert_eq!(added[0]["role"], "agent");
    // Adding answers with the agents just added, not the whole team.
    let added = admin
        .post(&members, json!({"user_ids": [t.admin.id]}))
        .expect(200)
        .json();
    assert_eq!(added.as_array().map(Vec::len), Some(1), "{added}");
    assert_eq!(
        admin
            .get(&members)
            .expect(200)
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // `is_member` is about the caller.
    let as_admin = admin.get(&t.account_path("/teams")).expect(200).json();
    assert_eq!(as_admin[0]["is_member"], true);
    let replaced = admin
        .patch(&members, json!({"user_ids": [bob.id]}))
        .expect(200)
        .json();
    assert_eq!(replaced.as_array().map(Vec::len), Some(1), "{replaced}");
    assert_eq!(replaced[0]["id"], bob.id);
    let as_admin = admin.get(&t.account_path("/teams")).expect(200).json();
    assert_eq!(as_admin[0]["is_member"], false);
    let as_bob = t
        .with_token(&bob.token)
        .get(&t.account_path("/teams"))
        .expect(200)
        .json();
    assert_eq!(as_bob[0]["is_member"], true);

    admin
        .json("DELETE", &members, json!({"user_ids": [bob.id]}))
        .expect(204);
    assert_eq!(admin.get(&members).expect(200).json(), json!([]));
}

#[test]
fn bad_team_fields_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let admin = t.admin();
    let teams = t.account_path("/teams");
    let body = admin
        .post(&teams, json!({"name": "   "}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["name"]);
    let body = admin
        .post(&teams, json!({"name": "x".repeat(101)}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["name"]);
    let body = admin
        .post(&teams, json!({"name": "Sales", "colour": "red"}))
        .expect_error(422, "validation_failed");
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{body}"
    );
    let body = admin
        .post(&teams, json!({"name": "Sales", "allow_auto_assign": "yes"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["body"]);
    assert_eq!(t.count("teams"), 0);

    let team = admin
        .post(&teams, json!({"name": "Sales"}))
        .expect(200)
        .json();
    let body = admin
        .post(&teams, json!({"name": "SALES"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["name"]);
    let members = t.account_path(&format!("/teams/{}/team_members", team["id"]));
    let body = admin
        .post(&members, json!({"user_ids": [t.admin.id, 999_999]}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["user_ids"]);
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("999999")
    );
    assert_eq!(t.count("teams"), 1);
    assert_eq!(t.count("team_members"), 0);
}

#[test]
fn another_workspaces_teams_are_not_found() {
    let t = TestApp::start();
    let path = assert_foreign_item_hidden(&t, "/teams", json!({"name": "Globex team"}));
    let members = format!("{path}/team_members");
    let admin = t.admin();
    admin.get(&members).expect_error(404, "not_found");
    admin
        .post(&members, json!({"user_ids": [t.admin.id]}))
        .expect_error(404, "not_found");
    assert_eq!(t.count("team_members"), 0);
}

#[test]
fn agents_and_read_tokens_cannot_change_teams() {
    let t = TestApp::start();
    let team = t
        .admin()
        .post(&t.account_path("/teams"), json!({"name": "Support"}))
        .expect(200)
        .json();
    let path = t.account_path(&format!("/teams/{}", team["id"]));
    let agent = t.with_token(&agent_bob(&t).token);
    for client in [&agent, &read_only(&t)] {
        let body = json!({"name": "Rogue"});
        assert_writes_refused(
            client,
            &t.account_path("/teams"),
            &path,
            body,
            "teams:write",
        );
        client
            .post(
                &format!("{path}/team_members"),
                json!({"user_ids": [t.admin.id]}),
            )
            .expect_error(403, "insufficient_scope");
    }
    assert_eq!(t.count("teams"), 1);
    assert_eq!(t.count("team_members"), 0);
}
