//! The rules and the SQL, one module per entity. Functions take a `&Transaction`
//! for changes or a `&Connection` for reads and never see HTTP types.

pub mod api_tokens;
pub mod sessions;
pub mod users;
pub mod validate;
pub mod workspaces;
