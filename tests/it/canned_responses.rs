//! Canned responses over HTTP.

use serde_json::json;

use crate::fixtures::{
    agent_bob, assert_foreign_item_hidden, assert_writes_refused, detail_fields, read_only,
};
use crate::support::TestApp;

#[test]
fn canned_responses_are_created_listed_shown_updated_and_deleted() {
    let t = TestApp::start();
    let admin = t.admin();
    let canned = admin
        .post(
            &t.account_path("/canned_responses"),
            json!({"short_code": "hello", "content": "Hi there! How can I help?"}),
        )
        .expect(200)
        .json();
    assert_eq!(canned["short_code"], "hello");
    assert_eq!(canned["content"], "Hi there! How can I help?");
    assert_eq!(canned["account_id"], t.account_id);
    let path = t.account_path(&format!("/canned_responses/{}", canned["id"]));

    let list = admin
        .get(&t.account_path("/canned_responses"))
        .expect(200)
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let updated = admin
        .patch(
            &path,
            json!({"canned_response": {"content": "Hello! What can I do for you?"}}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["short_code"], "hello");
    assert_eq!(updated["content"], "Hello! What can I do for you?");
    let updated = admin
        .put(&path, json!({"short_code": "hi"}))
        .expect(200)
        .json();
    assert_eq!(updated["short_code"], "hi");
    assert_eq!(admin.get(&path).expect(200).json()["short_code"], "hi");

    admin.delete(&path).expect(204);
    admin.get(&path).expect_error(404, "not_found");
    assert_eq!(t.count("canned_responses"), 0);
}

#[test]
fn search_matches_a_short_code_prefix_or_any_part_of_the_content_ignoring_case() {
    let t = TestApp::start();
    let admin = t.admin();
    let list = t.account_path("/canned_responses");
    for (short_code, content) in [
        ("refund", "Your money is on its way."),
        ("greeting", "Hello, and thanks for writing."),
        ("cologne", "Grüße aus KÖLN"),
        ("shipping", "Your REFERENCE number is on the label."),
    ] {
        admin
            .post(&list, json!({"short_code": short_code, "content": content}))
            .expect(200);
    }
    let codes = |query: &str| -> Vec<String> {
        admin
            .get(&format!("{list}?search={query}"))
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["short_code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes("REF"), ["refund", "shipping"]);
    assert_eq!(codes("thanks"), ["greeting"]);
    assert_eq!(codes("k%C3%B6ln"), ["cologne"]);
    // Short codes match from their start only.
    assert!(codes("fund").is_empty());
    assert_eq!(codes("").len(), 4);
}

#[test]
fn agents_write_canned_responses_but_read_tokens_cannot() {
    let t = TestApp::start();
    let agent = t.with_token(&agent_bob(&t).token);
    let list = t.account_path("/canned_responses");
    let canned = agent
        .post(&list, json!({"short_code": "bye", "content": "Goodbye!"}))
        .expect(200)
        .json();
    let path = t.account_path(&format!("/canned_responses/{}", canned["id"]));
    let body = json!({"short_code": "x", "content": "y"});
    assert_writes_refused(&read_only(&t), &list, &path, body, "canned_responses:write");
    agent.delete(&path).expect(204);
}

#[test]
fn bad_canned_response_fields_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let admin = t.admin();
    let list = t.account_path("/canned_responses");
    let cases = [
        (
            json!({"short_code": "two words", "content": "x"}),
            vec!["short_code"],
        ),
        (
            json!({"short_code": "s".repeat(65), "content": "x"}),
            vec!["short_code"],
        ),
        (
            json!({"short_code": "ok", "content": "  "}),
            vec!["content"],
        ),
        (
            json!({"short_code": "ok", "content": "c".repeat(10_001)}),
            vec!["content"],
        ),
        (json!({}), vec!["short_code", "content"]),
        (
            json!({"short_code": "ok", "content": "x", "title": "t"}),
            vec!["body"],
        ),
    ];
    for (body, fields) in cases {
        let error = admin
            .post(&list, body)
            .expect_error(422, "validation_failed");
        assert_eq!(detail_fields(&error), fields, "{error}");
    }
    assert_eq!(t.count("canned_responses"), 0);

    admin
        .post(&list, json!({"short_code": "hello", "content": "Hi"}))
        .expect(200);
    let other = admin
        .post(
            &list,
            json!({"short_code": "s".repeat(64), "content": "c".repeat(10_000)}),
        )
        .expect(200)
        .json();
    let error = admin
        .post(&list, json!({"short_code": "hello", "content": "Again"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["short_code"]);
    let path = t.account_path(&format!("/canned_responses/{}", other["id"]));
    let error = admin
        .patch(&path, json!({"short_code": "hello"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["short_code"]);
    assert_eq!(
        admin.get(&path).expect(200).json()["short_code"],
        "s".repeat(64)
    );
    assert_eq!(t.count("canned_responses"), 2);
}

#[test]
fn another_workspaces_canned_responses_are_not_found() {
    let t = TestApp::start();
    let body = json!({"short_code": "globex", "content": "Globex says hi"});
    assert_foreign_item_hidden(&t, "/canned_responses", body);
    let ours = t
        .admin()
        .get(&t.account_path("/canned_responses?search=globex"))
        .expect(200)
        .json();
    assert_eq!(ours, json!([]));
}
