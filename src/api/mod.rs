//! The HTTP API: one module per resource, each with a `routes` function that
//! mounts its endpoints. Handlers extract the caller, check the scope, call the
//! domain and answer JSON.

mod accounts;
mod api_tokens;
mod auth;
mod contacts;
mod health;
mod inboxes;
mod profile;

use actix_web::web;
use serde::Deserialize;

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
    pub fn page(&self) -> crate::error::Result<i64> {
        match self.page {
            None => Ok(1),
            Some(p) if (1..=1_000_000).contains(&p) => Ok(p),
            Some(_) => Err(crate::error::Error::invalid(
                "page",
                "must be a number from 1",
            )),
        }
    }
}

/// Tells "absent" (`None`) from "null" (`Some(None)`) in a JSON body.
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    auth::routes(cfg);
    profile::routes(cfg);
    accounts::routes(cfg);
    api_tokens::routes(cfg);
    inboxes::routes(cfg);
    contacts::routes(cfg);
}
