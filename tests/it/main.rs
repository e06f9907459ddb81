//! Integration tests: each starts the real server on 127.0.0.1:0 with a temp
//! data dir and talks to it over HTTP. One binary keeps linking fast.

mod support;

mod attachments;
mod auth;
mod cli;
mod config;
mod conversation_lists;
mod conversations;
mod crash;
mod errors;
mod rate_limits;
mod tokens;
mod visibility;
