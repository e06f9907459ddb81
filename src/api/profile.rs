//! `GET/PUT /api/v1/profile`: the signed-in user (or the token's user) with
//! their workspaces and roles.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::Json;
use crate::api::Routes;
use crate::api::route::Access;
use crate::auth::caller::Credential;
use crate::auth::{Caller, Role, ScopeSet};
use crate::db::Db;
use crate::domain::users::{self, ProfileChange};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Profile")
        .get("/api/v1/profile", show)
        .op("getProfile", "Show the caller's profile")
        .about(
            "The user behind the token or session, with their workspaces and roles. \
             Through a token only the token's workspace is listed, with the token's id \
             and scopes.",
        )
        .access(Access::Caller)
        .ok::<Profile>();
    api.patch_put("/api/v1/profile", update)
        .op("updateProfile", "Change the caller's profile")
        .about(
            "Changes the given fields of the caller's own profile. The password changes \
             only from a dashboard session, with `current_password`.",
        )
        .access(Access::Caller)
        .json::<ProfileUpdate>()
        .ok::<Profile>()
        .example(json!({"display_name": "Ali", "availability": "busy"}));
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub available_name: String,
    pub email: String,
    pub availability: String,
    pub created_at: i64,
    pub accounts: Vec<AccountRole>,
    /// Present when the request came with an API token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
    /// Present for dashboard sessions: echo it as `X-CSRF-Token` on changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountRole {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub account_id: i64,
    pub scopes: ScopeSet,
}

impl Profile {
    /// The profile of `user_id`, seen through a token (only its workspace) or
    /// a session (every workspace).
    pub async fn load(
        db: &Db,
        user_id: i64,
        token: Option<TokenInfo>,
        csrf_token: Option<String>,
    ) -> Result<Profile> {
        let token_workspace = token.as_ref().map(|t| t.account_id);
        let (user, memberships) = db
            .read(move |conn| {
                Ok((
                    users::get(conn, user_id)?,
                    users::memberships(conn, user_id)?,
                ))
            })
            .await?;
        let accounts = memberships
            .into_iter()
            .filter(|m| token_workspace.is_none_or(|w| w == m.workspace_id))
            .map(|m| AccountRole {
                id: m.workspace_id,
                name: m.workspace_name,
                role: m.role,
            })
            .collect();
        Ok(Profile {
            id: user.id,
            available_name: user.available_name().to_string(),
            name: user.name,
            display_name: user.display_name,
            email: user.email,
            availability: user.availability,
            created_at: user.created_at,
            accounts,
            token,
            csrf_token,
        })
    }

    async fn of_caller(db: &Db, caller: &Caller) -> Result<Profile> {
        let (token, csrf) = match &caller.credential {
            Credential::Token(grant) => (
                Some(TokenInfo {
                    id: grant.token_id,
                    account_id: grant.workspace_id,
                    scopes: grant.scopes.clone(),
                }),
                None,
            ),
            Credential::Session(grant) => (None, Some(grant.csrf_token.clone())),
        };
        Profile::load(db, caller.user_id, token, csrf).await
    }
}

async fn show(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(Profile::of_caller(&state.db, &caller).await?))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ProfileUpdate {
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    display_name: Option<Option<String>>,
    availability: Option<String>,
    current_password: Option<String>,
    password: Option<String>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ProfileUpdate>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let password = match (body.password, body.current_password) {
        (None, _) => None,
        (Some(_), _) if matches!(caller.credential, Credential::Token(_)) => {
            return Err(Error::Forbidden(
                "passwords are changed from a dashboard session, not with an API token",
            ));
        }
        (Some(new), Some(current)) => Some((current, new)),
        (Some(_), None) => {
            return Err(Error::invalid(
                "current_password",
                "is required to change the password",
            ));
        }
    };
    let change = ProfileChange {
        name: body.name,
        display_name: body.display_name,
        availability: body.availability,
        password,
    };
    let user_id = caller.user_id;
    state
        .db
        .write(move |tx| users::update_profile(tx, user_id, change))
        .await?;
    Ok(HttpResponse::Ok().json(Profile::of_caller(&state.db, &caller).await?))
}
