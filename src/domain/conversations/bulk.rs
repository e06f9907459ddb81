//! Bulk actions: one change applied to many conversations in one
//! transaction. Either every conversation changes or none does.

use rusqlite::Transaction;

use super::{Actor, Viewer, assign_agent, assign_team, set_labels, set_status, visible_row};
use crate::domain::labels;
use crate::error::{Error, Result};

/// The most conversations one bulk action may touch.
pub const MAX_IDS: usize = 1000;

#[derive(Debug, Default)]
pub struct BulkChange {
    pub status: Option<String>,
    pub snoozed_until: Option<i64>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    pub team_id: Option<Option<i64>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
}

/// Applies `change` to the conversations with display ids `ids`; returns how
/// many there were. An id the viewer cannot see fails the whole action.
pub fn apply(
    tx: &Transaction,
    viewer: &Viewer,
    actor: Actor,
    ids: &[i64],
    change: &BulkChange,
) -> Result<usize> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(Error::invalid(
            "ids",
            format!("give 1 to {MAX_IDS} conversation ids"),
        ));
    }
    let removing: Vec<String> = change
        .remove_labels
        .iter()
        .map(|t| labels::normalise_title("labels.remove", t))
        .collect::<Result<_>>()?;
    for display_id in ids {
        let mut row = visible_row(tx, viewer, *display_id)
            .map_err(|_| Error::invalid("ids", format!("no conversation {display_id}")))?;
        if let Some(status) = &change.status {
            row = set_status(tx, &row, actor, status, change.snoozed_until)?;
        }
        if let Some(assignee_id) = change.assignee_id {
            row = assign_agent(tx, &row, actor, assignee_id)?;
        }
        if let Some(team_id) = change.team_id {
            row = assign_team(tx, &row, actor, team_id)?;
        }
        if !change.add_labels.is_empty() || !removing.is_empty() {
            let mut titles = labels::titles_of(tx, row.id)?;
            titles.retain(|t| !removing.contains(t));
            titles.extend(change.add_labels.iter().cloned());
            set_labels(tx, &row, actor, &titles)?;
        }
    }
    Ok(ids.len())
}
