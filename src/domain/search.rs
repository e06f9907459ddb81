//! Full-text search over messages and contacts (SQLite FTS5).

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
