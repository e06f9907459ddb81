//! Attachments: files on disk under the data directory, stored once per
//! content (named by SHA-256), typed by sniffing their bytes, and served by
//! signed, expiring URLs to whoever was shown the message.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::now;
use crate::error::{Error, Result};

/// The most files one message may carry.
pub const MAX_PER_MESSAGE: usize = 15;
/// How long a signed URL stays valid. Expiry is rounded up to the next day so
/// a URL is stable (and cacheable) for a day.
const URL_LIFETIME_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attachment {
    pub id: i64,
    pub message_id: i64,
    pub account_id: i64,
    pub file_type: String,
    pub content_type: String,
    pub file_name: String,
    pub extension: Option<String>,
    pub file_size: i64,
    pub data_url: String,
    pub thumb_url: String,
    pub created_at: i64,
    #[serde(skip)]
    pub sha256: String,
}

/// A file received with a message, already written to disk.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub file_type: &'static str,
    pub size: i64,
}

/// A file being received. Bytes are hashed as they arrive and written to a
/// temporary file; `finish` moves it under its content address. Dropping an
/// unfinished upload removes the temporary file.
pub struct Upload {
    dir: PathBuf,
    tmp_path: PathBuf,
    file: Option<fs::File>,
    hasher: Sha256,
    head: Vec<u8>,
    size: usize,
    limit: usize,
    file_name: String,
}

/// Bytes kept from the start of a file to tell its type.
const SNIFF_LEN: usize = 8192;

impl Upload {
    pub fn begin(dir: &Path, file_name: &str, limit: usize) -> Result<Upload> {
        let tmp_dir = dir.join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(Error::internal)?;
        let tmp_path = tmp_dir.join(crate::auth::secret::random_base62(24));
        let file = fs::File::create(&tmp_path).map_err(Error::internal)?;
        Ok(Upload {
            dir: dir.to_path_buf(),
            tmp_path,
            file: Some(file),
            hasher: Sha256::new(),
            head: Vec::new(),
            size: 0,
            limit,
            file_name: clean_file_name(file_name),
        })
    }

    /// Appends a chunk; past the size limit the upload fails with 413.
    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len();
        if self.size > self.limit {
            return Err(Error::PayloadTooLarge(self.limit));
        }
        if self.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| Error::internal("upload already finished"))?;
        file.write_all(chunk).map_err(Error::internal)
    }

    /// Makes the file durable under its content address (a second copy of the
    /// same content costs nothing) and types it from its bytes.
    pub fn finish(mut self) -> Result<StoredFile> {
        if self.size == 0 {
            return Err(Error::invalid(
                "attachments",
                format!("{} is empty", self.file_name),
            ));
        }
        let file = self
            .file
            .take()
            .ok_or_else(|| Error::internal("upload already finished"))?;
        file.sync_all().map_err(Error::internal)?;
        drop(file);
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let path = path_of(&self.dir, &sha256);
        if path.exists() {
            let _ = fs::remove_file(&self.tmp_path);
        } else {
            let parent = path
                .parent()
                .ok_or_else(|| Error::internal("attachment path"))?;
            fs::create_dir_all(parent).map_err(Error::internal)?;
            fs::rename(&self.tmp_path, &path).map_err(Error::internal)?;
        }
        let (content_type, file_type) = sniff(&self.head);
        Ok(StoredFile {
            sha256,
            file_name: std::mem::take(&mut self.file_name),
            content_type,
            file_type,
            size: self.size as i64,
        })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

pub fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(sha256)
}

/// The content type and Chatwoot file type, from the bytes alone.
fn sniff(bytes: &[u8]) -> (String, &'static str) {
    match infer::get(bytes) {
        Some(kind) => {
            let file_type = match kind.matcher_type() {
                infer::MatcherType::Image => "image",
                infer::MatcherType::Audio => "audio",
                infer::MatcherType::Video => "video",
                _ => "file",
            };
            (kind.mime_type().to_string(), file_type)
        }
        None if std::str::from_utf8(bytes).is_ok() => ("text/plain".into(), "file"),
        None => ("application/octet-stream".into(), "file"),
    }
}

/// A display name without path parts or control characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// Records `file` as an attachment of message `message_id`.
pub fn attach(
    tx: &Transaction,
    workspace_id: i64,
    message_id: i64,
    file: &StoredFile,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO attachments (workspace_id, message_id, file_type, content_type, file_name,
                                  byte_size, sha256, created_at)
         VALUES (:workspace_id, :message_id, :file_type, :content_type, :file_name,
                 :size, :sha256, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":message_id": message_id,
        ":file_type": file.file_type,
        ":content_type": file.content_type,
        ":file_name": file.file_name,
        ":size": file.size,
        ":sha256": file.sha256,
        ":now": now(),
    })?;
    Ok(())
}

struct UrlContext {
    base: String,
    key: Vec<u8>,
}

fn url_context(conn: &Connection) -> Result<UrlContext> {
    let setting = |key: &str| -> Result<Option<String>> {
        Ok(conn
            .prepare_cached("SELECT value FROM instance_settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    };
    let key = setting("url_signing_key")?
        .and_then(|k| hex::decode(k).ok())
        .ok_or_else(|| Error::internal("the URL signing key is missing"))?;
    Ok(UrlContext {
        base: setting("public_url")?.unwrap_or_default(),
        key,
    })
}

/// Records the URL attachment links start with (the configured public URL).
pub fn set_public_url(tx: &Transaction, public_url: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO instance_settings (key, value) VALUES ('public_url', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [public_url],
    )?;
    Ok(())
}

fn signature(key: &[u8], id: i64, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("attachment:{id}:{expires}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Checks a download link's signature and expiry.
pub fn verify_link(conn: &Connection, id: i64, expires: i64, given: &str) -> Result<bool> {
    let ctx = url_context(conn)?;
    let expected = signature(&ctx.key, id, expires);
    let matches = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), given.as_bytes());
    Ok(bool::from(matches) && expires >= now())
}

fn from_row(row: &Row, ctx: &UrlContext) -> rusqlite::Result<Attachment> {
    let id: i64 = row.get("id")?;
    let file_name: String = row.get("file_name")?;
    let file_type: String = row.get("file_type")?;
    let expires = (now() + URL_LIFETIME_SECS).div_euclid(86_400) * 86_400 + 86_400;
    let data_url = format!(
        "{}/attachments/{id}/{}?expires={expires}&signature={}",
        ctx.base,
        url_encode(&file_name),
        signature(&ctx.key, id, expires)
    );
    Ok(Attachment {
        id,
        message_id: row.get("message_id")?,
        account_id: row.get("workspace_id")?,
        extension: file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_lowercase()),
        thumb_url: if file_type == "image" {
            data_url.clone()
        } else {
            String::new()
        },
        data_url,
        file_type,
        content_type: row.get("content_type")?,
        file_name,
        file_size: row.get("byte_size")?,
        created_at: row.get("created_at")?,
        sha256: row.get("sha256")?,
    })
}

/// Percent-encodes a path segment.
fn url_encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn list_for_message(conn: &Connection, message_id: i64) -> Result<Vec<Attachment>> {
    let ctx = url_context(conn)?;
    let mut stmt =
        conn.prepare_cached("SELECT * FROM attachments WHERE message_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([message_id], |row| from_row(row, &ctx))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Attachment> {
    let ctx = url_context(conn)?;
    conn.prepare_cached("SELECT * FROM attachments WHERE id = ?1")?
        .query_row([id], |row| from_row(row, &ctx))
        .optional()?
        .ok_or(Error::NotFound("attachment"))
}

/// Removes a message's attachments; returns the contents no attachment uses
/// any more, for the caller to delete from disk once the transaction commits.
pub fn detach_all(tx: &Transaction, message_id: i64) -> Result<Vec<String>> {
    let shas: Vec<String> = tx
        .prepare_cached("SELECT DISTINCT sha256 FROM attachments WHERE message_id = ?1")?
        .query_map([message_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.prepare_cached("DELETE FROM attachments WHERE message_id = ?1")?
        .execute([message_id])?;
    let mut unused = Vec::new();
    for sha in shas {
        let still_used: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)")?
            .query_row([&sha], |r| r.get(0))?;
        if !still_used {
            unused.push(sha);
        }
    }
    Ok(unused)
}

/// Deletes stored contents that no attachment uses (after the commit that
/// removed their last attachment). A file already gone is fine.
pub fn delete_files(dir: &Path, shas: &[String]) {
    for sha in shas {
        if let Err(e) = fs::remove_file(path_of(dir, sha))
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%sha, error = %e, "could not delete an attachment file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes_not_the_name() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        assert_eq!(sniff(&png), ("image/png".into(), "image"));
        assert_eq!(sniff(b"just text").1, "file");
        let dir = tempfile::tempdir().unwrap();
        let mut upload = Upload::begin(dir.path(), "../../etc/photo.exe", 100).unwrap();
        upload.write(&png).unwrap();
        let stored = upload.finish().unwrap();
        assert_eq!(stored.file_type, "image");
        assert_eq!(stored.file_name, "photo.exe");
        assert!(path_of(dir.path(), &stored.sha256).exists());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn an_upload_over_the_limit_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut upload = Upload::begin(dir.path(), "big.bin", 10).unwrap();
        upload.write(b"12345").unwrap();
        assert!(matches!(
            upload.write(b"678901"),
            Err(Error::PayloadTooLarge(10))
        ));
        drop(upload);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
