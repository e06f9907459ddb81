//! A blocking websocket client for the live-update tests.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use tungstenite::{Message, WebSocket, client::IntoClientRequest, stream::MaybeTlsStream};

pub struct Socket {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects to `url` (ws://...) with extra request headers.
    pub fn connect(url: &str, headers: &[(&str, &str)]) -> Socket {
        let mut request = url.into_client_request().expect("valid url");
        for (name, value) in headers {
            request.headers_mut().insert(
                tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let (ws, _) = tungstenite::connect(request).expect("websocket connects");
        if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
        }
        Socket { ws }
    }

    /// The next frame whose event is `event`, waiting up to `timeout`.
    pub fn expect_event(&mut self, event: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(frame) = self.next_frame()
                && frame["event"] == event
            {
                return frame;
            }
        }
        panic!("no {event} frame within {timeout:?}");
    }

    /// Every frame that arrives within `window`.
    pub fn frames_within(&mut self, window: Duration) -> Vec<Value> {
        let deadline = Instant::now() + window;
        let mut frames = Vec::new();
        while Instant::now() < deadline {
            if let Some(frame) = self.next_frame() {
                frames.push(frame);
            }
        }
        frames
    }

    pub fn send(&mut self, value: &Value) {
        self.ws
            .send(Message::text(value.to_string()))
            .expect("send");
    }

    fn next_frame(&mut self) -> Option<Value> {
        match self.ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str(&text).ok(),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("socket failed: {e}"),
        }
    }
}
