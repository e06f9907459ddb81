//! Gives each request an id (echoed as `X-Request-Id`), logs one line per
//! request and counts it in the metrics under its route pattern. Only the path
//! is logged: query strings and headers can hold secrets.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use crate::auth::secret;
use crate::server::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = secret::random_base62(16);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = req.path().to_string();
    // The pattern, not the path: ids in paths would make endless label values.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let result = next.call(req).await;
    // An error here (a caught panic) is rendered by actix after this returns.
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe_request(&method, &route, status.as_u16(), elapsed);
    }
    tracing::info!(
        target: "deskwoot::http",
        request_id = %id,
        %method,
        %path,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        %peer,
        "request"
    );
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}
