//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): secrets
//! are `whsec_` + base64 of 32 random bytes; a request carries
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
//! by the base64-decoded secret, with one signature per valid secret
//! (separated by spaces) while a rotation is under way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::error::{Error, Result};

pub const SECRET_PREFIX: &str = "whsec_";
const SECRET_BYTES: usize = 32;

/// A new signing secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", B64.encode(bytes))
}

/// The HMAC key of a secret: its base64 part decoded, as the Standard
/// Webhooks libraries read it, with or without the `whsec_` prefix. An API
/// inbox's base62 secret is valid base64 too, so receivers use it unchanged.
pub fn key_of(secret: &str) -> Result<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    B64.decode(encoded)
        .map_err(|_| Error::internal("a webhook secret is not valid base64"))
}

/// The `webhook-signature` header value: `v1,<signature>` for each key.
pub fn signature_header(keys: &[Vec<u8>], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| format!("v1,{}", sign(key, msg_id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    B64.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks test suite.
    #[test]
    fn signs_the_specification_example() {
        let key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature_header(&[key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn new_secrets_decode_to_32_bytes_and_rotation_signs_twice() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(key_of(&a).unwrap().len(), SECRET_BYTES);
        let header = signature_header(&[key_of(&a).unwrap(), key_of(&b).unwrap()], "m", 1, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        assert!(key_of("whsec_not base64!").is_err());
    }
}
