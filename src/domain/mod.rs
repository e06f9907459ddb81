//! The rules and the SQL, one module per entity. Functions take a `&Transaction`
//! for changes or a `&Connection` for reads and never see HTTP types.

pub mod agents;
pub mod api_tokens;
pub mod attachments;
pub mod canned_responses;
pub mod contact_notes;
pub mod contacts;
pub mod conversations;
pub mod custom_attributes;
pub mod filters;
pub mod inboxes;
pub mod labels;
pub mod memberships;
pub mod messages;
pub mod public;
pub mod query;
pub mod search;
pub mod sessions;
pub mod teams;
pub mod users;
pub mod validate;
pub mod visitors;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod workspaces;
