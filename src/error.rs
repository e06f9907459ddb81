//! The one error type of the server. Each variant has a stable snake_case code,
//! an HTTP status and a message that is safe to show; causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("one or more fields are invalid")]
    Validation(Vec<FieldError>),
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("this request needs the `{0}` scope, which the credential does not have")]
    InsufficientScope(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(
        "the identity could not be verified: identifier_hash must be the HMAC-SHA256 of the identifier with the inbox's secret"
    )]
    IdentityVerificationFailed,
    #[error("the CSRF token is missing or wrong; send the X-CSRF-Token header from sign-in")]
    CsrfFailed,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    #[error("unsupported content type; send {0}")]
    UnsupportedMediaType(&'static str),
    #[error("too many requests; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("internal error")]
    Internal(String),
    #[error("internal error; quote request id {request_id} when reporting it")]
    Panicked { request_id: String },
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::MalformedJson(_) => "malformed_json",
            Error::Validation(_) => "validation_failed",
            Error::Unauthenticated(_) => "unauthenticated",
            Error::InvalidCredentials => "invalid_credentials",
            Error::InsufficientScope(_) => "insufficient_scope",
            Error::Forbidden(_) => "forbidden",
            Error::IdentityVerificationFailed => "identity_verification_failed",
            Error::CsrfFailed => "csrf_failed",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::RateLimited { .. } => "rate_limited",
            Error::Internal(_) | Error::Panicked { .. } => "internal_error",
        }
    }

    /// A validation error on a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }

    /// The message for an operator (the CLI, start-up): an internal error's
    /// cause, which clients never see, or the client-facing message.
    pub fn detail(&self) -> String {
        match self {
            Error::Internal(cause) => cause.clone(),
            other => other.to_string(),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody<'a> {
    /// A stable snake_case code: `not_found`, `validation_failed`,
    /// `insufficient_scope`, `rate_limited`, ...
    pub error: &'a str,
    /// What went wrong, for people.
    pub message: String,
    /// The fields that failed validation (`validation_failed` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<&'a [FieldError]>,
    /// The scope the credential lacks (`insufficient_scope` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_scope: Option<&'a str>,
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthenticated(_)
            | Error::InvalidCredentials
            | Error::IdentityVerificationFailed => StatusCode::UNAUTHORIZED,
            Error::InsufficientScope(_) | Error::Forbidden(_) | Error::CsrfFailed => {
                StatusCode::FORBIDDEN
            }
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) | Error::Panicked { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Error::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
            details: match self {
                Error::Validation(fields) => Some(fields),
                _ => None,
            },
            required_scope: match self {
                Error::InsufficientScope(scope) => Some(scope),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Error::Unauthenticated(_) | Error::InvalidCredentials => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"deskwoot\""),
                ));
            }
            Error::InsufficientScope(scope) => {
                let value = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            Error::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        response.json(body)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::internal(format!("database: {e}"))
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::internal(format!("database pool: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for Error {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Error::internal(format!("blocking task failed: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::internal(format!("json: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
