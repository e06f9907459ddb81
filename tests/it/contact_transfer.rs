//! Moving contacts around: merges, CSV export and import.

use deskwoot::auth::Role;
use serde_json::{Value, json};

use crate::contacts::{
    api_inbox, contact, contact_attribute, contact_with, conversation, fields, id,
};
use crate::support::TestApp;

/// A multipart form with `file` as its `import_file` field: the content type
/// and the body.
pub fn csv_form(file: &str) -> (String, Vec<u8>) {
    let boundary = "deskwoot-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"import_file\"; filename=\"contacts.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

fn import(t: &TestApp, file: &str) -> crate::support::Response {
    let (content_type, form) = csv_form(file);
    t.admin().send(
        "POST",
        &t.account_path("/contacts/import"),
        Some(&content_type),
        form,
    )
}

#[test]
fn a_merge_moves_conversations_notes_and_links_then_deletes_the_mergee() {
    let t = TestApp::start();
    let inbox = api_inbox(&t, "API");
    let base = contact_with(
        &t,
        json!({"name": "Ada", "email": "ada@example.com",
               "additional_attributes": {"city": "London"}, "custom_attributes": {"plan": "pro"}}),
    );
    let mergee = contact_with(
        &t,
        json!({"name": "Ada L.", "email": "ada@work.test", "phone_number": "+14155550123",
               "identifier": "u-2", "inbox_id": inbox, "source_id": "ada-work",
               "additional_attributes": {"city": "Paris", "country_code": "FR"},
               "custom_attributes": {"plan": "free", "seats": 4}}),
    );
    let conversation_id = conversation(&t, id(&mergee), inbox);
    t.admin()
        .post(
            &t.account_path(&format!("/contacts/{}/notes", id(&mergee))),
            json!({"content": "Met at the fair"}),
        )
        .expect(200);
    let contacts_before = t.count("contacts");

    let merged = t
        .admin()
        .post(
            &t.account_path("/actions/contact_merge"),
            json!({"base_contact_id": id(&base), "mergee_contact_id": id(&mergee)}),
        )
        .expect(200)
        .json();
    assert_eq!(merged["id"], id(&base), "the base itself, not wrapped");
    assert_eq!(merged["name"], "Ada");
    assert_eq!(merged["email"], "ada@example.com");
    assert_eq!(merged["phone_number"], "+14155550123");
    assert_eq!(merged["identifier"], "u-2");
    assert_eq!(
        merged["additional_attributes"],
        json!({"city": "London", "country_code": "FR"})
    );
    assert_eq!(
        merged["custom_attributes"],
        json!({"plan": "pro", "seats": 4})
    );
    assert_eq!(merged["contact_inboxes"][0]["source_id"], "ada-work");

    t.admin()
        .get(&t.account_path(&format!("/contacts/{}", id(&mergee))))
        .expect_error(404, "not_found");
    assert_eq!(t.count("contacts"), contacts_before - 1);
    let base_path = t.account_path(&format!("/contacts/{}", id(&base)));
    let conversations = t
        .admin()
        .get(&format!("{base_path}/conversations"))
        .expect(200)
        .json();
    assert_eq!(conversations["payload"][0]["id"], conversation_id);
    assert_eq!(
        conversations["payload"][0]["meta"]["sender"]["id"],
        id(&base)
    );
    let notes = t
        .admin()
        .get(&format!("{base_path}/notes"))
        .expect(200)
        .json();
    assert_eq!(notes[0]["content"], "Met at the fair");
    assert_eq!(notes[0]["contact_id"], id(&base));
    let updated: String = t
        .db()
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT payload FROM events WHERE name = 'contact_updated' AND contact_id = ?1
                 ORDER BY id DESC LIMIT 1",
                [id(&base)],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(updated.contains("\"phone_number\":{\"current_value\":\"+14155550123\""));
}

#[test]
fn a_merge_refuses_one_contact_twice_and_unknown_ids() {
    let t = TestApp::start();
    let ada = contact(&t, "ada");
    let path = t.account_path("/actions/contact_merge");
    let error = t
        .admin()
        .post(
            &path,
            json!({"base_contact_id": id(&ada), "mergee_contact_id": id(&ada)}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["mergee_contact_id"]);
    t.admin()
        .post(
            &path,
            json!({"base_contact_id": id(&ada), "mergee_contact_id": 999}),
        )
        .expect_error(404, "not_found");
    t.admin()
        .post(&path, json!({"base_contact_id": id(&ada)}))
        .expect_error(422, "validation_failed");
    assert_eq!(t.count("contacts"), 1);
}

#[test]
fn an_export_imports_back_into_the_same_contacts() {
    let t = TestApp::start();
    contact_attribute(&t, "seats", "number");
    contact_with(
        &t,
        json!({"name": "Ada", "email": "ada@example.com", "phone_number": "+14155550123",
               "custom_attributes": {"seats": 10, "Tier": "gold"}}),
    );
    contact_with(
        &t,
        json!({"name": "=HYPERLINK(\"http://evil.test\")", "identifier": "u-2", "blocked": true}),
    );
    let export = t
        .admin()
        .get(&t.account_path("/contacts/export"))
        .expect(200);
    assert!(
        export
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        export
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let mut lines = export.text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,name,email,phone_number,identifier,blocked,created_at,last_activity_at,Tier,seats"
    );
    assert!(
        export
            .text
            .contains(",ada@example.com,+14155550123,,false,")
    );
    assert!(
        export
            .text
            .contains("\"'=HYPERLINK(\"\"http://evil.test\"\")\"")
    );
    let before = t
        .admin()
        .get(&t.account_path("/contacts?sort=name"))
        .expect(200)
        .json();

    let report = import(&t, &export.text).expect(200).json();
    assert_eq!(report, json!({"created": 0, "updated": 2, "errors": []}));
    let after = t
        .admin()
        .get(&t.account_path("/contacts?sort=name"))
        .expect(200)
        .json();
    let strip = |list: &Value| -> Vec<Value> {
        list["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!([
                    c["name"],
                    c["email"],
                    c["phone_number"],
                    c["identifier"],
                    c["blocked"],
                    c["custom_attributes"]
                ])
            })
            .collect()
    };
    assert_eq!(strip(&after), strip(&before));

    for contact in before["payload"].as_array().unwrap() {
        t.admin()
            .delete(&t.account_path(&format!("/contacts/{}", id(contact))))
            .expect(204);
    }
    let report = import(&t, &export.text).expect(200).json();
    assert_eq!(report, json!({"created": 2, "updated": 0, "errors": []}));
    let recreated = t
        .admin()
        .get(&t.account_path("/contacts?sort=name"))
        .expect(200)
        .json();
    assert_eq!(strip(&recreated), strip(&before));
    assert_eq!(recreated["payload"][1]["custom_attributes"]["seats"], 10);
}

#[test]
fn an_export_can_be_filtered_and_narrowed() {
    let t = TestApp::start();
    contact_with(
        &t,
        json!({"name": "Ada", "email": "ada@example.com", "blocked": true}),
    );
    contact_with(&t, json!({"name": "Grace", "email": "grace@example.com"}));
    let export = t
        .admin()
        .post(
            &t.account_path("/contacts/export"),
            json!({
                "column_names": ["name", "email"],
                "payload": [{"attribute_key": "blocked", "filter_operator": "equal_to", "values": [true]}]
            }),
        )
        .expect(200);
    assert_eq!(export.text, "name,email\nAda,ada@example.com\n");
    let error = t
        .admin()
        .post(
            &t.account_path("/contacts/export"),
            json!({"column_names": ["shoe"]}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["column_names"]);
    t.admin()
        .post(
            &t.account_path("/contacts/export"),
            json!({"column_names": []}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .post(&t.account_path("/contacts/export"), json!({"label": "vip"}))
        .expect_error(422, "validation_failed");
}

#[test]
fn an_import_applies_good_rows_and_reports_bad_ones() {
    let t = TestApp::start();
    contact_attribute(&t, "seats", "number");
    let ada = contact(&t, "ada");
    let file = "Name,EMAIL,phone_number,blocked,seats\n\
                Good,good@example.com,+14155550111,false,2\n\
                Bad email,not-an-email,,,\n\
                Bad phone,bp@example.com,12345,,\n\
                Bad blocked,bb@example.com,,maybe,\n\
                Bad seats,bs@example.com,,,many\n\
                Ada again,ADA@example.com,,true,\n\
                Clash,ada@example.com,+14155550111,,\n\
                Goodness,,+14155550111,,\n";
    let response = import(&t, file);
    assert!(
        response
            .header("ratelimit-policy")
            .unwrap()
            .starts_with("\"bulk\"")
    );
    let report = response.expect(200).json();
    assert_eq!(report["created"], 1);
    assert_eq!(report["updated"], 2);
    let errors = report["errors"].as_array().unwrap();
    let rows: Vec<i64> = errors.iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, [3, 4, 5, 6, 8]);
    let messages: Vec<&str> = errors
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].starts_with("email:"), "{messages:?}");
    assert!(messages[1].starts_with("phone_number:"), "{messages:?}");
    assert!(messages[2].starts_with("blocked:"), "{messages:?}");
    assert!(
        messages[3].starts_with("custom_attributes.seats:"),
        "{messages:?}"
    );
    assert!(messages[4].contains("already used"), "{messages:?}");
    assert_eq!(t.count("contacts"), 2, "bad rows leave nothing behind");
    let updated = t
        .admin()
        .get(&t.account_path(&format!("/contacts/{}", id(&ada))))
        .expect(200)
        .json();
    assert_eq!(updated["payload"]["name"], "Ada again");
    assert_eq!(updated["payload"]["blocked"], true);
    assert_eq!(updated["payload"]["phone_number"], Value::Null);
    let by_phone = t
        .admin()
        .get(&t.account_path("/contacts/search?q=good%40example.com"))
        .expect(200)
        .json();
    assert_eq!(by_phone["payload"][0]["name"], "Goodness");
    assert_eq!(by_phone["payload"][0]["custom_attributes"]["seats"], 2);
}

#[test]
fn an_import_needs_a_csv_file_within_the_size_limit_and_an_administrator() {
    let t = TestApp::start_with(|s| s.server.max_body_size = 4096);
    let path = t.account_path("/contacts/import");
    let error = import(&t, "color\nred\n").expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["import_file"]);
    import(&t, "").expect_error(422, "validation_failed");
    let boundary = "b";
    let no_file = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n"
    );
    let error = t
        .admin()
        .send(
            "POST",
            &path,
            Some("multipart/form-data; boundary=b"),
            no_file.into_bytes(),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(fields(&error), ["import_file"]);
    t.admin()
        .send("POST", &path, Some("text/csv"), b"name\nAda\n".to_vec())
        .expect_error(415, "unsupported_media_type");
    let big = format!("name\n{}", "Ada\n".repeat(2000));
    import(&t, &big).expect_error(413, "payload_too_large");
    let bob = t.person("bob", Role::Agent, "read,contacts:write");
    let (content_type, form) = csv_form("name\nZed\n");
    t.with_token(&bob.token)
        .send("POST", &path, Some(&content_type), form)
        .expect_error(403, "forbidden");
    t.with_token(&bob.token)
        .get(&t.account_path("/contacts/export"))
        .expect_error(403, "forbidden");
    assert_eq!(t.count("contacts"), 0);
}
