//! The HTTP API: one module per resource, each with a `routes` function that
//! mounts its endpoints. Handlers extract the caller, check the scope, call the
//! domain and answer JSON.

mod accounts;
mod agents;
mod api_tokens;
mod attachments;
mod auth;
mod bulk_actions;
mod canned_responses;
mod client;
mod contacts;
mod conversations;
mod custom_attributes;
mod dashboard;
mod health;
mod inboxes;
mod items;
mod labels;
mod metrics;
mod multipart;
mod profile;
mod realtime;
pub mod route;
mod search;
mod teams;
mod webhooks;
mod widget;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev, web};
use rusqlite::{Connection, Transaction};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::error::{Error, Result};
use crate::server::AppState;
pub use route::{Access, Payload, Routes};

/// Tells "absent" (`None`) from "null" (`Some(None)`) in a JSON body, for
/// fields that a `null` clears.
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `{account_id}` in a path.
#[derive(Debug, Deserialize)]
pub struct AccountPath {
    pub account_id: i64,
}

/// `{account_id}` and one resource's `{id}` in a path.
#[derive(Debug, Deserialize)]
pub struct AccountItemPath {
    pub account_id: i64,
    pub id: i64,
}

/// `?page=` of paged lists: 1-based.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PageQuery {
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub page: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Result<i64> {
        match self.page {
            None => Ok(1),
            Some(p) if (1..=1_000_000).contains(&p) => Ok(p),
            Some(_) => Err(Error::invalid("page", "must be a number from 1")),
        }
    }
}

/// A JSON value as a request body: an object, never an array, even where
/// serde would read a struct from one (`[null, null]` is no profile change).
fn object_body<T: DeserializeOwned>(value: Value) -> Result<T> {
    if !value.is_object() {
        return Err(Error::invalid("body", "must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| Error::invalid("body", e.to_string()))
}

/// A JSON object body of type `T`. Like `web::Json` (the same errors: 400
/// malformed, 413 too large, 415 not JSON, 422 wrong shape), but a JSON
/// array is refused rather than read as a struct's fields.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Json<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move { Ok(Json(object_body(json.await?.into_inner())?)) })
    }
}

/// A JSON object body that may be left out: an empty body is `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<OptionalJson<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            Ok(OptionalJson(optional_body(&bytes, is_json)?))
        })
    }
}

/// An optional JSON object body from its bytes: empty means all defaults.
pub fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8], is_json: bool) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if !is_json {
        return Err(Error::UnsupportedMediaType("application/json"));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| Error::MalformedJson(e.to_string()))?;
    object_body(value)
}

/// For nested struct fields: read only from a JSON object, as `Json` does
/// for whole bodies (`#[serde(deserialize_with = "crate::api::object")]`).
pub fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    if !value.is_object() {
        return Err(serde::de::Error::custom("expected a JSON object"));
    }
    serde_json::from_value(value).map_err(serde::de::Error::custom)
}

/// `object` for `Option` fields: `null` or absent is `None`.
pub fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(value @ Value::Object(_)) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        Some(_) => Err(serde::de::Error::custom("expected a JSON object")),
    }
}

/// A request body whose fields may also come nested under one key, as Rails
/// clients send them (`{"team": {"name": ...}}` as well as `{"name": ...}`).
pub trait Wrapped: DeserializeOwned {
    /// The key the fields may be nested under.
    const KEY: &'static str;
}

/// A JSON body of a `Wrapped` type, sent flat or nested under its key.
/// Fields of the wrong shape are a 422 on `body`, as with `web::Json`.
pub struct Body<T>(pub T);

impl<T: Wrapped + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Body<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = match json.await?.into_inner() {
                Value::Object(mut fields) if fields.len() == 1 && fields.contains_key(T::KEY) => {
                    fields.remove(T::KEY).unwrap_or_default()
                }
                flat => flat,
            };
            Ok(Body(object_body(value)?))
        })
    }
}

/// The caller inside workspace `account_id`, if they hold `scope` there.
fn scoped(caller: &Caller, account_id: i64, scope: Scope) -> Result<WorkspaceCaller> {
    let me = caller.in_workspace(account_id)?;
    me.require(scope)?;
    Ok(me)
}

/// Runs `f` on a read connection for the caller inside workspace
/// `account_id`, once they are known to hold `scope` there.
pub async fn read_as<T, F>(
    state: &AppState,
    caller: &Caller,
    account_id: i64,
    scope: Scope,
    f: F,
) -> Result<T>
where
    F: FnOnce(&Connection, &WorkspaceCaller) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let me = scoped(caller, account_id, scope)?;
    state.db.read(move |conn| f(conn, &me)).await
}

/// `read_as` for changes: `f` runs in one write transaction.
pub async fn write_as<T, F>(
    state: &AppState,
    caller: &Caller,
    account_id: i64,
    scope: Scope,
    f: F,
) -> Result<T>
where
    F: FnOnce(&Transaction, &WorkspaceCaller) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let me = scoped(caller, account_id, scope)?;
    state.db.write(move |tx| f(tx, &me)).await
}

/// Mounts every endpoint of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut api = Routes::new();
    register(&mut api);
    api.mount(cfg);
}

/// Registers every endpoint, with its documentation, in the order actix
/// matches them. A new module adds its `routes` here.
pub fn register(api: &mut Routes) {
    health::routes(api);
    auth::routes(api);
    profile::routes(api);
    accounts::routes(api);
    api_tokens::routes(api);
    inboxes::routes(api);
    conversations::routes(api);
    bulk_actions::routes(api);
    search::routes(api);
    attachments::routes(api);
    teams::routes(api);
    agents::routes(api);
    labels::routes(api);
    canned_responses::routes(api);
    custom_attributes::routes(api);
    contacts::routes(api);
    realtime::routes(api);
    client::routes(api);
    webhooks::routes(api);
    metrics::routes(api);
    dashboard::routes(api);
    widget::routes(api);
    crate::docs::routes(api);
    crate::assets::routes(api);
}
