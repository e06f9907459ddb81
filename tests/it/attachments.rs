//! Attachments: multipart upload with a message, typed by their bytes, served
//! by signed links, limited in size, and removed with their message.

use serde_json::Value;

use crate::support::{Client, TestApp};

pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
];

/// A multipart body with text `fields` and `files` as `attachments[]`.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "deskwoot-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    for (file_name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments[]\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn upload(
    t: &TestApp,
    client: &Client,
    id: i64,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> crate::support::Response {
    let (content_type, body) = multipart(fields, files);
    client.send(
        "POST",
        &t.account_path(&format!("/conversations/{id}/messages")),
        Some(&content_type),
        body,
    )
}

/// The part of a data URL after the host.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_default()
}

#[test]
fn files_upload_with_a_message_and_download_by_their_signed_link() {
    let t = TestApp::start();
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Alice"));
    let message = upload(
        &t,
        &t.admin(),
        id,
        &[("content", "Here is the invoice"), ("private", "false")],
        &[
            ("screenshot.txt", PNG),
            ("invoice.html", b"<script>alert(1)</script>"),
        ],
    )
    .expect(200)
    .json();
    assert_eq!(message["content"], "Here is the invoice");
    let files = message["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0]["file_type"], "image",
        "typed by its bytes, not its name"
    );
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["file_size"], PNG.len());
    assert_eq!(files[1]["file_type"], "file");

    let image = t
        .anonymous()
        .get(&path_of(files[0]["data_url"].as_str().unwrap()))
        .expect(200);
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(image.header("x-content-type-options"), Some("nosniff"));
    assert!(
        image
            .header("content-disposition")
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(image.bytes, PNG);
    let html = t
        .anonymous()
        .get(&path_of(files[1]["data_url"].as_str().unwrap()))
        .expect(200);
    assert_eq!(
        html.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(
        html.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(html.text, "<script>alert(1)</script>");

    // A tampered or expired link is no link.
    let url = path_of(files[0]["data_url"].as_str().unwrap());
    let tampered = url.replace("signature=", "signature=0");
    t.anonymous().get(&tampered).expect_error(404, "not_found");
    let expired = format!(
        "/attachments/{}/x.png?expires=1&signature=00",
        files[0]["id"]
    );
    t.anonymous().get(&expired).expect_error(404, "not_found");
}

#[test]
fn another_workspace_cannot_reach_the_conversation_or_its_files() {
    let t = TestApp::start();
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Alice"));
    upload(&t, &t.admin(), id, &[], &[("a.png", PNG)]).expect(200);
    let (_, other) = t.other_workspace();
    let stranger = t.with_token(&other.token);
    stranger
        .get(&t.account_path(&format!("/conversations/{id}/messages")))
        .expect_error(404, "not_found");
    upload(&t, &stranger, id, &[], &[("b.png", PNG)]).expect_error(404, "not_found");
    assert_eq!(t.count("attachments"), 1);
}

#[test]
fn files_over_the_size_limit_get_413_and_leave_nothing() {
    let t = TestApp::start_with(|s| s.storage.max_attachment_size = 1024);
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Alice"));
    let big = vec![b'x'; 4096];
    upload(
        &t,
        &t.admin(),
        id,
        &[("content", "big")],
        &[("big.bin", &big)],
    )
    .expect_error(413, "payload_too_large");
    assert_eq!(t.count("attachments"), 0);
    assert_eq!(t.count("messages"), 0);
}

#[test]
fn at_most_fifteen_files_per_message() {
    let t = TestApp::start();
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Alice"));
    let files: Vec<(&str, &[u8])> = (0..16).map(|_| ("a.png", PNG)).collect();
    upload(&t, &t.admin(), id, &[], &files).expect_error(422, "validation_failed");
    assert_eq!(t.count("messages"), 0);
}

#[test]
fn deleting_a_message_deletes_files_nothing_else_uses() {
    let t = TestApp::start();
    let id = t.conversation(t.inbox("Support", "api"), t.contact("Alice"));
    let first = upload(
        &t,
        &t.admin(),
        id,
        &[],
        &[("a.png", PNG), ("notes.txt", b"only here")],
    )
    .expect(200)
    .json();
    upload(&t, &t.admin(), id, &[], &[("copy.png", PNG)]).expect(200);
    let files_on_disk = || {
        let dir = t.db().path().parent().unwrap().join("attachments");
        walk(&dir)
            .into_iter()
            .filter(|p| !p.starts_with(&dir.join("tmp").display().to_string()))
            .count()
    };
    assert_eq!(files_on_disk(), 2, "the same content is stored once");
    let path = t.account_path(&format!("/conversations/{id}/messages/{}", first["id"]));
    let deleted: Value = t.admin().delete(&path).expect(200).json();
    assert!(deleted.get("attachments").is_none());
    assert_eq!(
        files_on_disk(),
        1,
        "the PNG is still used by the second message"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}
