//! `/api/v1/accounts/{account_id}/webhooks`: subscriptions in Chatwoot's
//! shapes (`{payload: {webhooks: [...]}}`, `{payload: {webhook}}`), their
//! test ping, secret rotation, delivery log and replays. Reading needs
//! `webhooks:read`; everything else `webhooks:write`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api::{AccountItemPath, AccountPath, Body, PageQuery, Wrapped, read_as, write_as};
use crate::auth::{Caller, Scope};
use crate::domain::webhook_deliveries::{self as deliveries, DeliveryFilter};
use crate::domain::webhooks::{self, ROTATION_HOURS_DEFAULT, Webhook, WebhookFields};
use crate::error::{Error, Result};
use crate::events::courier::Courier;
use crate::events::outbox;
use crate::server::AppState;

const READ: Scope = Scope::read("webhooks");
const WRITE: Scope = Scope::write("webhooks");

pub fn routes(cfg: &mut web::ServiceConfig) {
    let base = "/api/v1/accounts/{account_id}/webhooks";
    cfg.service(
        web::resource(base)
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource(format!("{base}/{{id}}"))
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    )
    .route(&format!("{base}/{{id}}/test"), web::post().to(test))
    .route(
        &format!("{base}/{{id}}/rotate_secret"),
        web::post().to(rotate_secret),
    )
    .route(
        &format!("{base}/{{id}}/replay"),
        web::post().to(replay_failed),
    )
    .route(
        &format!("{base}/{{id}}/deliveries"),
        web::get().to(list_deliveries),
    )
    .route(
        &format!("{base}/{{webhook_id}}/deliveries/{{id}}"),
        web::get().to(show_delivery),
    )
    .route(
        &format!("{base}/{{webhook_id}}/deliveries/{{id}}/replay"),
        web::post().to(replay_delivery),
    );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookBody {
    name: Option<String>,
    url: Option<String>,
    /// Chatwoot calls the event names `subscriptions`; both are accepted.
    #[serde(alias = "subscriptions")]
    events: Option<Vec<String>>,
    #[serde(default, with = "crate::api::double_option")]
    inbox_id: Option<Option<i64>>,
    message_kinds: Option<Vec<String>>,
    active: Option<bool>,
}

impl Wrapped for WebhookBody {
    const KEY: &'static str = "webhook";
}

impl From<WebhookBody> for WebhookFields {
    fn from(body: WebhookBody) -> WebhookFields {
        WebhookFields {
            name: body.name,
            url: body.url,
            events: body.events,
            inbox_id: body.inbox_id,
            message_kinds: body.message_kinds,
            active: body.active,
        }
    }
}

/// `{payload: {webhook}}`, with the secret when it was just made.
fn one(webhook: &Webhook, secret: Option<String>) -> Result<HttpResponse> {
    let mut value = serde_json::to_value(webhook)?;
    if let Some(secret) = secret {
        value["secret"] = json!(secret);
    }
    Ok(HttpResponse::Ok().json(json!({"payload": {"webhook": value}})))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    let webhooks = read_as(&state, &caller, path.account_id, READ, |conn, me| {
        webhooks::list(conn, me.workspace_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"payload": {"webhooks": webhooks}})))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    let webhook = read_as(&state, &caller, path.account_id, READ, move |conn, me| {
        webhooks::get(conn, me.workspace_id, id)
    })
    .await?;
    one(&webhook, None)
}

/// Answers 200 with the webhook and its secret, shown this once.
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Body<WebhookBody>,
) -> Result<HttpResponse> {
    let (vault, allow_private) = (
        state.vault.clone(),
        state.settings.webhooks.allow_private_targets,
    );
    let (webhook, secret) = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::create(tx, &vault, me.workspace_id, body.0.into(), allow_private)
    })
    .await?;
    one(&webhook, Some(secret))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Body<WebhookBody>,
) -> Result<HttpResponse> {
    let (id, allow_private) = (path.id, state.settings.webhooks.allow_private_targets);
    let webhook = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::update(tx, me.workspace_id, id, body.0.into(), allow_private)
    })
    .await?;
    one(&webhook, None)
}

/// Deletes the webhook and its delivery log; answers 204.
async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::delete(tx, me.workspace_id, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a signed `ping` now and answers with what the receiver said:
/// `{succeeded, status_code, error, delivery}`.
async fn test(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (db, vault, id) = (state.db.clone(), state.vault.clone(), path.id);
    let courier = Courier::new(&state.settings.webhooks);
    let workspace_id = me.workspace_id;
    let delivery =
        web::block(move || outbox::ping(&db, &vault, &courier, workspace_id, id)).await??;
    let attempt = delivery
        .attempts
        .as_ref()
        .and_then(|a| a.last())
        .map(|a| &a.attempt);
    Ok(HttpResponse::Ok().json(json!({
        "succeeded": delivery.status == "succeeded",
        "status_code": attempt.and_then(|a| a.status_code),
        "error": attempt.and_then(|a| a.error.clone()),
        "delivery": delivery,
    })))
}

/// A JSON body that may be left out: empty means all defaults.
fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| Error::invalid("body", e.to_string()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    /// How long the previous secret keeps signing beside the new one.
    previous_secret_valid_hours: Option<i64>,
}

/// Makes a new secret; answers `{payload: {webhook}}` with it, shown this once.
async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let body: RotateBody = optional_body(&body)?;
    let hours = body
        .previous_secret_valid_hours
        .unwrap_or(ROTATION_HOURS_DEFAULT);
    let (vault, id) = (state.vault.clone(), path.id);
    let (webhook, secret) = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::rotate_secret(tx, &vault, me.workspace_id, id, hours)
    })
    .await?;
    one(&webhook, Some(secret))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayBody {
    /// Unix seconds: failed deliveries created since then are sent again.
    since: i64,
}

/// Replays every failed delivery since a time; answers `{replayed: n}`.
async fn replay_failed(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: web::Json<ReplayBody>,
) -> Result<HttpResponse> {
    let (id, since) = (path.id, body.since);
    let replayed = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::get_active(tx, me.workspace_id, id)?;
        deliveries::replay_failed_since(tx, id, since)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "replayed": replayed })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryQuery {
    status: Option<String>,
    event: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    page: Option<i64>,
}

/// `{payload: [delivery]}`, newest first, filtered by status, event and
/// creation time.
async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let filter = DeliveryFilter {
        page: PageQuery { page: q.page }.page()?,
        status: q.status,
        event: q.event,
        since: q.since,
        until: q.until,
    };
    let id = path.id;
    let list = read_as(&state, &caller, path.account_id, READ, move |conn, me| {
        webhooks::get(conn, me.workspace_id, id)?;
        deliveries::list(conn, id, &filter)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "payload": list })))
}

#[derive(Debug, Deserialize)]
struct DeliveryPath {
    account_id: i64,
    webhook_id: i64,
    id: i64,
}

/// A delivery with its payload and every attempt.
async fn show_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse> {
    let (webhook_id, id) = (path.webhook_id, path.id);
    let delivery = read_as(&state, &caller, path.account_id, READ, move |conn, me| {
        webhooks::get(conn, me.workspace_id, webhook_id)?;
        deliveries::get(conn, webhook_id, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(delivery))
}

/// Sends a finished delivery again (same webhook-id); answers the delivery.
async fn replay_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse> {
    let (webhook_id, id) = (path.webhook_id, path.id);
    let delivery = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::get_active(tx, me.workspace_id, webhook_id)?;
        deliveries::replay(tx, webhook_id, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(delivery))
}
