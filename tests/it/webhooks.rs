//! Webhooks: subscriptions in Chatwoot's shapes, signed deliveries to a real
//! receiver on loopback, retries, the delivery log, replay, disabling, the
//! SSRF guard, and at-least-once delivery across `kill -9`.

use std::time::Duration;

use deskwoot::domain::conversations;
use deskwoot::domain::messages::{self, MessageType, NewMessage, Sender};
use deskwoot::error::Error;
use serde_json::{Value, json};

use crate::fixtures::{detail_fields, read_only};
use crate::support::{Client, Receiver, ServeProcess, TestApp, setup_with_token, verify};

/// A server that may deliver to loopback, retrying after 1 s then 2 s.
fn app() -> TestApp {
    TestApp::start_with(|s| {
        s.webhooks.allow_private_targets = true;
        s.webhooks.retry_schedule = vec![0, 1, 2];
    })
}

/// Subscribes `url` to `body`'s events; returns the webhook and its secret.
fn subscribe(t: &TestApp, url: &str, mut body: Value) -> (i64, String) {
    body["url"] = json!(url);
    let created = t
        .admin()
        .post(&t.account_path("/webhooks"), body)
        .expect(200)
        .json();
    let webhook = &created["payload"]["webhook"];
    (
        webhook["id"].as_i64().expect("webhook id"),
        webhook["secret"].as_str().expect("secret").to_string(),
    )
}

/// Posts a message to conversation `display_id`; returns the message.
fn post_message(t: &TestApp, display_id: i64, body: Value) -> Value {
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{display_id}/messages")),
            body,
        )
        .expect(200)
        .json()
}

fn deliveries(t: &TestApp, webhook_id: i64, query: &str) -> Vec<Value> {
    t.admin()
        .get(&t.account_path(&format!("/webhooks/{webhook_id}/deliveries{query}")))
        .expect(200)
        .json()["payload"]
        .as_array()
        .expect("deliveries")
        .clone()
}

/// Polls until `check` holds (at most 10 s).
#[track_caller]
fn eventually(mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("condition not met within 10 s");
}

#[test]
fn subscriptions_use_chatwoot_shapes_and_keep_the_secret_sealed() {
    let t = app();
    let inbox = t.inbox("Support", "api");
    let created = t
        .admin()
        .post(
            &t.account_path("/webhooks"),
            json!({"webhook": {"url": "https://example.com/hook", "name": "CRM",
                               "subscriptions": ["conversation_created", "message_created"],
                               "inbox_id": inbox}}),
        )
        .expect(200)
        .json();
    let webhook = &created["payload"]["webhook"];
    let id = webhook["id"].as_i64().unwrap();
    let secret = webhook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(
        webhook["subscriptions"],
        json!(["conversation_created", "message_created"])
    );
    assert_eq!(webhook["inbox"], json!({"id": inbox, "name": "Support"}));
    assert_eq!(webhook["message_kinds"], json!(["incoming", "outgoing"]));
    assert_eq!(webhook["active"], true);

    let listed = t
        .admin()
        .get(&t.account_path("/webhooks"))
        .expect(200)
        .json();
    let listed = &listed["payload"]["webhooks"];
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("secret").is_none(), "shown on create only");
    let stored: String = t
        .db()
        .read_blocking(|c| Ok(c.query_row("SELECT secret FROM webhooks", [], |r| r.get(0))?))
        .unwrap();
    assert!(!stored.contains(&secret[6..]), "the secret is sealed");

    let updated = t
        .admin()
        .patch(
            &t.account_path(&format!("/webhooks/{id}")),
            json!({"events": ["contact_created"], "inbox_id": null, "active": false}),
        )
        .expect(200)
        .json();
    let webhook = &updated["payload"]["webhook"];
    assert_eq!(webhook["subscriptions"], json!(["contact_created"]));
    assert!(webhook.get("inbox").is_none());
    assert_eq!(webhook["active"], false);
    assert_eq!(webhook["name"], "CRM", "unchanged fields stay");

    read_only(&t)
        .get(&t.account_path(&format!("/webhooks/{id}")))
        .expect(200);
    read_only(&t)
        .delete(&t.account_path(&format!("/webhooks/{id}")))
        .expect_error(403, "insufficient_scope");
    t.admin()
        .delete(&t.account_path(&format!("/webhooks/{id}")))
        .expect(204);
    assert_eq!(t.count("webhooks"), 0);
}

#[test]
fn bad_subscriptions_are_422_naming_every_field() {
    let t = TestApp::start();
    let (_, other) = t.other_workspace();
    let other_inbox = t
        .with_token(&other.token)
        .post(
            "/api/v1/accounts/2/inboxes",
            json!({"name": "Theirs", "channel": {"type": "api"}}),
        )
        .expect(200)
        .json()["id"]
        .as_i64()
        .unwrap();
    let body = t
        .admin()
        .post(
            &t.account_path("/webhooks"),
            json!({"url": "ftp://example.com", "events": ["message_created", "nope"],
                   "message_kinds": ["shouting"], "inbox_id": other_inbox}),
        )
        .expect_error(422, "validation_failed");
    let fields = detail_fields(&body);
    for field in ["url", "subscriptions", "message_kinds", "inbox_id"] {
        assert!(fields.contains(&field.to_string()), "{field}: {body}");
    }
    let body = t
        .admin()
        .post(&t.account_path("/webhooks"), json!({"name": "no url"}))
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["url", "subscriptions"]);
    t.admin()
        .post(
            &t.account_path("/webhooks"),
            json!({"url": "https://example.com", "events": []}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .post(
            &t.account_path("/webhooks"),
            json!({"url": "https://example.com", "events": "message_created"}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .post(
            &t.account_path("/webhooks"),
            json!({"url": "https://example.com", "events": ["message_created"], "colour": 1}),
        )
        .expect_error(422, "validation_failed");
    let ok = json!({"url": "https://example.com/a", "events": ["message_created"]});
    t.admin()
        .post(&t.account_path("/webhooks"), ok.clone())
        .expect(200);
    let body = t
        .admin()
        .post(&t.account_path("/webhooks"), ok)
        .expect_error(422, "validation_failed");
    assert_eq!(detail_fields(&body), ["url"], "one URL per workspace");
    t.admin()
        .get(&t.account_path("/webhooks/999/deliveries?status=lost"))
        .expect_error(404, "not_found");
    t.admin()
        .post(
            &t.account_path("/webhooks/1/rotate_secret"),
            json!({"previous_secret_valid_hours": 1000}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(t.count("webhooks"), 1);
}

#[test]
fn events_reach_the_receiver_signed_with_standard_webhooks_headers() {
    let t = app();
    let receiver = Receiver::start();
    let (_, secret) = subscribe(
        &t,
        &receiver.url,
        json!({"events": ["conversation_created", "message_created", "contact_created"]}),
    );
    let inbox = t.inbox("Support", "api");
    let alice = t.contact("alice");
    let conversation = t.conversation(inbox, alice);
    let message = post_message(&t, conversation, json!({"content": "Hello Alice"}));
    let received = receiver.wait_for(3, 10);
    let names: Vec<_> = received.iter().map(|r| r.json()["event"].clone()).collect();
    assert_eq!(
        names,
        [
            json!("contact_created"),
            json!("conversation_created"),
            json!("message_created")
        ],
        "in the order of the events"
    );
    for r in &received {
        assert!(verify(&secret, r), "signature of {}", r.body);
        assert!(!verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            r
        ));
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.header("user-agent").starts_with("Deskwoot-Webhooks/"));
        assert!(r.header("webhook-id").starts_with("msg_"));
        assert_eq!(r.path, "/hook");
    }
    let last = received[2].json();
    assert_eq!(last["id"], message["id"]);
    assert_eq!(last["content"], "Hello Alice");
    assert_eq!(last["conversation"]["id"], conversation);
}

#[test]
fn message_kinds_narrow_message_events_and_inbox_subscriptions_see_their_inbox() {
    let t = app();
    let (all, notes, other_inbox) = (Receiver::start(), Receiver::start(), Receiver::start());
    let inbox = t.inbox("Support", "api");
    let elsewhere = t.inbox("Sales", "api");
    subscribe(&t, &all.url, json!({"events": ["message_created"]}));
    subscribe(
        &t,
        &notes.url,
        json!({"events": ["message_created"], "message_kinds": ["private_note", "incoming"],
               "inbox_id": inbox}),
    );
    subscribe(
        &t,
        &other_inbox.url,
        json!({"events": ["message_created"], "inbox_id": elsewhere}),
    );
    let conversation = t.conversation(inbox, t.contact("alice"));
    post_message(&t, conversation, json!({"content": "a reply"}));
    post_message(
        &t,
        conversation,
        json!({"content": "a note", "private": true}),
    );
    post_message(
        &t,
        conversation,
        json!({"content": "a question", "message_type": "incoming"}),
    );
    let contents = |r: &Receiver, n| -> Vec<Value> {
        r.wait_for(n, 10)
            .iter()
            .map(|m| m.json()["content"].clone())
            .collect()
    };
    assert_eq!(contents(&all, 2), [json!("a reply"), json!("a question")]);
    assert_eq!(contents(&notes, 2), [json!("a note"), json!("a question")]);
    all.assert_stays_at(2, 1);
    assert_eq!(notes.received().len(), 2);
    assert!(other_inbox.received().is_empty());
}

#[test]
fn failed_deliveries_are_retried_with_growing_gaps_and_every_attempt_is_logged() {
    let t = app();
    let receiver = Receiver::start();
    let (webhook, secret) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    receiver.answer_next(&[500, 503]);
    t.contact("alice");
    t.contact("bob");
    let received = receiver.wait_for(4, 15);
    let names: Vec<_> = received
        .iter()
        .map(|r| r.json()["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["alice", "alice", "alice", "bob"],
        "bob waits for alice"
    );
    let ids: Vec<_> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2], "the webhook-id is stable across retries");
    let (first, second) = (
        received[1].at - received[0].at,
        received[2].at - received[1].at,
    );
    assert!(first >= Duration::from_millis(850), "{first:?}");
    assert!(second >= Duration::from_millis(1750), "{second:?}");
    assert!(second > first, "gaps grow: {first:?} then {second:?}");
    assert!(received.iter().all(|r| verify(&secret, r)));

    eventually(|| deliveries(&t, webhook, "?status=succeeded").len() == 2);
    let alice = deliveries(&t, webhook, "?event=contact_created")
        .into_iter()
        .find(|d| d["attempt_count"] == 3)
        .expect("alice's delivery");
    let shown = t
        .admin()
        .get(&t.account_path(&format!("/webhooks/{webhook}/deliveries/{}", alice["id"])))
        .expect(200)
        .json();
    let codes: Vec<_> = shown["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, [json!(500), json!(503), json!(200)]);
    let first = &shown["attempts"][0];
    assert_eq!(first["response_body"], "answered 500");
    assert_eq!(first["response_headers"]["x-receiver"], "test");
    assert!(first["error"].as_str().unwrap().contains("500"));
    assert!(first["latency_ms"].as_i64().unwrap() >= 0);
    assert_eq!(shown["payload"]["name"], "alice");
    assert_eq!(shown["status"], "succeeded");
    assert!(deliveries(&t, webhook, "?status=failed").is_empty());
    assert!(deliveries(&t, webhook, "?since=4102444800").is_empty());
}

#[test]
fn exhausted_deliveries_fail_and_replay_sends_them_again() {
    let t = app();
    let receiver = Receiver::start();
    let (webhook, secret) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    receiver.answer(500);
    t.contact("alice");
    t.contact("bob");
    receiver.wait_for(3, 15);
    eventually(|| deliveries(&t, webhook, "?status=failed").len() == 1);
    // Bob's delivery goes once alice's has failed for good.
    receiver.wait_for(6, 15);
    eventually(|| deliveries(&t, webhook, "?status=failed").len() == 2);
    // Newest first: bob, then alice.
    let failed = deliveries(&t, webhook, "?status=failed");
    assert_eq!(failed[1]["attempt_count"], 3);
    assert!(failed[0]["last_error"].as_str().unwrap().contains("500"));

    receiver.answer(200);
    let alice_id = failed[1]["id"].as_i64().unwrap();
    let path = t.account_path(&format!("/webhooks/{webhook}/deliveries/{alice_id}/replay"));
    let replayed = t.admin().post(&path, json!({})).expect(200).json();
    assert_eq!(replayed["status"], "pending");
    let received = receiver.wait_for(7, 10);
    assert!(verify(&secret, &received[6]));
    assert_eq!(
        received[6].header("webhook-id"),
        received[0].header("webhook-id")
    );
    eventually(|| deliveries(&t, webhook, "?status=succeeded").len() == 1);
    t.admin().post(&path, json!({})).expect(200);
    eventually(|| {
        deliveries(&t, webhook, "?status=succeeded").len() == 1 && receiver.received().len() == 8
    });

    let all = t
        .admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/replay")),
            json!({"since": 0}),
        )
        .expect(200)
        .json();
    assert_eq!(all["replayed"], 1, "only what had failed");
    eventually(|| deliveries(&t, webhook, "?status=succeeded").len() == 2);
    t.admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/replay")),
            json!({}),
        )
        .expect_error(422, "validation_failed");
}

#[test]
fn gone_disables_the_webhook_and_tells_the_administrators() {
    let t = app();
    let (receiver, watcher) = (Receiver::start(), Receiver::start());
    let (webhook, _) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    subscribe(&t, &watcher.url, json!({"events": ["webhook_disabled"]}));
    receiver.answer(410);
    t.contact("alice");
    receiver.wait_for(1, 10);
    let told = watcher.wait_for(1, 10)[0].json();
    assert_eq!(told["event"], "webhook_disabled");
    assert_eq!(told["id"], webhook);
    assert!(told["disabled_reason"].as_str().unwrap().contains("410"));
    let shown = t
        .admin()
        .get(&t.account_path(&format!("/webhooks/{webhook}")))
        .expect(200)
        .json();
    assert_eq!(shown["payload"]["webhook"]["active"], false);
    assert!(t.event_names().contains(&"webhook_disabled".to_string()));
    t.contact("bob");
    receiver.assert_stays_at(1, 2);
    t.admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/replay")),
            json!({"since": 0}),
        )
        .expect_error(409, "conflict");

    // Re-enabled, it fails again; failing for longer than the limit disables it.
    receiver.answer(500);
    t.admin()
        .patch(
            &t.account_path(&format!("/webhooks/{webhook}")),
            json!({"active": true}),
        )
        .expect(200);
    let four_days_ago = deskwoot::db::now() - 4 * 86_400;
    t.db()
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE webhooks SET failing_since = ?1 WHERE id = ?2",
                [four_days_ago, webhook],
            )?;
            Ok(())
        })
        .unwrap();
    t.contact("carol");
    let told = watcher.wait_for(2, 10)[1].json();
    assert!(
        told["disabled_reason"].as_str().unwrap().contains("3 days"),
        "{told}"
    );
}

#[test]
fn a_rolled_back_change_sends_nothing() {
    let t = app();
    let receiver = Receiver::start();
    subscribe(&t, &receiver.url, json!({"events": ["message_created"]}));
    let conversation = t.conversation(t.inbox("Support", "api"), t.contact("alice"));
    let db = t.db();
    let rolled_back = db.write_blocking(|tx| {
        let row = conversations::row(tx, conversation_row_id(tx, conversation)?)?;
        messages::create(
            tx,
            &row,
            Sender::System,
            NewMessage::text(MessageType::Outgoing, "never"),
        )?;
        Err::<(), _>(Error::Conflict("changed my mind".into()))
    });
    assert!(rolled_back.is_err());
    post_message(&t, conversation, json!({"content": "committed"}));
    let received = receiver.wait_for(1, 10);
    assert_eq!(received[0].json()["content"], "committed");
    receiver.assert_stays_at(1, 2);
}

fn conversation_row_id(
    conn: &rusqlite::Connection,
    display_id: i64,
) -> deskwoot::error::Result<i64> {
    Ok(conn.query_row(
        "SELECT id FROM conversations WHERE display_id = ?1",
        [display_id],
        |r| r.get(0),
    )?)
}

#[test]
fn the_test_ping_is_signed_and_answers_the_receivers_status() {
    let t = app();
    let receiver = Receiver::start();
    let (webhook, secret) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    let path = t.account_path(&format!("/webhooks/{webhook}/test"));
    let answer = t.admin().post(&path, json!({})).expect(200).json();
    assert_eq!(answer["succeeded"], true);
    assert_eq!(answer["status_code"], 200);
    let ping = &receiver.received()[0];
    assert!(verify(&secret, ping));
    assert_eq!(ping.json()["event"], "ping");
    receiver.answer(418);
    let answer = t.admin().post(&path, json!({})).expect(200).json();
    assert_eq!(answer["succeeded"], false);
    assert_eq!(answer["status_code"], 418);
    assert_eq!(
        answer["delivery"]["attempts"][0]["response_body"],
        "answered 418"
    );
    assert_eq!(
        deliveries(&t, webhook, "?event=ping").len(),
        2,
        "pings are logged"
    );
}

#[test]
fn a_rotated_secret_signs_beside_the_old_one_for_the_window() {
    let t = app();
    let receiver = Receiver::start();
    let (webhook, old) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    let rotated = t
        .admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/rotate_secret")),
            json!({}),
        )
        .expect(200)
        .json();
    let new = rotated["payload"]["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, old);
    t.contact("alice");
    let first = receiver.wait_for(1, 10)[0].clone();
    assert_eq!(first.header("webhook-signature").split(' ').count(), 2);
    assert!(verify(&old, &first) && verify(&new, &first));
    // Without a window the old secret stops signing at once.
    let rotated = t
        .admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/rotate_secret")),
            json!({"previous_secret_valid_hours": 0}),
        )
        .expect(200)
        .json();
    let newest = rotated["payload"]["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    t.contact("bob");
    let second = receiver.wait_for(2, 10)[1].clone();
    assert!(verify(&newest, &second) && !verify(&new, &second));
}

#[test]
fn the_ssrf_guard_refuses_private_targets_unless_allowed() {
    // The default settings: private targets refused.
    let t = TestApp::start();
    let receiver = Receiver::start();
    for url in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/hook",
        "http://127.0.0.1:9/hook",
    ] {
        let body = t
            .admin()
            .post(
                &t.account_path("/webhooks"),
                json!({"url": url, "events": ["contact_created"]}),
            )
            .expect_error(422, "validation_failed");
        let message = body["details"][0]["message"].as_str().unwrap();
        assert!(message.contains("allow_private_targets"), "{message}");
    }
    // A host name is resolved when delivering: the refusal is in the log.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let (webhook, _) = subscribe(&t, &by_name, json!({"events": ["contact_created"]}));
    let answer = t
        .admin()
        .post(
            &t.account_path(&format!("/webhooks/{webhook}/test")),
            json!({}),
        )
        .expect(200)
        .json();
    assert_eq!(answer["succeeded"], false);
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("loopback") && error.contains("localhost"),
        "{error}"
    );
    t.contact("alice");
    eventually(|| {
        deliveries(&t, webhook, "?event=contact_created")
            .first()
            .is_some_and(|d| {
                d["last_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("loopback"))
            })
    });
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

#[test]
fn kill_9_in_a_burst_of_changes_delivers_every_committed_event_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let token = setup_with_token(dir.path());
    let env = [
        ("DESKWOOT__RATE_LIMIT__PER_MINUTE", "1000000"),
        ("DESKWOOT__WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true"),
    ];
    let receiver = Receiver::start();
    let server = ServeProcess::start(dir.path(), &env);
    let client = Client::new(&server.base_url, Some(token.clone()));
    let accounts = "/api/v1/accounts/1";
    client
        .post(
            &format!("{accounts}/webhooks"),
            json!({"url": receiver.url, "events": ["message_created"]}),
        )
        .expect(200);
    let inbox = client
        .post(
            &format!("{accounts}/inboxes"),
            json!({"name": "API", "channel": {"type": "api"}}),
        )
        .expect(200)
        .json()["id"]
        .as_i64()
        .unwrap();
    let contact = deskwoot::db::Db::open(&dir.path().join("data/deskwoot.db"), 1)
        .unwrap()
        .write_blocking(|tx| {
            let fields = deskwoot::domain::contacts::ContactFields {
                name: Some("Alice".into()),
                ..Default::default()
            };
            Ok(deskwoot::domain::contacts::create(tx, 1, fields)?.id)
        })
        .unwrap();
    let conversation = client
        .post(
            &format!("{accounts}/conversations"),
            json!({"inbox_id": inbox, "contact_id": contact}),
        )
        .expect(200)
        .json()["id"]
        .as_i64()
        .unwrap();
    let messages = format!("{accounts}/conversations/{conversation}/messages");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, token, path) = (server.base_url.clone(), token.clone(), messages.clone());
            std::thread::spawn(move || {
                let client = Client::new(&base, Some(token));
                for i in 0..250 {
                    let body = json!({"content": format!("burst {w}-{i}")});
                    if client.try_post(&path, body).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    receiver.wait_for(200, 60);
    server.signal("KILL");
    for writer in writers {
        writer.join().unwrap();
    }
    drop(server);

    let committed: Vec<i64> = deskwoot::db::Db::open(&dir.path().join("data/deskwoot.db"), 1)
        .unwrap()
        .read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT json_extract(payload, '$.id') FROM events WHERE name = 'message_created'",
            )?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })
        .unwrap();
    assert!(committed.len() >= 200, "the burst was under way");
    let _restarted = ServeProcess::start(dir.path(), &env);
    let delivered = || -> std::collections::HashSet<i64> {
        receiver
            .received()
            .iter()
            .filter_map(|r| r.json()["id"].as_i64())
            .collect()
    };
    for _ in 0..600 {
        if committed.iter().all(|id| delivered().contains(id)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let missing: Vec<_> = committed
        .iter()
        .filter(|id| !delivered().contains(id))
        .collect();
    panic!(
        "{} committed events never delivered: {missing:?}",
        missing.len()
    );
}

#[test]
fn finished_deliveries_older_than_the_retention_are_pruned() {
    let t = app();
    let receiver = Receiver::start();
    let (webhook, _) = subscribe(&t, &receiver.url, json!({"events": ["contact_created"]}));
    for _ in 0..2 {
        t.admin()
            .post(
                &t.account_path(&format!("/webhooks/{webhook}/test")),
                json!({}),
            )
            .expect(200);
    }
    let db = t.db();
    let month_ago = deskwoot::db::now() - 30 * 86_400;
    let pruned = db
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE webhook_deliveries SET completed_at = ?1 WHERE id = 1",
                [month_ago],
            )?;
            let cutoff = deskwoot::db::now() - 14 * 86_400;
            deskwoot::domain::webhook_deliveries::prune(tx, cutoff, 1000)
        })
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(t.count("webhook_deliveries"), 1, "the recent one stays");
    assert_eq!(
        t.count("webhook_attempts"),
        1,
        "attempts go with their delivery"
    );
}
