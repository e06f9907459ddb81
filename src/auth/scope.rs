//! Scopes: what a credential may do. One table (`RESOURCES`) defines them for
//! the checks, the token API and the docs alike.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};

/// Every resource that has `:read` and `:write` scopes, with what it covers.
pub const RESOURCES: &[(&str, &str)] = &[
    (
        "conversations",
        "Conversations, their messages and attachments",
    ),
    ("contacts", "Contacts, their notes and merges"),
    ("inboxes", "Inboxes (channels) and their members"),
    ("teams", "Teams and their members"),
    ("agents", "Agents of the workspace"),
    ("labels", "Labels"),
    ("custom_attributes", "Custom attribute definitions"),
    ("canned_responses", "Canned responses"),
    ("automation", "Automation rules"),
    (
        "help_center",
        "Help center portals, categories and articles",
    ),
    ("reports", "Reports and analytics"),
    ("webhooks", "Webhook subscriptions and their delivery log"),
];

/// The scope that covers API tokens and workspace settings.
pub const ADMIN: &str = "admin";

/// What an agent (not an administrator) may write; they may read everything
/// but the admin scope.
const AGENT_WRITABLE: &[&str] = &["conversations", "contacts", "canned_responses"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
}

/// One scope: `conversations:read`, `webhooks:write` or `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Resource(&'static str, Access),
    Admin,
}

impl Scope {
    pub const fn read(resource: &'static str) -> Scope {
        Scope::Resource(resource, Access::Read)
    }

    pub const fn write(resource: &'static str) -> Scope {
        Scope::Resource(resource, Access::Write)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Resource(r, Access::Read) => write!(f, "{r}:read"),
            Scope::Resource(r, Access::Write) => write!(f, "{r}:write"),
            Scope::Admin => f.write_str(ADMIN),
        }
    }
}

/// A set of scopes, always expanded (no shorthands inside).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Every scope there is: what `full` means.
    pub fn full() -> ScopeSet {
        let mut set = ScopeSet::read_all();
        for (resource, _) in RESOURCES {
            set.0.insert(Scope::write(resource));
        }
        set.0.insert(Scope::Admin);
        set
    }

    /// Every `:read` scope: what `read` means.
    pub fn read_all() -> ScopeSet {
        ScopeSet(RESOURCES.iter().map(|(r, _)| Scope::read(r)).collect())
    }

    /// What a user with `role` may do, and so the most any token of theirs may hold.
    pub fn for_role(role: Role) -> ScopeSet {
        match role {
            Role::Administrator => ScopeSet::full(),
            Role::Agent => {
                let mut set = ScopeSet::read_all();
                for resource in AGENT_WRITABLE {
                    set.0.insert(Scope::write(resource));
                }
                set
            }
        }
    }

    /// Parses scope names separated by commas or spaces, expanding `read` and
    /// `full`. Unknown names are an error naming them.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<ScopeSet> {
        let mut set = ScopeSet::default();
        let mut unknown = Vec::new();
        for name in names
            .into_iter()
            .flat_map(|n| n.split([',', ' ']))
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            match name {
                "full" => set.0.extend(ScopeSet::full().0),
                "read" => set.0.extend(ScopeSet::read_all().0),
                ADMIN => {
                    set.0.insert(Scope::Admin);
                }
                other => match parse_resource_scope(other) {
                    Some(scope) => {
                        set.0.insert(scope);
                    }
                    None => unknown.push(other.to_string()),
                },
            }
        }
        if !unknown.is_empty() {
            return Err(Error::invalid(
                "scopes",
                format!(
                    "unknown scope(s): {}; valid: read, full, admin, or <resource>:read|write",
                    unknown.join(", ")
                ),
            ));
        }
        if set.0.is_empty() {
            return Err(Error::invalid("scopes", "at least one scope is required"));
        }
        Ok(set)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(self.0.intersection(&other.0).copied().collect())
    }

    pub fn difference(&self, other: &ScopeSet) -> Vec<String> {
        self.0.difference(&other.0).map(Scope::to_string).collect()
    }

    /// The scope names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.iter().map(Scope::to_string).collect();
        names.sort();
        names
    }

    /// The stored form: names separated by spaces.
    pub fn to_stored(&self) -> String {
        self.names().join(" ")
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl schemars::JsonSchema for ScopeSet {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scopes".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "description": "Scope names, expanded (no `read` or `full` shorthands).",
            "items": {"type": "string", "enum": ScopeSet::full().names()},
        })
    }
}

fn parse_resource_scope(name: &str) -> Option<Scope> {
    let (resource, access) = name.split_once(':')?;
    let resource = RESOURCES.iter().map(|(r, _)| *r).find(|r| *r == resource)?;
    match access {
        "read" => Some(Scope::read(resource)),
        "write" => Some(Scope::write(resource)),
        _ => None,
    }
}

/// A user's role in a workspace.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "administrator" => Some(Role::Administrator),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands_expand() {
        let read = ScopeSet::parse(["read"]).unwrap();
        assert!(read.contains(Scope::read("contacts")));
        assert!(!read.contains(Scope::write("contacts")));
        assert!(!read.contains(Scope::Admin));
        let full = ScopeSet::parse(["full"]).unwrap();
        assert!(full.contains(Scope::Admin));
        assert!(full.contains(Scope::write("webhooks")));
    }

    #[test]
    fn lists_parse_with_commas_or_spaces_and_unknowns_are_named() {
        let set = ScopeSet::parse(["contacts:read, conversations:write admin"]).unwrap();
        assert_eq!(
            set.names(),
            vec!["admin", "contacts:read", "conversations:write"]
        );
        let Err(Error::Validation(fields)) = ScopeSet::parse(["contacts:delete", "bogus"]) else {
            panic!("unknown scopes must be refused");
        };
        assert_eq!(fields[0].field, "scopes");
        assert!(fields[0].message.contains("contacts:delete, bogus"));
    }

    #[test]
    fn agents_cannot_hold_admin() {
        let agent = ScopeSet::for_role(Role::Agent);
        assert!(!agent.contains(Scope::Admin));
        assert!(!agent.contains(Scope::write("inboxes")));
        assert!(agent.contains(Scope::write("conversations")));
    }
}
