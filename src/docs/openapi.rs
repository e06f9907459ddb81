//! The OpenAPI 3.1 document, built from the route registry's operations and
//! the JSON Schemas of their request and response types.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::api::route::{Access, Content, Operation, operations};
use crate::auth::scope::{ADMIN, RESOURCES};
use crate::error::ErrorBody;
use crate::rate_limit::LIMITED_PREFIXES;

const SCHEMAS: &str = "#/components/schemas/";

/// The rate-limit headers, as the middleware writes them on every response
/// under the limited prefixes.
const RATE_LIMIT_HEADERS: &[(&str, &str, &str)] = &[
    (
        "RateLimit-Policy",
        "string",
        "The policy that applies (IETF draft): `\"default\";q=60;w=60`.",
    ),
    (
        "RateLimit",
        "string",
        "What is left of it (IETF draft): `\"default\";r=59;t=42`.",
    ),
    (
        "X-RateLimit-Limit",
        "integer",
        "Requests allowed per minute under the policy.",
    ),
    (
        "X-RateLimit-Remaining",
        "integer",
        "Requests left in the current window.",
    ),
    (
        "X-RateLimit-Reset",
        "integer",
        "When the window resets, in Unix seconds.",
    ),
];

/// Whether the rate limits (and their headers) apply to `path`.
pub fn is_rate_limited(path: &str) -> bool {
    LIMITED_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The error statuses an operation can answer: the ones its kind implies
/// (credentials, a body, ids in the path, rate limits) and its own.
pub fn error_statuses(op: &Operation) -> Vec<u16> {
    let access = op.access.clone().unwrap_or(Access::Public);
    let has_body = !op.request.is_empty();
    let has_query = op.query_schema.is_some() || !op.query.is_empty();
    let mut statuses = op.errors.clone();
    if has_body || has_query {
        statuses.extend([400, 422]);
    }
    if access.needs_credential() {
        statuses.extend([401, 403]);
    }
    if access == Access::Visitor {
        statuses.push(403);
    }
    if !op.path_params().is_empty() {
        statuses.push(404);
    }
    if has_body {
        statuses.extend([413, 415]);
    }
    if op.status == 101 {
        statuses.push(400);
    }
    if is_rate_limited(&op.path) {
        statuses.push(429);
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching to the websocket protocol",
        200 => "OK",
        201 => "Created",
        204 => "No content",
        400 => "Malformed request: bad JSON, a bad query string (`bad_request`, `malformed_json`)",
        401 => "No valid credentials (`unauthenticated`, `invalid_credentials`)",
        403 => {
            "Not allowed: a scope is missing (`insufficient_scope`, with `required_scope`), \
                the role does not allow it, or the CSRF token is missing (`forbidden`, `csrf_failed`)"
        }
        404 => "No such record, or one in another workspace (`not_found`)",
        409 => "The change conflicts with the current state (`conflict`)",
        413 => "The body is larger than the limit (`payload_too_large`)",
        415 => "Unsupported content type (`unsupported_media_type`)",
        422 => "Invalid fields, listed in `details` (`validation_failed`)",
        429 => "Over the rate limit; retry after `Retry-After` seconds (`rate_limited`)",
        _ => "Error",
    }
}

/// The path parameters' schemas and descriptions.
fn path_param(name: &str) -> (Value, &'static str) {
    let id = json!({"type": "integer", "format": "int64"});
    let text = json!({"type": "string"});
    match name {
        "account_id" => (id, "The workspace's id (Chatwoot's account id)."),
        "id" => (id, "The record's id (a conversation's display id)."),
        "message_id" => (id, "The message's id."),
        "note_id" => (id, "The note's id."),
        "webhook_id" => (id, "The webhook's id."),
        "inbox_identifier" => (
            text,
            "The website token of a website inbox, or the inbox identifier of an API inbox.",
        ),
        "source_id" => (text, "The contact's `source_id` in the inbox."),
        "kind" => (text, "`conversations`, `contacts` or `messages`."),
        "file_name" => (text, "The file's name; the id decides."),
        _ => (text, ""),
    }
}

/// The document without `servers`, built once.
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The OpenAPI document for a server reached at `public_url`.
pub fn spec(public_url: &str) -> Value {
    let mut spec = document().clone();
    spec["servers"] = json!([{"url": public_url, "description": "This server"}]);
    spec
}

fn generator(settings: SchemaSettings) -> SchemaGenerator {
    settings
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

fn build() -> Value {
    // Requests are described as serde reads them (optional fields,
    // defaults), answers as serde writes them.
    let mut requests = generator(SchemaSettings::draft2020_12().for_deserialize());
    let mut responses = generator(SchemaSettings::draft2020_12().for_serialize());
    let error = responses.subschema_for::<ErrorBody>().to_value();
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags: Vec<&str> = Vec::new();
    let mut errors = BTreeMap::new();
    for op in operations() {
        if !tags.contains(&op.tag) {
            tags.push(op.tag);
        }
        let item = operation(op, &mut requests, &mut responses, &error, &mut errors);
        paths
            .entry(op.spec_path())
            .or_default()
            .insert(op.method.as_str().to_lowercase(), item);
    }
    let mut schemas = responses.take_definitions(true);
    let mut request_schemas = Value::Object(requests.take_definitions(true));
    let mut paths = serde_json::to_value(paths).unwrap_or_default();
    // A type read and written with different required fields gets a second
    // schema for requests, `<Name>Input`, and the requests point to it.
    let conflicts: Vec<String> = request_schemas
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, schema)| schemas.get(*name).is_some_and(|s| s != *schema))
        .map(|(name, _)| name.clone())
        .collect();
    for name in &conflicts {
        let (from, to) = (format!("{SCHEMAS}{name}"), format!("{SCHEMAS}{name}Input"));
        rename_refs(&mut request_schemas, &from, &to);
        for item in paths
            .as_object_mut()
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|i| i.values_mut())
            {
                for key in ["requestBody", "parameters"] {
                    if let Some(part) = op.get_mut(key) {
                        rename_refs(part, &from, &to);
                    }
                }
            }
        }
    }
    if let Value::Object(request_schemas) = request_schemas {
        for (name, schema) in request_schemas {
            let name = if conflicts.contains(&name) {
                format!("{name}Input")
            } else {
                name
            };
            schemas.insert(name, schema);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": info(),
        "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": errors,
            "securitySchemes": security_schemes(),
            "headers": headers(),
        },
        "x-scopes": scopes(),
    })
}

/// Points every `$ref` to `from` inside `value` to `to`.
fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            if map.get("$ref").and_then(Value::as_str) == Some(from) {
                map.insert("$ref".into(), json!(to));
            }
            map.values_mut().for_each(|v| rename_refs(v, from, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}

fn info() -> Value {
    json!({
        "title": "Deskwoot API",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": "Self-hosted customer support: the Application API, the Client API, auth and health.",
        "description": "The REST API of Deskwoot, in Chatwoot's shapes where Chatwoot has them. \
            The readable reference, with a guide and examples, is served at `/docs/api`; the \
            per-endpoint rate limits of this server at `/docs/api/rate-limits`. Every operation \
            lists the scopes it needs in `x-required-scopes` (and as the roles of its security \
            requirements), whether it counts against the bulk allowance in `x-bulk`, and \
            `x-administrators-only` when the caller must also be an administrator.",
        "license": {"name": "MIT", "identifier": "MIT"},
    })
}

fn security_schemes() -> Value {
    json!({
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "dw_...",
            "description": "An API token: `Authorization: Bearer dw_...`. Tokens hold scopes \
                (see `x-scopes`) and never exceed their creator's role.",
        },
        "apiAccessToken": {
            "type": "apiKey",
            "in": "header",
            "name": "api_access_token",
            "description": "The same API token in Chatwoot's header.",
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": "deskwoot_session",
            "description": "A dashboard session from `POST /auth/sign_in`. Requests that change \
                something must also send the `X-CSRF-Token` header with the `csrf_token` of the \
                sign-in answer. A session holds every scope of the user's role.",
        },
    })
}

fn headers() -> Value {
    let mut headers = Map::new();
    for (name, kind, description) in RATE_LIMIT_HEADERS {
        headers.insert(
            name.to_string(),
            json!({"description": description, "required": true, "schema": {"type": kind}}),
        );
    }
    headers.insert(
        "Retry-After".into(),
        json!({"description": "Seconds until the limit resets.", "required": true, "schema": {"type": "integer"}}),
    );
    headers.insert(
        "X-Request-Id".into(),
        json!({"description": "The request's id, also in the server log: quote it when reporting a problem.",
               "required": true, "schema": {"type": "string"}}),
    );
    Value::Object(headers)
}

/// Every scope with what it covers, from the scope table.
pub fn scopes() -> Vec<Value> {
    let mut scopes = Vec::new();
    for (resource, covers) in RESOURCES {
        scopes.push(
            json!({"name": format!("{resource}:read"), "description": format!("Read: {covers}")}),
        );
        scopes.push(json!({"name": format!("{resource}:write"), "description": format!("Change: {covers}")}));
    }
    scopes.push(json!({"name": ADMIN, "description": "API tokens and workspace settings"}));
    scopes
}

fn response_headers(op: &Operation, status: u16) -> Value {
    let mut headers = Map::new();
    headers.insert(
        "X-Request-Id".into(),
        json!({"$ref": "#/components/headers/X-Request-Id"}),
    );
    if is_rate_limited(&op.path) {
        for (name, _, _) in RATE_LIMIT_HEADERS {
            headers.insert(
                name.to_string(),
                json!({"$ref": format!("#/components/headers/{name}")}),
            );
        }
        if status == 429 {
            headers.insert(
                "Retry-After".into(),
                json!({"$ref": "#/components/headers/Retry-After"}),
            );
        }
    }
    Value::Object(headers)
}

/// A parameter schema without `null`: a query string has no null.
fn without_null(mut schema: Value) -> Value {
    if let Some(Value::Array(types)) = schema.get("type") {
        let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        schema["type"] = match types.as_slice() {
            [one] => one.clone(),
            _ => Value::Array(types),
        };
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    schema
}

fn parameters(op: &Operation) -> Vec<Value> {
    let mut params = Vec::new();
    for name in op.path_params() {
        let (schema, description) = path_param(name);
        let mut param = json!({
            "name": name, "in": "path", "required": true,
            "description": description, "schema": schema,
        });
        // The seeded workspace's first records, as the examples use them.
        if param["schema"]["type"] == "integer" {
            param["example"] = json!(1);
        }
        params.push(param);
    }
    if let Some(schema_fn) = op.query_schema {
        // Inline, so query types stay out of the components.
        let mut inline =
            generator(SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true));
        let schema = schema_fn(&mut inline).to_value();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema["properties"].as_object() {
            for (name, prop) in props {
                let mut prop = without_null(prop.clone());
                let description = prop
                    .as_object_mut()
                    .and_then(|p| p.remove("description"))
                    .unwrap_or(json!(""));
                params.push(json!({
                    "name": name, "in": "query", "required": required.contains(&name.as_str()),
                    "description": description, "schema": prop,
                }));
            }
        }
    }
    for p in &op.query {
        params.push(json!({
            "name": p.name, "in": "query", "required": p.required,
            "description": p.description, "schema": p.schema,
        }));
    }
    params
}

fn content(
    contents: &[Content],
    generator: &mut SchemaGenerator,
    wrapped_key: Option<&str>,
    example: Option<&Value>,
) -> Value {
    let mut media = Map::new();
    for c in contents {
        let mut entry = Map::new();
        let schema = match c.schema {
            Some(schema_fn) => schema_fn(generator).to_value(),
            None if c.media_type.starts_with("text/") => json!({"type": "string"}),
            None if c.media_type.contains("yaml") => json!({"type": "object"}),
            None => json!({"type": "string", "format": "binary"}),
        };
        let schema = match wrapped_key {
            Some(key) if c.media_type == "application/json" => json!({
                "anyOf": [
                    schema.clone(),
                    {"type": "object", "properties": {key: schema}, "required": [key], "additionalProperties": false},
                ],
            }),
            _ => schema,
        };
        entry.insert("schema".into(), schema);
        if let (Some(example), "application/json") = (example, c.media_type) {
            entry.insert("example".into(), example.clone());
        }
        media.insert(c.media_type.to_string(), Value::Object(entry));
    }
    Value::Object(media)
}

/// The name of an error response in the components: by status, and
/// whether it carries the rate-limit headers.
fn error_response_name(status: u16, rate_limited: bool) -> String {
    let name = match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "ValidationFailed",
        429 => "RateLimited",
        _ => "Error",
    };
    if rate_limited {
        name.to_string()
    } else {
        format!("{name}Unlimited")
    }
}

fn operation(
    op: &Operation,
    requests: &mut SchemaGenerator,
    responses: &mut SchemaGenerator,
    error: &Value,
    errors: &mut BTreeMap<String, Value>,
) -> Value {
    let access = op.access.clone().unwrap_or(Access::Public);
    let mut out = Map::new();
    out.insert("operationId".into(), json!(op.operation_id));
    out.insert("summary".into(), json!(op.summary));
    out.insert("description".into(), json!(describe(op, &access)));
    out.insert("tags".into(), json!([op.tag]));
    let params = parameters(op);
    if !params.is_empty() {
        out.insert("parameters".into(), json!(params));
    }
    if !op.request.is_empty() {
        out.insert(
            "requestBody".into(),
            json!({
                "required": op.request_required,
                "content": content(&op.request, requests, op.wrapped_key, op.example.body.as_ref()),
            }),
        );
    }
    let mut answers = Map::new();
    let mut success = json!({
        "description": reason(op.status),
        "headers": response_headers(op, op.status),
    });
    if !op.response.is_empty() {
        success["content"] = content(&op.response, responses, None, None);
    }
    answers.insert(op.status.to_string(), success);
    for status in error_statuses(op) {
        let name = error_response_name(status, is_rate_limited(&op.path));
        errors.entry(name.clone()).or_insert_with(|| {
            json!({
                "description": reason(status),
                "headers": response_headers(op, status),
                "content": {"application/json": {"schema": error}},
            })
        });
        answers.insert(
            status.to_string(),
            json!({"$ref": format!("#/components/responses/{name}")}),
        );
    }
    out.insert("responses".into(), Value::Object(answers));
    let scopes: Vec<String> = access.scopes().iter().map(|s| s.to_string()).collect();
    if access.needs_credential() {
        out.insert(
            "security".into(),
            json!([
                {"bearerAuth": scopes},
                {"apiAccessToken": scopes},
                {"sessionCookie": scopes},
            ]),
        );
        out.insert("x-required-scopes".into(), json!(scopes));
    } else {
        out.insert("security".into(), json!([]));
    }
    if op.administrators_only {
        out.insert("x-administrators-only".into(), json!(true));
    }
    if is_rate_limited(&op.path) {
        out.insert("x-bulk".into(), json!(op.bulk));
    }
    Value::Object(out)
}

/// The description, with who may call it spelled out.
fn describe(op: &Operation, access: &Access) -> String {
    let who = match access {
        Access::Public => "Needs no credentials.".to_string(),
        Access::Caller => "Needs an API token or a dashboard session (any scope).".to_string(),
        Access::Scopes(scopes) => format!(
            "Needs the scope{} {}.",
            if scopes.len() > 1 { "s" } else { "" },
            scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Access::Visitor => {
            "Client API: no token; the inbox identifier and the contact's `source_id` in the \
             path are the credential."
                .to_string()
        }
        Access::SignedLink => "Needs the signature of a link the API handed out.".to_string(),
    };
    let mut text = op.description.clone();
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&who);
    if op.administrators_only {
        text.push_str(" Administrators only.");
    }
    if op.bulk {
        text.push_str(" Counts against the bulk rate limit.");
    }
    text
}
