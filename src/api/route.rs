//! The route registry: every HTTP endpoint is added through `Routes`, with
//! the `Operation` that documents it. The same list mounts the actix
//! resources, feeds the rate limiter its bulk routes, and builds the OpenAPI
//! spec and the docs pages, so the three cannot drift apart.
//!
//! A module registers an endpoint like this:
//!
//! ```ignore
//! api.get("/api/v1/accounts/{account_id}/labels", list)
//!     .op("listLabels", "List labels")
//!     .about("Every label of the workspace, by title.")
//!     .scope(Scope::read("labels"))
//!     .ok::<Payload<Vec<Label>>>();
//! ```
//!
//! Nothing else in `src/` may call `web::resource` or `.route`: a test
//! scans the sources for them.

use std::sync::OnceLock;

use actix_web::{FromRequest, Handler, Responder, Route, dev::HttpServiceFactory, web};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use crate::api::Wrapped;
use crate::auth::Scope;

/// Builds a schema (usually a `$ref`) for a type, adding its definitions to
/// the generator.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// `{"payload": T}`: the envelope most lists and many objects come in.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct Payload<T> {
    pub payload: T,
}

impl<T> Payload<T> {
    pub fn of(payload: T) -> Payload<T> {
        Payload { payload }
    }
}

/// A file in a multipart body, for the docs: any bytes.
pub struct Upload;

impl JsonSchema for Upload {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Upload".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"format": "binary", "description": "A file."})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn route(self) -> Route {
        match self {
            Method::Get => web::get(),
            Method::Post => web::post(),
            Method::Put => web::put(),
            Method::Patch => web::patch(),
            Method::Delete => web::delete(),
        }
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials; limited per IP address.
    Public,
    /// Any API token or dashboard session, whatever its scopes.
    Caller,
    /// A token or session that holds every one of these scopes in the
    /// workspace of the path.
    Scopes(Vec<Scope>),
    /// The Client API: the inbox identifier (and the contact's `source_id`)
    /// in the path are the credential.
    Visitor,
    /// A signed, expiring link that the API handed out.
    SignedLink,
}

impl Access {
    /// Whether the caller proves who they are with a token or session.
    pub fn needs_credential(&self) -> bool {
        matches!(self, Access::Caller | Access::Scopes(_))
    }

    pub fn scopes(&self) -> &[Scope] {
        match self {
            Access::Scopes(scopes) => scopes,
            _ => &[],
        }
    }
}

/// A request or response body of one media type.
#[derive(Debug, Clone)]
pub struct Content {
    pub media_type: &'static str,
    /// `None` for bodies that are not JSON (CSV, HTML, files).
    pub schema: Option<SchemaFn>,
}

/// A query-string parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub description: String,
    pub schema: Value,
    pub required: bool,
}

/// How the docs show an endpoint being called, and what the examples test
/// runs against a seeded server (see `docs::examples`).
#[derive(Debug, Clone, Default)]
pub struct Example {
    /// The path and query with ids filled in: `/api/v1/accounts/1/labels`.
    pub path: String,
    /// A JSON body, when the endpoint takes one.
    pub body: Option<Value>,
    /// Multipart fields (`name`, value); a value starting with `@` is a file.
    pub form: Vec<(&'static str, &'static str)>,
    /// Why the examples test does not run this one, if it does not.
    pub unchecked: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The route pattern, as actix and the spec write it.
    pub path: String,
    pub operation_id: String,
    pub summary: String,
    pub description: String,
    pub tag: &'static str,
    pub access: Option<Access>,
    /// Only administrators may call it, whatever the token's scopes.
    pub administrators_only: bool,
    /// Counts against the bulk allowance of the rate limits.
    pub bulk: bool,
    pub query: Vec<Param>,
    /// A type whose fields are the query parameters.
    pub query_schema: Option<SchemaFn>,
    /// Request bodies, one per accepted media type.
    pub request: Vec<Content>,
    pub request_required: bool,
    /// A `Wrapped` body's key: the body may also come nested under it.
    pub wrapped_key: Option<&'static str>,
    pub status: u16,
    /// The success body, one per media type the client may ask for.
    pub response: Vec<Content>,
    /// Error statuses beyond the ones every endpoint of its kind can answer.
    pub errors: Vec<u16>,
    pub example: Example,
}

impl Operation {
    fn new(method: Method, path: String, tag: &'static str) -> Operation {
        Operation {
            method,
            example: Example {
                path: example_path(&path),
                ..Example::default()
            },
            path,
            operation_id: String::new(),
            summary: String::new(),
            description: String::new(),
            tag,
            access: None,
            administrators_only: false,
            bulk: false,
            query: Vec::new(),
            query_schema: None,
            request: Vec::new(),
            request_required: false,
            wrapped_key: None,
            status: 200,
            response: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The names of the `{params}` in the path, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(name, _)| name.split(':').next().unwrap_or(name))
            .collect()
    }

    /// The path as the spec writes it: `{path:.*}` becomes `{path}`.
    pub fn spec_path(&self) -> String {
        let mut out = String::new();
        let mut rest = self.path.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..=start]);
            let Some(end) = rest[start..].find('}') else {
                break;
            };
            let inner = &rest[start + 1..start + end];
            out.push_str(inner.split(':').next().unwrap_or(inner));
            out.push('}');
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The ids the docs' examples use: the seeded workspace 1 and its first
/// records; the Client API's identifiers come from shell variables.
fn example_path(pattern: &str) -> String {
    pattern
        .replace("{inbox_identifier}", "$INBOX_IDENTIFIER")
        .replace("{source_id}", "$CONTACT_SOURCE_ID")
        .replace("{account_id}", "1")
        .replace("{webhook_id}", "1")
        .replace("{message_id}", "1")
        .replace("{note_id}", "1")
        .replace("{id}", "1")
}

/// What gets mounted, in registration order.
enum Mount {
    Resource { path: String, routes: Vec<Route> },
    Service(Box<dyn FnOnce(&mut web::ServiceConfig)>),
}

/// The registry. `api::routes` fills one per worker to mount it;
/// `operations()` fills one to document it.
pub struct Routes {
    prefix: String,
    tag: &'static str,
    operations: Vec<Operation>,
    mounts: Vec<Mount>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            prefix: String::new(),
            tag: "",
            operations: Vec::new(),
            mounts: Vec::new(),
        }
    }

    /// The tag (docs section) of the endpoints registered next.
    pub fn tag(&mut self, tag: &'static str) -> &mut Routes {
        self.tag = tag;
        self
    }

    pub fn get<F, Args>(&mut self, path: &str, handler: F) -> Op<'_>
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(&[Method::Get], path, handler)
    }

    pub fn post<F, Args>(&mut self, path: &str, handler: F) -> Op<'_>
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(&[Method::Post], path, handler)
    }

    pub fn delete<F, Args>(&mut self, path: &str, handler: F) -> Op<'_>
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(&[Method::Delete], path, handler)
    }

    /// PATCH and PUT to the same handler: both change the given fields only,
    /// as Chatwoot's routes do. Documented once each; PUT's id ends in `Put`.
    pub fn patch_put<F, Args>(&mut self, path: &str, handler: F) -> Op<'_>
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(&[Method::Patch, Method::Put], path, handler)
    }

    /// Registers `handler` for each of `methods` at `path` (relative to the
    /// enclosing scope, if any).
    pub fn add<F, Args>(&mut self, methods: &[Method], path: &str, handler: F) -> Op<'_>
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let first = self.operations.len();
        for method in methods {
            let full = format!("{}{path}", self.prefix);
            self.operations
                .push(Operation::new(*method, full, self.tag));
            let route = method.route().to(handler.clone());
            match self.mounts.iter_mut().find_map(|m| match m {
                Mount::Resource { path: p, routes } if p == path => Some(routes),
                _ => None,
            }) {
                Some(routes) => routes.push(route),
                None => self.mounts.push(Mount::Resource {
                    path: path.to_string(),
                    routes: vec![route],
                }),
            }
        }
        Op {
            operations: &mut self.operations[first..],
        }
    }

    /// Registers endpoints under `prefix` in one actix scope, which `finish`
    /// may wrap in middleware or give a default service.
    pub fn scope<S>(
        &mut self,
        prefix: &str,
        define: impl FnOnce(&mut Routes),
        finish: impl FnOnce(actix_web::Scope) -> S + 'static,
    ) where
        S: HttpServiceFactory + 'static,
    {
        let mut inner = Routes {
            prefix: format!("{}{prefix}", self.prefix),
            tag: self.tag,
            operations: Vec::new(),
            mounts: Vec::new(),
        };
        define(&mut inner);
        self.operations.append(&mut inner.operations);
        let prefix = prefix.to_string();
        let mounts = inner.mounts;
        self.mounts.push(Mount::Service(Box::new(move |cfg| {
            let scope = web::scope(&prefix).configure(|cfg| mount_all(mounts, cfg));
            cfg.service(finish(scope));
        })));
    }

    /// Mounts every registered endpoint.
    pub fn mount(self, cfg: &mut web::ServiceConfig) {
        mount_all(self.mounts, cfg);
    }

    pub fn into_operations(self) -> Vec<Operation> {
        self.operations
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

fn mount_all(mounts: Vec<Mount>, cfg: &mut web::ServiceConfig) {
    for mount in mounts {
        match mount {
            Mount::Resource { path, routes } => {
                let resource = routes
                    .into_iter()
                    .fold(web::resource(path), |r, route| r.route(route));
                cfg.service(resource);
            }
            Mount::Service(mount) => mount(cfg),
        }
    }
}

/// Documents the endpoint(s) just registered.
pub struct Op<'a> {
    operations: &'a mut [Operation],
}

impl Op<'_> {
    fn each(self, f: impl Fn(&mut Operation)) -> Self {
        for op in self.operations.iter_mut() {
            f(op);
        }
        self
    }

    /// The operation id (`listLabels`) and a one-line summary.
    pub fn op(self, id: &str, summary: &str) -> Self {
        self.each(|op| {
            op.operation_id = match op.method {
                Method::Put => format!("{id}Put"),
                _ => id.to_string(),
            };
            op.summary = summary.to_string();
        })
    }

    /// What it does, in a paragraph or two (plain text).
    pub fn about(self, description: &str) -> Self {
        self.each(|op| op.description = description.trim().to_string())
    }

    /// Needs a token or session holding `scope`; repeat for several.
    pub fn scope(self, scope: Scope) -> Self {
        self.each(|op| match &mut op.access {
            Some(Access::Scopes(scopes)) => scopes.push(scope),
            _ => op.access = Some(Access::Scopes(vec![scope])),
        })
    }

    /// Also needs the administrator role.
    pub fn administrators_only(self) -> Self {
        self.each(|op| op.administrators_only = true)
    }

    pub fn access(self, access: Access) -> Self {
        self.each(|op| op.access = Some(access.clone()))
    }

    /// Counts against the bulk allowance (`rate_limit.bulk_per_minute`).
    pub fn bulk(self) -> Self {
        self.each(|op| op.bulk = true)
    }

    /// A JSON body of type `T`.
    pub fn json<T: JsonSchema>(self) -> Self {
        self.each(|op| {
            op.request.push(Content {
                media_type: "application/json",
                schema: Some(schema_of::<T>),
            });
            op.request_required = true;
        })
    }

    /// A JSON body of type `T` that may be left out.
    pub fn optional_json<T: JsonSchema>(self) -> Self {
        self.json::<T>().each(|op| op.request_required = false)
    }

    /// A `Wrapped` JSON body: flat, or nested under `T::KEY`.
    pub fn wrapped<T: JsonSchema + Wrapped>(self) -> Self {
        self.json::<T>().each(|op| op.wrapped_key = Some(T::KEY))
    }

    /// A `multipart/form-data` body whose fields `T` describes.
    pub fn multipart<T: JsonSchema>(self) -> Self {
        self.each(|op| {
            op.request.push(Content {
                media_type: "multipart/form-data",
                schema: Some(schema_of::<T>),
            });
            op.request_required = true;
        })
    }

    /// Query parameters: the fields of `T`.
    pub fn query<T: JsonSchema>(self) -> Self {
        self.each(|op| op.query_schema = Some(schema_of::<T>))
    }

    /// One more query parameter, beyond a `query` type's fields.
    pub fn param(self, name: &str, schema: Value, description: &str) -> Self {
        self.each(|op| {
            op.query.push(Param {
                name: name.to_string(),
                description: description.to_string(),
                schema: schema.clone(),
                required: false,
            })
        })
    }

    /// Answers 200 with a JSON `T`.
    pub fn ok<T: JsonSchema>(self) -> Self {
        self.returns(200, "application/json", Some(schema_of::<T>))
    }

    /// Answers 201 with a JSON `T`.
    pub fn created<T: JsonSchema>(self) -> Self {
        self.returns(201, "application/json", Some(schema_of::<T>))
    }

    /// Answers 204 with no body.
    pub fn no_content(self) -> Self {
        self.each(|op| {
            op.status = 204;
            op.response.clear();
        })
    }

    /// Answers `status` with a body of `media_type` (`schema` for JSON).
    pub fn returns(self, status: u16, media_type: &'static str, schema: Option<SchemaFn>) -> Self {
        self.each(|op| {
            op.status = status;
            op.response = vec![Content { media_type, schema }];
        })
    }

    /// The same answer in another media type, chosen by the request.
    pub fn or_as(self, media_type: &'static str, schema: Option<SchemaFn>) -> Self {
        self.each(|op| op.response.push(Content { media_type, schema }))
    }

    /// A JSON schema for `or_as` and `returns`.
    pub fn schema<T: JsonSchema>() -> Option<SchemaFn> {
        Some(schema_of::<T>)
    }

    /// Error statuses this endpoint answers beyond the usual ones (see
    /// `docs::openapi::error_statuses`), such as 409.
    pub fn errors(self, statuses: &[u16]) -> Self {
        self.each(|op| op.errors.extend_from_slice(statuses))
    }

    /// The example's JSON body.
    pub fn example(self, body: Value) -> Self {
        self.each(|op| op.example.body = Some(body.clone()))
    }

    /// The example's path, when the default (every id 1) does not fit.
    pub fn example_path(self, path: &str) -> Self {
        self.each(|op| op.example.path = path.to_string())
    }

    /// The example's multipart fields; a value starting with `@` is a file.
    pub fn example_form(self, fields: &[(&'static str, &'static str)]) -> Self {
        self.each(|op| op.example.form = fields.to_vec())
    }

    /// The examples test leaves this one out, for the reason given.
    pub fn unchecked(self, why: &'static str) -> Self {
        self.each(|op| op.example.unchecked = Some(why))
    }

    /// A websocket: answers 101 and switches protocols.
    pub fn switching_protocols(self) -> Self {
        self.each(|op| {
            op.status = 101;
            op.response.clear();
        })
    }
}

/// Every endpoint the server mounts, documented, in registration order.
pub fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let mut routes = Routes::new();
        crate::api::register(&mut routes);
        routes.into_operations()
    })
}

/// Whether `method` on the route `pattern` is a bulk endpoint.
pub fn is_bulk(method: &str, pattern: &str) -> bool {
    operations()
        .iter()
        .any(|op| op.bulk && op.method.as_str() == method && op.path == pattern)
}
