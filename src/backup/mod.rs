//! Backups: one tar archive holding a consistent copy of the database (made
//! with `VACUUM INTO`, so the server keeps serving and writing meanwhile), the
//! vault key and the attachments, then `manifest.json` with each file's size
//! and SHA-256. The CLI, the schedule and the pre-migration backup all call
//! `create`; `restore` reads the same archive back.

mod restore;

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::vault::KEY_FILE;
use crate::config::{ATTACHMENTS_DIR, DATABASE_FILE};
use crate::lock::LockError;

pub use restore::{Restored, restore};

pub const MANIFEST_FILE: &str = "manifest.json";
/// Scheduled backups are named `deskwoot-scheduled-<UTC time>.tar`; only
/// these are pruned.
const SCHEDULED_PREFIX: &str = "deskwoot-scheduled-";
const ARCHIVE_SUFFIX: &str = ".tar";
/// In-progress uploads live here; they belong to no message yet.
const UPLOADS_IN_PROGRESS: &str = "tmp";

/// What a backup holds, stored in it as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub deskwoot_version: String,
    pub schema_version: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the data directory, with `/` separators.
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl Manifest {
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}; nothing to back up")]
    NoDatabase(String),
    #[error("{0} already exists; choose another file name")]
    Exists(String),
    #[error("cannot copy the database: {0}")]
    Snapshot(String),
    #[error("{0}: {1}")]
    Io(String, io::Error),
    #[error("{0} is not a Deskwoot backup: {1}")]
    NotABackup(String, String),
    #[error("the backup {0} is damaged: {1}; nothing was changed")]
    Damaged(String, String),
    #[error(
        "the backup holds schema version {found}, made by a newer Deskwoot; this one knows up to version {supported}: upgrade Deskwoot first"
    )]
    TooNew { found: i64, supported: i64 },
    #[error(
        "{0} already holds a database; pass --force to replace it (the current data is kept aside in the same directory)"
    )]
    DataExists(String),
    #[error(transparent)]
    Locked(#[from] LockError),
}

/// An `io::Error` about `path`, as a `BackupError`.
fn io_error(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.display().to_string(), e)
}

/// Writes a backup of `data_dir` to `dest` (first to `dest.tmp`, renamed once
/// complete and flushed to disk), and returns its manifest.
pub fn create(data_dir: &Path, dest: &Path) -> Result<Manifest, BackupError> {
    let database = data_dir.join(DATABASE_FILE);
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.display().to_string()));
    }
    if dest.exists() {
        return Err(BackupError::Exists(dest.display().to_string()));
    }
    let partial = Partial(with_suffix(dest, ".tmp"));
    let snapshot = Partial(with_suffix(dest, ".db.tmp"));
    for stale in [&partial.0, &snapshot.0] {
        remove_if_present(stale)?;
    }
    snapshot_database(&database, &snapshot.0)?;
    let schema_version =
        crate::db::schema_version_of(&snapshot.0).map_err(|e| BackupError::Snapshot(e.detail()))?;

    // It holds the vault key: private to its owner whatever the umask.
    let file = create_private(&partial.0).map_err(io_error(&partial.0))?;
    let mut archive = tar::Builder::new(BufWriter::new(file));
    let mut files = vec![append_file(&mut archive, &snapshot.0, DATABASE_FILE)?];
    let key = data_dir.join(KEY_FILE);
    if key.is_file() {
        files.push(append_file(&mut archive, &key, KEY_FILE)?);
    }
    for (path, name) in attachment_files(&data_dir.join(ATTACHMENTS_DIR))? {
        match append_file(&mut archive, &path, &name) {
            Ok(file) => files.push(file),
            // Deleted after the snapshot: its attachment row is gone too.
            Err(BackupError::Io(_, e)) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let manifest = Manifest {
        deskwoot_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version,
        created_at: crate::db::now(),
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError::Io(MANIFEST_FILE.into(), io::Error::other(e)))?;
    let mut header = entry_header(json.len() as u64);
    archive
        .append_data(&mut header, MANIFEST_FILE, json.as_slice())
        .map_err(io_error(&partial.0))?;
    let file = archive
        .into_inner()
        .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
        .map_err(io_error(&partial.0))?;
    file.sync_all().map_err(io_error(&partial.0))?;
    drop(file);
    fs::rename(&partial.0, dest).map_err(io_error(dest))?;
    Ok(manifest)
}

/// Backs `data_dir` up into `dir` under a timestamped name, then deletes the
/// oldest scheduled backups beyond `keep`. Returns the new backup's path.
pub fn scheduled(data_dir: &Path, dir: &Path, keep: usize) -> Result<PathBuf, BackupError> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let dest = dir.join(format!(
        "{SCHEDULED_PREFIX}{}{ARCHIVE_SUFFIX}",
        timestamp(crate::db::now())
    ));
    create(data_dir, &dest)?;
    prune(dir, keep)?;
    Ok(dest)
}

/// Backs up before a migration that rewrites data, into `dir`.
pub fn before_migration(
    data_dir: &Path,
    dir: &Path,
    schema_version: i64,
) -> Result<PathBuf, BackupError> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let dest = dir.join(format!(
        "deskwoot-pre-migration-v{schema_version}-{}{ARCHIVE_SUFFIX}",
        timestamp(crate::db::now())
    ));
    create(data_dir, &dest)?;
    Ok(dest)
}

/// Deletes scheduled backups in `dir` beyond the newest `keep`.
fn prune(dir: &Path, keep: usize) -> Result<(), BackupError> {
    let mut scheduled: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(ARCHIVE_SUFFIX))
        })
        .collect();
    // The names embed a sortable UTC time.
    scheduled.sort();
    let excess = scheduled.len().saturating_sub(keep);
    for old in &scheduled[..excess] {
        fs::remove_file(old).map_err(io_error(old))?;
    }
    Ok(())
}

/// `VACUUM INTO` copies one consistent read transaction's view of the
/// database, however much the server writes meanwhile.
fn snapshot_database(database: &Path, dest: &Path) -> Result<(), BackupError> {
    let dest = dest
        .to_str()
        .ok_or_else(|| BackupError::Snapshot(format!("{} is not UTF-8", dest.display())))?;
    let conn = rusqlite::Connection::open_with_flags(
        database,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|conn| {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        Ok(conn)
    })
    .map_err(|e| BackupError::Snapshot(e.to_string()))?;
    conn.execute("VACUUM INTO ?1", [dest])
        .map_err(|e| BackupError::Snapshot(e.to_string()))?;
    Ok(())
}

/// Every stored attachment: its path on disk and its name in the archive.
fn attachment_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, BackupError> {
    let mut found = Vec::new();
    if dir.is_dir() {
        walk(dir, ATTACHMENTS_DIR, &mut found)?;
    }
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, name: &str, found: &mut Vec<(PathBuf, String)>) -> Result<(), BackupError> {
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let path = entry.path();
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            return Err(BackupError::Io(
                path.display().to_string(),
                io::Error::other("file name is not UTF-8"),
            ));
        };
        let kind = entry.file_type().map_err(io_error(&path))?;
        let child = format!("{name}/{file_name}");
        if kind.is_dir() && !(name == ATTACHMENTS_DIR && file_name == UPLOADS_IN_PROGRESS) {
            walk(&path, &child, found)?;
        } else if kind.is_file() {
            found.push((path, child));
        }
    }
    Ok(())
}

/// Appends `path` as `name`, hashing it on the way.
fn append_file<W: Write>(
    archive: &mut tar::Builder<W>,
    path: &Path,
    name: &str,
) -> Result<ManifestFile, BackupError> {
    let file = File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    let mut reader = Hashing::new(file.take(size));
    archive
        .append_data(&mut entry_header(size), name, &mut reader)
        .map_err(io_error(path))?;
    let (read, sha256) = reader.finish();
    if read != size {
        return Err(BackupError::Io(
            path.display().to_string(),
            io::Error::other("the file shrank while it was being backed up"),
        ));
    }
    Ok(ManifestFile {
        path: name.to_string(),
        size,
        sha256,
    })
}

fn entry_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(crate::db::now().max(0) as u64);
    header
}

/// A reader that counts and hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            read: 0,
        }
    }

    /// Bytes read and their SHA-256 in hex.
    fn finish(self) -> (u64, String) {
        (self.read, hex::encode(self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// A file being written; removed on drop unless it was renamed into place.
struct Partial(PathBuf);

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Creates the new file `path`, readable and writable by its owner only.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(path)(e)),
        _ => Ok(()),
    }
}

/// `path` with `suffix` added to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A Unix time as `20250131T030000Z`: sortable and safe in file names.
pub fn timestamp(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_time_does() {
        assert_eq!(timestamp(0), "19700101T000000Z");
        assert_eq!(timestamp(1_738_292_400), "20250131T030000Z");
        assert!(timestamp(1_000_000_000) < timestamp(1_700_000_000));
    }

    #[test]
    fn pruning_keeps_the_newest_scheduled_backups_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "deskwoot-scheduled-20250101T030000Z.tar",
            "deskwoot-scheduled-20250103T030000Z.tar",
            "deskwoot-scheduled-20250102T030000Z.tar",
            "deskwoot-pre-migration-v2-20240101T000000Z.tar",
            "by-hand.tar",
        ];
        for name in names {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "by-hand.tar",
                "deskwoot-pre-migration-v2-20240101T000000Z.tar",
                "deskwoot-scheduled-20250102T030000Z.tar",
                "deskwoot-scheduled-20250103T030000Z.tar",
            ]
        );
    }
}
