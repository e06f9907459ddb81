//! `GET /docs/api`: the reference as one server-rendered page — the guide,
//! then every operation with its parameters, body, answers and examples —
//! with one embedded stylesheet and no script.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::Value;

use super::examples;
use super::openapi::{error_statuses, scopes, spec};
use crate::api::route::{Access, operations};

/// No script at all, styles only from this server.
const CSP: &str = "default-src 'self'; style-src 'self'; img-src 'self'; script-src 'none'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `code` spans for the backquoted parts of a description.
fn prose(text: &str) -> String {
    let mut html = String::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            html.push_str("</p><p>");
        }
        for (j, part) in escape(paragraph).split('`').enumerate() {
            if j % 2 == 1 {
                html.push_str(&format!("<code>{part}</code>"));
            } else {
                html.push_str(part);
            }
        }
    }
    format!("<p>{html}</p>")
}

/// An HTML page with the docs' stylesheet and policy.
pub fn html_page(title: &str, body: &str) -> HttpResponse {
    let css = crate::assets::fingerprinted("docs/api.css");
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body>{body}</body></html>",
            escape(title)
        ))
}

pub async fn show() -> HttpResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    html_page("Deskwoot API", PAGE.get_or_init(render))
}

fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn render() -> String {
    let ops = operations();
    let mut tags: Vec<&str> = Vec::new();
    for op in ops {
        if !tags.contains(&op.tag) {
            tags.push(op.tag);
        }
    }
    let mut nav = String::from(
        "<nav><p class=\"brand\"><a href=\"#top\">Deskwoot API</a></p><h4>Guide</h4><ul>",
    );
    for (id, title) in GUIDE_SECTIONS {
        nav.push_str(&format!("<li><a href=\"#{id}\">{title}</a></li>"));
    }
    nav.push_str("</ul><h4>Reference</h4><ul>");
    for tag in &tags {
        nav.push_str(&format!(
            "<li><a href=\"#tag-{}\">{}</a></li>",
            anchor(tag),
            escape(tag)
        ));
    }
    nav.push_str(
        "</ul><h4>Machine-readable</h4><ul><li><a href=\"/docs/api/openapi.json\">openapi.json</a></li>\
         <li><a href=\"/docs/api/openapi.yaml\">openapi.yaml</a></li>\
         <li><a href=\"/docs/api/rate-limits\">Rate limits</a></li></ul></nav>",
    );
    let guide = include_str!("guide.html").replace("{{SCOPES}}", &scope_table());
    let mut reference = String::new();
    let spec = spec(examples::BASE_URL);
    for tag in &tags {
        reference.push_str(&format!(
            "<section class=\"tag\" id=\"tag-{}\"><h2>{}</h2>",
            anchor(tag),
            escape(tag)
        ));
        for op in ops.iter().filter(|op| op.tag == *tag) {
            let item = &spec["paths"][op.spec_path()][op.method.as_str().to_lowercase()];
            reference.push_str(&operation(op, item));
        }
        reference.push_str("</section>");
    }
    format!(
        "<div class=\"layout\" id=\"top\">{nav}<main>{guide}<h1 class=\"reference\">Reference</h1>{reference}</main></div>"
    )
}

/// The guide's sections, for the navigation: (anchor, title).
const GUIDE_SECTIONS: &[(&str, &str)] = &[
    ("start", "Getting started"),
    ("authentication", "Authentication"),
    ("scopes", "Scopes"),
    ("pagination", "Pagination"),
    ("errors", "Errors"),
    ("rate-limits", "Rate limits"),
    ("webhooks", "Webhooks"),
    ("custom-channels", "Custom channels"),
    ("widget", "The widget SDK"),
];

fn scope_table() -> String {
    let mut html = String::from(
        "<table><thead><tr><th>Scope</th><th>Covers</th></tr></thead><tbody>\
         <tr><td><code>read</code></td><td>Every <code>:read</code> scope</td></tr>\
         <tr><td><code>full</code></td><td>Every scope</td></tr>",
    );
    for scope in scopes() {
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(scope["name"].as_str().unwrap_or_default()),
            escape(scope["description"].as_str().unwrap_or_default())
        ));
    }
    html.push_str("</tbody></table>");
    html
}

/// The top-level fields of a schema, as rows: name, type, required, description.
fn field_rows(spec_schema: &Value) -> String {
    let Some(props) = spec_schema["properties"].as_object() else {
        return String::new();
    };
    let required: Vec<&str> = spec_schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut rows = String::new();
    for (name, prop) in props {
        rows.push_str(&format!(
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            if required.contains(&name.as_str()) {
                " <small>required</small>"
            } else {
                ""
            },
            escape(&type_name(prop)),
            prose_inline(prop["description"].as_str().unwrap_or_default()),
        ));
    }
    rows
}

fn prose_inline(text: &str) -> String {
    let html = prose(text);
    html.trim_start_matches("<p>")
        .trim_end_matches("</p>")
        .to_string()
}

/// A short name for a schema's type: `string`, `integer | null`, `array of Label`.
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    if let Some(any) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
        return any.iter().map(type_name).collect::<Vec<_>>().join(" | ");
    }
    let base = match &schema["type"] {
        Value::String(t) if t == "array" => format!("array of {}", type_name(&schema["items"])),
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .map(|t| {
                if t == "array" {
                    format!("array of {}", type_name(&schema["items"]))
                } else {
                    t.as_str().unwrap_or_default().to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.as_bool() == Some(true) => "any".into(),
        _ => "any".into(),
    };
    match schema["enum"].as_array() {
        Some(values) => format!(
            "{base}: {}",
            values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => base,
    }
}

fn operation(op: &crate::api::route::Operation, item: &Value) -> String {
    let method = op.method.as_str();
    let mut html = format!(
        "<article class=\"op\" id=\"{id}\"><h3>{summary}</h3>\
         <p class=\"endpoint\"><span class=\"method {m}\">{method}</span> <code>{path}</code></p>",
        id = escape(&op.operation_id),
        summary = escape(&op.summary),
        m = method.to_lowercase(),
        path = escape(&op.spec_path()),
    );
    html.push_str(&prose(item["description"].as_str().unwrap_or_default()));
    let mut facts = Vec::new();
    match op.access.as_ref() {
        Some(Access::Scopes(scopes)) => facts.push(format!(
            "Scopes: {}",
            scopes
                .iter()
                .map(|s| format!("<code>{s}</code>"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(Access::Caller) => facts.push("Any token or session".into()),
        _ => facts.push("No token".into()),
    }
    if op.bulk {
        facts.push("Bulk rate limit".into());
    }
    facts.push(format!("<code>{}</code>", escape(&op.operation_id)));
    html.push_str(&format!("<p class=\"facts\">{}</p>", facts.join(" · ")));
    if let Some(params) = item["parameters"].as_array() {
        html.push_str("<h4>Parameters</h4><table><tbody>");
        for p in params {
            html.push_str(&format!(
                "<tr><td><code>{}</code> <small>{}{}</small></td><td>{}</td><td>{}</td></tr>",
                escape(p["name"].as_str().unwrap_or_default()),
                escape(p["in"].as_str().unwrap_or_default()),
                if p["required"] == true {
                    ", required"
                } else {
                    ""
                },
                escape(&type_name(&p["schema"])),
                prose_inline(p["description"].as_str().unwrap_or_default()),
            ));
        }
        html.push_str("</tbody></table>");
    }
    if let Some(content) = item["requestBody"]["content"].as_object() {
        for (media, body) in content {
            let schema = resolve(&body["schema"]);
            html.push_str(&format!("<h4>Body <small>{}</small></h4>", escape(media)));
            let rows = field_rows(&schema);
            if !rows.is_empty() {
                html.push_str(&format!("<table><tbody>{rows}</tbody></table>"));
            }
        }
    }
    let errors: Vec<String> = error_statuses(op).iter().map(u16::to_string).collect();
    let answer = item["responses"][op.status.to_string()]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(media, c)| format!(" {} {}", escape(media), escape(&type_name(&c["schema"]))))
        .unwrap_or_default();
    html.push_str(&format!(
        "<h4>Answers</h4><p><strong>{}</strong>{answer}; errors {} with the error body.</p>",
        op.status,
        errors.join(", ")
    ));
    html.push_str(&format!(
        "<div class=\"examples\"><h4>curl</h4><pre><code>{}</code></pre>\
         <h4>JavaScript</h4><pre><code>{}</code></pre></div></article>",
        escape(&examples::curl(op)),
        escape(&examples::fetch(op))
    ));
    html
}

/// The schema behind a `$ref`, or an `anyOf`'s first branch, from the spec.
fn resolve(schema: &Value) -> Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    let spec = SPEC.get_or_init(|| spec(examples::BASE_URL));
    let schema = match schema["anyOf"].as_array() {
        Some(branches) => branches.first().cloned().unwrap_or(Value::Null),
        None => schema.clone(),
    };
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            spec["components"]["schemas"][name].clone()
        }
        None => schema,
    }
}
