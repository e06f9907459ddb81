//! Full-text search over messages and contacts (SQLite FTS5), confined to
//! what the viewer may see.

use rusqlite::{Connection, named_params};

use crate::domain::contacts::{self, Contact};
use crate::domain::conversations::{self, Conversation, Viewer};
use crate::domain::messages::{self, Message};
use crate::error::{Error, Result};

pub const PAGE_SIZE: i64 = 15;

fn query_of(q: &str) -> Result<String> {
    fts_query(q).ok_or_else(|| Error::invalid("q", "needs at least one letter or digit"))
}

/// Messages containing every word of `q` (private notes included: only
/// agents search), newest first.
pub fn messages(conn: &Connection, viewer: &Viewer, q: &str, page: i64) -> Result<Vec<Message>> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT m.id FROM messages_fts f JOIN messages m ON m.id = f.rowid
             WHERE messages_fts MATCH :q AND m.workspace_id = :workspace_id
               AND (:all OR m.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = :user_id))
             ORDER BY f.rowid DESC LIMIT :limit OFFSET :offset",
        )?
        .query_map(
            named_params! {
                ":q": query_of(q)?,
                ":workspace_id": viewer.workspace_id,
                ":all": viewer.all_inboxes,
                ":user_id": viewer.user_id,
                ":limit": PAGE_SIZE,
                ":offset": (page - 1) * PAGE_SIZE,
            },
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| messages::load_by_id(conn, id))
        .collect()
}

/// Conversations with a message, or a contact, matching `q`, or whose id is `q`.
pub fn conversations(
    conn: &Connection,
    viewer: &Viewer,
    q: &str,
    page: i64,
) -> Result<Vec<Conversation>> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT c.id FROM conversations c
             WHERE c.workspace_id = :workspace_id
               AND (:all OR c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = :user_id))
               AND (c.display_id = :display_id
                    OR c.id IN (SELECT m.conversation_id FROM messages m WHERE m.id IN
                                (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q))
                    OR c.contact_id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :q))
             ORDER BY c.last_activity_at DESC, c.id DESC LIMIT :limit OFFSET :offset",
        )?
        .query_map(
            named_params! {
                ":q": query_of(q)?,
                ":display_id": q.trim().parse::<i64>().unwrap_or(-1),
                ":workspace_id": viewer.workspace_id,
                ":all": viewer.all_inboxes,
                ":user_id": viewer.user_id,
                ":limit": PAGE_SIZE,
                ":offset": (page - 1) * PAGE_SIZE,
            },
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| conversations::load_by_row_id(conn, id))
        .collect()
}

/// Contacts whose name, email, phone number or identifier matches `q`.
pub fn contacts(conn: &Connection, workspace_id: i64, q: &str, page: i64) -> Result<Vec<Contact>> {
    let w = contacts::search(workspace_id, q)?;
    Ok(contacts::page(conn, &w, Some("-last_activity_at"), page)?.0)
}

/// Turns what a person typed into an FTS5 query: every word must match, each
/// as a prefix, with FTS syntax characters neutralised. `None` when nothing
/// searchable is left.
pub fn fts_query(q: &str) -> Option<String> {
    let terms: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(16)
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefixes() {
        assert_eq!(fts_query("refund order").unwrap(), "\"refund\"* \"order\"*");
        assert_eq!(fts_query("alice@exa").unwrap(), "\"alice\"* \"exa\"*");
        assert_eq!(fts_query("\" OR NEAR(").unwrap(), "\"OR\"* \"NEAR\"*");
        assert!(fts_query("  -- ").is_none());
    }
}
