//! Embedded schema migrations, applied forward only at start. The schema
//! version is SQLite's `user_version`. Never edit a released migration: add one.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::Result;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_conversations.sql")),
    M::up(include_str!("migrations/0003_webhooks.sql")),
];

pub fn run(conn: &mut Connection) -> Result<()> {
    Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
    Ok(())
}

/// The schema version the database is at.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}
