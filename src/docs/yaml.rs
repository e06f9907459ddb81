//! A YAML rendering of a JSON value, for `openapi.yaml`. Block style, every
//! string and key double-quoted with JSON's escapes (which YAML's
//! double-quoted scalars share), so no value can be misread as another type.

use serde_json::Value;

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// A scalar, or an empty collection, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        // JSON's string escapes are valid in YAML double-quoted scalars.
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&Value::String(key.clone()).to_string());
        out.push(':');
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for value in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match value {
            Value::Object(map) if !map.is_empty() => {
                // The first key goes on the dash's line; the rest line up under it.
                let mut first = true;
                for (key, v) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write_value(out, v, indent + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, indent + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// The value after `key:`, at the key's indentation.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    if is_block(value) {
        out.push('\n');
        match value {
            Value::Object(map) => write_map(out, map, indent + 2),
            Value::Array(items) => write_seq(out, items, indent + 2),
            _ => {}
        }
    } else {
        out.push(' ');
        out.push_str(&inline(value));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_values_are_indented_and_strings_quoted() {
        let yaml = to_yaml(&json!({
            "a": {"b": [1, "two", {"c": null, "d": [true]}], "e": {}},
            "f": "line\nbreak: \"quoted\"",
        }));
        assert_eq!(
            yaml,
            "\"a\":\n  \"b\":\n    - 1\n    - \"two\"\n    - \"c\": null\n      \"d\":\n        - true\n  \"e\": {}\n\"f\": \"line\\nbreak: \\\"quoted\\\"\"\n"
        );
    }
}
