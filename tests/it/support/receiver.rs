//! A webhook receiver on loopback: it records every request (headers, raw
//! body, arrival time) and answers with the statuses the test asks for.
//! `verify` checks a Standard Webhooks signature, written here from the
//! specification independently of the server's code.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    arrived: Condvar,
    /// Statuses to answer next, in order; then `usual`.
    next: Mutex<VecDeque<u16>>,
    usual: Mutex<u16>,
}

pub struct Receiver {
    /// The URL to subscribe: `http://127.0.0.1:<port>/hook`.
    pub url: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Receiver {
    /// Starts a receiver answering 200.
    pub fn start() -> Receiver {
        let shared = Arc::new(Shared::default());
        *shared.usual.lock().unwrap() = 200;
        let data = web::Data::from(shared.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .default_service(web::to(receive))
                })
                .workers(1)
                .bind("127.0.0.1:0")?;
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).expect("test alive");
                server.await
            })
        });
        let (addr, handle) = rx.recv().expect("the receiver started");
        Receiver {
            url: format!("http://127.0.0.1:{}/hook", addr.port()),
            shared,
            handle,
            thread: Some(thread),
        }
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        *self.shared.usual.lock().unwrap() = status;
    }

    /// Answers these statuses to the next requests, then as usual.
    pub fn answer_next(&self, statuses: &[u16]) {
        self.shared.next.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (at most `secs` seconds).
    #[track_caller]
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut received = self.shared.received.lock().unwrap();
        while received.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {n} requests within {secs} s, got {}",
                received.len()
            );
            received = self.shared.arrived.wait_timeout(received, left).unwrap().0;
        }
        received.clone()
    }

    /// Asserts that nothing more than `n` requests arrive within `secs`.
    #[track_caller]
    pub fn assert_stays_at(&self, n: usize, secs: u64) {
        std::thread::sleep(Duration::from_secs(secs));
        assert_eq!(self.received().len(), n, "unexpected requests");
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let status = shared
        .next
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(*shared.usual.lock().unwrap());
    shared.received.lock().unwrap().push(Received {
        path: req.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    shared.arrived.notify_all();
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .insert_header(("x-receiver", "test"))
        .body(format!("answered {status}"))
}

/// Whether `received` carries a valid Standard Webhooks signature for
/// `secret` (`whsec_<base64>`, or bare base64): HMAC-SHA256 keyed by the
/// decoded secret over `webhook-id.webhook-timestamp.body`, base64, as one
/// of the space-separated `v1,<sig>` entries; the timestamp within 5 minutes.
pub fn verify(secret: &str, received: &Received) -> bool {
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .expect("secret is base64");
    let (id, timestamp) = (
        received.header("webhook-id"),
        received.header("webhook-timestamp"),
    );
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - ts).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(received.body.as_bytes());
    let expected = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    received
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}
