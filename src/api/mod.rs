//! The HTTP API: one module per resource, each with a `routes` function that
//! mounts its endpoints. Handlers extract the caller, check the scope, call the
//! domain and answer JSON.

mod accounts;
mod agents;
mod api_tokens;
mod attachments;
mod auth;
pub mod bulk_actions;
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
mod search;
mod teams;
mod webhooks;
mod widget;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use rusqlite::{Connection, Transaction};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::error::{Error, Result};
use crate::server::AppState;

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
#[derive(Debug, Deserialize)]
pub struct PageQuery {
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

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = match json.await?.into_inner() {
                Value::Object(mut fields) if fields.len() == 1 && fields.contains_key(T::KEY) => {
                    fields.remove(T::KEY).unwrap_or_default()
                }
                flat => flat,
            };
            let body =
                serde_json::from_value(value).map_err(|e| Error::invalid("body", e.to_string()))?;
            Ok(Body(body))
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    metrics::routes(cfg);
    auth::routes(cfg);
    profile::routes(cfg);
    accounts::routes(cfg);
    api_tokens::routes(cfg);
    inboxes::routes(cfg);
    conversations::routes(cfg);
    bulk_actions::routes(cfg);
    search::routes(cfg);
    attachments::routes(cfg);
    teams::routes(cfg);
    agents::routes(cfg);
    labels::routes(cfg);
    canned_responses::routes(cfg);
    custom_attributes::routes(cfg);
    contacts::routes(cfg);
    realtime::routes(cfg);
    client::routes(cfg);
    webhooks::routes(cfg);
    dashboard::routes(cfg);
    widget::routes(cfg);
}
