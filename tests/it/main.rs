//! Integration tests: each starts the real server on 127.0.0.1:0 with a temp
//! data dir and talks to it over HTTP. One binary keeps linking fast.

mod fixtures;
mod support;

mod agents;
mod api_docs;
mod attachments;
mod auth;
mod backups;
mod canned_responses;
mod cli;
mod config;
mod contact_filters;
mod contact_transfer;
mod contacts;
mod conversation_lists;
mod conversations;
mod crash;
mod custom_attributes;
mod dashboard;
mod doc_examples;
mod errors;
mod labels;
mod live_chat;
mod metrics;
mod rate_limits;
mod teams;
mod tokens;
mod upgrades;
mod visibility;
mod webhook_callbacks;
mod webhooks;
mod widget;
