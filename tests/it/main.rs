//! Integration tests: each starts the real server on 127.0.0.1:0 with a temp
//! data dir and talks to it over HTTP. One binary keeps linking fast.

mod support;

mod auth;
mod cli;
mod config;
mod contact_filters;
mod contact_transfer;
mod contacts;
mod crash;
mod errors;
mod rate_limits;
mod tokens;
