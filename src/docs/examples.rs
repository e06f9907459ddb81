//! The curl and JavaScript (fetch) examples of each operation, written from
//! its `Example`: they call a local server (`BASE_URL`) with the token in
//! `$DESKWOOT_TOKEN`, in the seeded workspace 1. The Client API's examples
//! take the inbox identifier and contact source id from `$INBOX_IDENTIFIER`
//! and `$CONTACT_SOURCE_ID`. A test runs every curl example.

use crate::api::route::{Method, Operation};

pub const BASE_URL: &str = "http://127.0.0.1:3000";

/// The shell variables the examples read.
pub const VARIABLES: &[&str] = &["DESKWOOT_TOKEN", "INBOX_IDENTIFIER", "CONTACT_SOURCE_ID"];

fn sends_token(op: &Operation) -> bool {
    op.access.as_ref().is_some_and(|a| a.needs_credential())
}

/// Quotes `text` for a POSIX shell, in single quotes.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

pub fn curl(op: &Operation) -> String {
    let mut lines = Vec::new();
    let url = format!("\"{BASE_URL}{}\"", op.example.path);
    if op.method == Method::Get {
        lines.push(format!("curl {url}"));
    } else {
        lines.push(format!("curl -X {} {url}", op.method.as_str()));
    }
    if sends_token(op) {
        lines.push("  -H \"Authorization: Bearer $DESKWOOT_TOKEN\"".into());
    }
    if let Some(body) = &op.example.body {
        lines.push("  -H \"Content-Type: application/json\"".into());
        lines.push(format!("  -d {}", shell_quote(&body.to_string())));
    }
    for (name, value) in &op.example.form {
        lines.push(format!("  -F {}", shell_quote(&format!("{name}={value}"))));
    }
    lines.join(" \\\n")
}

/// A `$VARIABLE` of the path, as a JavaScript expression.
fn js_url(path: &str) -> String {
    let mut url = format!("{BASE_URL}{path}");
    for var in VARIABLES {
        url = url.replace(&format!("${var}"), &format!("${{process.env.{var}}}"));
    }
    format!("`{url}`")
}

pub fn fetch(op: &Operation) -> String {
    let mut js = String::new();
    let form = !op.example.form.is_empty();
    if form {
        js.push_str("import { readFile } from \"node:fs/promises\";\n\n");
        js.push_str("const form = new FormData();\n");
        for (name, value) in &op.example.form {
            match value.strip_prefix('@') {
                Some(file) => js.push_str(&format!(
                    "form.append(\"{name}\", new Blob([await readFile(\"{file}\")]), \"{file}\");\n"
                )),
                None => js.push_str(&format!("form.append(\"{name}\", \"{value}\");\n")),
            }
        }
        js.push('\n');
    }
    js.push_str(&format!(
        "const response = await fetch({}, {{\n  method: \"{}\",\n",
        js_url(&op.example.path),
        op.method.as_str()
    ));
    let mut headers = Vec::new();
    if sends_token(op) {
        headers.push("    Authorization: `Bearer ${process.env.DESKWOOT_TOKEN}`,".to_string());
    }
    if op.example.body.is_some() {
        headers.push("    \"Content-Type\": \"application/json\",".to_string());
    }
    if !headers.is_empty() {
        js.push_str(&format!("  headers: {{\n{}\n  }},\n", headers.join("\n")));
    }
    if let Some(body) = &op.example.body {
        let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
        js.push_str(&format!(
            "  body: JSON.stringify({}),\n",
            pretty.replace('\n', "\n  ")
        ));
    }
    if form {
        js.push_str("  body: form,\n");
    }
    js.push_str("});\n");
    let json = op
        .response
        .first()
        .is_some_and(|c| c.media_type == "application/json");
    if op.status == 204 {
        js.push_str("console.log(response.status);");
    } else if json {
        js.push_str("console.log(response.status, await response.json());");
    } else {
        js.push_str("console.log(response.status, await response.text());");
    }
    js
}
