//! `GET /attachments/{id}/{file_name}?expires=&signature=`: serves a file to
//! whoever holds a link the API handed out. The link is the permission: it is
//! signed, expires, and is only in answers to those who may see the message.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::{Access, Routes};
use crate::domain::attachments;
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Messages")
        .get("/attachments/{id}/{file_name}", download)
        .op("downloadAttachment", "Download an attachment")
        .about(
            "Serves a message's file to whoever holds the link in the message's \
             `data_url`: signed and expiring, so it needs no credentials. Images, audio \
             and video are served inline, everything else as a download.",
        )
        .access(Access::SignedLink)
        .query::<Signed>()
        .returns(200, "application/octet-stream", None)
        .unchecked("the link comes from a message's data_url");
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Signed {
    /// Unix seconds after which the link stops working.
    expires: i64,
    /// The link's signature.
    signature: String,
}

/// Types a browser may show in place; everything else is downloaded.
const INLINE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
    "video/webm",
];

async fn download(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    query: web::Query<Signed>,
) -> Result<HttpResponse> {
    // The file name is in the path for people and browsers; the id decides.
    let (id, signed) = (path.0, query.into_inner());
    let attachment = state
        .db
        .read(move |conn| {
            if !attachments::verify_link(conn, id, signed.expires, &signed.signature)? {
                return Err(Error::NotFound("attachment"));
            }
            attachments::get(conn, id)
        })
        .await?;
    let file_path = attachments::path_of(&state.settings.attachments_dir(), &attachment.sha256);
    let bytes = web::block(move || std::fs::read(file_path))
        .await?
        .map_err(|_| Error::NotFound("attachment"))?;
    let inline = INLINE_TYPES.contains(&attachment.content_type.as_str());
    let disposition = ContentDisposition {
        disposition: if inline {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![DispositionParam::Filename(attachment.file_name.clone())],
    };
    let content_type = if inline {
        attachment.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(bytes))
}
