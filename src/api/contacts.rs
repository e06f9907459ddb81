//! `/api/v1/accounts/{account_id}/contacts`: list, search, filter, show,
//! create, update and delete contacts; their conversations, inbox links and
//! notes, merges, and CSV export and import live in the submodules.
//!
//! Contact labels (`contacts/{id}/labels`, `labels[]` on the list) are not
//! part of this API: labels apply to conversations only.

mod links;
mod merge;
mod notes;
mod transfer;

use actix_web::{HttpResponse, web};
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::Json;
use crate::api::{AccountItemPath, AccountPath, PageQuery, Payload, Routes, write_as};
use crate::auth::{Caller, Scope};
use crate::domain::contacts::{self, Contact, ContactFields, InboxLink};
use crate::domain::filters::{self, Condition};
use crate::domain::query::Where;
use crate::error::{Error, Result};
use crate::server::AppState;

const READ: Scope = Scope::read("contacts");
const WRITE: Scope = Scope::write("contacts");

pub fn routes(api: &mut Routes) {
    let base = "/api/v1/accounts/{account_id}/contacts";
    // Fixed paths first: `{id}` would take `search` and the rest otherwise.
    api.tag("Contacts")
        .get(&format!("{base}/search"), search)
        .op("searchContacts", "Search contacts")
        .about("Contacts whose name, email, phone number or identifier matches `q`, paged.")
        .scope(READ)
        .query::<ListParams>()
        .ok::<ContactPage>()
        .example_path("/api/v1/accounts/1/contacts/search?q=alice");
    api.post(&format!("{base}/filter"), filter)
        .op("filterContacts", "Filter contacts")
        .about(
            "Chatwoot's filter payload over the contacts' fields and custom attributes; \
             `page` may come in the body or the query.",
        )
        .scope(READ)
        .query::<ListParams>()
        .json::<FilterBody>()
        .ok::<ContactPage>()
        .example(json!({"payload": [{"attribute_key": "email", "filter_operator": "contains", "values": ["example.com"], "query_operator": null}]}));
    transfer::routes(api);
    api.get(base, list)
        .op("listContacts", "List contacts")
        .about("One page (15) of the workspace's contacts, with their inbox links.")
        .scope(READ)
        .query::<ListParams>()
        .ok::<ContactPage>()
        .example_path("/api/v1/accounts/1/contacts?page=1&sort=name");
    api.post(base, create)
        .op("createContact", "Create a contact")
        .about(
            "Creates a contact and, with `inbox_id`, links it to that inbox (with \
             `source_id`, or a random one).",
        )
        .scope(WRITE)
        .json::<ContactBody>()
        .ok::<Payload<CreatedContact>>()
        .errors(&[409])
        .example(json!({"name": "Carol Customer", "email": "carol@example.com", "inbox_id": 1, "custom_attributes": {"plan": "pro"}}));
    api.get(&format!("{base}/{{id}}"), show)
        .op("getContact", "Show a contact")
        .scope(READ)
        .ok::<Payload<ContactView>>();
    api.patch_put(&format!("{base}/{{id}}"), update)
        .op("updateContact", "Change a contact")
        .about(
            "`null` clears email, phone number, identifier and avatar; an absent key \
             leaves them alone. Attribute maps are merged.",
        )
        .scope(WRITE)
        .json::<ContactBody>()
        .ok::<Payload<ContactView>>()
        .errors(&[409])
        .example(
            json!({"phone_number": "+15555550123", "additional_attributes": {"city": "Lisbon"}}),
        );
    api.delete(&format!("{base}/{{id}}"), delete)
        .op("deleteContact", "Delete a contact")
        .about("Deletes the contact with their conversations and notes.")
        .scope(WRITE)
        .no_content()
        .example_path("/api/v1/accounts/1/contacts/2");
    links::routes(api);
    notes::routes(api);
    merge::routes(api);
    // No `contacts/{id}/labels`: contact labels are out of scope for now.
}

/// One page of contacts.
#[derive(Serialize, JsonSchema)]
struct ContactPage {
    meta: PageMeta,
    payload: Vec<ContactView>,
}

#[derive(Serialize, JsonSchema)]
struct PageMeta {
    count: i64,
    current_page: i64,
    per_page: i64,
    total_count: i64,
}

#[derive(Serialize, JsonSchema)]
struct CreatedContact {
    contact: ContactView,
    /// The inbox link made with the contact, if `inbox_id` was given.
    contact_inbox: Option<InboxLink>,
}

/// A contact as the API shows it: with its inbox links.
#[derive(Serialize, JsonSchema)]
struct ContactView {
    #[serde(flatten)]
    contact: Contact,
    contact_inboxes: Vec<InboxLink>,
}

fn view(conn: &Connection, contact: Contact) -> Result<ContactView> {
    Ok(ContactView {
        contact_inboxes: contacts::inbox_links(conn, &contact)?,
        contact,
    })
}

/// `?page=&sort=` (and `?q=` for search) of the contact lists.
#[derive(Debug, Deserialize, JsonSchema)]
struct ListParams {
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
    page: Option<i64>,
    /// `name`, `email`, `phone_number`, `last_activity_at` or `created_at`;
    /// `-` in front for descending.
    sort: Option<String>,
    /// Search only: what to look for.
    q: Option<String>,
}

/// One page of the contacts that `select` picks, in the list envelope.
async fn respond_page(
    state: &AppState,
    page: Option<i64>,
    sort: Option<String>,
    select: impl FnOnce(&Connection) -> Result<Where> + Send + 'static,
) -> Result<HttpResponse> {
    let page = PageQuery { page }.page()?;
    let (payload, total) = state
        .db
        .read(move |conn| {
            let w = select(conn)?;
            let (found, total) = contacts::page(conn, &w, sort.as_deref(), page)?;
            let views = found
                .into_iter()
                .map(|c| view(conn, c))
                .collect::<Result<Vec<_>>>()?;
            Ok((views, total))
        })
        .await?;
    let meta = PageMeta {
        count: total,
        current_page: page,
        per_page: contacts::PAGE_SIZE,
        total_count: total,
    };
    Ok(HttpResponse::Ok().json(ContactPage { meta, payload }))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let workspace_id = me.workspace_id;
    let ListParams { page, sort, .. } = query.into_inner();
    respond_page(&state, page, sort, move |_| {
        let mut w = Where::default();
        contacts::restrict(&mut w, workspace_id);
        Ok(w)
    })
    .await
}

async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let workspace_id = me.workspace_id;
    let ListParams { page, sort, q } = query.into_inner();
    let w = contacts::search(workspace_id, q.as_deref().unwrap_or_default())?;
    respond_page(&state, page, sort, move |_| Ok(w)).await
}

/// Chatwoot's filter body; `page` may also come in the query.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "ContactFilter")]
#[serde(deny_unknown_fields)]
struct FilterBody {
    /// The conditions, Chatwoot's filter payload.
    #[schemars(with = "Vec<Condition>", length(min = 1, max = 50))]
    payload: Vec<Value>,
    /// The page, from 1.
    #[schemars(range(min = 1, max = 1_000_000))]
    page: Option<i64>,
}

async fn filter(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<ListParams>,
    body: Json<FilterBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let workspace_id = me.workspace_id;
    let FilterBody { payload, page } = body.into_inner();
    let conditions = Condition::parse_all(&payload)?;
    let ListParams {
        page: query_page,
        sort,
        ..
    } = query.into_inner();
    respond_page(&state, query_page.or(page), sort, move |conn| {
        let mut w = filters::contact_conditions(conn, workspace_id, &conditions)?;
        contacts::restrict(&mut w, workspace_id);
        Ok(w)
    })
    .await
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(READ)?;
    let (workspace_id, id) = (me.workspace_id, path.id);
    let contact = state
        .db
        .read(move |conn| view(conn, contacts::get(conn, workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(contact)))
}

/// A create or update body. `null` clears email, phone number, identifier
/// and avatar; an absent key leaves them alone. Attribute maps are merged.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    identifier: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option::deserialize")]
    avatar_url: Option<Option<String>>,
    blocked: Option<bool>,
    additional_attributes: Option<Map<String, Value>>,
    custom_attributes: Option<Map<String, Value>>,
    /// Create only: also link the contact to this inbox.
    inbox_id: Option<i64>,
    /// Create only: the contact's id in that inbox (random when absent).
    source_id: Option<String>,
}

/// The inbox a create links the contact to, with the source id if given.
type LinkRequest = Option<(i64, Option<String>)>;

impl ContactBody {
    /// The contact's fields, and the inbox link asked for.
    fn split(self) -> Result<(ContactFields, LinkRequest)> {
        let link = match (self.inbox_id, self.source_id) {
            (Some(inbox_id), source_id) => Some((inbox_id, source_id)),
            (None, Some(_)) => {
                return Err(Error::invalid("source_id", "needs an inbox_id"));
            }
            (None, None) => None,
        };
        let fields = ContactFields {
            name: self.name,
            email: self.email,
            phone_number: self.phone_number,
            identifier: self.identifier,
            avatar_url: self.avatar_url,
            blocked: self.blocked,
            additional_attributes: self.additional_attributes,
            custom_attributes: self.custom_attributes,
        };
        Ok((fields, link))
    }
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    body: Json<ContactBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (fields, link) = body.into_inner().split()?;
    let viewer = me.viewer();
    let (contact, contact_inbox) = state
        .db
        .write(move |tx| {
            let contact = contacts::create(tx, viewer.workspace_id, fields)?;
            let contact_inbox = link
                .map(|(inbox_id, source_id)| {
                    contacts::add_inbox_link(
                        tx,
                        &viewer,
                        contact.id,
                        inbox_id,
                        source_id.as_deref(),
                    )
                })
                .transpose()?;
            let contact = contacts::get(tx, viewer.workspace_id, contact.id)?;
            Ok((view(tx, contact)?, contact_inbox))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(CreatedContact {
        contact,
        contact_inbox,
    })))
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
    body: Json<ContactBody>,
) -> Result<HttpResponse> {
    let me = caller.in_workspace(path.account_id)?;
    me.require(WRITE)?;
    let (fields, link) = body.into_inner().split()?;
    if link.is_some() {
        return Err(Error::invalid(
            "inbox_id",
            "links an inbox on create only; use POST contacts/{id}/contact_inboxes",
        ));
    }
    let (workspace_id, id) = (me.workspace_id, path.id);
    let contact = state
        .db
        .write(move |tx| view(tx, contacts::update(tx, workspace_id, id, fields)?))
        .await?;
    Ok(HttpResponse::Ok().json(Payload::of(contact)))
}

async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountItemPath>,
) -> Result<HttpResponse> {
    let id = path.id;
    write_as(&state, &caller, path.account_id, WRITE, move |tx, me| {
        contacts::delete(tx, me.workspace_id, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
