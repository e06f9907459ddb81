//! `GET /healthz`: 200 once the database answers.

use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Serialize;

use crate::api::{Access, Routes};
use crate::error::Result;
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Health")
        .get("/healthz", health)
        .op("health", "Check that the server is up")
        .about(
            "Answers 200 once the database answers. Needs no credentials and is \
             not rate limited, for load balancers and monitors.",
        )
        .access(Access::Public)
        .ok::<Health>();
}

#[derive(Serialize, JsonSchema)]
struct Health {
    /// Always `ok`.
    status: &'static str,
    /// The server's version.
    version: &'static str,
    /// The number of the last database migration applied.
    schema_version: i64,
}

async fn health(state: web::Data<AppState>) -> Result<HttpResponse> {
    let schema_version = state.db.read(crate::db::schema_version).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        schema_version,
    }))
}
