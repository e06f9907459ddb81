//! Named fixtures shared by the tests of teams, agents, labels, canned
//! responses and custom attributes.

use deskwoot::auth::Role;
use deskwoot::domain::contacts::{self, ContactFields};
use deskwoot::domain::conversations::{self, Actor, ConversationRow, NewConversation, Viewer};
use serde_json::{Value, json};

use crate::support::{Client, Person, TestApp};

/// Every scope an agent's role allows: whatever such a token is refused,
/// the role is refused.
const AGENT_SCOPES: &str = "read conversations:write contacts:write canned_responses:write";

/// Bob, an agent holding every scope his role allows.
pub fn agent_bob(t: &TestApp) -> Person {
    t.person("bob", Role::Agent, AGENT_SCOPES)
}

/// A client with a `read` token of the administrator, minted through the API.
pub fn read_only(t: &TestApp) -> Client {
    let created = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "reader", "scopes": "read"}),
        )
        .expect(201)
        .json();
    t.with_token(created["token"].as_str().expect("token secret"))
}

/// The fields named in a 422's `details`.
pub fn detail_fields(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {body}"))
        .iter()
        .map(|d| d["field"].as_str().expect("field").to_string())
        .collect()
}

/// A conversation of Carol's in a new API inbox, assigned to `assignee`.
pub fn conversation(t: &TestApp, assignee: Option<i64>) -> ConversationRow {
    let inbox = t
        .admin()
        .post(
            &t.account_path("/inboxes"),
            json!({"name": "API", "channel": {"type": "api"}}),
        )
        .expect(200)
        .json();
    let inbox_id = inbox["id"].as_i64().expect("inbox id");
    let (workspace_id, admin_id) = (t.account_id, t.admin.id);
    t.db()
        .write_blocking(|tx| {
            let carol = contacts::create(
                tx,
                workspace_id,
                ContactFields {
                    name: Some("Carol".into()),
                    ..Default::default()
                },
            )?;
            let viewer = Viewer {
                workspace_id,
                user_id: admin_id,
                all_inboxes: true,
            };
            let new = NewConversation {
                inbox_id: Some(inbox_id),
                contact_id: Some(carol.id),
                assignee_id: assignee,
                ..Default::default()
            };
            conversations::create(tx, &viewer, Actor::User(admin_id), new)
        })
        .expect("conversation created")
}

/// Asserts that `client` reads the item at `item` but is refused, with a
/// 403 naming `scope`, creating one in `collection` from `body`, updating
/// the item with `body` and deleting it.
#[track_caller]
pub fn assert_writes_refused(
    client: &Client,
    collection: &str,
    item: &str,
    body: Value,
    scope: &str,
) {
    let before = client.get(item).expect(200).json();
    let refused = [
        client.post(collection, body.clone()),
        client.patch(item, body.clone()),
        client.put(item, body),
        client.delete(item),
    ];
    for response in refused {
        let error = response.expect_error(403, "insufficient_scope");
        assert_eq!(error["required_scope"], scope, "{error}");
    }
    assert_eq!(client.get(item).expect(200).json(), before);
}

/// Creates an item from `body` in another workspace, under `collection`
/// (such as `/labels`), and asserts that this workspace's administrator
/// gets 404 showing, updating or deleting it, and that it is unchanged.
/// Returns the path the administrator tried.
#[track_caller]
pub fn assert_foreign_item_hidden(t: &TestApp, collection: &str, body: Value) -> String {
    let (other_id, gina) = t.other_workspace();
    let theirs = t.with_token(&gina.token);
    let item = theirs
        .post(
            &format!("/api/v1/accounts/{other_id}{collection}"),
            body.clone(),
        )
        .expect(200)
        .json();
    let id = &item["id"];
    let ours = t.account_path(&format!("{collection}/{id}"));
    let admin = t.admin();
    admin.get(&ours).expect_error(404, "not_found");
    admin.patch(&ours, body).expect_error(404, "not_found");
    admin.delete(&ours).expect_error(404, "not_found");
    let kept = theirs
        .get(&format!("/api/v1/accounts/{other_id}{collection}/{id}"))
        .expect(200)
        .json();
    assert_eq!(kept, item);
    ours
}
