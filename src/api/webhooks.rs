//! `/api/v1/accounts/{account_id}/webhooks`: subscriptions in Chatwoot's
//! shapes (`{payload: {webhooks: [...]}}`, `{payload: {webhook}}`), their
//! test ping, secret rotation, delivery log and replays. Reading needs
//! `webhooks:read`; everything else `webhooks:write`.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{
    AccountItemPath, AccountPath, Body, PageQuery, Payload, Routes, Wrapped, read_as, write_as,
};
use crate::api::{Json, OptionalJson};
use crate::auth::{Caller, Scope};
use crate::domain::webhook_deliveries::{self as deliveries, Delivery, DeliveryFilter};
use crate::domain::webhooks::{self, ROTATION_HOURS_DEFAULT, Webhook, WebhookFields};
use crate::error::Result;
use crate::events::courier::Courier;
use crate::events::outbox;
use crate::server::AppState;

const READ: Scope = Scope::read("webhooks");
const WRITE: Scope = Scope::write("webhooks");

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/webhooks";
    let one = format!("{base}/{{id}}");
    api.tag("Webhooks")
        .get(base, list)
        .op("listWebhooks", "List webhooks")
        .about("The subscriptions, in Chatwoot's shape: `{payload: {webhooks: [...]}}`.")
        .scope(READ)
        .ok::<Payload<WebhookList>>();
    api.post(base, create)
        .op("createWebhook", "Create a webhook")
        .about(
            "Subscribes `url` to `events` (Chatwoot's `subscriptions` too). Answers the \
             webhook with its signing `secret` (`whsec_...`), shown this once. Targets on \
             private addresses are refused (422 on `url`) unless \
             `webhooks.allow_private_targets` is on. The body may be flat or under \
             `webhook`.",
        )
        .scope(WRITE)
        .wrapped::<WebhookBody>()
        .ok::<Payload<OneWebhook>>()
        .example(json!({"url": "https://hooks.example.com/deskwoot", "name": "CRM sync", "events": ["conversation_created", "message_created"]}));
    api.get(&one, show)
        .op("getWebhook", "Show a webhook")
        .scope(READ)
        .ok::<Payload<OneWebhook>>();
    api.patch_put(&one, update)
        .op("updateWebhook", "Change a webhook")
        .about(
            "Changes the given fields. Deactivating (`active: false`) fails its pending \
             deliveries.",
        )
        .scope(WRITE)
        .wrapped::<WebhookBody>()
        .ok::<Payload<OneWebhook>>()
        .example(json!({"events": ["conversation_created", "conversation_resolved"]}));
    api.delete(&one, delete)
        .op("deleteWebhook", "Delete a webhook")
        .about("Deletes the webhook and its delivery log.")
        .scope(WRITE)
        .no_content()
        .example_path("/api/v1/accounts/1/webhooks/2");
    api.post(&format!("{one}/test"), test)
        .op("testWebhook", "Send a test ping")
        .about(
            "Sends a signed `{\"event\": \"ping\"}` now and answers with what the \
             receiver said.",
        )
        .scope(WRITE)
        .ok::<TestResult>();
    api.post(&format!("{one}/rotate_secret"), rotate_secret)
        .op("rotateWebhookSecret", "Rotate a webhook's secret")
        .about(
            "Makes a new secret, answered this once. The previous one keeps signing \
             beside it for `previous_secret_valid_hours` (0 to 168, default 24), so \
             receivers can switch at their pace. The body is optional.",
        )
        .scope(WRITE)
        .optional_json::<RotateBody>()
        .ok::<Payload<OneWebhook>>()
        .example(json!({"previous_secret_valid_hours": 24}));
    api.post(&format!("{one}/replay"), replay_failed)
        .op("replayFailedDeliveries", "Replay failed deliveries")
        .about(
            "Sends again, in order, every failed delivery created since `since` (Unix \
             seconds). Needs an active webhook (409 otherwise).",
        )
        .scope(WRITE)
        .json::<ReplayBody>()
        .ok::<Replayed>()
        .errors(&[409])
        .example(json!({"since": 1700000000}));
    api.get(&format!("{one}/deliveries"), list_deliveries)
        .op("listWebhookDeliveries", "List a webhook's deliveries")
        .about("Newest first, filtered by status, event and creation time (Unix seconds).")
        .scope(READ)
        .query::<DeliveryQuery>()
        .ok::<Payload<Vec<Delivery>>>()
        .example_path("/api/v1/accounts/1/webhooks/1/deliveries?status=succeeded");
    let delivery = format!("{base}/{{webhook_id}}/deliveries/{{id}}");
    api.get(&delivery, show_delivery)
        .op("getWebhookDelivery", "Show a delivery")
        .about("A delivery with its payload and every attempt.")
        .scope(READ)
        .ok::<Delivery>();
    api.post(&format!("{delivery}/replay"), replay_delivery)
        .op("replayWebhookDelivery", "Replay a delivery")
        .about(
            "Sends a finished delivery again, with the same `webhook-id`; answers the \
             delivery. Needs an active webhook (409 otherwise).",
        )
        .scope(WRITE)
        .ok::<Delivery>()
        .errors(&[409]);
}

#[derive(Serialize, JsonSchema)]
struct WebhookList {
    webhooks: Vec<Webhook>,
}

#[derive(Serialize, JsonSchema)]
struct OneWebhook {
    webhook: WebhookView,
}

/// A webhook, with its secret when it was just made.
#[derive(Serialize, JsonSchema)]
struct WebhookView {
    #[serde(flatten)]
    webhook: Webhook,
    /// `whsec_...`: in the answers to create and rotate_secret only.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Replayed {
    replayed: usize,
}

/// What a test ping did.
#[derive(Serialize, JsonSchema)]
struct TestResult {
    succeeded: bool,
    status_code: Option<u16>,
    error: Option<String>,
    delivery: Delivery,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebhookBody {
    name: Option<String>,
    url: Option<String>,
    /// Chatwoot calls the event names `subscriptions`; both are accepted.
    #[serde(alias = "subscriptions")]
    events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
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
fn one(webhook: Webhook, secret: Option<String>) -> Result<HttpResponse> {
    let webhook = WebhookView { webhook, secret };
    Ok(HttpResponse::Ok().json(Payload::of(OneWebhook { webhook })))
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
    Ok(HttpResponse::Ok().json(Payload::of(WebhookList { webhooks })))
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
    one(webhook, None)
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
    one(webhook, Some(secret))
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
    one(webhook, None)
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
    let (status_code, error) = (
        attempt.and_then(|a| a.status_code),
        attempt.and_then(|a| a.error.clone()),
    );
    Ok(HttpResponse::Ok().json(TestResult {
        succeeded: delivery.status == "succeeded",
        status_code,
        error,
        delivery,
    }))
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    /// How long the previous secret keeps signing beside the new one: 0 to 168.
    previous_secret_valid_hours: Option<i64>,
}

/// Makes a new secret; answers `{payload: {webhook}}` with it, shown this once.
async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: OptionalJson<RotateBody>,
) -> Result<HttpResponse> {
    let body = body.0;
    let hours = body
        .previous_secret_valid_hours
        .unwrap_or(ROTATION_HOURS_DEFAULT);
    let (vault, id) = (state.vault.clone(), path.id);
    let (webhook, secret) = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::rotate_secret(tx, &vault, me.workspace_id, id, hours)
    })
    .await?;
    one(webhook, Some(secret))
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    body: Json<ReplayBody>,
) -> Result<HttpResponse> {
    let (id, since) = (path.id, body.since);
    let replayed = write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        webhooks::get_active(tx, me.workspace_id, id)?;
        deliveries::replay_failed_since(tx, id, since)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Replayed { replayed }))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DeliveryQuery {
    /// `pending`, `succeeded` or `failed`.
    #[schemars(extend("enum" = ["pending", "succeeded", "failed", null]))]
    status: Option<String>,
    /// An event name.
    event: Option<String>,
    /// Created at or after (Unix seconds).
    since: Option<i64>,
    /// Created before (Unix seconds).
    until: Option<i64>,
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
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
