//! Embedded schema migrations, applied forward only at start. The schema
//! version is SQLite's `user_version`. Never edit a released migration: add one.
//! The pending migrations run in one transaction: a failure leaves the
//! database as it was, still usable by the version that made it.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// One migration. A migration that only adds tables, columns or indexes
/// leaves `rewrites_data` false; one that updates, moves or deletes existing
/// rows sets it, and the server then takes a backup before running it.
struct Migration {
    sql: &'static str,
    rewrites_data: bool,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/0001_init.sql"),
        rewrites_data: false,
    },
    Migration {
        sql: include_str!("migrations/0002_conversations.sql"),
        rewrites_data: false,
    },
    Migration {
        sql: include_str!("migrations/0003_webhooks.sql"),
        rewrites_data: false,
    },
];

pub fn run(conn: &mut Connection) -> Result<()> {
    let version = schema_version(conn)?;
    if version > latest_version() {
        return Err(Error::internal(format!(
            "the database is at schema version {version}, made by a newer Deskwoot; \
             this one knows up to version {}. Run the newer version, or restore a backup \
             this one made",
            latest_version()
        )));
    }
    Migrations::new(MIGRATIONS.iter().map(|m| M::up(m.sql)).collect()).to_latest(conn)?;
    Ok(())
}

/// The schema version this build brings databases to.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// True when bringing a database at `version` up to date runs a migration
/// that rewrites data.
pub fn upgrade_rewrites_data(version: i64) -> bool {
    rewrites_after(MIGRATIONS, version)
}

fn rewrites_after(migrations: &[Migration], version: i64) -> bool {
    let applied = usize::try_from(version).unwrap_or(0);
    migrations.iter().skip(applied).any(|m| m.rewrites_data)
}

/// The schema version the database is at.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADD: Migration = Migration {
        sql: "",
        rewrites_data: false,
    };
    const REWRITE: Migration = Migration {
        sql: "",
        rewrites_data: true,
    };

    #[test]
    fn a_backup_is_due_only_when_a_pending_migration_rewrites_data() {
        let list = [ADD, REWRITE, ADD];
        assert!(rewrites_after(&list, 0));
        assert!(
            rewrites_after(&list, 1),
            "migration 2 is pending and rewrites"
        );
        assert!(!rewrites_after(&list, 2), "only migration 3 is pending");
        assert!(!rewrites_after(&list, 3), "up to date");
        assert!(!rewrites_after(&list, 7), "newer than known");
        assert!(!rewrites_after(&[ADD, ADD], 0));
    }

    #[test]
    fn no_released_migration_rewrites_data_yet() {
        assert!(!upgrade_rewrites_data(1));
        assert_eq!(latest_version(), 3);
    }
}
