//! The database: opening it (pragmas, WAL), the embedded migrations, the pool of
//! readers and the single writer through which every change goes.

mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{Error, Result};
use crate::metrics::Exposition;

pub use migrations::{
    latest_version as latest_schema_version, schema_version, upgrade_rewrites_data,
};

/// How long a connection waits for another process's lock (the CLI, a backup)
/// before giving up. Inside the server the single writer never waits on itself.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Handle to the database, cheap to clone. Reads go to a pool of read-only
/// connections; writes are serialised through one connection, so concurrent
/// requests never see `SQLITE_BUSY` from each other.
#[derive(Clone)]
pub struct Db {
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// Bumped after every commit, so the outbox worker and the live sockets
    /// look for new events only once they are committed.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path, read_connections: u32) -> Result<Db> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        // WAL is a property of the file: set once, by the writer.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        migrations::run(&mut writer)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            configure(c)?;
            c.pragma_update(None, "query_only", true)
        });
        let readers = r2d2::Pool::builder()
            .max_size(read_connections)
            .build(manager)?;
        Ok(Db {
            readers,
            writer: Arc::new(Mutex::new(writer)),
            path: path.to_path_buf(),
            commits: Arc::new(tokio::sync::watch::channel(0).0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read connection, off the async executor.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_blocking(f)).await?
    }

    /// Runs `f` in one write transaction, off the async executor. The
    /// transaction commits when `f` returns `Ok` and rolls back otherwise.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f)).await?
    }

    /// `read` for callers that are already on a blocking thread (the CLI, workers).
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.get()?;
        f(&conn)
    }

    /// `write` for callers that are already on a blocking thread (the CLI, workers).
    pub fn write_blocking<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        // A panic inside `f` rolls its transaction back while unwinding, so the
        // connection behind a poisoned lock is still clean to use.
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        drop(conn);
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
        Ok(value)
    }

    /// A receiver that wakes after each commit made through this handle.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Writes the storage gauges: file sizes, schema version, event rows.
    pub fn write_metrics(&self, out: &mut Exposition) {
        let size = |path: &Path| std::fs::metadata(path).map_or(0.0, |m| m.len() as f64);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        out.gauge(
            "deskwoot_database_size_bytes",
            "Size of the database file.",
            size(&self.path),
        );
        out.gauge(
            "deskwoot_database_wal_size_bytes",
            "Size of the database's write-ahead log.",
            size(Path::new(&wal)),
        );
        let read = self.read_blocking(|conn| {
            let events: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
            Ok((schema_version(conn)?, events))
        });
        match read {
            Ok((schema, events)) => {
                out.gauge(
                    "deskwoot_schema_version",
                    "Schema version of the database.",
                    schema as f64,
                );
                out.gauge(
                    "deskwoot_events_rows",
                    "Rows in the event log (the outbox).",
                    events as f64,
                );
            }
            Err(e) => tracing::warn!(error = %e.detail(), "reading the storage metrics failed"),
        }
    }

    /// Copies the WAL back into the main file and truncates it; called at shutdown.
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// The schema version of the database file at `path`, read without changing it.
pub fn schema_version_of(path: &Path) -> Result<i64> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    schema_version(&conn)
}

/// Runs SQLite's `integrity_check` on the database file at `path`.
pub fn check_integrity(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(Error::internal(verdict))
    }
}

/// Pragmas every connection needs.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // FULL makes each commit durable on power loss too, not only on a crash of
    // the process: an acknowledged message is never lost.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// The current time in Unix seconds, the unit of every stored timestamp.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The current time in Unix milliseconds, for what is scheduled to the
/// sub-second (webhook retries).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        Error::internal(format!("migration: {e}"))
    }
}
