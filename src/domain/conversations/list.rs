//! Listing conversations: who may see what, the filters and sorts of the
//! list, and the counts of its tabs (mine, unassigned, all).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::{Conversation, row_from, view};
use crate::domain::filters::{self, Condition};
use crate::domain::query::Where;
use crate::domain::search;
use crate::error::{Error, Result};

pub const PAGE_SIZE: i64 = 25;

/// Whose eyes a query is for: administrators see every inbox, agents only
/// the inboxes they are members of.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub workspace_id: i64,
    pub user_id: i64,
    pub all_inboxes: bool,
}

impl Viewer {
    pub fn sees_inbox(&self, conn: &Connection, inbox_id: i64) -> Result<bool> {
        if self.all_inboxes {
            return Ok(true);
        }
        Ok(conn
            .prepare_cached("SELECT 1 FROM inbox_members WHERE inbox_id = ?1 AND user_id = ?2")?
            .query_row([inbox_id, self.user_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Restricts `w` (over conversations `c`) to what the viewer may see.
    pub fn restrict(&self, w: &mut Where) {
        w.and(
            "c.workspace_id = :workspace_id",
            [(":workspace_id", SqlValue::Integer(self.workspace_id))],
        );
        if !self.all_inboxes {
            w.and(
                "c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = :viewer_id)",
                [(":viewer_id", SqlValue::Integer(self.user_id))],
            );
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// open (default), pending, snoozed, resolved or all.
    pub status: Option<String>,
    /// me, unassigned, assigned or all (default).
    pub assignee_type: Option<String>,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// Conversations carrying any of these labels.
    pub labels: Vec<String>,
    /// Words that must appear in one of the conversation's messages.
    pub q: Option<String>,
    pub sort_by: Option<String>,
    pub page: i64,
    /// Conditions of a saved or posted filter (Chatwoot's filter payload).
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Meta {
    pub mine_count: i64,
    pub assigned_count: i64,
    pub unassigned_count: i64,
    pub all_count: i64,
    pub current_page: i64,
    pub per_page: i64,
    pub total_count: i64,
}

/// The conditions of `query` except the assignee tab, which the counts split by.
fn filters(conn: &Connection, viewer: &Viewer, query: &ListQuery) -> Result<Where> {
    let mut w = Where::default();
    viewer.restrict(&mut w);
    if !query.conditions.is_empty() {
        filters::add_conversation_conditions(conn, viewer.workspace_id, &query.conditions, &mut w)?;
    }
    match query.status.as_deref().unwrap_or("open") {
        "all" => {}
        status if super::STATUSES.contains(&status) => {
            w.and(
                "c.status = :status",
                [(":status", SqlValue::Text(status.into()))],
            );
        }
        _ => {
            return Err(Error::invalid(
                "status",
                "must be open, pending, snoozed, resolved or all",
            ));
        }
    }
    if let Some(inbox_id) = query.inbox_id {
        w.and(
            "c.inbox_id = :inbox_id",
            [(":inbox_id", SqlValue::Integer(inbox_id))],
        );
    }
    if let Some(team_id) = query.team_id {
        w.and(
            "c.team_id = :team_id",
            [(":team_id", SqlValue::Integer(team_id))],
        );
    }
    if let Some(contact_id) = query.contact_id {
        w.and(
            "c.contact_id = :contact_id",
            [(":contact_id", SqlValue::Integer(contact_id))],
        );
    }
    if !query.labels.is_empty() {
        let mut names = Vec::new();
        let mut params = Vec::new();
        for title in &query.labels {
            let name = w.fresh_param("label");
            params.push((name.clone(), SqlValue::Text(title.to_lowercase())));
            names.push(name);
        }
        w.and_named(
            format!(
                "c.id IN (SELECT cl.conversation_id FROM conversation_labels cl
                          JOIN labels l ON l.id = cl.label_id
                          WHERE l.workspace_id = c.workspace_id AND l.title IN ({}))",
                names.join(", ")
            ),
            params,
        );
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let Some(fts) = search::fts_query(q) else {
            return Err(Error::invalid("q", "needs at least one letter or digit"));
        };
        w.and(
            "c.id IN (SELECT m.conversation_id FROM messages m WHERE m.id IN
                      (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q))",
            [(":q", SqlValue::Text(fts))],
        );
    }
    Ok(w)
}

const PRIORITY_DESC: &str = "CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 \
    WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC, c.last_activity_at DESC";
const PRIORITY_ASC: &str = "CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 \
    WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END ASC, c.last_activity_at DESC";

fn order_by(sort_by: Option<&str>) -> Result<&'static str> {
    Ok(match sort_by.unwrap_or("last_activity_at_desc") {
        "last_activity_at_desc" | "latest" => "c.last_activity_at DESC, c.id DESC",
        "last_activity_at_asc" => "c.last_activity_at ASC, c.id ASC",
        "created_at_desc" => "c.created_at DESC, c.id DESC",
        "created_at_asc" | "sort_on_created_at" => "c.created_at ASC, c.id ASC",
        "priority_desc" | "sort_on_priority" => PRIORITY_DESC,
        "priority_asc" => PRIORITY_ASC,
        "waiting_since_asc" | "sort_on_waiting_since" => {
            "c.waiting_since IS NULL, c.waiting_since ASC, c.id ASC"
        }
        "waiting_since_desc" => "c.waiting_since IS NULL, c.waiting_since DESC, c.id DESC",
        _ => {
            return Err(Error::invalid(
                "sort_by",
                "must be last_activity_at_desc, last_activity_at_asc, created_at_desc, created_at_asc, \
                 priority_desc, priority_asc, waiting_since_asc or waiting_since_desc",
            ));
        }
    })
}

/// One page of conversations and the counts of the tabs.
pub fn list(
    conn: &Connection,
    viewer: &Viewer,
    query: &ListQuery,
) -> Result<(Meta, Vec<Conversation>)> {
    let mut w = filters(conn, viewer, query)?;
    let me = viewer.user_id;
    let (all_count, mine_count, unassigned_count) = conn
        .prepare_cached(&format!(
            "SELECT count(*), coalesce(sum(c.assignee_id = :me), 0), coalesce(sum(c.assignee_id IS NULL), 0)
             FROM conversations c WHERE {}",
            w.sql()
        ))?
        .query_row(w.params(&[(":me", &me)]).as_slice(), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let assigned_count = all_count - unassigned_count;
    let total_count = match query.assignee_type.as_deref().unwrap_or("all") {
        "all" => all_count,
        "me" => {
            w.and(
                "c.assignee_id = :assignee",
                [(":assignee", SqlValue::Integer(me))],
            );
            mine_count
        }
        "unassigned" => {
            w.and("c.assignee_id IS NULL", []);
            unassigned_count
        }
        "assigned" => {
            w.and("c.assignee_id IS NOT NULL", []);
            assigned_count
        }
        _ => {
            return Err(Error::invalid(
                "assignee_type",
                "must be me, unassigned, assigned or all",
            ));
        }
    };
    let page = query.page.max(1);
    let order = order_by(query.sort_by.as_deref())?;
    let offset = (page - 1) * PAGE_SIZE;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.* FROM conversations c WHERE {} ORDER BY {order} LIMIT :limit OFFSET :offset",
        w.sql()
    ))?;
    let rows = stmt
        .query_map(
            w.params(&[(":limit", &PAGE_SIZE), (":offset", &offset)])
                .as_slice(),
            row_from,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let conversations = rows
        .into_iter()
        .map(|r| view(conn, r))
        .collect::<Result<_>>()?;
    let meta = Meta {
        mine_count,
        assigned_count,
        unassigned_count,
        all_count,
        current_page: page,
        per_page: PAGE_SIZE,
        total_count,
    };
    Ok((meta, conversations))
}
