//! The website widget's URLs: the loader, the frame page with its
//! Content-Security-Policy and embedded settings, and the inbox's proactive
//! triggers. What happens in a browser is in `tests/browser/`.

use serde_json::{Value, json};

use crate::support::{Response, TestApp};

/// A website inbox with `settings`; returns its id and website token.
fn widget_inbox(t: &TestApp, settings: Value) -> (i64, String) {
    let mut body = json!({"name": "Acme website", "channel": {"type": "web_widget"}});
    body.as_object_mut()
        .unwrap()
        .extend(settings.as_object().unwrap().clone());
    let inbox = t
        .admin()
        .post(&t.account_path("/inboxes"), body)
        .expect(200)
        .json();
    (
        inbox["id"].as_i64().unwrap(),
        inbox["website_token"].as_str().unwrap().to_string(),
    )
}

fn frame(t: &TestApp, token: &str) -> Response {
    t.anonymous()
        .get(&format!("/widget/frame?website_token={token}"))
}

/// The JSON the frame page carries for the widget script.
fn embedded_config(page: &str) -> Value {
    let start = page.find(r#"id="dw-config">"#).expect("config element") + 15;
    let end = start + page[start..].find("</script>").expect("end of config");
    serde_json::from_str(&page[start..end]).expect("config is JSON")
}

#[test]
fn the_loader_is_served_at_its_stable_url_and_at_chatwoots() {
    let t = TestApp::start();
    let sdk = t.anonymous().get("/widget/sdk.js").expect(200);
    assert!(sdk.header("content-type").unwrap().contains("javascript"));
    assert_eq!(sdk.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(
        sdk.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert!(sdk.header("etag").is_some());
    assert!(sdk.text.contains("$deskwoot"));
    let packs = t.anonymous().get("/packs/js/sdk.js").expect(200);
    assert_eq!(packs.bytes, sdk.bytes);
    let gzipped = t
        .anonymous()
        .header("Accept-Encoding", "gzip")
        .get("/widget/sdk.js")
        .expect(200);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert!(gzipped.bytes.len() < sdk.bytes.len());
}

#[test]
fn the_frame_page_has_a_strict_policy_and_links_to_long_cached_files() {
    let t = TestApp::start();
    let (_, token) = widget_inbox(&t, json!({}));
    let page = frame(&t, &token).expect(200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        page.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let csp = page.header("content-security-policy").unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self' ws://127.0.0.1:",
        "frame-ancestors *",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    let links: Vec<&str> = page
        .text
        .split('"')
        .filter(|s| s.starts_with("/assets/"))
        .collect();
    assert_eq!(links.len(), 2, "frame.css and frame.js: {links:?}");
    for link in links {
        let file = t.anonymous().get(link).expect(200);
        assert_eq!(
            file.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
    assert!(
        !page.text.contains(" style="),
        "no inline style in the frame page"
    );
}

#[test]
fn only_the_allowed_domains_may_frame_the_widget() {
    let t = TestApp::start();
    let (_, token) = widget_inbox(
        &t,
        json!({"allowed_domains": "acme.test, https://shop.acme.test/cart, *.acme.org"}),
    );
    let page = frame(&t, &token).expect(200);
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors acme.test https://shop.acme.test *.acme.org;")
    );
}

#[test]
fn the_frame_page_carries_the_inboxs_public_settings_safely() {
    let t = TestApp::start();
    let (_, token) = widget_inbox(
        &t,
        json!({"widget_color": "#ff5500", "welcome_title": "Hi </script><script>alert(1)</script>",
               "greeting_enabled": true, "greeting_message": "Ask & we answer",
               "working_hours_enabled": true, "timezone": "Europe/Paris",
               "out_of_office_message": "Back tomorrow", "hmac_mandatory": true,
               "attachments_enabled": false, "allowed_domains": "acme.test",
               "triggers": [{"kind": "time_on_page", "value": 30, "message": "Need a hand?"}]}),
    );
    let page = frame(&t, &token).expect(200).text;
    assert!(
        !page.contains("<script>alert"),
        "the title cannot end the script element"
    );
    let config = embedded_config(&page);
    assert_eq!(config["identifier"], token.as_str());
    assert_eq!(config["name"], "Acme website");
    assert_eq!(config["widget_color"], "#ff5500");
    assert_eq!(
        config["welcome_title"],
        "Hi </script><script>alert(1)</script>"
    );
    assert_eq!(config["greeting_message"], "Ask & we answer");
    assert_eq!(config["timezone"], "Europe/Paris");
    assert_eq!(config["working_hours"].as_array().unwrap().len(), 7);
    assert_eq!(config["out_of_office_message"], "Back tomorrow");
    assert_eq!(config["identity_validation_enabled"], true);
    assert_eq!(config["attachments_enabled"], false);
    assert_eq!(config["triggers"][0]["value"], "30");
    assert!(config["max_attachment_size"].as_u64().unwrap() > 0);
    assert!(
        config.get("allowed_domains").is_none() && config.get("hmac_token").is_none(),
        "nothing the widget does not need: {config}"
    );
}

#[test]
fn an_unknown_token_or_an_api_inbox_has_no_frame() {
    let t = TestApp::start();
    frame(&t, "nope").expect_error(404, "not_found");
    t.anonymous()
        .get("/widget/frame")
        .expect_error(404, "not_found");
    let api_inbox = t.inbox("Mobile app", "api");
    let identifier = t
        .admin()
        .get(&t.account_path(&format!("/inboxes/{api_inbox}")))
        .expect(200)
        .json()["inbox_identifier"]
        .as_str()
        .unwrap()
        .to_string();
    frame(&t, &identifier).expect_error(404, "not_found");
}

#[test]
fn triggers_are_kept_with_generated_ids_and_shown_by_the_inbox_api() {
    let t = TestApp::start();
    let (id, _) = widget_inbox(&t, json!({}));
    let path = t.account_path(&format!("/inboxes/{id}"));
    assert_eq!(
        t.admin().get(&path).expect(200).json()["triggers"],
        json!([])
    );
    let inbox = t
        .admin()
        .patch(
            &path,
            json!({"triggers": [
                {"kind": "url", "value": " https://acme.test/pricing* ", "message": "Questions about pricing?"},
                {"id": "checkout", "kind": "event", "value": "checkout-help", "message": "Stuck?"},
                {"kind": "scroll_depth", "value": 75, "message": "Found it?"}
            ]}),
        )
        .expect(200)
        .json();
    let triggers = inbox["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), 3);
    assert_eq!(triggers[0]["value"], "https://acme.test/pricing*");
    assert_eq!(triggers[0]["id"].as_str().unwrap().len(), 8);
    assert_eq!(triggers[1]["id"], "checkout");
    assert_eq!(triggers[2]["value"], "75");
    // Ids stay as they are when the list is sent back.
    let again = t
        .admin()
        .patch(&path, json!({"triggers": inbox["triggers"]}))
        .expect(200)
        .json();
    assert_eq!(again["triggers"], inbox["triggers"]);
}

#[test]
fn invalid_triggers_are_refused_with_the_field_at_fault() {
    let t = TestApp::start();
    let (id, _) = widget_inbox(&t, json!({}));
    let path = t.account_path(&format!("/inboxes/{id}"));
    let refused = |triggers: Value| -> Vec<String> {
        let body = t
            .admin()
            .patch(&path, json!({ "triggers": triggers }))
            .expect_error(422, "validation_failed");
        body["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect()
    };
    let message = "Hello";
    assert_eq!(
        refused(
            json!([{"kind": "time_on_page", "value": "soon", "message": message},
                   {"kind": "scroll_depth", "value": 150, "message": message},
                   {"kind": "url", "value": "has spaces", "message": message},
                   {"kind": "event", "value": "", "message": " "}])
        ),
        [
            "triggers[0].value",
            "triggers[1].value",
            "triggers[2].value",
            "triggers[3].value",
            "triggers[3].message"
        ]
    );
    assert_eq!(
        refused(
            json!([{"id": "a", "kind": "event", "value": "x", "message": message},
                       {"id": "a", "kind": "event", "value": "y", "message": message},
                       {"id": "no spaces", "kind": "event", "value": "z", "message": message}])
        ),
        ["triggers[1].id", "triggers[2].id"]
    );
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"kind": "event", "value": format!("e{i}"), "message": message}))
        .collect();
    assert_eq!(refused(json!(many)), ["triggers"]);
    for wrong_shape in [
        json!([{"kind": "hover", "value": "x", "message": message}]),
        json!([{"kind": "event", "value": "x", "message": message, "extra": 1}]),
        json!([{"kind": "event", "value": true, "message": message}]),
    ] {
        t.admin()
            .patch(&path, json!({ "triggers": wrong_shape }))
            .expect_error(422, "validation_failed");
    }
    assert_eq!(
        t.admin().get(&path).expect(200).json()["triggers"],
        json!([])
    );
}
