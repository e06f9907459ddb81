//! `contacts/export` (a CSV download) and `contacts/import` (a CSV upload).
//! Both move every contact of the workspace at once, so both are for
//! administrators only, as in Chatwoot.

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use futures_util::TryStreamExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{READ, WRITE};
use crate::api::{AccountPath, OptionalJson, Routes};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::contacts::{self, ImportReport};
use crate::domain::filters::{self, Condition};
use crate::domain::query::Where;
use crate::error::{Error, Result};
use crate::server::AppState;

/// The multipart field that carries the CSV file.
const FILE_FIELD: &str = "import_file";

pub fn routes(api: &mut Routes) {
    let export = "/api/v1/accounts/{account_id}/contacts/export";
    api.get(export, export_all)
        .op("exportContacts", "Export every contact as CSV")
        .about("A CSV download of every contact with every column. Administrators only.")
        .scope(READ)
        .administrators_only()
        .returns(200, "text/csv", None);
    api.post(export, export_some)
        .op("exportSomeContacts", "Export chosen contacts as CSV")
        .about(
            "The optional body picks the columns (standard ones and custom attribute \
             keys) and, with a filter payload, the contacts. Administrators only.",
        )
        .scope(READ)
        .administrators_only()
        .optional_json::<ExportBody>()
        .returns(200, "text/csv", None)
        .example(serde_json::json!({"column_names": ["name", "email", "plan"]}));
    api.post("/api/v1/accounts/{account_id}/contacts/import", import)
        .op("importContacts", "Import contacts from CSV")
        .about(
            "The CSV file in the multipart field `import_file`: a header row naming the \
             columns, then one contact per row. A row updates the contact with its email, \
             else its identifier, else its phone number, or creates one; other columns \
             are custom attributes. Invalid rows are reported and skipped. \
             Administrators only; counts against the bulk rate limit.",
        )
        .scope(WRITE)
        .administrators_only()
        .bulk()
        .multipart::<ImportForm>()
        .ok::<ImportReport>()
        .example_form(&[("import_file", "@contacts.csv")]);
}

/// The multipart body of an import.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes the body for the docs only
struct ImportForm {
    /// The CSV file.
    #[schemars(extend("format" = "binary"))]
    import_file: String,
}

fn administrator(caller: &Caller, account_id: i64, scope: Scope) -> Result<WorkspaceCaller> {
    let me = caller.in_workspace(account_id)?;
    me.require(scope)?;
    if !me.is_administrator() {
        return Err(Error::Forbidden(
            "only administrators may export or import contacts",
        ));
    }
    Ok(me)
}

/// The optional body of `POST contacts/export`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExportBody {
    /// The columns to keep (standard ones and custom attribute keys).
    column_names: Option<Vec<String>>,
    /// A filter payload (as for `contacts/filter`) choosing the contacts.
    #[schemars(with = "Option<Vec<crate::domain::filters::Condition>>")]
    payload: Option<Vec<Value>>,
    /// Chatwoot exports a label's contacts; contact labels are not supported.
    label: Option<String>,
}

async fn export_all(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
) -> Result<HttpResponse> {
    export(&state, &caller, path.account_id, ExportBody::default()).await
}

async fn export_some(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: OptionalJson<ExportBody>,
) -> Result<HttpResponse> {
    export(&state, &caller, path.account_id, body.0).await
}

async fn export(
    state: &AppState,
    caller: &Caller,
    account_id: i64,
    body: ExportBody,
) -> Result<HttpResponse> {
    let me = administrator(caller, account_id, READ)?;
    if body.label.is_some() {
        return Err(Error::invalid("label", "contact labels are not supported"));
    }
    let conditions = body
        .payload
        .as_deref()
        .map(Condition::parse_all)
        .transpose()?;
    let workspace_id = me.workspace_id;
    let file = state
        .db
        .read(move |conn| {
            let mut w = match &conditions {
                Some(conditions) => filters::contact_conditions(conn, workspace_id, conditions)?,
                None => Where::default(),
            };
            contacts::restrict(&mut w, workspace_id);
            contacts::export(conn, workspace_id, &w, body.column_names.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"contacts.csv\""))
        .body(file))
}

/// Imports the CSV in the `import_file` field: `{created, updated, errors}`.
async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    form: Multipart,
) -> Result<HttpResponse> {
    let me = administrator(&caller, path.account_id, WRITE)?;
    let file = read_file(form, state.settings.server.max_body_size).await?;
    let workspace_id = me.workspace_id;
    let report = state
        .db
        .write(move |tx| contacts::import(tx, workspace_id, &file))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The bytes of the file field, reading no more than `limit` bytes of the
/// whole form.
async fn read_file(mut form: Multipart, limit: usize) -> Result<Vec<u8>> {
    let mut file = None;
    let mut read = 0;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        let wanted = field.name() == Some(FILE_FIELD) && file.is_none();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
            read += chunk.len();
            if read > limit {
                return Err(Error::PayloadTooLarge(limit));
            }
            if wanted {
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            file = Some(bytes);
        }
    }
    file.ok_or_else(|| {
        Error::invalid(
            FILE_FIELD,
            "is required: send the CSV file as multipart/form-data field import_file",
        )
    })
}

fn multipart_error(e: MultipartError) -> Error {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => Error::UnsupportedMediaType("multipart/form-data"),
        other => Error::BadRequest(format!("the multipart body is malformed: {other}")),
    }
}
