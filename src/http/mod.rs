//! Cross-cutting HTTP behaviour: request ids and the request log, JSON bodies
//! for every error, and turning a handler panic into a logged 500.

mod json_errors;
mod panic_guard;
mod request_log;

pub use json_errors::{extractor_configs, json_errors, not_found};
pub use panic_guard::panic_guard;
pub use request_log::{RequestId, request_log};
