//! Secrets that must be read back (inbox identity secrets, webhook signing
//! secrets) are stored sealed with XChaCha20-Poly1305 under a key kept in the
//! data directory (`secret.key`, mode 0600), never in the database beside them.

use std::fs;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::error::{Error, Result};

pub const KEY_FILE: &str = "secret.key";
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl Vault {
    /// Loads the key from `data_dir`, creating it on first use.
    pub fn open(data_dir: &Path) -> std::io::Result<Vault> {
        let path = data_dir.join(KEY_FILE);
        let key = match fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is not a 32-byte key",
                    path.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&path)?,
            Err(e) => return Err(e),
        };
        Ok(Vault {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| Error::internal("sealing a secret failed"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", B64.encode(bytes)))
    }

    pub fn open_sealed(&self, sealed: &str) -> Result<String> {
        let broken =
            || Error::internal("a stored secret cannot be opened with this data directory's key");
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(broken)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }
}

fn create_key(path: &Path) -> std::io::Result<Vec<u8>> {
    let key = XChaCha20Poly1305::generate_key(&mut OsRng).to_vec();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(&key)?;
    file.sync_all()?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(dir.path()).unwrap();
        let sealed = vault.seal("whsec_abc").unwrap();
        assert!(!sealed.contains("whsec_abc"));
        assert_ne!(
            sealed,
            vault.seal("whsec_abc").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(
            Vault::open(dir.path())
                .unwrap()
                .open_sealed(&sealed)
                .unwrap(),
            "whsec_abc"
        );
        let other = tempfile::tempdir().unwrap();
        assert!(
            Vault::open(other.path())
                .unwrap()
                .open_sealed(&sealed)
                .is_err()
        );
    }
}
