//! A panic inside a handler becomes a logged 500 carrying the request id, and
//! the worker keeps serving.
//!
//! The guard answers with an error rather than a response: building a response
//! needs a clone of the request, and holding one while routing runs would stop
//! the router from recording the matched path.

use std::panic::AssertUnwindSafe;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;

use crate::error::Error;
use crate::http::RequestId;

pub async fn panic_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let path = req.path().to_string();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let cause = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%request_id, %cause, %path, "handler panicked");
            Err(Error::Panicked { request_id }.into())
        }
    }
}
