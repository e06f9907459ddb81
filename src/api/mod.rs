//! The HTTP API: one module per resource, each with a `routes` function that
//! mounts its endpoints. Handlers extract the caller, check the scope, call the
//! domain and answer JSON.

mod accounts;
mod api_tokens;
mod auth;
mod health;
mod profile;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    auth::routes(cfg);
    profile::routes(cfg);
    accounts::routes(cfg);
    api_tokens::routes(cfg);
}
