//! The front-end files (`assets/`), compiled into the binary. Files are served
//! two ways: at a stable URL (`/widget/sdk.js`, what people paste into their
//! sites) with a short cache and an ETag, and at a fingerprinted URL
//! (`/assets/<hash>/<path>`) cached for a year, which pages link to through
//! `fingerprinted`. Both are compressed (gzip or brotli) when the client asks.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use rust_embed::RustEmbed;

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

/// The first characters of a file's SHA-256: its fingerprint.
fn hash_of(file: &rust_embed::EmbeddedFile) -> String {
    hex::encode(&file.metadata.sha256_hash()[..6])
}

/// The fingerprinted URL of `path` (relative to `assets/`), for links in pages.
pub fn fingerprinted(path: &str) -> String {
    match Files::get(path) {
        Some(file) => format!("/assets/{}/{path}", hash_of(&file)),
        None => format!("/assets/missing/{path}"),
    }
}

/// The contents of an embedded text file, for pages that fill in links.
pub fn text(path: &str) -> Option<String> {
    Files::get(path).map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

/// Serves `path` at its stable URL: revalidated every few minutes.
pub fn stable(req: &HttpRequest, path: &str) -> HttpResponse {
    serve(req, path, &format!("public, max-age={STABLE_MAX_AGE}"))
}

async fn fingerprinted_file(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (hash, path) = path.into_inner();
    match Files::get(&path) {
        // An old fingerprint still serves the current file, briefly cached,
        // so a page cached across an upgrade keeps working.
        Some(file) if hash_of(&file) != hash => serve(&req, &path, "public, max-age=60"),
        Some(_) => serve(&req, &path, "public, max-age=31536000, immutable"),
        None => Error::NotFound("file").error_response(),
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
