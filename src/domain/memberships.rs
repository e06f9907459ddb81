//! Which agents belong to a group: an inbox (who works it) or a team. Both
//! are the same kind of set, kept in a `<group>_members` table.

use rusqlite::{Connection, Transaction};

use crate::db::now;
use crate::domain::agents::{self, Agent};
use crate::error::Result;

/// The two kinds of group agents are members of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Inbox,
    Team,
}

impl Group {
    /// The membership table and its group column: fixed names, never input.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Group::Inbox => ("inbox_members", "inbox_id"),
            Group::Team => ("team_members", "team_id"),
        }
    }
}

/// How a members call changes the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Add,
    Replace,
    Remove,
}

/// The agents in group `id` (which the caller has checked is in `workspace_id`).
pub fn members(conn: &Connection, group: Group, workspace_id: i64, id: i64) -> Result<Vec<Agent>> {
    let (table, column) = group.table();
    let ids: Vec<i64> = conn
        .prepare_cached(&format!("SELECT user_id FROM {table} WHERE {column} = ?1"))?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    agents::list_by_ids(conn, workspace_id, &ids)
}

/// Adds, replaces or removes `user_ids` in group `id`; every id must be an
/// agent of the workspace. Returns the members afterwards.
pub fn change(
    tx: &Transaction,
    group: Group,
    workspace_id: i64,
    id: i64,
    user_ids: &[i64],
    how: MemberChange,
) -> Result<Vec<Agent>> {
    agents::check_members_of(tx, workspace_id, user_ids, "user_ids")?;
    let (table, column) = group.table();
    if how == MemberChange::Replace {
        tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [id])?;
    }
    for user_id in user_ids {
        if how == MemberChange::Remove {
            tx.prepare_cached(&format!(
                "DELETE FROM {table} WHERE {column} = ?1 AND user_id = ?2"
            ))?
            .execute([id, *user_id])?;
        } else {
            tx.prepare_cached(&format!(
                "INSERT OR IGNORE INTO {table} ({column}, user_id, created_at) VALUES (?1, ?2, ?3)"
            ))?
            .execute([id, *user_id, now()])?;
        }
    }
    members(tx, group, workspace_id, id)
}
