//! Who is calling and what they may do: passwords, secrets, sessions, API
//! tokens, scopes and the `Caller` extractor.

pub mod caller;
pub mod password;
pub mod scope;
pub mod secret;
pub mod vault;

pub use caller::{Caller, WorkspaceCaller};
pub use scope::{Role, Scope, ScopeSet};

/// The dashboard's session cookie.
pub const SESSION_COOKIE: &str = "deskwoot_session";
/// The header that mutating requests made with the session cookie must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Chatwoot's token header, accepted beside `Authorization: Bearer`.
pub const CHATWOOT_TOKEN_HEADER: &str = "api_access_token";

/// The API token presented with a request, from either header.
pub fn presented_token(req: &actix_web::HttpRequest) -> Option<&str> {
    let headers = req.headers();
    if let Some(value) = headers
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim());
    }
    headers
        .get(CHATWOOT_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}
