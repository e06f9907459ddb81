//! Custom attribute definitions over HTTP.

use serde_json::{Value, json};

use crate::fixtures::{
    agent_bob, assert_foreign_item_hidden, assert_writes_refused, detail_fields, read_only,
};
use crate::support::TestApp;

fn plan() -> Value {
    json!({
        "attribute_display_name": "Plan",
        "attribute_display_type": "list",
        "attribute_key": "plan",
        "attribute_model": "contact_attribute",
        "attribute_values": ["free", "pro"],
    })
}

#[test]
fn definitions_are_created_listed_shown_updated_and_deleted() {
    let t = TestApp::start();
    let admin = t.admin();
    let definitions = t.account_path("/custom_attribute_definitions");
    let plan = admin.post(&definitions, plan()).expect(200).json();
    assert_eq!(plan["attribute_key"], "plan");
    assert_eq!(plan["attribute_model"], "contact_attribute");
    assert_eq!(plan["attribute_display_type"], "list");
    assert_eq!(plan["attribute_values"], json!(["free", "pro"]));
    // Chatwoot's clients send the type and the model as numbers too.
    let order = admin
        .post(
            &definitions,
            json!({"custom_attribute_definition": {
                "attribute_display_name": "Order number",
                "attribute_display_type": 1,
                "attribute_key": "order_number",
                "attribute_model": 0,
            }}),
        )
        .expect(200)
        .json();
    assert_eq!(order["attribute_display_type"], "number");
    assert_eq!(order["attribute_model"], "conversation_attribute");

    let keys = |query: &str| -> Vec<String> {
        admin
            .get(&format!("{definitions}{query}"))
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["attribute_key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys("?attribute_model=contact_attribute"), ["plan"]);
    assert_eq!(
        keys("?attribute_model=conversation_attribute"),
        ["order_number"]
    );
    assert_eq!(keys("?attribute_model=1"), ["plan"]);
    assert_eq!(keys("").len(), 2);

    let path = t.account_path(&format!("/custom_attribute_definitions/{}", plan["id"]));
    let updated = admin
        .patch(
            &path,
            json!({"attribute_display_name": "Plan tier", "attribute_values": ["free", "pro", "team"]}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["attribute_display_name"], "Plan tier");
    assert_eq!(updated["attribute_values"], json!(["free", "pro", "team"]));
    let text = admin
        .put(
            &path,
            json!({"attribute_display_type": "text", "regex_pattern": "^[a-z]+$"}),
        )
        .expect(200)
        .json();
    assert_eq!(text["regex_pattern"], "^[a-z]+$");
    let cleared = admin
        .patch(&path, json!({"regex_pattern": null}))
        .expect(200)
        .json();
    assert_eq!(cleared["regex_pattern"], Value::Null);
    assert_eq!(
        admin.get(&path).expect(200).json()["attribute_display_name"],
        "Plan tier"
    );

    admin.delete(&path).expect(204);
    admin.get(&path).expect_error(404, "not_found");
    assert_eq!(t.count("custom_attribute_definitions"), 1);
}

#[test]
fn bad_definition_fields_get_422_with_details_and_change_nothing() {
    let t = TestApp::start();
    let admin = t.admin();
    let definitions = t.account_path("/custom_attribute_definitions");
    let with = |changes: Value| {
        let mut body = plan();
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (
            with(json!({"attribute_display_type": "colour"})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_display_type": 8})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_display_type": true})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_model": "user_attribute"})),
            "attribute_model",
        ),
        (with(json!({"attribute_model": 2})), "attribute_model"),
        (with(json!({"attribute_model": null})), "attribute_model"),
        (with(json!({"attribute_key": "two words"})), "attribute_key"),
        (with(json!({"attribute_key": "email"})), "attribute_key"),
        (with(json!({"attribute_values": []})), "attribute_values"),
        (
            with(json!({"attribute_display_name": " "})),
            "attribute_display_name",
        ),
        (with(json!({"regex_cue": "letters only"})), "body"),
        (
            with(json!({"attribute_display_type": "text", "regex_pattern": "("})),
            "regex_pattern",
        ),
    ];
    for (body, field) in cases {
        let error = admin
            .post(&definitions, body)
            .expect_error(422, "validation_failed");
        assert_eq!(detail_fields(&error), [field], "{error}");
    }
    assert_eq!(t.count("custom_attribute_definitions"), 0);

    let created = admin.post(&definitions, plan()).expect(200).json();
    let error = admin
        .post(&definitions, plan())
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["attribute_key"]);
    let path = t.account_path(&format!("/custom_attribute_definitions/{}", created["id"]));
    let error = admin
        .patch(&path, json!({"attribute_key": "tier"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["attribute_key"]);
    let error = admin
        .patch(&path, json!({"attribute_values": []}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["attribute_values"]);
    let error = admin
        .get(&format!("{definitions}?attribute_model=user_attribute"))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&error), ["attribute_model"]);
    let kept = admin.get(&path).expect(200).json();
    assert_eq!(kept["attribute_key"], "plan");
    assert_eq!(kept["attribute_values"], json!(["free", "pro"]));
}

#[test]
fn agents_and_read_tokens_cannot_change_definitions() {
    let t = TestApp::start();
    let list = t.account_path("/custom_attribute_definitions");
    let created = t.admin().post(&list, plan()).expect(200).json();
    let path = t.account_path(&format!("/custom_attribute_definitions/{}", created["id"]));
    let agent = t.with_token(&agent_bob(&t).token);
    for client in [&agent, &read_only(&t)] {
        assert_writes_refused(client, &list, &path, plan(), "custom_attributes:write");
    }
    assert_eq!(t.count("custom_attribute_definitions"), 1);
}

#[test]
fn another_workspaces_definitions_are_not_found() {
    let t = TestApp::start();
    assert_foreign_item_hidden(&t, "/custom_attribute_definitions", plan());
    let ours = t
        .admin()
        .get(&t.account_path("/custom_attribute_definitions"))
        .expect(200)
        .json();
    assert_eq!(ours, json!([]));
}
