//! Durability: `kill -9` loses no acknowledged write, and SIGTERM shuts down
//! cleanly with the WAL checkpointed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::support::{Client, ServeProcess, setup_with_token};

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let token = setup_with_token(dir.path());
    let limits = [("DESKWOOT__RATE_LIMIT__PER_MINUTE", "100000")];
    let server = ServeProcess::start(dir.path(), &limits);
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, token, acked) =
                (server.base_url.clone(), token.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                let client = Client::new(&base, Some(token));
                for i in 0..10_000 {
                    let body = json!({"name": format!("w{w}-{i}"), "scopes": "read"});
                    // Once the server is gone, requests fail: stop writing.
                    let Ok(response) = client.try_post("/api/v1/accounts/1/api_tokens", body)
                    else {
                        return;
                    };
                    if response.status == 201 {
                        acked
                            .lock()
                            .unwrap()
                            .push(response.json()["id"].as_i64().unwrap());
                    }
                }
            })
        })
        .collect();
    // Let some writes land, then pull the plug mid-stream.
    while acknowledged.lock().unwrap().len() < 100 {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.signal("KILL");
    for writer in writers {
        writer.join().unwrap();
    }
    drop(server);
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 100);

    let restarted = ServeProcess::start(dir.path(), &limits);
    let db = deskwoot::db::Db::open(&dir.path().join("data/deskwoot.db"), 1).unwrap();
    let stored: Vec<i64> = db
        .read_blocking(|c| {
            let mut stmt = c.prepare("SELECT id FROM api_tokens")?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })
        .unwrap();
    let missing: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    Client::new(&restarted.base_url, Some(token))
        .get("/api/v1/profile")
        .expect(200);
}

#[test]
fn sigterm_stops_cleanly_and_checkpoints_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let token = setup_with_token(dir.path());
    let mut server = ServeProcess::start(dir.path(), &[]);
    Client::new(&server.base_url, Some(token))
        .post(
            "/api/v1/accounts/1/api_tokens",
            json!({"name": "before stop", "scopes": "read"}),
        )
        .expect(201);
    server.signal("TERM");
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let wal = dir.path().join("data/deskwoot.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL was checkpointed into the database");
}
