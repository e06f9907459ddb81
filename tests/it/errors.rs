//! Every error is JSON with a stable code and the right status, and bad input
//! changes nothing.

use serde_json::json;

use crate::support::TestApp;

#[test]
fn unknown_routes_and_wrong_methods_answer_json() {
    let t = TestApp::start();
    t.admin()
        .get("/api/v1/nowhere")
        .expect_error(404, "not_found");
    t.anonymous().get("/nowhere").expect_error(404, "not_found");
    let wrong = t.admin().delete("/api/v1/profile");
    assert!(wrong.header("allow").is_some());
    wrong.expect_error(405, "method_not_allowed");
    t.anonymous()
        .send("PUT", "/healthz", None, Vec::new())
        .expect_error(405, "method_not_allowed");
}

#[test]
fn malformed_json_wrong_shapes_and_wrong_content_types_are_4xx() {
    let t = TestApp::start();
    let path = t.account_path("/api_tokens");
    let before = t.count("api_tokens");
    t.admin()
        .send(
            "POST",
            &path,
            Some("application/json"),
            b"{\"name\": ".to_vec(),
        )
        .expect_error(400, "malformed_json");
    t.admin()
        .send("POST", &path, Some("text/plain"), b"name=x".to_vec())
        .expect_error(415, "unsupported_media_type");
    t.admin()
        .post(&path, json!({"name": 5, "scopes": "read"}))
        .expect_error(422, "validation_failed");
    t.admin()
        .post(&path, json!({"scopes": "read"}))
        .expect_error(422, "validation_failed");
    t.admin()
        .post(
            &path,
            json!({"name": "x", "scopes": "read", "surprise": true}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .get(&format!(
            "/api/v1/accounts/{}/api_tokens/not-a-number",
            t.account_id
        ))
        .expect_error(404, "not_found");
    t.admin()
        .get("/api/v1/accounts/99999999999999999999999/api_tokens")
        .expect_error(404, "not_found");
    assert_eq!(t.count("api_tokens"), before);
}

#[test]
fn bodies_over_the_limit_get_413() {
    let t = TestApp::start_with(|s| s.server.max_body_size = 2048);
    let big = "x".repeat(4096);
    t.admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": big, "scopes": "read"}),
        )
        .expect_error(413, "payload_too_large");
}

#[test]
fn every_response_carries_a_request_id() {
    let t = TestApp::start();
    let ok = t.anonymous().get("/healthz").expect(200);
    let missing = t.anonymous().get("/nowhere");
    let (a, b) = (
        ok.header("x-request-id").unwrap(),
        missing.header("x-request-id").unwrap(),
    );
    assert!(a.len() >= 16 && a != b);
}

#[test]
fn health_reports_ok_and_the_version() {
    let t = TestApp::start();
    let body = t.anonymous().get("/healthz").expect(200).json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["schema_version"].as_i64().unwrap() >= 1);
}

#[test]
fn workspace_settings_update_validates_and_merges() {
    let t = TestApp::start();
    let path = t.account_path("");
    let updated = t
        .admin()
        .patch(&path, json!({"name": "Acme Support", "settings": {"locale": "en", "timezone": "Europe/Paris"}}))
        .expect(200)
        .json();
    assert_eq!(updated["name"], "Acme Support");
    let updated = t
        .admin()
        .patch(&path, json!({"settings": {"locale": null}}))
        .expect(200)
        .json();
    assert_eq!(updated["settings"], json!({"timezone": "Europe/Paris"}));
    t.admin()
        .patch(&path, json!({"name": ""}))
        .expect_error(422, "validation_failed");
    assert_eq!(t.admin().get(&path).json()["name"], "Acme Support");
}

#[test]
fn a_json_array_is_not_an_object_body() {
    let t = TestApp::start();
    let admin = t.admin();
    // serde reads a struct from an array of its fields; the API does not.
    let refused = admin
        .patch(&t.account_path(""), json!([null, null]))
        .expect_error(422, "validation_failed");
    assert_eq!(refused["details"][0]["field"], "body");
    admin
        .post(
            &t.account_path("/bulk_actions"),
            json!({"type": "Conversation", "ids": [1], "fields": []}),
        )
        .expect_error(422, "validation_failed");
    // An optional body, when given, must be an object too.
    let inbox = t.inbox("Website", "web_widget");
    let contact = t.contact("Ann");
    let conversation = t.conversation(inbox, contact);
    admin
        .post(
            &t.account_path(&format!("/conversations/{conversation}/toggle_status")),
            json!("resolved"),
        )
        .expect_error(422, "validation_failed");
    admin
        .send(
            "POST",
            &t.account_path(&format!("/conversations/{conversation}/toggle_status")),
            None,
            Vec::new(),
        )
        .expect(200);
}

#[test]
fn an_inbox_setting_given_twice_is_refused() {
    let t = TestApp::start();
    t.admin()
        .post(
            &t.account_path("/inboxes"),
            json!({"name": "Web", "website_url": {}, "channel": {"type": "web_widget", "website_url": "https://shop.example.com"}}),
        )
        .expect_error(422, "validation_failed");
}
