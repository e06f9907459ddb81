//! Random secrets: API tokens (`dw_` + 30 random base62 characters + a 6-character
//! CRC32 checksum, as GitHub's tokens are built, so secret scanners can spot them
//! and a mistyped token is refused without touching the database), session and
//! CSRF tokens, and the SHA-256 digests under which they are stored.

use rand::Rng;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "dw_";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new API token secret.
pub fn new_api_token() -> String {
    let random = random_base62(RANDOM_LEN);
    let checksum = checksum(&random);
    format!("{TOKEN_PREFIX}{random}{checksum}")
}

/// True when `token` has the shape and checksum of a Deskwoot API token.
pub fn is_well_formed_api_token(token: &str) -> bool {
    let Some(body) = token.strip_prefix(TOKEN_PREFIX) else {
        return false;
    };
    if body.len() != RANDOM_LEN + CHECKSUM_LEN || !body.bytes().all(|b| BASE62.contains(&b)) {
        return false;
    }
    let (random, sum) = body.split_at(RANDOM_LEN);
    checksum(random) == sum
}

/// The part of a token shown in lists so people can tell tokens apart.
pub fn hint(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 4).collect()
}

/// A random opaque value for session cookies and CSRF tokens.
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect()
}

/// SHA-256 of a high-entropy secret: what the database stores instead of it.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_tokens_are_well_formed_and_distinct() {
        let a = new_api_token();
        let b = new_api_token();
        assert_ne!(a, b);
        assert!(a.starts_with("dw_"));
        assert_eq!(a.len(), 3 + RANDOM_LEN + CHECKSUM_LEN);
        assert!(is_well_formed_api_token(&a));
    }

    #[test]
    fn a_typo_breaks_the_checksum() {
        let token = new_api_token();
        let mut chars: Vec<char> = token.chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert!(!is_well_formed_api_token(&typo));
        assert!(!is_well_formed_api_token("dw_short"));
        assert!(!is_well_formed_api_token(
            "ghp_0123456789012345678901234567890123"
        ));
    }
}
