//! Benchmark of the live sockets: memory per idle websocket with 10,000 open
//! (the server's RSS before and after), how long a committed message takes
//! to reach 1,000 connected sockets (p50/p99 over every delivery), and the
//! server's RSS under a steady 50 requests/s with 200 widget sockets open.
//!
//! Run: `cargo bench --bench realtime` (or `scripts/bench realtime`); it
//! starts the release `deskwoot serve` as a child process. Raise the open
//! files limit first (`ulimit -n 32768`; scripts/bench does).

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

const IDLE: usize = 10_000;
const FANOUT: usize = 1_000;
const MESSAGES: usize = 20;
const STEADY_SOCKETS: usize = 200;
const STEADY_RATE: u64 = 50;
const STEADY_SECONDS: u64 = 20;

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn deskwoot(dir: &std::path::Path, args: &[&str], port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskwoot"));
    command
        .args(args)
        .current_dir(dir)
        .env("DESKWOOT__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("DESKWOOT__RATE_LIMIT__PER_MINUTE", "1000000")
        .env(
            "DESKWOOT__RATE_LIMIT__VISITOR_CONTACTS_PER_MINUTE",
            "1000000",
        )
        .env(
            "DESKWOOT__RATE_LIMIT__UNAUTHENTICATED_PER_MINUTE",
            "1000000",
        )
        .env("RUST_LOG", "warn");
    command
}

fn start() -> (Server, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let setup = [
        "setup",
        "--workspace",
        "Bench",
        "--name",
        "Bench",
        "--email",
        "bench@example.com",
        "--password",
        "bench password",
    ];
    assert!(
        deskwoot(dir.path(), &setup, port)
            .status()
            .unwrap()
            .success()
    );
    let out = deskwoot(
        dir.path(),
        &[
            "token",
            "create",
            "--email",
            "bench@example.com",
            "--name",
            "b",
            "--scopes",
            "full",
        ],
        port,
    )
    .output()
    .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let child = deskwoot(dir.path(), &["serve"], port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("127.0.0.1:{port}");
    let agent = ureq::agent();
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent.get(format!("http://{base}/healthz")).call().is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        Server {
            child,
            base,
            _dir: dir,
        },
        token,
    )
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn post(server: &Server, token: &str, path: &str, body: Value) -> Value {
    ureq::post(format!("http://{}{path}", server.base))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(body)
        .expect("request")
        .body_mut()
        .read_json()
        .expect("json")
}

fn connect(url: &str) -> WebSocket<MaybeTlsStream<TcpStream>> {
    tungstenite::connect(url).expect("socket").0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmark skipped: run it with `cargo bench --bench realtime`");
        return;
    }
    let (server, token) = start();
    let inbox = post(
        &server,
        &token,
        "/api/v1/accounts/1/inboxes",
        json!({"name": "Site", "channel": {"type": "web_widget"}}),
    );
    let website = inbox["website_token"].as_str().unwrap().to_string();

    // Idle visitors: one contact, many sockets (as many tabs would open).
    let visitor: Value = ureq::post(format!(
        "http://{}/public/api/v1/inboxes/{website}/contacts",
        server.base
    ))
    .send_json(json!({}))
    .unwrap()
    .body_mut()
    .read_json()
    .unwrap();
    let pubsub = visitor["pubsub_token"].as_str().unwrap().to_string();
    // A small team's day: 200 widget sockets open and 50 API requests/s.
    let widgets: Vec<_> = (0..STEADY_SOCKETS)
        .map(|_| {
            connect(&format!(
                "ws://{}/ws/visitor?pubsub_token={pubsub}",
                server.base
            ))
        })
        .collect();
    let agent = ureq::agent();
    let started = Instant::now();
    let mut sent = 0u64;
    while started.elapsed() < Duration::from_secs(STEADY_SECONDS) {
        let due = started + Duration::from_millis(sent * 1000 / STEADY_RATE);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        agent
            .get(format!(
                "http://{}/api/v1/accounts/1/conversations",
                server.base
            ))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("request");
        sent += 1;
    }
    println!(
        "steady load: {sent} requests in {STEADY_SECONDS} s with {STEADY_SOCKETS} widget sockets open, server RSS {} KiB",
        rss_kib(server.child.id())
    );
    drop(widgets);
    std::thread::sleep(Duration::from_secs(1));
    let before = rss_kib(server.child.id());
    let idle: Vec<_> = (0..IDLE)
        .map(|_| {
            connect(&format!(
                "ws://{}/ws/visitor?pubsub_token={pubsub}",
                server.base
            ))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib(server.child.id());
    println!(
        "idle sockets: {IDLE} open, server RSS {before} KiB -> {after} KiB, {:.1} KiB per socket",
        (after.saturating_sub(before)) as f64 / IDLE as f64
    );
    drop(idle);
    std::thread::sleep(Duration::from_secs(1));

    // Fan-out: FANOUT agent sockets all receive each new message.
    let source = post(
        &server,
        &token,
        "/api/v1/accounts/1/contacts",
        json!({"name": "Fan", "inbox_id": inbox["id"]}),
    );
    let contact_id = source["payload"]["contact"]["id"].as_i64().unwrap();
    let conversation = post(
        &server,
        &token,
        "/api/v1/accounts/1/conversations",
        json!({"inbox_id": inbox["id"], "contact_id": contact_id}),
    );
    let id = conversation["id"].as_i64().unwrap();
    let ready = Arc::new(Barrier::new(FANOUT + 1));
    let (tx, rx) = mpsc::channel::<(String, Instant)>();
    for _ in 0..FANOUT {
        let (url, ready, tx) = (
            format!("ws://{}/ws/agent?token={token}", server.base),
            ready.clone(),
            tx.clone(),
        );
        std::thread::spawn(move || {
            let mut ws = connect(&url);
            ready.wait();
            while let Ok(message) = ws.read() {
                if let Message::Text(text) = message {
                    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                    if frame["event"] == "message.created"
                        && let Some(content) = frame["data"]["content"].as_str()
                        && tx.send((content.to_string(), Instant::now())).is_err()
                    {
                        return;
                    }
                }
            }
        });
    }
    drop(tx);
    ready.wait();
    std::thread::sleep(Duration::from_millis(500));
    let mut latencies = Vec::new();
    for n in 0..MESSAGES {
        let content = format!("fan-out {n}");
        let sent = Instant::now();
        post(
            &server,
            &token,
            &format!("/api/v1/accounts/1/conversations/{id}/messages"),
            json!({"content": content}),
        );
        let mut received = 0;
        while received < FANOUT {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok((text, at)) if text == content => {
                    latencies.push(at.duration_since(sent));
                    received += 1;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "fan-out to {FANOUT} sockets: {} deliveries, message posted -> received p50 {:.2?} p99 {:.2?}",
        latencies.len(),
        pct(0.5),
        pct(0.99)
    );
}
