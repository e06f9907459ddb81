//! Merging two contacts who turn out to be one person: the base keeps its id
//! and takes over the mergee's conversations, messages, notes and inbox links.

use rusqlite::Transaction;
use serde_json::{Map, Value};

use super::{Contact, ContactFields, get, update};
use crate::error::{Error, Result};

/// Moves everything of `mergee_id` to `base_id`, fills the base's empty
/// fields from the mergee, lays the base's attributes over the mergee's (the
/// base wins) and deletes the mergee. Records `contact_updated` for the base.
pub fn merge_into(
    tx: &Transaction,
    workspace_id: i64,
    base_id: i64,
    mergee_id: i64,
) -> Result<Contact> {
    if base_id == mergee_id {
        return Err(Error::invalid(
            "mergee_contact_id",
            "must be another contact than base_contact_id",
        ));
    }
    let base = get(tx, workspace_id, base_id)?;
    let mergee = get(tx, workspace_id, mergee_id)?;
    // Source ids are unique per inbox, so moved links cannot clash; two links
    // of one contact to the same inbox are fine.
    for sql in [
        "UPDATE conversations SET contact_id = ?1 WHERE contact_id = ?2",
        "UPDATE contact_notes SET contact_id = ?1 WHERE contact_id = ?2",
        "UPDATE contact_inboxes SET contact_id = ?1 WHERE contact_id = ?2",
        "UPDATE messages SET sender_id = ?1 WHERE sender_type = 'contact' AND sender_id = ?2",
    ] {
        tx.prepare_cached(sql)?.execute([base_id, mergee_id])?;
    }
    if let Some(at) = mergee.last_activity_at {
        tx.prepare_cached(
            "UPDATE contacts SET last_activity_at = max(coalesce(last_activity_at, 0), ?1)
             WHERE id = ?2",
        )?
        .execute([at, base_id])?;
    }
    // The mergee goes before its email, phone number and identifier move:
    // each is unique in the workspace.
    tx.prepare_cached("DELETE FROM contacts WHERE id = ?1")?
        .execute([mergee_id])?;
    let fill = |mine: &Option<String>, theirs: Option<String>| match mine {
        None => theirs.map(Some),
        Some(_) => None,
    };
    let fields = ContactFields {
        name: Some(mergee.name).filter(|n| base.name.trim().is_empty() && !n.is_empty()),
        email: fill(&base.email, mergee.email),
        phone_number: fill(&base.phone_number, mergee.phone_number),
        identifier: fill(&base.identifier, mergee.identifier),
        avatar_url: fill(&base.avatar_url, mergee.avatar_url),
        blocked: None,
        additional_attributes: Some(laid_over(
            mergee.additional_attributes,
            base.additional_attributes,
        )),
        custom_attributes: Some(laid_over(mergee.custom_attributes, base.custom_attributes)),
    };
    update(tx, workspace_id, base_id, fields)
}

/// `theirs` with `mine` laid over it, key by key through nested objects.
fn laid_over(theirs: Value, mine: Value) -> Map<String, Value> {
    match deep_merge(theirs, mine) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn deep_merge(theirs: Value, mine: Value) -> Value {
    match (theirs, mine) {
        (Value::Object(mut theirs), Value::Object(mine)) => {
            for (key, value) in mine {
                let merged = match theirs.remove(&key) {
                    Some(old) => deep_merge(old, value),
                    None => value,
                };
                theirs.insert(key, merged);
            }
            Value::Object(theirs)
        }
        (_, mine) => mine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_base_wins_key_by_key() {
        let theirs = json!({"city": "Lyon", "social": {"x": "@a", "gh": "a"}, "plan": "free"});
        let mine = json!({"city": "Paris", "social": {"x": "@b"}});
        assert_eq!(
            Value::Object(laid_over(theirs, mine)),
            json!({"city": "Paris", "social": {"x": "@b", "gh": "a"}, "plan": "free"})
        );
    }
}
