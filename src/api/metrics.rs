//! `GET /metrics`: the Prometheus text format, for clients on a network of
//! `[metrics] allow` that came straight to the server, and for callers holding
//! the `admin` scope from anywhere.

use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use crate::api::{Access, Routes};
use crate::auth::{Caller, Scope};
use crate::error::{Error, Result};
use crate::metrics::CONTENT_TYPE;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Metrics")
        .get("/metrics", metrics)
        .op("metrics", "Read the Prometheus metrics")
        .about(
            "Request counts and latencies by route and status, open websockets, the \
             outbox's depth and age, webhook deliveries by status, database and WAL \
             size, scheduler job runs. Clients on a network of `[metrics] allow` that \
             came straight to the server need no token; anyone else needs the `admin` scope.",
        )
        // Public in the spec's terms: the allow-list answers without a token;
        // elsewhere a token with `admin` is needed (401/403).
        .access(Access::Public)
        .returns(200, "text/plain", None)
        .errors(&[401, 403]);
}

async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    if !from_allowed_network(&req, &state) {
        let caller = Caller::extract(&req).await?;
        let is_admin = caller.memberships.iter().any(|m| {
            caller
                .in_workspace(m.workspace_id)
                .is_ok_and(|me| me.require(Scope::Admin).is_ok())
        });
        if !is_admin {
            return Err(Error::InsufficientScope(Scope::Admin.to_string()));
        }
    }
    let metrics = state.metrics.clone();
    let body = web::block(move || metrics.render()).await?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(body))
}

/// True for a direct connection from an allowed network. Behind a reverse
/// proxy every client seems to come from the proxy's address, so a request
/// the proxy forwarded (it says so in its headers) never counts as one.
fn from_allowed_network(req: &HttpRequest, state: &AppState) -> bool {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    let Some(peer) = req.peer_addr() else {
        return false;
    };
    !forwarded
        && state
            .settings
            .metrics_networks()
            .iter()
            .any(|n| n.contains(peer.ip()))
}
