//! `restore`: unpacks a backup beside the live data, checks every file against
//! the manifest and the database's integrity, and only then swaps it in, all
//! while holding the data directory's lock. The data it replaces is moved to
//! `<data_dir>/before-restore-<time>/`, never deleted.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use super::{BackupError, Hashing, MANIFEST_FILE, Manifest, create_private, io_error, timestamp};
use crate::auth::vault::KEY_FILE;
use crate::config::{ATTACHMENTS_DIR, DATABASE_FILE};
use crate::lock::DataDirLock;

/// The largest manifest accepted; a real one is far smaller.
const MANIFEST_LIMIT: u64 = 64 * 1024 * 1024;

/// What the data directory holds that a backup replaces. The WAL and its
/// index belong to the old database: left behind, SQLite would apply them to
/// the restored one.
const LIVE_ITEMS: &[&str] = &[
    DATABASE_FILE,
    "deskwoot.db-wal",
    "deskwoot.db-shm",
    KEY_FILE,
    ATTACHMENTS_DIR,
];

/// A finished restore.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the replaced data was moved, when there was any.
    pub kept_aside: Option<PathBuf>,
}

/// Restores the backup `archive` into `data_dir`. Refuses while a server holds
/// the directory, and when it already holds a database unless `force`.
pub fn restore(archive: &Path, data_dir: &Path, force: bool) -> Result<Restored, BackupError> {
    fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    let _lock = DataDirLock::acquire(data_dir)?;
    if data_dir.join(DATABASE_FILE).exists() && !force {
        return Err(BackupError::DataExists(data_dir.display().to_string()));
    }
    let stamp = timestamp(crate::db::now());
    let staging = Staging(data_dir.join(format!(".restoring-{stamp}")));
    if staging.0.exists() {
        fs::remove_dir_all(&staging.0).map_err(io_error(&staging.0))?;
    }
    fs::create_dir(&staging.0).map_err(io_error(&staging.0))?;
    let manifest = unpack_verified(archive, &staging.0)?;
    let aside = data_dir.join(format!("before-restore-{stamp}"));
    let kept_aside = swap_in(data_dir, &staging.0, &aside)?;
    Ok(Restored {
        manifest,
        kept_aside,
    })
}

/// Unpacks `archive` into `staging` and checks it whole: every file listed
/// with its size and checksum, nothing unlisted, a database this version can
/// open and that passes SQLite's own check.
fn unpack_verified(archive: &Path, staging: &Path) -> Result<Manifest, BackupError> {
    let name = archive.display().to_string();
    let not_a_backup = |why: String| BackupError::NotABackup(name.clone(), why);
    let damaged = |why: String| BackupError::Damaged(name.clone(), why);
    let file = File::open(archive).map_err(io_error(archive))?;
    let mut tar = tar::Archive::new(BufReader::new(file));
    let entries = tar
        .entries()
        .map_err(|e| not_a_backup(format!("cannot read it as a tar archive ({e})")))?;
    let mut manifest: Option<Manifest> = None;
    let mut unpacked: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(format!("unreadable entry ({e})")))?;
        let path = entry
            .path()
            .map_err(|e| damaged(format!("unreadable file name ({e})")))?
            .into_owned();
        let member = member_name(&path).ok_or_else(|| {
            damaged(format!(
                "unexpected entry {} in the archive",
                path.display()
            ))
        })?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged(format!("{member} is not a regular file")));
        }
        if member == MANIFEST_FILE {
            let mut text = String::new();
            (&mut entry)
                .take(MANIFEST_LIMIT)
                .read_to_string(&mut text)
                .map_err(|e| damaged(format!("unreadable manifest ({e})")))?;
            let parsed = serde_json::from_str(&text)
                .map_err(|e| not_a_backup(format!("its manifest.json is invalid ({e})")))?;
            manifest = Some(parsed);
            continue;
        }
        let dest = staging.join(&member);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let mut out = create_private(&dest).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                damaged(format!("{member} appears twice"))
            } else {
                io_error(&dest)(e)
            }
        })?;
        let mut reader = Hashing::new(&mut entry);
        io::copy(&mut reader, &mut out)
            .map_err(|e| damaged(format!("{member} cannot be read whole ({e})")))?;
        out.sync_all().map_err(io_error(&dest))?;
        unpacked.insert(member, reader.finish());
    }
    let manifest = manifest.ok_or_else(|| not_a_backup("it has no manifest.json".into()))?;
    for listed in &manifest.files {
        match unpacked.remove(&listed.path) {
            None => return Err(damaged(format!("{} is missing", listed.path))),
            Some((size, sha256)) if size != listed.size || sha256 != listed.sha256 => {
                return Err(damaged(format!("{} fails its checksum", listed.path)));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = unpacked.keys().next() {
        return Err(damaged(format!("{extra} is not in the manifest")));
    }
    if !manifest.files.iter().any(|f| f.path == DATABASE_FILE) {
        return Err(damaged(format!("it holds no {DATABASE_FILE}")));
    }
    let supported = crate::db::latest_schema_version();
    if manifest.schema_version > supported {
        return Err(BackupError::TooNew {
            found: manifest.schema_version,
            supported,
        });
    }
    crate::db::check_integrity(&staging.join(DATABASE_FILE)).map_err(|e| {
        damaged(format!(
            "the database fails its integrity check ({})",
            e.detail()
        ))
    })?;
    Ok(manifest)
}

/// The archive member `path` names, if it is one a backup may hold: the
/// manifest, the database, the key, or a file under attachments/.
fn member_name(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    let allowed = match parts.as_slice() {
        [single] => [MANIFEST_FILE, DATABASE_FILE, KEY_FILE].contains(single),
        [first, _, ..] => *first == ATTACHMENTS_DIR,
        [] => false,
    };
    allowed.then(|| parts.join("/"))
}

/// Moves the live items into `aside` and the staged ones into `data_dir`.
/// On failure every move made is undone, in reverse.
fn swap_in(data_dir: &Path, staging: &Path, aside: &Path) -> Result<Option<PathBuf>, BackupError> {
    let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        let live: Vec<&str> = LIVE_ITEMS
            .iter()
            .copied()
            .filter(|item| data_dir.join(item).exists())
            .collect();
        if !live.is_empty() {
            fs::create_dir(aside).map_err(io_error(aside))?;
        }
        for item in &live {
            rename(&data_dir.join(item), &aside.join(item), &mut moves)?;
        }
        for item in LIVE_ITEMS {
            let staged = staging.join(item);
            if staged.exists() {
                rename(&staged, &data_dir.join(item), &mut moves)?;
            }
        }
        // The server expects the folder even when the backup had no attachment.
        let attachments = data_dir.join(ATTACHMENTS_DIR);
        fs::create_dir_all(&attachments).map_err(io_error(&attachments))?;
        Ok(if live.is_empty() {
            None
        } else {
            Some(aside.to_path_buf())
        })
    })();
    if result.is_err() {
        for (from, to) in moves.iter().rev() {
            if let Err(e) = fs::rename(to, from) {
                tracing::error!(from = %to.display(), to = %from.display(), error = %e,
                    "could not move a file back after a failed restore");
            }
        }
        let _ = fs::remove_dir(aside);
    }
    result
}

fn rename(from: &Path, to: &Path, moves: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), BackupError> {
    fs::rename(from, to).map_err(io_error(from))?;
    moves.push((from.to_path_buf(), to.to_path_buf()));
    Ok(())
}

/// The unpacking directory, removed with whatever is left in it.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_files_a_backup_holds_are_unpacked() {
        for ok in [
            "manifest.json",
            "deskwoot.db",
            "secret.key",
            "attachments/ab/abcdef",
            "./deskwoot.db",
        ] {
            assert!(member_name(Path::new(ok)).is_some(), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "../deskwoot.db",
            "attachments/../../x",
            "attachments",
            "deskwoot.lock",
            "backups/x.tar",
            "",
        ] {
            assert!(member_name(Path::new(bad)).is_none(), "{bad}");
        }
    }
}
