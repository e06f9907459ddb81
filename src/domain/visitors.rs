//! Visitors: contacts as the public Client API sees them, through one link
//! (a source id) in one inbox. Identity is proved with
//! `identifier_hash = hex(HMAC-SHA256(inbox secret, identifier))`: a verified
//! visitor is tied to the contact with that identifier and follows all their
//! conversations in the inbox; an unverified one sees only their own link's.

use hmac::{Hmac, Mac};
use rusqlite::{Connection, Transaction};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::auth::vault::Vault;
use crate::domain::contacts::{self, Contact, ContactFields, ContactInbox};
use crate::domain::conversations::{self, ConversationRow};
use crate::domain::inboxes::{self, Inbox};
use crate::error::{Error, Result};

/// What the Client API shows a visitor of themselves.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct VisitorView<'a> {
    pub id: i64,
    /// The contact's id in this inbox: the credential of the Client API.
    pub source_id: &'a str,
    /// The credential of the visitor's websocket.
    pub pubsub_token: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub identifier: Option<&'a str>,
    pub custom_attributes: &'a Value,
    /// Whether the identity was verified with `identifier_hash`.
    pub verified: bool,
}

/// A visitor: their link, their inbox and their contact.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub link: ContactInbox,
    pub inbox: Inbox,
    pub contact: Contact,
}

impl Visitor {
    /// The Client API's view of the visitor.
    pub fn json(&self) -> VisitorView<'_> {
        VisitorView {
            id: self.contact.id,
            source_id: &self.link.source_id,
            pubsub_token: &self.link.pubsub_token,
            name: &self.contact.name,
            email: self.contact.email.as_deref(),
            phone_number: self.contact.phone_number.as_deref(),
            identifier: self.contact.identifier.as_deref(),
            custom_attributes: &self.contact.custom_attributes,
            verified: self.link.hmac_verified,
        }
    }
}

/// The inbox behind a public identifier (website token or inbox identifier).
pub fn inbox(conn: &Connection, identifier: &str) -> Result<Inbox> {
    inboxes::find_public(conn, identifier)
}

pub fn find(conn: &Connection, inbox: &Inbox, source_id: &str) -> Result<Visitor> {
    let link = contacts::contact_inbox_by_source(conn, inbox.id, source_id)?;
    let contact = contacts::get_by_id(conn, link.contact_id)?;
    Ok(Visitor {
        link,
        inbox: inbox.clone(),
        contact,
    })
}

/// What a visitor may tell about themselves.
#[derive(Debug, Default, Clone)]
pub struct Identity {
    pub identifier: Option<String>,
    pub identifier_hash: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub avatar_url: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
}

/// Checks `identity` against the inbox's secret. `Ok(true)` when the hash
/// proves the identifier; `Ok(false)` when no identity was claimed; an error
/// for a wrong hash, or a missing one where the inbox requires it.
fn verify(vault: &Vault, inbox: &Inbox, identity: &Identity) -> Result<bool> {
    let refused = || Error::IdentityVerificationFailed;
    match (&identity.identifier, &identity.identifier_hash) {
        (None, None) => Ok(false),
        (None, Some(_)) => Err(Error::invalid(
            "identifier",
            "is required with identifier_hash",
        )),
        (Some(_), None) if inbox.settings.hmac_mandatory => Err(refused()),
        (Some(_), None) => Ok(false),
        (Some(identifier), Some(hash)) => {
            let secret = inbox.secret(vault)?.ok_or_else(refused)?;
            let given = hex::decode(hash.trim()).map_err(|_| refused())?;
            let mut mac =
                Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(Error::internal)?;
            mac.update(identifier.as_bytes());
            mac.verify_slice(&given).map_err(|_| refused())?;
            Ok(true)
        }
    }
}

/// Creates a visitor in `inbox`, verified when the identity is proved. A
/// proved identifier that already belongs to a contact links this visitor to
/// that contact, so their conversations follow them to a new browser.
pub fn create(
    tx: &Transaction,
    vault: &Vault,
    inbox: &Inbox,
    identity: Identity,
    source_id: Option<&str>,
) -> Result<Visitor> {
    let verified = verify(vault, inbox, &identity)?;
    let existing = match (&identity.identifier, verified) {
        (Some(identifier), true) => {
            contacts::find_by(tx, inbox.account_id, "identifier", identifier)?
        }
        _ => None,
    };
    let contact_id = match existing {
        Some(id) => id,
        None => contacts::create(tx, inbox.account_id, ContactFields::default())?.id,
    };
    let link = contacts::link_to_inbox(tx, inbox.account_id, contact_id, inbox.id, source_id)?;
    set_verified(tx, link.id, verified)?;
    apply(tx, inbox, contact_id, identity, verified)?;
    find(tx, inbox, &link.source_id)
}

/// Updates what the visitor told; with a proved identifier, ties this
/// visitor's link (and their conversations so far) to the contact that owns it.
pub fn identify(
    tx: &Transaction,
    vault: &Vault,
    visitor: &Visitor,
    identity: Identity,
) -> Result<Visitor> {
    let verified = verify(vault, &visitor.inbox, &identity)? || visitor.link.hmac_verified;
    let owner = match (&identity.identifier, verified) {
        (Some(identifier), true) => {
            contacts::find_by(tx, visitor.inbox.account_id, "identifier", identifier)?
        }
        _ => None,
    };
    let mut contact_id = visitor.contact.id;
    if let Some(owner) = owner.filter(|o| *o != contact_id) {
        contacts::merge_into(tx, visitor.inbox.account_id, owner, contact_id)?;
        contact_id = owner;
    }
    set_verified(tx, visitor.link.id, verified)?;
    apply(tx, &visitor.inbox, contact_id, identity, verified)?;
    find(tx, &visitor.inbox, &visitor.link.source_id)
}

fn set_verified(tx: &Transaction, link_id: i64, verified: bool) -> Result<()> {
    if verified {
        tx.prepare_cached("UPDATE contact_inboxes SET hmac_verified = 1 WHERE id = ?1")?
            .execute([link_id])?;
    }
    Ok(())
}

/// Writes the visitor's details. Unverified visitors cannot take an email,
/// phone number or identifier that another contact has: those are kept
/// aside in `additional_attributes.claimed_*` for agents to see.
fn apply(
    tx: &Transaction,
    inbox: &Inbox,
    contact_id: i64,
    identity: Identity,
    verified: bool,
) -> Result<()> {
    let mut fields = ContactFields {
        name: identity.name,
        avatar_url: identity.avatar_url.map(Some),
        custom_attributes: identity.custom_attributes,
        ..Default::default()
    };
    let mut claimed = Map::new();
    for (field, value) in [
        ("email", identity.email),
        ("phone_number", identity.phone_number),
        ("identifier", identity.identifier),
    ] {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let owner = contacts::find_by(tx, inbox.account_id, field, value.trim())?;
        if owner.is_some_and(|o| o != contact_id) && !verified {
            claimed.insert(format!("claimed_{field}"), Value::String(value));
            continue;
        }
        match field {
            "email" => fields.email = Some(Some(value)),
            "phone_number" => fields.phone_number = Some(Some(value)),
            _ => fields.identifier = Some(Some(value)),
        }
    }
    if !claimed.is_empty() {
        fields.additional_attributes = Some(claimed);
    }
    contacts::update(tx, inbox.account_id, contact_id, fields)?;
    Ok(())
}

/// The visitor's conversations, newest first: all of the contact's in this
/// inbox when verified, else only those started through this link.
pub fn conversations(conn: &Connection, visitor: &Visitor) -> Result<Vec<ConversationRow>> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM conversations
             WHERE contact_id = :contact_id AND inbox_id = :inbox_id
               AND (:verified OR contact_inbox_id = :link_id)
             ORDER BY last_activity_at DESC, id DESC LIMIT 100",
        )?
        .query_map(
            rusqlite::named_params! {
                ":contact_id": visitor.contact.id,
                ":inbox_id": visitor.inbox.id,
                ":verified": visitor.link.hmac_verified,
                ":link_id": visitor.link.id,
            },
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| conversations::row(conn, id))
        .collect()
}

/// One of the visitor's conversations, by display id.
pub fn conversation(
    conn: &Connection,
    visitor: &Visitor,
    display_id: i64,
) -> Result<ConversationRow> {
    let row = conn
        .prepare_cached("SELECT id FROM conversations WHERE workspace_id = ?1 AND display_id = ?2")?
        .query_row([visitor.inbox.account_id, display_id], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|_| Error::NotFound("conversation"))?;
    let row = conversations::row(conn, row)?;
    let theirs = row.contact_id == visitor.contact.id
        && row.inbox_id == visitor.inbox.id
        && (visitor.link.hmac_verified || row.contact_inbox_id == Some(visitor.link.id));
    if theirs {
        Ok(row)
    } else {
        Err(Error::NotFound("conversation"))
    }
}

/// Fails unless the visitor may write: inboxes that enforce identity
/// verification take messages from verified visitors only.
pub fn check_may_write(visitor: &Visitor) -> Result<()> {
    if visitor.inbox.settings.hmac_mandatory && !visitor.link.hmac_verified {
        return Err(Error::IdentityVerificationFailed);
    }
    Ok(())
}
