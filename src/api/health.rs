//! `GET /healthz`: 200 once the database answers.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::Result;
use crate::server::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health)));
}

async fn health(state: web::Data<AppState>) -> Result<HttpResponse> {
    let schema = state.db.read(crate::db::schema_version).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": schema,
    })))
}
