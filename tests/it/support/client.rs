//! A small typed HTTP client over ureq: every call returns a `Response` with
//! the status, headers and body, whatever the status.

use serde_json::Value;
use ureq::http::{self, HeaderMap};

pub struct Client {
    base_url: String,
    token: Option<String>,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as text (lossy for binary bodies).
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Response {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an error response: status, the stable code, and the JSON shape.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Value {
        let response = self.expect(status);
        let body = response.json();
        assert_eq!(body["error"], code, "error code; body: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "message: {body}"
        );
        body
    }
}

impl Client {
    pub fn new(base_url: &str, token: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Client {
            base_url: base_url.to_string(),
            token,
            headers: Vec::new(),
            agent,
        }
    }

    /// The same client, also sending `name: value` on every request.
    pub fn header(mut self, name: &str, value: &str) -> Client {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn get(&self, path: &str) -> Response {
        self.send("GET", path, None, Vec::new())
    }

    pub fn delete(&self, path: &str) -> Response {
        self.send("DELETE", path, None, Vec::new())
    }

    pub fn post(&self, path: &str, body: Value) -> Response {
        self.json("POST", path, body)
    }

    pub fn patch(&self, path: &str, body: Value) -> Response {
        self.json("PATCH", path, body)
    }

    pub fn put(&self, path: &str, body: Value) -> Response {
        self.json("PUT", path, body)
    }

    pub fn json(&self, method: &str, path: &str, body: Value) -> Response {
        self.send(
            method,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
    }

    /// Sends raw bytes with the given content type (or none).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Response {
        self.try_send(method, path, content_type, body)
            .expect("server answered")
    }

    /// `post`, for when the server may be gone: a transport failure is an `Err`.
    pub fn try_post(&self, path: &str, body: serde_json::Value) -> Result<Response, ureq::Error> {
        self.try_send(
            "POST",
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Response, ureq::Error> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let request = request.body(body).expect("valid request");
        let mut response = self.agent.run(request)?;
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()?;
        Ok(Response {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        })
    }
}
