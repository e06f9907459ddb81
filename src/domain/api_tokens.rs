//! API tokens: named, scoped, bound to one workspace, stored only as a SHA-256
//! digest. The secret exists once, in the answer to the create call.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;

use crate::auth::scope::{Role, ScopeSet};
use crate::auth::secret;
use crate::db::now;
use crate::domain::validate;
use crate::error::{Error, Result};

pub const NAME_MAX: usize = 100;
/// The longest lifetime a token may be given, in days.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub scopes: ScopeSet,
    /// The first characters of the secret, to tell tokens apart.
    pub hint: String,
    pub created_by: Creator,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Creator {
    pub id: i64,
    pub name: String,
    pub email: String,
}

pub struct NewToken<'a> {
    pub workspace_id: i64,
    pub user_id: i64,
    pub name: &'a str,
    pub scopes: ScopeSet,
    pub expires_in_days: Option<i64>,
}

/// What a valid token grants: the caller behind a request.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub token_id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    pub scopes: ScopeSet,
    pub last_used_at: Option<i64>,
}

const SELECT: &str = "SELECT t.*, u.name AS creator_name, u.email AS creator_email
                      FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn from_row(row: &Row) -> rusqlite::Result<ApiToken> {
    let scopes: String = row.get("scopes")?;
    Ok(ApiToken {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        name: row.get("name")?,
        scopes: ScopeSet::parse([scopes.as_str()]).unwrap_or_default(),
        hint: row.get("hint")?,
        created_by: Creator {
            id: row.get("user_id")?,
            name: row.get("creator_name")?,
            email: row.get("creator_email")?,
        },
        created_at: row.get("created_at")?,
        last_used_at: row.get("last_used_at")?,
        expires_at: row.get("expires_at")?,
    })
}

/// Creates a token and returns it with its secret. The scopes may not exceed
/// what the creator's role in the workspace allows.
pub fn create(tx: &Transaction, new: NewToken) -> Result<(ApiToken, String)> {
    let name = validate::name("name", new.name, NAME_MAX)?;
    let role = role_in(tx, new.workspace_id, new.user_id)?.ok_or(Error::NotFound("workspace"))?;
    let beyond_role = new.scopes.difference(&ScopeSet::for_role(role));
    if !beyond_role.is_empty() {
        return Err(Error::invalid(
            "scopes",
            format!(
                "a token may not exceed its creator's role ({}); not allowed: {}",
                role.as_str(),
                beyond_role.join(", ")
            ),
        ));
    }
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => Some(now() + days * 86_400),
        Some(_) => {
            return Err(Error::invalid(
                "expires_in_days",
                format!("must be between 1 and {MAX_EXPIRY_DAYS}"),
            ));
        }
    };
    let token = secret::new_api_token();
    tx.prepare_cached(
        "INSERT INTO api_tokens (workspace_id, user_id, name, scopes, token_hash, hint,
                                 created_at, expires_at)
         VALUES (:workspace_id, :user_id, :name, :scopes, :hash, :hint, :now, :expires_at)",
    )?
    .execute(named_params! {
        ":workspace_id": new.workspace_id,
        ":user_id": new.user_id,
        ":name": name,
        ":scopes": new.scopes.to_stored(),
        ":hash": secret::digest(&token),
        ":hint": secret::hint(&token),
        ":now": now(),
        ":expires_at": expires_at,
    })?;
    let created = get(tx, new.workspace_id, tx.last_insert_rowid())?;
    Ok((created, token))
}

fn role_in(conn: &Connection, workspace_id: i64, user_id: i64) -> Result<Option<Role>> {
    let role: Option<String> = conn
        .prepare_cached(
            "SELECT role FROM workspace_users WHERE workspace_id = ?1 AND user_id = ?2",
        )?
        .query_row([workspace_id, user_id], |r| r.get(0))
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// An active (not revoked) token of the workspace.
pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<ApiToken> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE t.workspace_id = :workspace_id AND t.id = :id AND t.revoked_at IS NULL"
    ))?
    .query_row(
        named_params! {":workspace_id": workspace_id, ":id": id},
        from_row,
    )
    .optional()?
    .ok_or(Error::NotFound("api token"))
}

/// Active tokens of one workspace, or of every workspace when `None`.
pub fn list(conn: &Connection, workspace_id: Option<i64>) -> Result<Vec<ApiToken>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE t.revoked_at IS NULL
           AND (:workspace_id IS NULL OR t.workspace_id = :workspace_id)
         ORDER BY t.workspace_id, t.id"
    ))?;
    let rows = stmt.query_map(named_params! {":workspace_id": workspace_id}, from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Revokes a token at once; other tokens are untouched. `workspace_id`
/// confines the revocation to one workspace (the API); `None` is the CLI's.
pub fn revoke(tx: &Transaction, workspace_id: Option<i64>, id: i64) -> Result<()> {
    let changed = tx
        .prepare_cached(
            "UPDATE api_tokens SET revoked_at = :now
             WHERE id = :id AND revoked_at IS NULL
               AND (:workspace_id IS NULL OR workspace_id = :workspace_id)",
        )?
        .execute(named_params! {":now": now(), ":id": id, ":workspace_id": workspace_id})?;
    if changed == 0 {
        return Err(Error::NotFound("api token"));
    }
    Ok(())
}

/// Looks a presented secret up. `None` for unknown, revoked or expired tokens.
pub fn authenticate(conn: &Connection, token: &str) -> Result<Option<TokenGrant>> {
    let grant = conn
        .prepare_cached(
            "SELECT id, workspace_id, user_id, scopes, last_used_at FROM api_tokens
             WHERE token_hash = :hash AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > :now)",
        )?
        .query_row(
            named_params! {":hash": secret::digest(token), ":now": now()},
            |row| {
                let scopes: String = row.get(3)?;
                Ok(TokenGrant {
                    token_id: row.get(0)?,
                    workspace_id: row.get(1)?,
                    user_id: row.get(2)?,
                    scopes: ScopeSet::parse([scopes.as_str()]).unwrap_or_default(),
                    last_used_at: row.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(grant)
}

/// Records that a token was used. Callers throttle this to once a minute so
/// reads do not turn into writes.
pub fn touch(tx: &Transaction, token_id: i64) -> Result<()> {
    tx.prepare_cached("UPDATE api_tokens SET last_used_at = :now WHERE id = :id")?
        .execute(named_params! {":now": now(), ":id": token_id})?;
    Ok(())
}
