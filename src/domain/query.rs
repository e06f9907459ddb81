//! A WHERE clause built from optional filters, with its named parameters, so
//! list and filter queries compose conditions without string-pasting values.

use rusqlite::ToSql;
use rusqlite::types::Value;

#[derive(Default)]
pub struct Where {
    clauses: Vec<String>,
    params: Vec<(String, Value)>,
    /// How many parameter names `fresh_param` has handed out.
    generated: usize,
}

impl Where {
    /// Adds a condition that must hold, with the values it names.
    pub fn and(
        &mut self,
        clause: impl Into<String>,
        params: impl IntoIterator<Item = (&'static str, Value)>,
    ) {
        self.clauses.push(clause.into());
        self.params.extend(
            params
                .into_iter()
                .map(|(name, value)| (name.to_string(), value)),
        );
    }

    /// A parameter name that no other condition uses, for generated clauses.
    /// Each call gives a new name, even before the clause that uses it is added.
    pub fn fresh_param(&mut self, stem: &str) -> String {
        self.generated += 1;
        format!(":{stem}_{}", self.generated)
    }

    /// Adds a condition with generated parameter names.
    pub fn and_named(&mut self, clause: impl Into<String>, params: Vec<(String, Value)>) {
        self.clauses.push(clause.into());
        self.params.extend(params);
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The parameters, plus `extra`, in the form rusqlite takes.
    pub fn params<'a>(
        &'a self,
        extra: &'a [(&'a str, &'a dyn ToSql)],
    ) -> Vec<(&'a str, &'a dyn ToSql)> {
        self.params
            .iter()
            .map(|(name, value)| (name.as_str(), value as &dyn ToSql))
            .chain(extra.iter().copied())
            .collect()
    }
}
