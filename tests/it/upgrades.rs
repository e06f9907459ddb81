//! Upgrades never break: a database made at every released schema version
//! (tests/fixtures/schema-vN/) is upgraded at start and served, and one made
//! by a newer Deskwoot is refused untouched.
//!
//! The fixtures are written by `write_upgrade_fixtures`, an ignored test:
//! `cargo test --test it -- --ignored write_upgrade_fixtures` (see
//! tests/fixtures/README.md). Run it when a migration is added, and commit
//! the new directory; never regenerate an older one.

use std::fs;
use std::path::{Path, PathBuf};

use deskwoot::db::latest_schema_version;
use serde_json::json;

use crate::support::{Client, ServeProcess, TestApp, deskwoot_command};

/// The API token stored in every fixture (only its SHA-256 is in the database).
const FIXTURE_TOKEN: &str = "dw_YyalPBzATPEXc5VZFApEjVsUnleLuh35M1pB";
const FIXTURE_EMAIL: &str = "alice@acme.test";

fn fixture_dir(version: i64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/schema-v{version}"))
}

/// A copy of the fixture of `version` as a data directory inside `work`.
fn copy_fixture(version: i64, work: &Path) -> PathBuf {
    let data = work.join("data");
    fs::create_dir_all(&data).unwrap();
    for entry in fs::read_dir(fixture_dir(version)).expect("the fixture exists") {
        let entry = entry.unwrap();
        if entry.file_name() != "README.md" {
            fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
        }
    }
    data
}

fn user_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn every_released_schema_upgrades_and_serves() {
    let latest = latest_schema_version();
    for version in 1..=latest {
        let fixture = fixture_dir(version).join("deskwoot.db");
        assert!(
            fixture.is_file(),
            "no fixture for schema v{version}: run the ignored test write_upgrade_fixtures"
        );
        assert_eq!(user_version(&fixture), version, "{}", fixture.display());

        let work = tempfile::tempdir().unwrap();
        copy_fixture(version, work.path());
        let server = ServeProcess::start(work.path(), &[]);
        let client = Client::new(&server.base_url, Some(FIXTURE_TOKEN.into()));
        let health = client.get("/healthz").expect(200).json();
        assert_eq!(health["schema_version"], latest, "from v{version}");
        let profile = client.get("/api/v1/profile").expect(200).json();
        assert_eq!(profile["email"], FIXTURE_EMAIL, "from v{version}");
        if version >= 2 {
            let list = client
                .get("/api/v1/accounts/1/conversations")
                .expect(200)
                .json();
            assert_eq!(
                list["data"]["meta"]["all_count"], 1,
                "from v{version}: {list}"
            );
            let messages = client
                .get("/api/v1/accounts/1/conversations/1/messages")
                .expect(200)
                .text;
            assert!(messages.contains(&format!("Hello from schema v{version}")));
        }
        // And it takes writes.
        client
            .post(
                "/api/v1/accounts/1/api_tokens",
                json!({"name": "after the upgrade", "scopes": "read"}),
            )
            .expect(201);
        assert!(
            !work.path().join("data/backups").exists(),
            "no released migration rewrites data, so no backup was taken"
        );
    }
}

#[test]
fn a_database_from_a_newer_deskwoot_is_refused_and_left_alone() {
    let work = tempfile::tempdir().unwrap();
    let data = copy_fixture(latest_schema_version(), work.path());
    let db = data.join("deskwoot.db");
    let newer = latest_schema_version() + 1;
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let out = deskwoot_command(work.path())
        .arg("serve")
        .env("DESKWOOT__SERVER__BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer Deskwoot"), "{stderr}");
    assert!(stderr.contains(&format!("version {newer}")), "{stderr}");
    assert_eq!(user_version(&db), newer);
}

/// Writes the fixtures that do not exist yet: schema v1 from its migration
/// alone (it was released before fixtures were kept), and the current
/// version through the API of this build. Run it when a migration is added.
#[test]
#[ignore = "writes tests/fixtures; run by hand when a migration is added"]
fn write_upgrade_fixtures() {
    if !fixture_dir(1).exists() {
        write_v1_fixture();
    }
    if !fixture_dir(latest_schema_version()).exists() {
        write_current_fixture();
    }
}

fn write_v1_fixture() {
    let dir = fixture_dir(1);
    fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("deskwoot.db")).unwrap();
    conn.execute_batch(include_str!("../../src/db/migrations/0001_init.sql"))
        .unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.execute(
        "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (1, 'Acme', 0, 0)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO users (id, name, email, password_hash, created_at, updated_at)
         VALUES (1, 'Alice Admin', ?1, ?2, 0, 0)",
        rusqlite::params![
            FIXTURE_EMAIL,
            deskwoot::auth::password::hash(crate::support::PASSWORD).unwrap()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO workspace_users (workspace_id, user_id, role, created_at)
         VALUES (1, 1, 'administrator', 0)",
        [],
    )
    .unwrap();
    insert_fixture_token(&conn, 1);
    conn.pragma_update(None, "user_version", 1).unwrap();
}

fn write_current_fixture() {
    let version = latest_schema_version();
    let t = TestApp::start();
    let inbox = t.inbox("Support", "web_widget");
    let conversation = t.conversation(inbox, t.contact("Carol"));
    t.admin()
        .post(
            &t.account_path(&format!("/conversations/{conversation}/messages")),
            json!({"content": format!("Hello from schema v{version}")}),
        )
        .expect(200);
    let conn = rusqlite::Connection::open(t.data_dir().join("deskwoot.db")).unwrap();
    insert_fixture_token(&conn, t.admin.id);
    let dir = fixture_dir(version);
    fs::create_dir_all(&dir).unwrap();
    let dest = dir.join("deskwoot.db");
    // One self-contained file, whatever is still in the WAL.
    conn.execute("VACUUM INTO ?1", [dest.to_str().unwrap()])
        .unwrap();
    fs::copy(t.data_dir().join("secret.key"), dir.join("secret.key")).unwrap();
    assert_eq!(user_version(&dest), version);
}

/// Stores `FIXTURE_TOKEN` as a full-scope token of `user_id` in workspace 1.
fn insert_fixture_token(conn: &rusqlite::Connection, user_id: i64) {
    conn.execute(
        "INSERT INTO api_tokens (workspace_id, user_id, name, scopes, token_hash, hint, created_at)
         VALUES (1, ?1, 'fixture', ?2, ?3, ?4, 0)",
        rusqlite::params![
            user_id,
            deskwoot::auth::ScopeSet::full().to_stored(),
            deskwoot::auth::secret::digest(FIXTURE_TOKEN),
            deskwoot::auth::secret::hint(FIXTURE_TOKEN),
        ],
    )
    .unwrap();
}
