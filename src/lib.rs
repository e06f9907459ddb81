//! Deskwoot: self-hosted customer support in one binary.

pub mod api;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod docs;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod jobs;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod rate_limit;
pub mod realtime;
pub mod server;
