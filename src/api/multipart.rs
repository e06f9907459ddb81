//! Reading `multipart/form-data` bodies: text fields into a map, files
//! streamed to disk as attachments (never held whole in memory).

use std::collections::HashMap;
use std::path::PathBuf;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use futures_util::TryStreamExt;

use crate::domain::attachments::{StoredFile, Upload};
use crate::error::{Error, Result};

/// The longest text field accepted.
const FIELD_MAX: usize = 256 * 1024;

pub struct Form {
    pub fields: HashMap<String, String>,
    pub files: Vec<StoredFile>,
}

/// Where files go and how many and how large they may be.
pub struct FileRules {
    pub dir: PathBuf,
    pub field_names: &'static [&'static str],
    pub max_size: usize,
    pub max_files: usize,
}

pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::BadRequest(format!("invalid multipart body: {e}"))
}

pub async fn read(req: &HttpRequest, payload: web::Payload, rules: &FileRules) -> Result<Form> {
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut form = Form {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    while let Some(mut field) = multipart.try_next().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if rules.field_names.contains(&name.as_str()) {
            if form.files.len() >= rules.max_files {
                return Err(Error::invalid(
                    &name,
                    format!("at most {} files", rules.max_files),
                ));
            }
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("file")
                .to_string();
            let (dir, limit) = (rules.dir.clone(), rules.max_size);
            let mut upload = web::block(move || Upload::begin(&dir, &file_name, limit)).await??;
            while let Some(chunk) = field.try_next().await.map_err(bad)? {
                upload = web::block(move || upload.write(&chunk).map(|()| upload)).await??;
            }
            form.files.push(web::block(move || upload.finish()).await??);
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.try_next().await.map_err(bad)? {
                if text.len() + chunk.len() > FIELD_MAX {
                    return Err(Error::PayloadTooLarge(FIELD_MAX));
                }
                text.extend_from_slice(&chunk);
            }
            let text =
                String::from_utf8(text).map_err(|_| Error::invalid(&name, "must be UTF-8 text"))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

/// Reads a JSON body of at most `limit` bytes from a raw payload, with the
/// same errors the JSON extractor gives.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T> {
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(Error::UnsupportedMediaType(
            "application/json or multipart/form-data",
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.try_next().await.map_err(bad)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| Error::MalformedJson(e.to_string()))?;
    super::object_body(value)
}
