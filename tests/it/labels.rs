//! Labels over HTTP.

use deskwoot::domain::conversations::{self, Actor};
use deskwoot::domain::labels;
use serde_json::json;

use crate::fixtures::{
    agent_bob, assert_foreign_item_hidden, assert_writes_refused, conversation, detail_fields,
    read_only,
};
use crate::support::TestApp;

#[test]
fn labels_are_created_listed_shown_updated_and_deleted() {
    let t = TestApp::start();
    let admin = t.admin();
    let label = admin
        .post(
            &t.account_path("/labels"),
            json!({"title": "Billing", "description": "Money matters"}),
        )
        .expect(200)
        .json();
    assert_eq!(label["title"], "billing");
    assert_eq!(label["description"], "Money matters");
    assert_eq!(label["color"], "#1f93ff");
    assert_eq!(label["show_on_sidebar"], true);
    let path = t.account_path(&format!("/labels/{}", label["id"]));

    let list = admin.get(&t.account_path("/labels")).expect(200).json();
    assert_eq!(list["payload"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["payload"][0]["title"], "billing");

    let updated = admin
        .patch(
            &path,
            json!({"label": {"color": "#FF0000", "show_on_sidebar": false}}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["color"], "#FF0000");
    assert_eq!(updated["show_on_sidebar"], false);
    assert_eq!(
        admin
            .put(&path, json!({"description": ""}))
            .expect(200)
            .json()["description"],
        ""
    );
    assert_eq!(admin.get(&path).expect(200).json()["title"], "billing");

    admin.delete(&path).expect(204);
    admin.get(&path).expect_error(404, "not_found");
    assert_eq!(t.count("labels"), 0);
}

#[test]
fn renaming_a_label_keeps_it_on_its_conversations() {
    let t = TestApp::start();
    let row = conversation(&t, None);
    let label = t
        .admin()
        .post(&t.account_path("/labels"), json!({"title": "billing"}))
        .expect(200)
        .json();
    let admin_id = t.admin.id;
    t.db()
        .write_blocking(|tx| {
            conversations::set_labels(tx, &row, Actor::User(admin_id), &["billing".into()])
        })
        .expect("labelled");

    t.admin()
        .patch(
            &t.account_path(&format!("/labels/{}", label["id"])),
            json!({"title": "Invoices"}),
        )
        .expect(200);
    let titles = t
        .db()
        .read_blocking(|c| labels::titles_of(c, row.id))
        .unwrap();
    assert_eq!(titles, ["invoices"]);

    t.admin()
        .delete(&t.account_path(&format!("/labels/{}", label["id"])))
        .expect(204);
    let titles = t
        .db()
        .read_blocking(|c| labels::titles_of(c, row.id))
        .unwrap();
    assert!(titles.is_empty(), "{titles:?}");
}

#[test]
fn bad_label_fields_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let admin = t.admin();
    let labels = t.account_path("/labels");
    let cases = [
        (json!({"title": "two words"}), vec!["title"]),
        (json!({}), vec!["title"]),
        (json!({"title": "x".repeat(65)}), vec!["title"]),
        (json!({"title": "ok", "color": "red"}), vec!["color"]),
        (
            json!({"title": "ok", "description": "d".repeat(501)}),
            vec!["description"],
        ),
        (json!({"title": "ok", "colour": "#000000"}), vec!["body"]),
        (json!({"title": 7}), vec!["body"]),
    ];
    for (body, fields) in cases {
        let error = admin
            .post(&labels, body)
            .expect_error(422, "validation_failed");
        assert_eq!(detail_fields(&error), fields, "{error}");
    }
    assert_eq!(t.count("labels"), 0);

    admin.post(&labels, json!({"title": "vip"})).expect(200);
    let other = admin
        .post(&labels, json!({"title": "new"}))
        .expect(200)
        .json();
    let error = admin
        .post(&labels, json!({"title": "VIP"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["title"]);
    // Every problem of an update at once.
    let error = admin
        .patch(
            &t.account_path(&format!("/labels/{}", other["id"])),
            json!({"title": "vip", "color": "blue"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["title", "color"]);
    let kept = admin.get(&labels).expect(200).json();
    assert_eq!(kept["payload"][0]["title"], "new");
    assert_eq!(kept["payload"][0]["color"], "#1f93ff");
}

#[test]
fn agents_and_read_tokens_cannot_change_labels() {
    let t = TestApp::start();
    let label = t
        .admin()
        .post(&t.account_path("/labels"), json!({"title": "vip"}))
        .expect(200)
        .json();
    let path = t.account_path(&format!("/labels/{}", label["id"]));
    let agent = t.with_token(&agent_bob(&t).token);
    for client in [&agent, &read_only(&t)] {
        let body = json!({"title": "rogue"});
        assert_writes_refused(
            client,
            &t.account_path("/labels"),
            &path,
            body,
            "labels:write",
        );
    }
    assert_eq!(t.count("labels"), 1);
}

#[test]
fn another_workspaces_labels_are_not_found() {
    let t = TestApp::start();
    assert_foreign_item_hidden(&t, "/labels", json!({"title": "globex"}));
    let ours = t.admin().get(&t.account_path("/labels")).expect(200).json();
    assert_eq!(ours["payload"], json!([]));
}
