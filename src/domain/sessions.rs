//! Dashboard sessions: a random cookie value, stored as its SHA-256 digest,
//! with the CSRF token that mutating requests must echo.

use rusqlite::{Connection, OptionalExtension, Transaction, named_params};

use crate::auth::secret;
use crate::db::now;
use crate::error::Result;

/// How long a session lasts.
pub const LIFETIME_SECS: i64 = 14 * 86_400;
const SECRET_LEN: usize = 40;

pub struct NewSession {
    /// The cookie value; exists only in the response that sets it.
    pub secret: String,
    pub csrf_token: String,
}

#[derive(Debug, Clone)]
pub struct SessionGrant {
    pub session_id: i64,
    pub user_id: i64,
    pub csrf_token: String,
}

pub fn create(tx: &Transaction, user_id: i64) -> Result<NewSession> {
    let session = NewSession {
        secret: secret::random_base62(SECRET_LEN),
        csrf_token: secret::random_base62(SECRET_LEN),
    };
    let now = now();
    tx.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES (:hash, :user_id, :csrf, :now, :expires_at)",
    )?
    .execute(named_params! {
        ":hash": secret::digest(&session.secret),
        ":user_id": user_id,
        ":csrf": session.csrf_token,
        ":now": now,
        ":expires_at": now + LIFETIME_SECS,
    })?;
    // Expired sessions are swept whenever someone signs in.
    tx.prepare_cached("DELETE FROM sessions WHERE expires_at <= :now")?
        .execute(named_params! {":now": now})?;
    Ok(session)
}

/// The live session behind a cookie value, if any.
pub fn find(conn: &Connection, secret: &str) -> Result<Option<SessionGrant>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, user_id, csrf_token FROM sessions
             WHERE token_hash = :hash AND expires_at > :now",
        )?
        .query_row(
            named_params! {":hash": secret::digest(secret), ":now": now()},
            |row| {
                Ok(SessionGrant {
                    session_id: row.get(0)?,
                    user_id: row.get(1)?,
                    csrf_token: row.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn delete(tx: &Transaction, session_id: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM sessions WHERE id = :id")?
        .execute(named_params! {":id": session_id})?;
    Ok(())
}
