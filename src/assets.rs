//! The front-end files (`assets/`), compiled into the binary. Files are served
//! two ways: at a stable URL (`/widget/sdk.js`, what people paste into their
//! sites) with a short cache and an ETag, and at a fingerprinted URL
//! (`/assets/<hash>/<path>`) cached for a year, which pages link to through
//! `fingerprinted`. Both are compressed (gzip or brotli) when the client asks.
//!
//! A fingerprint covers a whole top-level folder (`dashboard/`, `widget/`),
//! not one file: ES modules import their neighbours by relative URL
//! (`./api.js`), and those URLs inherit the fingerprint of the importing
//! module, so they are only right if every file of the folder shares it.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::api::{Access, Routes};
use crate::error::Error;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Files;

/// How long stable URLs may be cached before revalidating.
const STABLE_MAX_AGE: u32 = 300;

pub fn routes(api: &mut Routes) {
    api.tag("Static files")
        .get("/assets/{hash}/{path:.*}", fingerprinted_file)
        .op("getAsset", "Fetch a static file")
        .about(
            "The front-end files compiled into the binary, at fingerprinted URLs that \
             pages link to, cached for a year. An old fingerprint still serves the \
             current file, briefly cached.",
        )
        .access(Access::Public)
        .returns(200, "*/*", None)
        .unchecked("the fingerprint changes with the file");
}

/// The top-level folder of `path`, or `path` itself for a file at the top.
fn folder_of(path: &str) -> &str {
    path.split_once('/').map_or(path, |(folder, _)| folder)
}

/// The fingerprint of `path`: the first characters of the SHA-256 over the
/// paths and contents of every file in its top-level folder.
fn hash_of(path: &str) -> &'static str {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    let hashes = HASHES.get_or_init(|| {
        let mut paths: Vec<_> = Files::iter().collect();
        paths.sort();
        let mut hashers: HashMap<String, Sha256> = HashMap::new();
        for path in &paths {
            if let Some(file) = Files::get(path) {
                let hasher = hashers.entry(folder_of(path).to_string()).or_default();
                hasher.update(path.as_bytes());
                hasher.update(file.metadata.sha256_hash());
            }
        }
        hashers
            .into_iter()
            .map(|(folder, h)| (folder, hex::encode(&h.finalize()[..6])))
            .collect()
    });
    hashes
        .get(folder_of(path))
        .map_or("missing", String::as_str)
}

/// The fingerprinted URL of `path` (relative to `assets/`), for links in pages.
pub fn fingerprinted(path: &str) -> String {
    format!("/assets/{}/{path}", hash_of(path))
}

/// The contents of an embedded text file, for pages that fill in links.
pub fn text(path: &str) -> Option<String> {
    Files::get(path).map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

/// An embedded HTML page with each `{{asset:PATH}}` replaced by the
/// fingerprinted URL of `PATH`, so pages link to long-cached files.
pub fn page(path: &str) -> Option<String> {
    const OPEN: &str = "{{asset:";
    let template = text(path)?;
    let mut page = String::with_capacity(template.len());
    let mut rest = template.as_str();
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        page.push_str(&rest[..start]);
        page.push_str(&fingerprinted(&rest[start + OPEN.len()..start + len]));
        rest = &rest[start + len + 2..];
    }
    page.push_str(rest);
    Some(page)
}

/// Serves `path` at its stable URL: revalidated every few minutes.
pub fn stable(req: &HttpRequest, path: &str) -> HttpResponse {
    serve(req, path, &format!("public, max-age={STABLE_MAX_AGE}"))
}

async fn fingerprinted_file(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (hash, path) = path.into_inner();
    if Files::get(&path).is_none() {
        return Error::NotFound("file").error_response();
    }
    if hash_of(&path) == hash {
        serve(&req, &path, "public, max-age=31536000, immutable")
    } else {
        // An old fingerprint still serves the current file, briefly cached,
        // so a page cached across an upgrade keeps working.
        serve(&req, &path, "public, max-age=60")
    }
}

fn serve(req: &HttpRequest, path: &str, cache_control: &str) -> HttpResponse {
    let Some(file) = Files::get(path) else {
        return Error::NotFound("file").error_response();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_string()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return response.finish();
    }
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        response.insert_header((header::CONTENT_TYPE, mime));
    }
    response.body(file.data.into_owned())
}
