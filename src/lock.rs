//! The data directory's lock: `serve` holds it for its whole life, and
//! `restore` takes it, so data is never swapped under a running server and two
//! servers never share one directory. The lock is an exclusive `flock` on
//! `deskwoot.lock`, released by the kernel when the process ends, even by
//! `kill -9`; the file holds the owner's pid for the error message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

pub const LOCK_FILE: &str = "deskwoot.lock";

/// Held while alive; dropping it releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "a Deskwoot server{} is using the data directory {dir}; stop it first (systemctl stop deskwoot)",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Held { dir: String, pid: Option<u32> },
    #[error("cannot lock the data directory {0}: {1}")]
    Io(String, std::io::Error),
}

impl DataDirLock {
    /// Takes the lock of `data_dir`, which must exist, without waiting.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let dir = data_dir.display().to_string();
        let io = |e| LockError::Io(dir.clone(), e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(data_dir.join(LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok());
                return Err(LockError::Held { dir, pid });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_with_the_holders_pid_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        match DataDirLock::acquire(dir.path()) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        DataDirLock::acquire(dir.path()).unwrap();
    }
}
