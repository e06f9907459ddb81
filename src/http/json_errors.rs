//! Every error leaves as JSON. Extractor failures (bad JSON, wrong content
//! type, oversized bodies, malformed path or query) map to the `Error` enum;
//! anything actix answers by itself (unknown route, wrong method) is rewritten.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::{Error, ErrorBody};

/// The extractor configurations that route their failures through `Error`.
pub fn extractor_configs(
    max_body_size: usize,
) -> (web::JsonConfig, web::PathConfig, web::QueryConfig) {
    let json = web::JsonConfig::default()
        .limit(max_body_size)
        .error_handler(move |err, _| {
            let error = match err {
                JsonPayloadError::ContentType => Error::UnsupportedMediaType("application/json"),
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    Error::PayloadTooLarge(max_body_size)
                }
                // Well-formed JSON of the wrong shape: a missing field, a
                // string where a number belongs.
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    Error::invalid("body", e.to_string())
                }
                other => Error::MalformedJson(other.to_string()),
            };
            error.into()
        });
    let path = web::PathConfig::default()
        .error_handler(|_: PathError, _| Error::NotFound("resource").into());
    let query = web::QueryConfig::default().error_handler(|err: QueryPayloadError, _| {
        Error::BadRequest(format!("invalid query string: {err}")).into()
    });
    (json, path, query)
}

pub async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(response.map_into_left_body());
    }
    let (code, message) = describe(status);
    let body = ErrorBody {
        error: code,
        message: message.to_string(),
        details: None,
        required_scope: None,
    };
    Ok(response
        .map_body(|head, _| {
            head.headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            BoxBody::new(serde_json::to_string(&body).unwrap_or_default())
        })
        .map_into_right_body())
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "unsupported content type")
        }
        StatusCode::UNAUTHORIZED => ("unauthenticated", "authentication required"),
        StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
        s if s.is_server_error() => ("internal_error", "internal error"),
        _ => ("bad_request", "the request could not be understood"),
    }
}

/// The answer for routes nobody registered.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}
