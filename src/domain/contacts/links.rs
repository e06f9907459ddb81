//! A contact's links to inboxes as the API shows them, and the inboxes an
//! agent could reach the contact through.

use rusqlite::{Connection, Transaction};
use serde::Serialize;

use super::{Contact, contact_inboxes, get, link_to_inbox};
use crate::domain::conversations::Viewer;
use crate::domain::inboxes::{self, ChannelType, InboxSlim};
use crate::error::{Error, Result};

/// A contact's link to an inbox as the API shows it: `{source_id, inbox}`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InboxLink {
    /// `None` in a contactable inbox the contact has no link to yet.
    pub source_id: Option<String>,
    pub inbox: InboxSlim,
}

/// The contact's links to inboxes, with their inboxes.
pub fn inbox_links(conn: &Connection, contact: &Contact) -> Result<Vec<InboxLink>> {
    contact_inboxes(conn, contact.id)?
        .into_iter()
        .map(|link| {
            Ok(InboxLink {
                inbox: inboxes::get(conn, contact.account_id, link.inbox_id)?.slim(),
                source_id: Some(link.source_id),
            })
        })
        .collect()
}

/// Links the contact to an inbox the viewer may see, as `POST
/// contacts/{id}/contact_inboxes` and a create with `inbox_id` do.
pub fn add_inbox_link(
    tx: &Transaction,
    viewer: &Viewer,
    contact_id: i64,
    inbox_id: i64,
    source_id: Option<&str>,
) -> Result<InboxLink> {
    let workspace_id = viewer.workspace_id;
    get(tx, workspace_id, contact_id)?;
    let inbox = match inboxes::get(tx, workspace_id, inbox_id) {
        Ok(inbox) if viewer.sees_inbox(tx, inbox_id)? => inbox,
        Ok(_) | Err(Error::NotFound(_)) => {
            return Err(Error::invalid("inbox_id", "no such inbox"));
        }
        Err(e) => return Err(e),
    };
    let link = link_to_inbox(tx, workspace_id, contact_id, inbox_id, source_id)?;
    Ok(InboxLink {
        source_id: Some(link.source_id),
        inbox: inbox.slim(),
    })
}

/// The inboxes the viewer could reach the contact through: every API inbox
/// (with the contact's source id there, if any), and the website inboxes the
/// contact has visited, since only the visitor can open a widget conversation.
pub fn contactable_inboxes(
    conn: &Connection,
    viewer: &Viewer,
    contact_id: i64,
) -> Result<Vec<InboxLink>> {
    let contact = get(conn, viewer.workspace_id, contact_id)?;
    let links = contact_inboxes(conn, contact.id)?;
    let member = (!viewer.all_inboxes).then_some(viewer.user_id);
    let mut contactable = Vec::new();
    for inbox in inboxes::list(conn, viewer.workspace_id, member)? {
        let source_id = links
            .iter()
            .find(|l| l.inbox_id == inbox.id)
            .map(|l| l.source_id.clone());
        if source_id.is_some() || inbox.channel_type == ChannelType::Api {
            contactable.push(InboxLink {
                source_id,
                inbox: inbox.slim(),
            });
        }
    }
    Ok(contactable)
}
