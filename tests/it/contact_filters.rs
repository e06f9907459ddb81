//! `POST contacts/filter` and the filter engine's conversation side: AND/OR
//! precedence, each operator family, and 422s that name the condition.

use deskwoot::domain::conversations::{self, Actor, Viewer};
use deskwoot::domain::filters::{self, Condition};
use serde_json::{Value, json};

use crate::contacts::{api_inbox, contact_attribute, contact_with, conversation, fields, id};
use crate::support::TestApp;

/// Ada (London, 2020, 10 seats), Grace (blocked, US) and Linus (no email, US).
fn people(t: &TestApp) {
    contact_attribute(t, "seats", "number");
    let ada = contact_with(
        t,
        json!({
            "name": "Ada Lovelace", "email": "ada@engines.test", "phone_number": "+447700900001",
            "additional_attributes": {"city": "London", "country_code": "GB", "company_name": "Engines"},
            "custom_attributes": {"seats": 10}
        }),
    );
    contact_with(
        t,
        json!({
            "name": "Grace Hopper", "email": "grace@navy.test", "phone_number": "+14155550100",
            "blocked": true,
            "additional_attributes": {"city": "Arlington", "country_code": "US"},
            "custom_attributes": {"seats": 3}
        }),
    );
    contact_with(
        t,
        json!({"name": "Linus", "identifier": "lt", "additional_attributes": {"city": "Portland", "country_code": "US"}}),
    );
    t.db()
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE contacts SET created_at = 1577836800 WHERE id = ?1",
                [id(&ada)],
            )?;
            Ok(())
        })
        .unwrap();
}

/// The names the filter finds, sorted.
fn names(t: &TestApp, payload: Value) -> Vec<String> {
    let body = t
        .admin()
        .post(
            &t.account_path("/contacts/filter"),
            json!({ "payload": payload }),
        )
        .expect(200)
        .json();
    assert_eq!(
        body["meta"]["count"],
        body["payload"].as_array().unwrap().len()
    );
    let mut names: Vec<String> = body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn cond(key: &str, op: &str, values: Value, join: Option<&str>) -> Value {
    json!({"attribute_key": key, "filter_operator": op, "values": values, "query_operator": join})
}

#[test]
fn and_binds_tighter_than_or() {
    let t = TestApp::start();
    people(&t);
    let us_and_blocked_or_ada = json!([
        cond("country_code", "equal_to", json!(["us"]), Some("AND")),
        cond("blocked", "equal_to", json!([true]), Some("OR")),
        cond("name", "contains", json!(["ada"]), None),
    ]);
    assert_eq!(
        names(&t, us_and_blocked_or_ada),
        ["Ada Lovelace", "Grace Hopper"]
    );
    // Read left to right this would be (ada OR us) AND blocked: Grace alone.
    let ada_or_us_and_blocked = json!([
        cond("name", "contains", json!(["ada"]), Some("or")),
        cond("country_code", "equal_to", json!(["US"]), Some("and")),
        cond("blocked", "equal_to", json!([true]), None),
    ]);
    assert_eq!(
        names(&t, ada_or_us_and_blocked),
        ["Ada Lovelace", "Grace Hopper"]
    );
    let us_and_not_blocked = json!([
        cond("country_code", "equal_to", json!(["US"]), Some("AND")),
        cond("blocked", "not_equal_to", json!([true]), None),
    ]);
    assert_eq!(names(&t, us_and_not_blocked), ["Linus"]);
}

#[test]
fn each_operator_family_filters() {
    let t = TestApp::start();
    people(&t);
    let one = |key: &str, op: &str, values: Value| names(&t, json!([cond(key, op, values, None)]));
    // Text: case-insensitive equality, containment, prefixes.
    assert_eq!(
        one("email", "equal_to", json!(["ADA@engines.test"])),
        ["Ada Lovelace"]
    );
    assert_eq!(one("name", "does_not_contain", json!(["a"])), ["Linus"]);
    assert_eq!(
        one("phone_number", "starts_with", json!(["+1"])),
        ["Grace Hopper"]
    );
    assert_eq!(one("city", "contains", json!(["PORT"])), ["Linus"]);
    assert_eq!(
        one("company", "equal_to", json!(["engines"])),
        ["Ada Lovelace"]
    );
    assert_eq!(
        one("country_code", "not_equal_to", json!(["US"])),
        ["Ada Lovelace"]
    );
    assert_eq!(one("identifier", "equal_to", json!("LT")), ["Linus"]);
    assert_eq!(one("name", "contains", json!(["%"])), Vec::<String>::new());
    // Presence.
    assert_eq!(
        one("email", "is_present", json!(null)),
        ["Ada Lovelace", "Grace Hopper"]
    );
    assert_eq!(one("email", "is_not_present", json!([])), ["Linus"]);
    // Time.
    assert_eq!(
        one("created_at", "is_less_than", json!(["2021-01-01"])),
        ["Ada Lovelace"]
    );
    assert_eq!(
        one(
            "created_at",
            "is_greater_than",
            json!(["2021-01-01T00:00:00Z"])
        ),
        ["Grace Hopper", "Linus"]
    );
    assert_eq!(
        one("created_at", "days_before", json!(["30"])),
        ["Ada Lovelace"]
    );
    assert_eq!(
        one("last_activity_at", "is_not_present", json!([])).len(),
        3
    );
    // Booleans.
    assert_eq!(
        one("blocked", "equal_to", json!(["true"])),
        ["Grace Hopper"]
    );
    // Custom attributes, by their defined type.
    assert_eq!(
        one("seats", "is_greater_than", json!([5])),
        ["Ada Lovelace"]
    );
    assert_eq!(one("seats", "equal_to", json!(["3"])), ["Grace Hopper"]);
    assert_eq!(one("seats", "is_not_present", json!([])), ["Linus"]);
}

#[test]
fn bad_conditions_get_422_naming_the_condition() {
    let t = TestApp::start();
    people(&t);
    let first = cond("name", "is_present", json!([]), Some("AND"));
    let cases = [
        (
            cond("shoe_size", "equal_to", json!(["9"]), None),
            "payload[1].attribute_key",
        ),
        (
            cond("labels", "equal_to", json!(["vip"]), None),
            "payload[1].attribute_key",
        ),
        (
            cond("name", "is_greater_than", json!(["a"]), None),
            "payload[1].filter_operator",
        ),
        (
            cond("name", "equals", json!(["a"]), None),
            "payload[1].filter_operator",
        ),
        (
            cond("name", "equal_to", json!([]), None),
            "payload[1].values",
        ),
        (
            cond("created_at", "days_before", json!(["soon"]), None),
            "payload[1].values",
        ),
        (
            cond("created_at", "is_less_than", json!(["yesterday"]), None),
            "payload[1].values",
        ),
        (
            cond("blocked", "equal_to", json!(["maybe"]), None),
            "payload[1].values",
        ),
        (
            cond("seats", "is_greater_than", json!(["many"]), None),
            "payload[1].values",
        ),
        (
            cond("name", "equal_to", json!([{"id": 1}]), None),
            "payload[1].values",
        ),
        (
            json!({"attribute_key": "name", "values": ["a"]}),
            "payload[1]",
        ),
    ];
    for (bad, field) in cases {
        let error = t
            .admin()
            .post(
                &t.account_path("/contacts/filter"),
                json!({"payload": [first, bad]}),
            )
            .expect_error(422, "validation_failed");
        assert_eq!(fields(&error), [field], "{bad}");
    }
    let xor = json!([
        cond("name", "is_present", json!([]), Some("XOR")),
        cond("email", "is_present", json!([]), None),
    ]);
    let error = t
        .admin()
        .post(&t.account_path("/contacts/filter"), json!({"payload": xor}))
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["payload[0].query_operator"]);
    for body in [
        json!({"payload": []}),
        json!({}),
        json!({"payload": "name"}),
    ] {
        t.admin()
            .post(&t.account_path("/contacts/filter"), body)
            .expect_error(422, "validation_failed");
    }
}

#[test]
fn conversation_conditions_filter_conversations_by_alias_c() {
    let t = TestApp::start();
    let ada = contact_with(&t, json!({"name": "Ada"}));
    let sales = api_inbox(&t, "Sales");
    let support = api_inbox(&t, "Support");
    let open_vip = conversation(&t, id(&ada), sales);
    let urgent = conversation(&t, id(&ada), support);
    let resolved_vip = conversation(&t, id(&ada), sales);
    let viewer = Viewer {
        workspace_id: t.account_id,
        user_id: t.admin.id,
        all_inboxes: true,
    };
    let db = t.db();
    db.write_blocking(|tx| {
        for display_id in [open_vip, resolved_vip] {
            let row = conversations::visible_row(tx, &viewer, display_id)?;
            conversations::set_labels(tx, &row, Actor::System, &["vip".into()])?;
        }
        tx.execute(
            "UPDATE conversations SET status = 'resolved' WHERE display_id = ?1",
            [resolved_vip],
        )?;
        tx.execute(
            "UPDATE conversations SET priority = 'urgent' WHERE display_id = ?1",
            [urgent],
        )?;
        Ok(())
    })
    .unwrap();
    let found = |payload: Value| -> Vec<i64> {
        let conditions = Condition::parse_all(payload.as_array().unwrap()).unwrap();
        db.read_blocking(|conn| {
            let mut w = filters::conversation_conditions(conn, t.account_id, &conditions)?;
            viewer.restrict(&mut w);
            let sql = format!(
                "SELECT c.display_id FROM conversations c WHERE {} ORDER BY c.display_id",
                w.sql()
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(w.params(&[]).as_slice(), |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
        })
        .unwrap()
    };
    assert_eq!(
        found(json!([
            cond("status", "equal_to", json!(["open"]), Some("AND")),
            cond("labels", "equal_to", json!(["vip"]), Some("OR")),
            cond("priority", "equal_to", json!(["urgent"]), None),
        ])),
        [open_vip, urgent]
    );
    assert_eq!(
        found(json!([cond("labels", "is_not_present", json!([]), None)])),
        [urgent]
    );
    assert_eq!(
        found(json!([
            cond("status", "equal_to", json!(["all"]), Some("AND")),
            cond("inbox_id", "not_equal_to", json!([support]), None),
        ])),
        [open_vip, resolved_vip]
    );
    assert_eq!(
        found(json!([cond(
            "display_id",
            "equal_to",
            json!([urgent]),
            None
        )])),
        [urgent]
    );
    let bad = Condition::parse_all(&[cond("status", "equal_to", json!(["closed"]), None)]).unwrap();
    let refused =
        db.read_blocking(|conn| filters::conversation_conditions(conn, t.account_id, &bad));
    assert!(refused.is_err());
}
