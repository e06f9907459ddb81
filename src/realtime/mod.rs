//! Live updates over websockets. The hub follows the `events` table (only
//! committed rows exist there) and fans each event out to the sockets whose
//! audience may see it: agents of the workspace who see the inbox, and the
//! visitor whose conversation it is. Typing and presence are ephemeral and go
//! straight through the hub. A socket that cannot keep up is dropped, not
//! buffered without bound; it reconnects and resumes from its last event id.

mod presence;
pub mod socket;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::db::Db;
use crate::domain::public;
use crate::error::Result;

pub use presence::Presence;

/// Frames a socket may have queued before it counts as too slow.
const QUEUE: usize = 256;
/// Events read per round, and the most a resuming socket is sent.
const BATCH: i64 = 1000;
/// How often agents' inbox memberships are re-read for routing.
const MEMBERSHIP_REFRESH: Duration = Duration::from_secs(30);

/// One frame as sent: `{"id", "event", "data"}`; `id` is the event id (None for
/// ephemeral frames such as typing), kept beside the text for resuming.
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: Option<i64>,
    pub text: Arc<str>,
}

impl Frame {
    pub fn new(id: Option<i64>, event: &str, data: Value) -> Frame {
        Frame {
            id,
            text: json!({"id": id, "event": event, "data": data})
                .to_string()
                .into(),
        }
    }
}

/// Who is at the other end of a socket.
#[derive(Debug, Clone)]
pub enum Audience {
    Agent {
        workspace_id: i64,
        user_id: i64,
        all_inboxes: bool,
        inboxes: HashSet<i64>,
    },
    Visitor {
        workspace_id: i64,
        contact_id: i64,
        inbox_id: i64,
        contact_inbox_id: i64,
        /// Verified visitors follow all their conversations in the inbox.
        verified: bool,
    },
}

impl Audience {
    fn sees_inbox(&self, workspace: i64, inbox: Option<i64>) -> bool {
        match self {
            Audience::Agent {
                workspace_id,
                all_inboxes,
                inboxes,
                ..
            } => {
                *workspace_id == workspace
                    && (*all_inboxes || inbox.is_none_or(|i| inboxes.contains(&i)))
            }
            Audience::Visitor { .. } => false,
        }
    }
}

/// A committed event as the hub reads it.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub inbox_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub private: bool,
    pub payload: Value,
}

/// The frame `audience` gets for `event`, if any.
fn frame_for(audience: &Audience, event: &EventRow) -> Option<Frame> {
    match audience {
        Audience::Agent { .. } => {
            if !audience.sees_inbox(event.workspace_id, event.inbox_id) {
                return None;
            }
            let name = match event.name.as_str() {
                "conversation_created" => "conversation.created",
                "conversation_updated" => "conversation.updated",
                "message_created" => "message.created",
                "message_updated" => "message.updated",
                "contact_created" => "contact.created",
                "contact_updated" => "contact.updated",
                _ => return None,
            };
            Some(Frame::new(Some(event.id), name, event.payload.clone()))
        }
        Audience::Visitor {
            workspace_id,
            contact_id,
            inbox_id,
            contact_inbox_id,
            verified,
        } => {
            let theirs = event.workspace_id == *workspace_id
                && event.contact_id == Some(*contact_id)
                && event.inbox_id == Some(*inbox_id)
                && !event.private;
            if !theirs {
                return None;
            }
            let conversation = event.payload.get("conversation").unwrap_or(&event.payload);
            let link = conversation["contact_inbox"]["id"].as_i64();
            if !verified && link != Some(*contact_inbox_id) {
                return None;
            }
            match event.name.as_str() {
                "message_created" | "message_updated" => {
                    let name = event.name.replace('_', ".");
                    public::message(&event.payload).map(|m| Frame::new(Some(event.id), &name, m))
                }
                "conversation_created" | "conversation_updated" => {
                    let name = event.name.replace('_', ".");
                    Some(Frame::new(
                        Some(event.id),
                        &name,
                        public::conversation(&event.payload),
                    ))
                }
                _ => None,
            }
        }
    }
}

fn read_events(conn: &Connection, after: i64, limit: i64) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, workspace_id, name, inbox_id, contact_id, private, payload FROM events
         WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map([after, limit], |r| {
        let payload: String = r.get(6)?;
        Ok(EventRow {
            id: r.get(0)?,
            workspace_id: r.get(1)?,
            name: r.get(2)?,
            inbox_id: r.get(3)?,
            contact_id: r.get(4)?,
            private: r.get(5)?,
            payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

struct Client {
    audience: Audience,
    tx: mpsc::Sender<Frame>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    clients: HashMap<u64, Client>,
}

pub struct Hub {
    db: Db,
    state: Mutex<State>,
    pub presence: Presence,
}

/// A registered socket: its id in the hub and the frames routed to it.
pub struct Registration {
    pub id: u64,
    pub frames: mpsc::Receiver<Frame>,
}

impl Hub {
    pub fn new(db: Db, presence_grace: Duration) -> Arc<Hub> {
        Arc::new(Hub {
            db,
            state: Mutex::new(State::default()),
            presence: Presence::new(presence_grace),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn register(&self, audience: Audience) -> Registration {
        let (tx, frames) = mpsc::channel(QUEUE);
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.clients.insert(id, Client { audience, tx });
        Registration { id, frames }
    }

    pub fn unregister(&self, id: u64) {
        self.state().clients.remove(&id);
    }

    /// Open sockets by kind: (agents, visitors).
    pub fn counts(&self) -> (usize, usize) {
        let state = self.state();
        let agents = state
            .clients
            .values()
            .filter(|c| matches!(c.audience, Audience::Agent { .. }))
            .count();
        (agents, state.clients.len() - agents)
    }

    /// Sends `frame` to every socket `wants` picks; drops sockets that are full.
    pub fn send_where(&self, frame: &Frame, wants: impl Fn(&Audience) -> bool) {
        let mut state = self.state();
        let mut too_slow = Vec::new();
        for (id, client) in &state.clients {
            if wants(&client.audience) && client.tx.try_send(frame.clone()).is_err() {
                too_slow.push(*id);
            }
        }
        for id in too_slow {
            // Dropping the sender ends the socket's queue; it closes and the
            // client reconnects, resuming from its last event id.
            state.clients.remove(&id);
        }
    }

    /// Routes committed events to sockets, from now on, until the runtime stops.
    pub async fn run(self: Arc<Self>) {
        let mut commits = self.db.commits();
        let mut cursor = match self
            .db
            .read(|c| Ok(c.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?))
            .await
        {
            Ok(id) => id,
            Err(e) => {
                tracing::error!(error = %e, "realtime hub cannot start");
                return;
            }
        };
        let mut refresh = tokio::time::interval(MEMBERSHIP_REFRESH);
        // A timer as well as commit notices: commits by other processes (the
        // CLI) do not notify this one.
        let mut poll = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                changed = commits.changed() => if changed.is_err() { return },
                _ = poll.tick() => {},
                _ = refresh.tick() => { self.refresh_memberships().await; continue; }
            }
            loop {
                let after = cursor;
                let events = match self.db.read(move |c| read_events(c, after, BATCH)).await {
                    Ok(events) => events,
                    Err(e) => {
                        tracing::warn!(error = %e, "realtime hub could not read events");
                        break;
                    }
                };
                let Some(last) = events.last() else { break };
                cursor = last.id;
                let full = events.len() as i64 == BATCH;
                self.dispatch(&events);
                if !full {
                    break;
                }
            }
        }
    }

    fn dispatch(&self, events: &[EventRow]) {
        let mut state = self.state();
        let mut too_slow = Vec::new();
        for event in events {
            for (id, client) in &state.clients {
                if let Some(frame) = frame_for(&client.audience, event)
                    && client.tx.try_send(frame).is_err()
                {
                    too_slow.push(*id);
                }
            }
        }
        for id in too_slow {
            state.clients.remove(&id);
        }
    }

    /// The newest committed event.
    pub async fn newest_event(&self) -> Result<i64> {
        self.db
            .read(|c| Ok(c.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?))
            .await
    }

    /// Frames a socket missed since event `since`, for a reconnecting client;
    /// `None` when too many were missed and the client should reload.
    pub async fn replay(&self, audience: &Audience, since: i64) -> Result<Option<Vec<Frame>>> {
        let events = self
            .db
            .read(move |c| read_events(c, since, BATCH + 1))
            .await?;
        if events.len() as i64 > BATCH {
            return Ok(None);
        }
        Ok(Some(
            events
                .iter()
                .filter_map(|e| frame_for(audience, e))
                .collect(),
        ))
    }

    async fn refresh_memberships(&self) {
        let agents: Vec<i64> = self
            .state()
            .clients
            .values()
            .filter_map(|c| match c.audience {
                Audience::Agent {
                    user_id,
                    all_inboxes: false,
                    ..
                } => Some(user_id),
                _ => None,
            })
            .collect();
        if agents.is_empty() {
            return;
        }
        let memberships = self.db.read(move |c| inbox_memberships(c, &agents)).await;
        let Ok(memberships) = memberships else { return };
        for client in self.state().clients.values_mut() {
            if let Audience::Agent {
                user_id,
                all_inboxes: false,
                inboxes,
                ..
            } = &mut client.audience
            {
                *inboxes = memberships.get(user_id).cloned().unwrap_or_default();
            }
        }
    }
}

/// The inboxes each of `users` is a member of.
pub fn inbox_memberships(conn: &Connection, users: &[i64]) -> Result<HashMap<i64, HashSet<i64>>> {
    let mut map: HashMap<i64, HashSet<i64>> = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT inbox_id FROM inbox_members WHERE user_id = ?1")?;
    for user in users {
        let inboxes = stmt
            .query_map([user], |r| r.get(0))?
            .collect::<rusqlite::Result<HashSet<i64>>>()?;
        map.insert(*user, inboxes);
    }
    Ok(map)
}

/// Who is typing.
pub enum Typist {
    Agent { user_id: i64, user: Value },
    Contact { user: Value },
}

/// Tells the others in a conversation that someone started or stopped
/// typing. Private typing (a note) is shown to agents only.
pub fn typing(
    hub: &Hub,
    conversation: &crate::domain::conversations::ConversationRow,
    typist: Typist,
    on: bool,
    private: bool,
) {
    let event = if on {
        "conversation.typing_on"
    } else {
        "conversation.typing_off"
    };
    let (typist_id, user) = match typist {
        Typist::Agent { user_id, user } => (Some(user_id), user),
        Typist::Contact { user } => (None, user),
    };
    let frame = Frame::new(
        None,
        event,
        json!({"conversation_id": conversation.display_id, "user": user, "is_private": private}),
    );
    hub.send_where(&frame, |audience| match audience {
        Audience::Agent { user_id, .. } => {
            audience.sees_inbox(conversation.workspace_id, Some(conversation.inbox_id))
                && Some(*user_id) != typist_id
        }
        Audience::Visitor {
            workspace_id,
            contact_id,
            inbox_id,
            contact_inbox_id,
            verified,
        } => {
            typist_id.is_some()
                && !private
                && *workspace_id == conversation.workspace_id
                && *contact_id == conversation.contact_id
                && *inbox_id == conversation.inbox_id
                && (*verified || conversation.contact_inbox_id == Some(*contact_inbox_id))
        }
    });
}

/// Tells a workspace's agents how an agent is shown now.
pub fn announce_presence(hub: &Hub, workspace_id: i64, user_id: i64, status: &str) {
    let frame = Frame::new(
        None,
        "presence.update",
        json!({"account_id": workspace_id, "users": {user_id.to_string(): status}}),
    );
    hub.send_where(
        &frame,
        |a| matches!(a, Audience::Agent { workspace_id: w, .. } if *w == workspace_id),
    );
}
