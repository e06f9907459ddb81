//! The API docs the binary serves, without a third-party script or CDN: the
//! OpenAPI spec (JSON and YAML), the reference page with its guide and
//! examples, and the rate-limit table of the running configuration. All are
//! built from the route registry (`api::route`).

pub mod examples;
pub mod openapi;
mod page;
mod rate_limits;
mod yaml;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use crate::api::route::Op;
use crate::api::{Access, Routes};
use crate::server::AppState;

pub use openapi::spec;
pub use yaml::to_yaml;

pub fn routes(api: &mut Routes) {
    api.tag("Docs")
        .get("/docs/api", page::show)
        .op("apiDocs", "Read the API reference")
        .about(
            "This reference as one HTML page: the guide, then every operation with curl \\
             and JavaScript examples.",
        )
        .access(Access::Public)
        .returns(200, "text/html", None);
    api.get("/docs/api/openapi.json", openapi_json)
        .op("openapiJson", "Fetch the OpenAPI spec as JSON")
        .about("The OpenAPI 3.1 document of this server, generated from its routes.")
        .access(Access::Public)
        .returns(200, "application/json", Op::schema::<Map<String, Value>>());
    api.get("/docs/api/openapi.yaml", openapi_yaml)
        .op("openapiYaml", "Fetch the OpenAPI spec as YAML")
        .about("The same document as YAML.")
        .access(Access::Public)
        .returns(200, "application/yaml", None);
    api.get("/docs/api/rate-limits", rate_limits::show)
        .op("rateLimits", "Read this server's rate limits")
        .about(
            "The limit of every endpoint under the running configuration: HTML, or JSON \\
             with `?format=json` or `Accept: application/json`.",
        )
        .access(Access::Public)
        .query::<rate_limits::FormatQuery>()
        .returns(200, "text/html", None)
        .or_as(
            "application/json",
            Op::schema::<rate_limits::RateLimitTable>(),
        )
        .example_path("/docs/api/rate-limits?format=json");
}

/// The URL the spec's `servers` names: the configured public URL, else the
/// address the request reached.
fn server_url(req: &HttpRequest, state: &AppState) -> String {
    if state.settings.server.public_url.is_empty() {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        state.settings.public_url()
    }
}

async fn openapi_json(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(spec(&server_url(&req, &state)))
}

async fn openapi_yaml(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/yaml; charset=utf-8"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(to_yaml(&spec(&server_url(&req, &state))))
}
