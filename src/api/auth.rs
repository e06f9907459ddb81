//! Dashboard sign-in and sign-out. Failed sign-ins are limited per IP address
//! and per email, and the answer never says whether the email exists.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::api::Json;
use crate::api::profile::Profile;
use crate::api::{Access, Routes};
use crate::auth::caller::Credential;
use crate::auth::{Caller, SESSION_COOKIE, password};
use crate::domain::{sessions, users};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Auth")
        .post("/auth/sign_in", sign_in)
        .op("signIn", "Sign in to the dashboard")
        .about(
            "Starts a dashboard session: answers the profile with a `csrf_token` and sets \
             the `deskwoot_session` cookie (HttpOnly, SameSite=Strict). Requests that change \
             something with the cookie must send the `X-CSRF-Token` header with that token. \
             Failed sign-ins are limited per IP address and per email \
             (`rate_limit.sign_in_failures_per_minute`); the answer never says whether the \
             email exists.",
        )
        .access(Access::Public)
        .json::<SignIn>()
        .ok::<Profile>()
        .errors(&[401])
        .example(json!({"email": "alice@example.com", "password": "a long password"}));
    api.delete("/auth/sign_out", sign_out)
        .op("signOut", "Sign out of the dashboard")
        .about(
            "Ends the dashboard session of the cookie and expires the cookie. API tokens \
             are revoked instead (`DELETE /api/v1/accounts/{account_id}/api_tokens/{id}`): \
             with a token this answers 400.",
        )
        .access(Access::Caller)
        .no_content()
        .errors(&[400])
        .unchecked("needs a session cookie and its CSRF token from sign-in");
}

#[derive(Deserialize, JsonSchema)]
struct SignIn {
    /// The email address the user signs in with.
    email: String,
    password: String,
}

async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<SignIn>,
) -> Result<HttpResponse> {
    let SignIn { email, password } = body.into_inner();
    let email = email.trim().to_lowercase();
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let limit = state.settings.rate_limit.sign_in_failures_per_minute;
    let failure_keys = [format!("sign-in-ip|{ip}"), format!("sign-in-email|{email}")];
    if failure_keys
        .iter()
        .any(|k| state.rate_limiter.is_exhausted(k, limit))
    {
        return Err(Error::RateLimited {
            retry_after: crate::rate_limit::WINDOW.as_secs(),
        });
    }
    let user = state
        .db
        .read(move |conn| {
            Ok(match users::find_by_email(conn, &email)? {
                Some((user, hash)) if password::verify(&password, &hash) => Some(user),
                Some(_) => None,
                None => {
                    password::verify_against_nothing(&password);
                    None
                }
            })
        })
        .await?;
    let Some(user) = user else {
        for key in &failure_keys {
            state.rate_limiter.check(key, limit);
        }
        return Err(Error::InvalidCredentials);
    };
    start_session(&req, &state, user.id).await
}

/// Opens a dashboard session for `user_id`: sets the session cookie and
/// answers the profile with the session's CSRF token. Sign-in and the first
/// run's setup both end here.
pub(crate) async fn start_session(
    req: &HttpRequest,
    state: &AppState,
    user_id: i64,
) -> Result<HttpResponse> {
    let session = state
        .db
        .write(move |tx| sessions::create(tx, user_id))
        .await?;
    let secure = state.settings.public_url().starts_with("https://")
        || req.connection_info().scheme() == "https";
    let cookie = Cookie::build(SESSION_COOKIE, session.secret)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(sessions::LIFETIME_SECS))
        .finish();
    let profile = Profile::load(&state.db, user_id, None, Some(session.csrf_token)).await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(profile))
}

async fn sign_out(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse> {
    let Credential::Session(grant) = caller.credential else {
        return Err(Error::BadRequest(
            "sign_out ends a dashboard session; API tokens are revoked instead".into(),
        ));
    };
    state
        .db
        .write(move |tx| sessions::delete(tx, grant.session_id))
        .await?;
    let mut expired = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}
