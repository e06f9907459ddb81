//! The `Caller` extractor: authenticates a request by API token or dashboard
//! session, and narrows it to one workspace with the scopes it holds there.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::Method, web};
use subtle::ConstantTimeEq;

use crate::auth::scope::{Role, Scope, ScopeSet};
use crate::auth::{CSRF_HEADER, SESSION_COOKIE, presented_token, secret};
use crate::db::{Db, now};
use crate::domain::api_tokens::{self, TokenGrant};
use crate::domain::conversations::Viewer;
use crate::domain::sessions::{self, SessionGrant};
use crate::domain::users::{self, Membership};
use crate::error::{Error, Result};
use crate::server::AppState;

/// `last_used_at` is written at most this often per token.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// An authenticated request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub credential: Credential,
    /// The workspaces this credential reaches: a token reaches only its own.
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone)]
pub enum Credential {
    Token(TokenGrant),
    Session(SessionGrant),
}

/// A caller acting inside one workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceCaller {
    pub user_id: i64,
    pub workspace_id: i64,
    pub role: Role,
    /// What the caller may do here: the role's scopes, narrowed by the token's
    /// when the caller came with one.
    pub scopes: ScopeSet,
}

impl Caller {
    /// The caller inside workspace `account_id`. A workspace the caller cannot
    /// reach is "not found", never "forbidden": its existence is not revealed.
    pub fn in_workspace(&self, account_id: i64) -> Result<WorkspaceCaller> {
        let membership = self
            .memberships
            .iter()
            .find(|m| m.workspace_id == account_id)
            .ok_or(Error::NotFound("account"))?;
        let role_scopes = ScopeSet::for_role(membership.role);
        let scopes = match &self.credential {
            // A token never exceeds its creator's current role.
            Credential::Token(grant) => grant.scopes.intersection(&role_scopes),
            Credential::Session(_) => role_scopes,
        };
        Ok(WorkspaceCaller {
            user_id: self.user_id,
            workspace_id: account_id,
            role: membership.role,
            scopes,
        })
    }
}

impl WorkspaceCaller {
    /// What the caller may see: administrators every inbox, agents theirs.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            workspace_id: self.workspace_id,
            user_id: self.user_id,
            all_inboxes: self.role == Role::Administrator,
        }
    }

    pub fn is_administrator(&self) -> bool {
        self.role == Role::Administrator
    }

    /// Fails with 403 `insufficient_scope` unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Error::InsufficientScope(scope.to_string()))
        }
    }
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Caller>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| Error::internal("application state missing"))?;
            authenticate(&req, &state.db).await
        })
    }
}

async fn authenticate(req: &HttpRequest, db: &Db) -> Result<Caller> {
    if let Some(token) = presented_token(req) {
        return authenticate_token(token.to_string(), db).await;
    }
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let caller = authenticate_session(cookie.value().to_string(), db).await?;
        if let Credential::Session(grant) = &caller.credential {
            check_csrf(req, grant)?;
        }
        return Ok(caller);
    }
    Err(Error::Unauthenticated(
        "send an API token as `Authorization: Bearer <token>` or sign in",
    ))
}

/// The caller behind an API token (for websockets, which may pass it in the URL).
pub async fn authenticate_token(token: String, db: &Db) -> Result<Caller> {
    if !secret::is_well_formed_api_token(&token) {
        return Err(Error::Unauthenticated("the API token is malformed"));
    }
    let (grant, memberships) = db
        .read(move |conn| {
            let Some(grant) = api_tokens::authenticate(conn, &token)? else {
                return Ok(None);
            };
            let memberships: Vec<Membership> = users::memberships(conn, grant.user_id)?
                .into_iter()
                .filter(|m| m.workspace_id == grant.workspace_id)
                .collect();
            Ok(Some((grant, memberships)))
        })
        .await?
        .ok_or(Error::Unauthenticated(
            "the API token is unknown, revoked or expired",
        ))?;
    if memberships.is_empty() {
        return Err(Error::Unauthenticated(
            "the API token's user is no longer in its workspace",
        ));
    }
    if grant
        .last_used_at
        .is_none_or(|t| now() - t >= TOUCH_INTERVAL_SECS)
    {
        let token_id = grant.token_id;
        db.write(move |tx| api_tokens::touch(tx, token_id)).await?;
    }
    Ok(Caller {
        user_id: grant.user_id,
        credential: Credential::Token(grant),
        memberships,
    })
}

async fn authenticate_session(cookie: String, db: &Db) -> Result<Caller> {
    let (grant, memberships) = db
        .read(move |conn| {
            let Some(grant) = sessions::find(conn, &cookie)? else {
                return Ok(None);
            };
            let memberships = users::memberships(conn, grant.user_id)?;
            Ok(Some((grant, memberships)))
        })
        .await?
        .ok_or(Error::Unauthenticated(
            "the session has expired; sign in again",
        ))?;
    Ok(Caller {
        user_id: grant.user_id,
        credential: Credential::Session(grant),
        memberships,
    })
}

/// Requests that change something and ride on the cookie must echo the
/// session's CSRF token; SameSite=Strict is the first line, this the second.
fn check_csrf(req: &HttpRequest, grant: &SessionGrant) -> Result<()> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return Ok(());
    }
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if bool::from(sent.as_bytes().ct_eq(grant.csrf_token.as_bytes())) {
        Ok(())
    } else {
        Err(Error::CsrfFailed)
    }
}
