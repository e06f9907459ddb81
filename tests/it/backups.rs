//! Backup and restore: a backup taken while the server writes holds every row
//! committed before it began; restore checks the archive whole, refuses while a
//! server runs, and keeps the data it replaces; scheduled backups are pruned.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deskwoot::db::Db;
use serde_json::json;

use crate::attachments::{PNG, path_of, upload};
use crate::cli::run;
use crate::support::setup_with_token;
use crate::support::{Client, ServeProcess, TestApp, deskwoot_command};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A data directory in `dir` made by `setup`, and its backup `dir/name`.
fn set_up_and_back_up(dir: &Path, name: &str) -> PathBuf {
    setup_with_token(dir);
    let archive = dir.join(name);
    let out = run(dir, &["backup", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::os::unix::fs::PermissionsExt::mode(&archive.metadata().unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "it holds the vault key: private");
    archive
}

/// The first column of `sql`'s rows in the database of `data_dir`.
fn column<T: rusqlite::types::FromSql>(data_dir: &Path, sql: &str) -> Vec<T> {
    Db::open(&data_dir.join("deskwoot.db"), 1)
        .unwrap()
        .read_blocking(|c| {
            let mut stmt = c.prepare(sql)?;
            let values = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<T>, _>>()?;
            Ok(values)
        })
        .unwrap()
}

fn workspace_names(data_dir: &Path) -> Vec<String> {
    column(data_dir, "SELECT name FROM workspaces ORDER BY id")
}

#[test]
fn a_backup_taken_under_load_restores_every_row_committed_before_it_began() {
    let t = TestApp::start_with(|s| s.rate_limit.per_minute = 1_000_000);
    let inbox = t.inbox("Support", "web_widget");
    let hmac_token = t
        .admin()
        .get(&t.account_path(&format!("/inboxes/{inbox}")))
        .expect(200)
        .json()["hmac_token"]
        .clone();
    assert!(hmac_token.is_string(), "the inbox has a sealed secret");
    let with_file = t.conversation(inbox, t.contact("Alice"));
    upload(&t, &t.admin(), with_file, &[], &[("pixel.png", PNG)]).expect(200);
    let conversation = t.conversation(inbox, t.contact("Bob"));

    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (client, acked, stop) = (t.admin(), acknowledged.clone(), stop.clone());
            let path = t.account_path(&format!("/conversations/{conversation}/messages"));
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({"content": format!("writer {w}, message {i}")});
                    let message = client.post(&path, body).expect(200).json();
                    acked.lock().unwrap().push(message["id"].as_i64().unwrap());
                    i += 1;
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 200 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("mid-way.tar");
    // Every write acknowledged by now committed before the backup began.
    let before_backup = acknowledged.lock().unwrap().clone();
    let app_dir = t.data_dir().parent().unwrap();
    let out = run(app_dir, &["backup", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let during_backup = acknowledged.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(
        acknowledged.lock().unwrap().len() > during_backup,
        "writes went on around the backup"
    );
    assert!(!work.path().join("mid-way.tar.tmp").exists());

    let out = run(work.path(), &["restore", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Restored"));

    let server = ServeProcess::start(work.path(), &[]);
    let client = Client::new(&server.base_url, Some(t.admin.token.clone()));
    let inbox_after = client
        .get(&t.account_path(&format!("/inboxes/{inbox}")))
        .expect(200)
        .json();
    assert_eq!(
        inbox_after["hmac_token"], hmac_token,
        "the vault key came along"
    );
    let messages = client
        .get(&t.account_path(&format!("/conversations/{with_file}/messages")))
        .expect(200)
        .json();
    let url = messages["payload"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find_map(|m| m["attachments"][0]["data_url"].as_str())
        })
        .expect("the message with the attachment")
        .to_string();
    assert_eq!(client.get(&path_of(&url)).expect(200).bytes, PNG);

    let restored: Vec<i64> = column(&work.path().join("data"), "SELECT id FROM messages");
    let lost: Vec<_> = before_backup
        .iter()
        .filter(|id| !restored.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "committed before the backup, lost: {lost:?}"
    );
}

#[test]
fn restore_is_refused_while_a_server_holds_the_data_dir() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let archive = set_up_and_back_up(work.path(), "b.tar");

    let server = ServeProcess::start(work.path(), &[]);
    let out = run(
        work.path(),
        &["restore", "--force", archive.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("server"), "{message}");
    assert!(
        message.contains(&format!("pid {}", server.child.id())),
        "{message}"
    );
    assert!(
        !data.read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("restor")),
        "nothing was unpacked or moved"
    );
    // A second server on the same directory is refused the same way.
    let second = deskwoot_command(work.path())
        .arg("serve")
        .env("DESKWOOT__SERVER__BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr(&second).contains("is using the data directory"));
    drop(server);

    let out = run(
        work.path(),
        &["restore", "--force", archive.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn restoring_over_data_needs_force_and_keeps_the_old_data_aside() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let archive = set_up_and_back_up(work.path(), "one-workspace.tar");
    let db = Db::open(&data.join("deskwoot.db"), 1).unwrap();
    db.write_blocking(|tx| deskwoot::domain::workspaces::create(tx, "Later").map(|_| ()))
        .unwrap();
    drop(db);

    let out = run(work.path(), &["restore", archive.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(workspace_names(&data), ["Acme", "Later"]);

    let out = run(
        work.path(),
        &["restore", "--force", archive.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(workspace_names(&data), ["Acme"]);
    let aside: Vec<_> = data
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("before-restore-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "data/{}",
            aside[0].file_name().unwrap().to_string_lossy()
        )),
        "the output says where the old data is"
    );
    assert_eq!(workspace_names(&aside[0]), ["Acme", "Later"]);
}

#[test]
fn damaged_or_foreign_archives_are_refused_and_nothing_changes() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let archive = set_up_and_back_up(work.path(), "good.tar");
    let good = std::fs::read(&archive).unwrap();

    // One flipped byte inside the database's content.
    let mut flipped = good.clone();
    flipped[512 + 4096] ^= 0xff;
    // The archive cut short.
    let truncated = good[..good.len() / 2].to_vec();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped.tar", flipped, "fails its checksum"),
        ("truncated.tar", truncated, "damaged"),
        ("text.tar", b"not an archive at all".to_vec(), "damaged"),
        ("empty.tar", Vec::new(), "no manifest.json"),
    ];
    for (name, bytes, expected) in cases {
        let path = work.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(work.path(), &["restore", "--force", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{name}");
    }
    let missing = run(work.path(), &["restore", "--force", "absent.tar"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("absent.tar"));

    let names: Vec<String> = data
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("restor")),
        "no staging or moved data left: {names:?}"
    );
    assert_eq!(workspace_names(&data), ["Acme"]);
}

#[test]
fn backup_refuses_to_overwrite_and_needs_a_database() {
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("b.tar");
    let out = run(work.path(), &["backup", archive.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no database"), "{}", stderr(&out));

    setup_with_token(work.path());
    std::fs::write(&archive, b"precious").unwrap();
    let out = run(work.path(), &["backup", archive.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(std::fs::read(&archive).unwrap(), b"precious");
}

#[test]
fn scheduled_backups_run_while_serving_and_keep_the_newest() {
    let t = TestApp::start_with(|s| {
        s.backup.schedule = "* * * * * *".into(); // every second
        s.backup.keep = 2;
    });
    let backups = t.data_dir().join("backups");
    let deadline = Instant::now() + Duration::from_secs(30);
    let runs = || {
        t.anonymous()
            .get("/metrics")
            .expect(200)
            .text
            .lines()
            .find_map(|l| l.strip_prefix(r#"deskwoot_job_runs_total{job="backup",result="ok"} "#))
            .map_or(0, |n| n.parse::<u32>().unwrap())
    };
    while runs() < 4 {
        assert!(Instant::now() < deadline, "four scheduled backups in 30 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut names: Vec<String> = backups
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tar"))
        .collect();
    names.sort();
    assert!(names.len() <= 2, "pruned to keep = 2: {names:?}");
    assert!(names.iter().all(|n| n.starts_with("deskwoot-scheduled-")));

    // The newest restores.
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    let newest = backups.join(names.last().unwrap());
    let out = run(fresh.path(), &["restore", newest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(workspace_names(&data), ["Acme"]);
}
