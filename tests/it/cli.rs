//! The command line: setup, token create/list/revoke, version and help.

use std::process::Output;

use crate::support::{Client, ServeProcess, deskwoot_command};

/// `deskwoot ARGS` in `dir`, so with its data directory at `dir/data`.
pub fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    deskwoot_command(dir)
        .args(args)
        .output()
        .expect("deskwoot runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn setup_args(email: &str) -> Vec<&str> {
    vec![
        "setup",
        "--workspace",
        "Acme",
        "--name",
        "Alice",
        "--email",
        email,
        "--password",
        "a long password",
    ]
}

#[test]
fn setup_then_token_create_gives_a_working_read_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &setup_args("alice@acme.test"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/deskwoot.db").exists());
    assert!(dir.path().join("data/attachments").is_dir());

    let out = run(
        dir.path(),
        &[
            "token",
            "create",
            "--email",
            "alice@acme.test",
            "--name",
            "reports",
            "--scopes",
            "read",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = stdout(&out);
    let token = printed.trim_end();
    assert!(
        token.starts_with("dw_") && !token.contains(char::is_whitespace),
        "stdout holds the token alone: {printed:?}"
    );
    assert_eq!(printed, format!("{token}\n"));

    let server = ServeProcess::start(dir.path(), &[]);
    let client = Client::new(&server.base_url, Some(token.to_string()));
    let profile = client.get("/api/v1/profile").expect(200).json();
    assert_eq!(profile["email"], "alice@acme.test");
    client
        .post(
            "/api/v1/accounts/1/api_tokens",
            serde_json::json!({"name": "x", "scopes": "read"}),
        )
        .expect_error(403, "insufficient_scope");
}

#[test]
fn setup_for_an_existing_email_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(dir.path(), &setup_args("alice@acme.test"))
            .status
            .success()
    );
    let again = run(dir.path(), &setup_args("ALICE@acme.test"));
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    let db = deskwoot::db::Db::open(&dir.path().join("data/deskwoot.db"), 1).unwrap();
    let workspaces: i64 = db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(workspaces, 1);
}

#[test]
fn setup_without_a_password_and_no_terminal_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = deskwoot_command(dir.path())
        .args([
            "setup",
            "--workspace",
            "Acme",
            "--name",
            "Alice",
            "--email",
            "a@acme.test",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password"));
}

#[test]
fn token_list_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(dir.path(), &setup_args("alice@acme.test"))
            .status
            .success()
    );
    let create = |name: &str| {
        let out = run(
            dir.path(),
            &[
                "token",
                "create",
                "--email",
                "alice@acme.test",
                "--name",
                name,
                "--scopes",
                "contacts:read,conversations:write",
                "--expires-in",
                "7",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out).trim().to_string()
    };
    let first = create("first");
    let _second = create("second");
    let list = stdout(&run(dir.path(), &["token", "list"]));
    assert!(list.contains("first") && list.contains("second"), "{list}");
    assert!(!list.contains(&first), "list must not print secrets");
    assert!(list.contains("contacts:read,conversations:write"), "{list}");

    let revoked = run(dir.path(), &["token", "revoke", "1"]);
    assert!(revoked.status.success());
    let list = stdout(&run(dir.path(), &["token", "list"]));
    assert!(!list.contains("first") && list.contains("second"), "{list}");
    let again = run(dir.path(), &["token", "revoke", "1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not found"));
}

#[test]
fn token_create_refuses_bad_input_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(dir.path(), &setup_args("alice@acme.test"))
            .status
            .success()
    );
    for args in [
        vec![
            "token",
            "create",
            "--email",
            "nobody@acme.test",
            "--name",
            "x",
            "--scopes",
            "read",
        ],
        vec![
            "token",
            "create",
            "--email",
            "alice@acme.test",
            "--name",
            "x",
            "--scopes",
            "sudo",
        ],
        vec![
            "token",
            "create",
            "--email",
            "alice@acme.test",
            "--name",
            "x",
            "--scopes",
            "read",
            "--workspace",
            "42",
        ],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("deskwoot: ") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let version = run(dir.path(), &["--version"]);
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
    for command in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["setup", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
    ] {
        let out = run(dir.path(), &command);
        assert!(out.status.success(), "{command:?}");
        assert!(stdout(&out).contains("Usage"), "{command:?}");
    }
    assert!(!dir.path().join("data").exists(), "help creates nothing");
}
