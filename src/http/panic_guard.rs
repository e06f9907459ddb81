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

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    use super::panic_guard;

    async fn boom() -> HttpResponse {
        panic!("a bug in a handler")
    }

    #[actix_web::test]
    async fn a_panicking_handler_becomes_a_500_and_the_service_keeps_serving() {
        let app = test::init_service(
            App::new()
                .route("/boom", web::get().to(boom))
                .route("/fine", web::get().to(HttpResponse::Ok))
                .wrap(from_fn(panic_guard)),
        )
        .await;
        let Err(error) =
            test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await
        else {
            panic!("the panic must become an error");
        };
        let response = error.error_response();
        assert_eq!(response.status(), 500);
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "internal_error");
        let fine =
            test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(fine.status(), 200);
    }
}
