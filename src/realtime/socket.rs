//! One websocket's life: send what it missed, then live frames; answer pings
//! and ping it in turn; hand what it sends to its handler; close it when it
//! goes quiet or falls too far behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, Session};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use super::{Frame, Hub, Registration};

const PING_EVERY: Duration = Duration::from_secs(20);
/// A socket silent for this long (no pong, no message) is closed.
const QUIET_LIMIT: Duration = Duration::from_secs(60);
/// The largest message a client may send.
pub const MAX_INCOMING: usize = 16 * 1024;

/// What a socket does with a JSON message its client sent.
pub type Handler = Box<dyn Fn(Value) -> LocalBoxFuture<'static, ()>>;

/// `floor` is the last event the client already has: the `since` it resumed
/// from, or the newest event when it connected afresh (it reads the current
/// state over the API after connecting), so older events still on their way
/// through the hub are not sent.
pub async fn serve(
    hub: Arc<Hub>,
    mut session: Session,
    mut incoming: AggregatedMessageStream,
    registration: Registration,
    (floor, missed): (i64, Vec<Frame>),
    handler: Handler,
) {
    let Registration { id, mut frames } = registration;
    let mut last_sent = floor;
    for frame in missed {
        last_sent = frame.id.unwrap_or(last_sent).max(last_sent);
        if session.text(&*frame.text).await.is_err() {
            hub.unregister(id);
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut heard = Instant::now();
    let reason = loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                // Already sent while catching up.
                Some(frame) if frame.id.is_some_and(|i| i <= last_sent) => {}
                Some(frame) => {
                    last_sent = frame.id.unwrap_or(last_sent).max(last_sent);
                    if session.text(&*frame.text).await.is_err() { break "gone" }
                }
                None => break "too slow; reconnect and resume",
            },
            message = incoming.recv() => match message {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    heard = Instant::now();
                    match serde_json::from_str::<Value>(&text) {
                        Ok(value) if value["type"] == "ping" => {
                            if session.text(r#"{"id":null,"event":"pong","data":{}}"#).await.is_err() { break "gone" }
                        }
                        Ok(value) => handler(value).await,
                        Err(_) => {}
                    }
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    heard = Instant::now();
                    if session.pong(&bytes).await.is_err() { break "gone" }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => heard = Instant::now(),
                Some(Ok(AggregatedMessage::Binary(_))) => {}
                Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => break "closed",
            },
            _ = ping.tick() => {
                if heard.elapsed() > QUIET_LIMIT { break "silent" }
                if session.ping(b"").await.is_err() { break "gone" }
            }
        }
    };
    hub.unregister(id);
    let close = actix_ws::CloseReason {
        code: actix_ws::CloseCode::Normal,
        description: Some(reason.into()),
    };
    let _ = session.close(Some(close)).await;
}
