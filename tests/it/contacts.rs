//! Contacts over HTTP: CRUD and its JSON, uniqueness and validation, custom
//! attribute types, search, inbox links, notes, conversations, scopes,
//! workspace isolation and events. Also the fixtures the other contact
//! test modules use.

use deskwoot::auth::Role;
use deskwoot::domain::conversations::{self, Actor, NewConversation, Viewer};
use deskwoot::domain::custom_attributes::{self, DefinitionFields, Model};
use serde_json::{Value, json};

use crate::support::TestApp;

/// Creates a contact named `name` (email `name@example.com`) and returns it.
pub fn contact(t: &TestApp, name: &str) -> Value {
    contact_with(
        t,
        json!({"name": name, "email": format!("{name}@example.com")}),
    )
}

pub fn contact_with(t: &TestApp, body: Value) -> Value {
    t.admin()
        .post(&t.account_path("/contacts"), body)
        .expect(200)
        .json()["payload"]["contact"]
        .clone()
}

/// An API inbox named `name`; returns its id.
pub fn api_inbox(t: &TestApp, name: &str) -> i64 {
    let inbox = t
        .admin()
        .post(
            &t.account_path("/inboxes"),
            json!({"name": name, "channel": {"type": "api"}}),
        )
        .expect(200)
        .json();
    inbox["id"].as_i64().expect("inbox id")
}

/// A conversation of the contact in the inbox, made through the domain;
/// returns its display id.
pub fn conversation(t: &TestApp, contact_id: i64, inbox_id: i64) -> i64 {
    let viewer = Viewer {
        workspace_id: t.account_id,
        user_id: t.admin.id,
        all_inboxes: true,
    };
    let new = NewConversation {
        inbox_id: Some(inbox_id),
        contact_id: Some(contact_id),
        ..NewConversation::default()
    };
    t.db()
        .write_blocking(|tx| conversations::create(tx, &viewer, Actor::User(t.admin.id), new))
        .expect("conversation created")
        .display_id
}

/// Defines a contact custom attribute through the domain.
pub fn contact_attribute(t: &TestApp, key: &str, display_type: &str) {
    let fields = DefinitionFields {
        attribute_model: Some(Model::Contact),
        attribute_key: Some(key.into()),
        attribute_display_type: Some(display_type.into()),
        ..DefinitionFields::default()
    };
    t.db()
        .write_blocking(|tx| custom_attributes::create(tx, t.account_id, fields))
        .expect("attribute defined");
}

pub fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

/// The field names of a 422's details.
pub fn fields(error: &Value) -> Vec<String> {
    error["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .map(|d| d["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn contacts_are_created_shown_listed_updated_and_deleted() {
    let t = TestApp::start();
    let inbox = api_inbox(&t, "API");
    let created = t
        .admin()
        .post(
            &t.account_path("/contacts"),
            json!({
                "name": "Ada Lovelace",
                "email": "Ada@Example.COM",
                "phone_number": "+447700900123",
                "identifier": "user-1",
                "additional_attributes": {"city": "London", "company_name": "Engines"},
                "custom_attributes": {"plan": "pro"},
                "inbox_id": inbox,
                "source_id": "ada-api"
            }),
        )
        .expect(200)
        .json()["payload"]
        .clone();
    let ada = &created["contact"];
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["phone_number"], "+447700900123");
    assert_eq!(ada["blocked"], false);
    assert_eq!(ada["contact_inboxes"][0]["source_id"], "ada-api");
    assert_eq!(created["contact_inbox"]["source_id"], "ada-api");
    assert_eq!(created["contact_inbox"]["inbox"]["id"], inbox);
    assert_eq!(
        created["contact_inbox"]["inbox"]["channel_type"],
        "Channel::Api"
    );
    let path = t.account_path(&format!("/contacts/{}", id(ada)));

    let shown = t.admin().get(&path).expect(200).json()["payload"].clone();
    assert_eq!(shown["name"], "Ada Lovelace");
    assert_eq!(shown["contact_inboxes"][0]["inbox"]["name"], "API");

    contact(&t, "grace");
    let list = t
        .admin()
        .get(&t.account_path("/contacts?sort=name"))
        .expect(200)
        .json();
    assert_eq!(list["meta"]["count"], 2);
    assert_eq!(list["meta"]["total_count"], 2);
    assert_eq!(list["meta"]["current_page"], 1);
    assert_eq!(list["payload"][0]["name"], "Ada Lovelace");
    assert_eq!(list["payload"][1]["name"], "grace");
    let page_two = t
        .admin()
        .get(&t.account_path("/contacts?page=2"))
        .expect(200);
    assert_eq!(page_two.json()["payload"], json!([]));
    t.admin()
        .get(&t.account_path("/contacts?sort=shoe_size"))
        .expect_error(422, "validation_failed");

    let updated = t
        .admin()
        .patch(
            &path,
            json!({
                "email": null,
                "blocked": true,
                "additional_attributes": {"city": "Paris"},
                "custom_attributes": {"seats": 3}
            }),
        )
        .expect(200)
        .json()["payload"]
        .clone();
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["phone_number"], "+447700900123", "absent keys stay");
    assert_eq!(updated["blocked"], true);
    assert_eq!(
        updated["additional_attributes"],
        json!({"city": "Paris", "company_name": "Engines"})
    );
    assert_eq!(
        updated["custom_attributes"],
        json!({"plan": "pro", "seats": 3})
    );
    let put = t
        .admin()
        .put(&path, json!({"name": "Ada King"}))
        .expect(200);
    assert_eq!(put.json()["payload"]["name"], "Ada King");
    t.admin()
        .patch(&path, json!({"inbox_id": inbox}))
        .expect_error(422, "validation_failed");

    t.admin().delete(&path).expect(204);
    t.admin().get(&path).expect_error(404, "not_found");
    assert_eq!(t.count("contacts"), 1);
    assert_eq!(t.count("contact_inboxes"), 0);
}

#[test]
fn emails_are_unique_without_case_and_phone_numbers_must_be_e164() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    let before = t.count("contacts");
    let taken = t
        .admin()
        .post(
            &t.account_path("/contacts"),
            json!({"name": "Other", "email": "ADA@example.com"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&taken), ["email"]);
    let bad_phone = t
        .admin()
        .post(
            &t.account_path("/contacts"),
            json!({"name": "Bad", "phone_number": "0044 7700", "email": "nope"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&bad_phone), ["email", "phone_number"]);
    t.admin()
        .post(
            &t.account_path("/contacts"),
            json!({"name": "X", "shoe": 42}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .post(
            &t.account_path("/contacts"),
            json!({"name": "X", "source_id": "a"}),
        )
        .expect_error(422, "validation_failed");
    let path = t.account_path(&format!("/contacts/{}", id(&ada)));
    t.admin()
        .patch(&path, json!({"phone_number": "+1"}))
        .expect_error(422, "validation_failed");
    assert_eq!(t.count("contacts"), before);
    let unchanged = t.admin().get(&path).expect(200).json()["payload"].clone();
    assert_eq!(unchanged["phone_number"], Value::Null);
}

#[test]
fn custom_attribute_values_must_have_their_defined_type() {
    let t = TestApp::start();
    contact_attribute(&t, "seats", "number");
    let error = t
        .admin()
        .post(
            &t.account_path("/contacts"),
            json!({"name": "Ada", "custom_attributes": {"seats": "many"}}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["custom_attributes.seats"]);
    assert_eq!(t.count("contacts"), 0);
    let ok = contact_with(
        &t,
        json!({"name": "Ada", "custom_attributes": {"seats": 12}}),
    );
    assert_eq!(ok["custom_attributes"]["seats"], 12);
}

#[test]
fn search_finds_partial_names_and_emails_and_exact_identifiers() {
    let t = TestApp::start();
    contact_with(
        &t,
        json!({"name": "Ada Lovelace", "email": "ada@engines.test", "identifier": "U-17"}),
    );
    contact_with(
        &t,
        json!({"name": "Grace Hopper", "phone_number": "+14155550100"}),
    );
    let names = |q: &str| -> Vec<String> {
        let body = t
            .admin()
            .get(&t.account_path(&format!("/contacts/search?q={q}")))
            .expect(200)
            .json();
        assert_eq!(
            body["meta"]["count"],
            body["payload"].as_array().unwrap().len()
        );
        body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("lov"), ["Ada Lovelace"]);
    assert_eq!(names("engin"), ["Ada Lovelace"]);
    assert_eq!(names("U-17"), ["Ada Lovelace"]);
    assert_eq!(names("%2B14155550100"), ["Grace Hopper"]);
    assert_eq!(names("gr%20hop"), ["Grace Hopper"]);
    assert!(names("nobody").is_empty());
    t.admin()
        .get(&t.account_path("/contacts/search?q="))
        .expect_error(422, "validation_failed");
}

#[test]
fn inbox_links_can_be_added_and_listed() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    let api = api_inbox(&t, "API");
    let widget = t
        .admin()
        .post(
            &t.account_path("/inboxes"),
            json!({"name": "Site", "channel": {"type": "web_widget"}}),
        )
        .expect(200)
        .json();
    let base = t.account_path(&format!("/contacts/{}", id(&ada)));
    let contactable = t
        .admin()
        .get(&format!("{base}/contactable_inboxes"))
        .expect(200)
        .json();
    assert_eq!(
        contactable["payload"],
        json!([{"source_id": null, "inbox": {"id": api, "name": "API", "channel_type": "Channel::Api", "channel_id": api, "avatar_url": ""}}])
    );
    let link = t
        .admin()
        .post(
            &format!("{base}/contact_inboxes"),
            json!({"inbox_id": api, "source_id": "ada-1"}),
        )
        .expect(200)
        .json();
    assert_eq!(link["source_id"], "ada-1");
    assert_eq!(link["inbox"]["id"], api);
    let listed = t
        .admin()
        .get(&format!("{base}/contact_inboxes"))
        .expect(200)
        .json();
    assert_eq!(listed["payload"][0]["source_id"], "ada-1");

    let grace = contact(&t, "grace");
    let taken = t
        .admin()
        .post(
            &t.account_path(&format!("/contacts/{}/contact_inboxes", id(&grace))),
            json!({"inbox_id": api, "source_id": "ada-1"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&taken), ["source_id"]);
    let (other_id, gina) = t.other_workspace();
    let foreign = t
        .with_token(&gina.token)
        .post(
            &format!("/api/v1/accounts/{other_id}/inboxes"),
            json!({"name": "Theirs", "channel": {"type": "api"}}),
        )
        .expect(200)
        .json();
    let error = t
        .admin()
        .post(
            &format!("{base}/contact_inboxes"),
            json!({"inbox_id": id(&foreign)}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["inbox_id"]);
    assert_eq!(t.count("contact_inboxes"), 1);
    assert!(widget["id"].is_i64());
}

#[test]
fn a_contacts_conversations_are_those_of_the_callers_inboxes() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    let sales = api_inbox(&t, "Sales");
    let support = api_inbox(&t, "Support");
    let first = conversation(&t, id(&ada), sales);
    let second = conversation(&t, id(&ada), support);
    conversation(&t, id(&contact(&t, "grace")), sales);
    let path = t.account_path(&format!("/contacts/{}/conversations", id(&ada)));
    let all = t.admin().get(&path).expect(200).json()["payload"].clone();
    let mut ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [first, second]);

    let bob = t.person("bob", Role::Agent, "read");
    t.admin()
        .post(
            &t.account_path("/inbox_members"),
            json!({"inbox_id": support, "user_ids": [bob.id]}),
        )
        .expect(200);
    let seen = t.with_token(&bob.token).get(&path).expect(200).json();
    assert_eq!(seen["payload"].as_array().unwrap().len(), 1);
    assert_eq!(seen["payload"][0]["id"], second);
}

#[test]
fn notes_are_written_listed_edited_and_deleted() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    let path = t.account_path(&format!("/contacts/{}/notes", id(&ada)));
    let first = t
        .admin()
        .post(&path, json!({"content": "Prefers email"}))
        .expect(200)
        .json();
    assert_eq!(first["content"], "Prefers email");
    assert_eq!(first["contact_id"], id(&ada));
    assert_eq!(
        first["user"],
        json!({"id": t.admin.id, "name": "Alice Admin"})
    );
    assert!(first["created_at"].is_i64() && first["updated_at"].is_i64());
    let second = t
        .admin()
        .post(&path, json!({"note": {"content": "Renewal in May"}}))
        .expect(200)
        .json();
    let listed = t.admin().get(&path).expect(200).json();
    assert_eq!(listed[0]["id"], second["id"], "newest first");
    assert_eq!(listed[1]["id"], first["id"]);

    let note = format!("{path}/{}", id(&first));
    let edited = t
        .admin()
        .patch(&note, json!({"content": "Prefers phone"}))
        .expect(200)
        .json();
    assert_eq!(edited["content"], "Prefers phone");
    assert_eq!(
        t.admin().get(&note).expect(200).json()["content"],
        "Prefers phone"
    );
    for bad in [
        json!({"content": "  "}),
        json!({"content": "x".repeat(10_001)}),
    ] {
        let error = t
            .admin()
            .patch(&note, bad)
            .expect_error(422, "validation_failed");
        assert_eq!(fields(&error), ["content"]);
    }
    t.admin()
        .post(&path, json!({}))
        .expect_error(422, "validation_failed");
    let grace = contact(&t, "grace");
    t.admin()
        .get(&t.account_path(&format!("/contacts/{}/notes/{}", id(&grace), id(&first))))
        .expect_error(404, "not_found");
    t.admin().delete(&note).expect(204);
    t.admin().get(&note).expect_error(404, "not_found");
    assert_eq!(t.count("contact_notes"), 1);
}

#[test]
fn another_workspaces_contacts_are_not_found() {
    let t = TestApp::start();
    let (other_id, gina) = t.other_workspace();
    let theirs = t
        .with_token(&gina.token)
        .post(
            &format!("/api/v1/accounts/{other_id}/contacts"),
            json!({"name": "Theirs", "email": "x@globex.test"}),
        )
        .expect(200)
        .json()["payload"]["contact"]
        .clone();
    let ours = contact(&t, "ada");
    let path = t.account_path(&format!("/contacts/{}", id(&theirs)));
    let admin = t.admin();
    admin.get(&path).expect_error(404, "not_found");
    admin
        .patch(&path, json!({"name": "Mine"}))
        .expect_error(404, "not_found");
    admin.delete(&path).expect_error(404, "not_found");
    admin
        .get(&format!("{path}/notes"))
        .expect_error(404, "not_found");
    admin
        .post(&format!("{path}/notes"), json!({"content": "hi"}))
        .expect_error(404, "not_found");
    admin
        .get(&format!("{path}/conversations"))
        .expect_error(404, "not_found");
    admin
        .get(&format!("{path}/contactable_inboxes"))
        .expect_error(404, "not_found");
    admin
        .post(
            &t.account_path("/actions/contact_merge"),
            json!({"base_contact_id": id(&ours), "mergee_contact_id": id(&theirs)}),
        )
        .expect_error(404, "not_found");
    admin
        .get(&format!("/api/v1/accounts/{other_id}/contacts"))
        .expect_error(404, "not_found");
    let listed = admin.get(&t.account_path("/contacts")).expect(200).json();
    assert_eq!(listed["meta"]["count"], 1);
    assert_eq!(t.count("contacts"), 2);
}

#[test]
fn a_read_token_gets_403_on_every_write() {
    let t = TestApp::start();
    let read = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "reader", "scopes": "read"}),
        )
        .expect(201)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let ada = contact(&t, "ada");
    let grace = contact(&t, "grace");
    let inbox = api_inbox(&t, "API");
    let base = t.account_path(&format!("/contacts/{}", id(&ada)));
    let note = t
        .admin()
        .post(&format!("{base}/notes"), json!({"content": "hi"}))
        .expect(200)
        .json();
    let note_path = format!("{base}/notes/{}", id(&note));
    let reader = t.with_token(&read);
    reader.get(&base).expect(200);
    let writes = [
        ("POST", t.account_path("/contacts"), json!({"name": "X"})),
        ("PATCH", base.clone(), json!({"name": "X"})),
        ("PUT", base.clone(), json!({"name": "X"})),
        ("DELETE", base.clone(), json!(null)),
        ("POST", format!("{base}/notes"), json!({"content": "x"})),
        ("PATCH", note_path.clone(), json!({"content": "x"})),
        ("DELETE", note_path.clone(), json!(null)),
        (
            "POST",
            format!("{base}/contact_inboxes"),
            json!({"inbox_id": inbox}),
        ),
        (
            "POST",
            t.account_path("/actions/contact_merge"),
            json!({"base_contact_id": id(&ada), "mergee_contact_id": id(&grace)}),
        ),
    ];
    for (method, path, body) in writes {
        let response = if body.is_null() {
            reader.send(method, &path, None, Vec::new())
        } else {
            reader.json(method, &path, body)
        };
        let error = response.expect_error(403, "insufficient_scope");
        assert_eq!(error["required_scope"], "contacts:write", "{method} {path}");
    }
    let (content_type, form) = crate::contact_transfer::csv_form("name\nZed\n");
    reader
        .send(
            "POST",
            &t.account_path("/contacts/import"),
            Some(&content_type),
            form,
        )
        .expect_error(403, "insufficient_scope");
    assert_eq!(t.count("contacts"), 2);
    assert_eq!(t.count("contact_notes"), 1);
    assert_eq!(t.count("contact_inboxes"), 0);
    let unchanged = reader.get(&note_path).expect(200).json();
    assert_eq!(unchanged["content"], "hi");
}

#[test]
fn creates_and_updates_record_events_with_changed_attributes() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    t.admin()
        .patch(
            &t.account_path(&format!("/contacts/{}", id(&ada))),
            json!({"name": "Ada L", "blocked": true}),
        )
        .expect(200);
    let events: Vec<(String, Value)> = t
        .db()
        .read_blocking(|c| {
            let mut stmt =
                c.prepare("SELECT name, payload FROM events WHERE contact_id = ?1 ORDER BY id")?;
            let rows = stmt.query_map([id(&ada)], |r| {
                let payload: String = r.get(1)?;
                Ok((
                    r.get(0)?,
                    serde_json::from_str(&payload).unwrap_or_default(),
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["contact_created", "contact_updated"]);
    let created = &events[0].1;
    assert_eq!(created["event"], "contact_created");
    assert_eq!(created["email"], "ada@example.com");
    let changed = &events[1].1["changed_attributes"];
    assert_eq!(
        changed,
        &json!([
            {"name": {"previous_value": "ada", "current_value": "Ada L"}},
            {"blocked": {"previous_value": false, "current_value": true}}
        ])
    );
}
