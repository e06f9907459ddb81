//! The websockets: `/ws/agent` for the dashboard and integrations (session
//! cookie or API token), `/ws/visitor` for the widget (the contact's pubsub
//! token). `?since=<event id>` resumes after a reconnect.

use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Access, Routes};
use crate::auth::Scope;
use crate::auth::caller::{self, Caller};
use crate::domain::{contacts, conversations, users};
use crate::error::{Error, Result};
use crate::realtime::{self, Audience, Frame, Hub, Typist, socket};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Realtime")
        .get("/ws/agent", agent)
        .op("agentSocket", "Open the agents' websocket")
        .about(
            "Events of the workspace as they happen, for the dashboard and integrations \
             (session cookie, API token header, or `?token=` for clients that cannot set \
             headers). `?since=<event id>` resumes after a reconnect.",
        )
        .access(Access::Caller)
        .query::<AgentQuery>()
        .switching_protocols()
        .errors(&[404])
        .unchecked("a websocket: curl cannot hold it open");
    api.get("/ws/visitor", visitor)
        .op("visitorSocket", "Open a visitor's websocket")
        .about("The widget's live socket, authenticated by the contact's `pubsub_token`.")
        .access(Access::Visitor)
        .query::<VisitorQuery>()
        .switching_protocols()
        .errors(&[401])
        .unchecked("a websocket: curl cannot hold it open");
}

#[derive(Debug, Deserialize, JsonSchema)]
struct AgentQuery {
    /// Resume after this event id.
    since: Option<i64>,
    /// The workspace to follow (a session may reach several).
    account_id: Option<i64>,
    /// For clients that cannot set headers on a websocket.
    token: Option<String>,
}

/// Browsers send cookies with cross-site websocket handshakes in some cases:
/// a handshake from another site's page is refused.
fn check_origin(req: &HttpRequest) -> Result<()> {
    let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = req.connection_info().host().to_string();
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    if origin_host == host {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "websocket handshakes from other sites are refused",
        ))
    }
}

async fn agent(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<AgentQuery>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    let caller = match query.token {
        Some(token) => caller::authenticate_token(token, &state.db).await?,
        None => {
            check_origin(&req)?;
            Caller::extract(&req).await?
        }
    };
    let account_id = query
        .account_id
        .or_else(|| caller.memberships.first().map(|m| m.workspace_id))
        .ok_or(Error::NotFound("account"))?;
    let me = caller.in_workspace(account_id)?;
    me.require(Scope::read("conversations"))?;
    let user_id = me.user_id;
    let inboxes = state
        .db
        .read(move |c| {
            Ok(realtime::inbox_memberships(c, &[user_id])?
                .remove(&user_id)
                .unwrap_or_default())
        })
        .await?;
    let audience = Audience::Agent {
        workspace_id: account_id,
        user_id,
        all_inboxes: me.is_administrator(),
        inboxes,
    };
    let hub = state.hub.clone();
    // Registered before catching up, so nothing committed meanwhile is lost.
    let registration = hub.register(audience.clone());
    let (floor, missed) = catch_up(&hub, &audience, query.since).await?;
    let mut frames = vec![presence_snapshot(&state, account_id).await?];
    frames.extend(missed);
    if hub.presence.connected(user_id) {
        let availability = state
            .db
            .read(move |c| Ok(users::get(c, user_id)?.availability))
            .await?;
        realtime::announce_presence(
            &hub,
            account_id,
            user_id,
            hub.presence.status(user_id, &availability),
        );
    }
    let (response, session, stream) =
        actix_ws::handle(&req, body).map_err(|e| Error::BadRequest(e.to_string()))?;
    let stream = stream
        .max_frame_size(socket::MAX_INCOMING)
        .aggregate_continuations()
        .max_continuation_size(socket::MAX_INCOMING);
    let handler = agent_handler(state.clone().into_inner(), me.viewer(), user_id);
    actix_web::rt::spawn(async move {
        socket::serve(
            hub.clone(),
            session,
            stream,
            registration,
            (floor, frames),
            handler,
        )
        .await;
        if hub.presence.disconnected(user_id) {
            // Shown offline only if they have not come back within the grace.
            tokio::time::sleep(hub.presence.grace()).await;
            if !hub.presence.is_online(user_id) {
                realtime::announce_presence(&hub, account_id, user_id, "offline");
            }
        }
    });
    Ok(response)
}

/// The last event the client has (`since`, or the newest one for a fresh
/// connection) and the frames it missed since then (or a `resync` frame
/// when too many were).
async fn catch_up(hub: &Hub, audience: &Audience, since: Option<i64>) -> Result<(i64, Vec<Frame>)> {
    let Some(since) = since else {
        return Ok((hub.newest_event().await?, Vec::new()));
    };
    let frames = hub.replay(audience, since).await?.unwrap_or_else(|| {
        vec![Frame::new(
            None,
            "resync",
            json!({"reason": "too many missed events; reload"}),
        )]
    });
    Ok((since, frames))
}

/// How every agent of the workspace is shown right now.
async fn presence_snapshot(state: &AppState, account_id: i64) -> Result<Frame> {
    let agents = state
        .db
        .read(move |c| crate::domain::agents::list(c, account_id))
        .await?;
    let users: serde_json::Map<String, Value> = agents
        .iter()
        .map(|a| {
            (
                a.id.to_string(),
                json!(state.hub.presence.status(a.id, &a.availability_status)),
            )
        })
        .collect();
    Ok(Frame::new(
        None,
        "presence.update",
        json!({"account_id": account_id, "users": users}),
    ))
}

/// Agents send typing notices: `{"type": "typing", "conversation_id", "status": "on"|"off", "is_private"}`.
fn agent_handler(
    state: Arc<AppState>,
    viewer: conversations::Viewer,
    user_id: i64,
) -> socket::Handler {
    Box::new(move |message: Value| {
        let state = state.clone();
        async move {
            if message["type"] != "typing" {
                return;
            }
            let (Some(display_id), on) = (
                message["conversation_id"].as_i64(),
                message["status"] == "on",
            ) else {
                return;
            };
            let private = message["is_private"].as_bool().unwrap_or(false);
            agent_typing(&state, viewer, user_id, display_id, on, private)
                .await
                .unwrap_or_default();
        }
        .boxed_local()
    })
}

/// Relays an agent's typing in a conversation they may see.
pub async fn agent_typing(
    state: &AppState,
    viewer: conversations::Viewer,
    user_id: i64,
    display_id: i64,
    on: bool,
    private: bool,
) -> Result<()> {
    let (row, user) = state
        .db
        .read(move |c| {
            let row = conversations::visible_row(c, &viewer, display_id)?;
            let agent = crate::domain::agents::get(c, viewer.workspace_id, user_id)?;
            Ok((row, serde_json::to_value(agent)?))
        })
        .await?;
    let user = json!({"id": user["id"], "name": user["available_name"], "available_name": user["available_name"], "type": "user"});
    realtime::typing(
        &state.hub,
        &row,
        Typist::Agent { user_id, user },
        on,
        private,
    );
    Ok(())
}

#[derive(Debug, Deserialize, JsonSchema)]
struct VisitorQuery {
    /// The contact's `pubsub_token`, from the Client API.
    pubsub_token: String,
    /// Resume after this event id.
    since: Option<i64>,
}

async fn visitor(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<VisitorQuery>,
) -> Result<HttpResponse> {
    let VisitorQuery {
        pubsub_token,
        since,
    } = query.into_inner();
    let (link, workspace_id) = state
        .db
        .read(move |c| contacts::contact_inbox_by_pubsub(c, &pubsub_token))
        .await
        .map_err(|_| Error::Unauthenticated("unknown pubsub token"))?;
    let audience = Audience::Visitor {
        workspace_id,
        contact_id: link.contact_id,
        inbox_id: link.inbox_id,
        contact_inbox_id: link.id,
        verified: link.hmac_verified,
    };
    let hub = state.hub.clone();
    let registration = hub.register(audience.clone());
    let caught_up = catch_up(&hub, &audience, since).await?;
    let (response, session, stream) =
        actix_ws::handle(&req, body).map_err(|e| Error::BadRequest(e.to_string()))?;
    let stream = stream
        .max_frame_size(socket::MAX_INCOMING)
        .aggregate_continuations()
        .max_continuation_size(socket::MAX_INCOMING);
    // Visitors only ping; typing goes through the Client API.
    let handler: socket::Handler = Box::new(|_| async {}.boxed_local());
    actix_web::rt::spawn(socket::serve(
        hub,
        session,
        stream,
        registration,
        caught_up,
        handler,
    ));
    Ok(response)
}
