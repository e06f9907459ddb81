//! The OpenAPI spec, the docs pages and the route registry behind them: the
//! spec lists exactly the routes the server serves, is well formed, and no
//! route can be added past the registry.

use std::collections::BTreeSet;
use std::path::Path;

use deskwoot::api::route::{Access, operations};
use deskwoot::auth::ScopeSet;
use deskwoot::config::EndpointLimit;
use serde_json::Value;

use crate::support::TestApp;

/// (METHOD, path) of every operation in the spec.
fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

/// A concrete path for a pattern: every parameter filled with `1`.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace");
        out.push('1');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_spec_lists_exactly_the_routes_the_server_serves() {
    // Limits high enough that no answer below is a 429.
    let t = TestApp::start_with(|s| {
        s.rate_limit.per_minute = 100_000;
        s.rate_limit.unauthenticated_per_minute = 100_000;
    });
    let spec = t
        .anonymous()
        .get("/docs/api/openapi.json")
        .expect(200)
        .json();
    let registered: BTreeSet<(String, String)> = operations()
        .iter()
        .map(|op| (op.method.as_str().to_string(), op.spec_path()))
        .collect();
    let documented = spec_operations(&spec);
    let missing: Vec<_> = registered.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "registered but not in the spec: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the spec but not registered: {extra:?}"
    );

    // Every documented operation is routed: the server never answers it
    // with "no such route" or a wrong-method 405.
    let client = t.admin();
    for (method, path) in &documented {
        let response = client.send(method, &concrete(path), None, Vec::new());
        let unrouted = response.status == 405
            || (response.status == 404 && response.text.contains("no such route"));
        assert!(
            !unrouted,
            "{method} {path} is not served: {}",
            response.text
        );
    }
    // And a path nobody registered is not.
    client
        .get("/api/v1/accounts/1/not_a_resource")
        .expect_error(404, "not_found");
}

/// Lines of `src/` that mount routes, outside the registry. Test modules
/// (after `#[cfg(test)]`) may build their own small apps.
fn routes_outside_registry(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("src readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            routes_outside_registry(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("api/route.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            let mounts = [
                "web::resource(",
                "web::scope(",
                ".route(",
                ".service(",
                "App::new()",
            ]
            .iter()
            .any(|p| line.contains(p));
            let server_app = path.ends_with("server.rs") && line.contains("App::new()");
            if mounts && !server_app {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
}

#[test]
fn no_route_is_mounted_past_the_registry() {
    let mut found = Vec::new();
    routes_outside_registry(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "register routes with `api::Routes` (see src/api/route.rs), not directly:\n{}",
        found.join("\n")
    );
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn the_spec_is_well_formed_and_complete() {
    let t = TestApp::start();
    let spec = t
        .anonymous()
        .get("/docs/api/openapi.json")
        .expect(200)
        .json();
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["servers"][0]["url"], t.base_url);

    let mut all_refs = Vec::new();
    refs(&spec, &mut all_refs);
    for r in all_refs {
        let pointer = r.strip_prefix('#').expect("local $ref");
        assert!(spec.pointer(pointer).is_some(), "dangling $ref {r}");
    }

    let schemes = &spec["components"]["securitySchemes"];
    for name in ["bearerAuth", "apiAccessToken", "sessionCookie"] {
        assert!(schemes[name].is_object(), "security scheme {name}");
    }
    assert_eq!(schemes["apiAccessToken"]["name"], "api_access_token");
    assert_eq!(schemes["sessionCookie"]["in"], "cookie");

    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let params: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().expect("operationId");
            assert!(
                ids.insert(id.to_string()),
                "{at}: duplicate operationId {id}"
            );
            for key in ["summary", "description"] {
                assert!(
                    op[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{at}: {key}"
                );
            }
            assert_eq!(
                op["tags"].as_array().map(Vec::len),
                Some(1),
                "{at}: one tag"
            );
            for name in &params {
                assert!(
                    op["parameters"].as_array().is_some_and(|ps| ps
                        .iter()
                        .any(|p| p["name"] == *name && p["in"] == "path")),
                    "{at}: path parameter {name} undeclared"
                );
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                // A redirect is how `/` succeeds.
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3') || s == "101"),
                "{at}: a success answer"
            );
            let limited = ["/api/", "/auth/", "/public/api/"]
                .iter()
                .any(|p| path.starts_with(p));
            if limited {
                assert!(responses.contains_key("429"), "{at}: 429");
                assert!(op["x-bulk"].is_boolean(), "{at}: x-bulk");
                let ok = responses
                    .iter()
                    .find(|(s, _)| s.starts_with('2'))
                    .unwrap()
                    .1;
                assert!(
                    ok["headers"]["X-RateLimit-Remaining"].is_object(),
                    "{at}: rate-limit headers"
                );
            }
            let security = op["security"].as_array().expect("security");
            if let Some(scopes) = op["x-required-scopes"].as_array() {
                assert_eq!(security.len(), 3, "{at}: token, header or session");
                assert!(responses.contains_key("401"), "{at}: 401");
                let names: Vec<&str> = scopes.iter().filter_map(Value::as_str).collect();
                if !names.is_empty() {
                    ScopeSet::parse(names.iter().copied()).expect("known scopes");
                    assert!(responses.contains_key("403"), "{at}: 403");
                }
            } else {
                assert!(security.is_empty(), "{at}: no credential, no security");
            }
        }
    }
    // Every scope is described, from the scope table.
    let scopes: Vec<&str> = spec["x-scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(scopes.len(), ScopeSet::full().names().len());
}

#[test]
fn bulk_operations_are_the_ones_the_rate_limiter_treats_as_bulk() {
    let t = TestApp::start_with(|s| {
        s.rate_limit.per_minute = 2;
        s.rate_limit.bulk_per_minute = 7;
    });
    let bulk: Vec<_> = operations().iter().filter(|op| op.bulk).collect();
    assert!(bulk.len() >= 2, "bulk actions and contact import");
    let bulk_path = t.account_path("/bulk_actions");
    let answer = t.admin().post(&bulk_path, serde_json::json!({}));
    assert_eq!(answer.header("x-ratelimit-limit"), Some("7"));
    let spec = t
        .anonymous()
        .get("/docs/api/openapi.json")
        .expect(200)
        .json();
    assert_eq!(
        spec["paths"]["/api/v1/accounts/{account_id}/bulk_actions"]["post"]["x-bulk"],
        true
    );
    assert_eq!(
        spec["paths"]["/api/v1/accounts/{account_id}/labels"]["get"]["x-bulk"],
        false
    );
}

#[test]
fn the_yaml_spec_is_served_as_yaml() {
    let t = TestApp::start();
    let yaml = t.anonymous().get("/docs/api/openapi.yaml").expect(200);
    assert!(
        yaml.header("content-type")
            .unwrap()
            .starts_with("application/yaml")
    );
    assert!(
        yaml.text.starts_with("\"components\":\n"),
        "{}",
        &yaml.text[..80]
    );
    assert!(yaml.text.contains("\n\"openapi\": \"3.1.0\"\n"));
}

#[test]
fn the_docs_page_documents_every_operation_without_scripts() {
    let t = TestApp::start();
    let page = t.anonymous().get("/docs/api").expect(200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'none'") && csp.contains("default-src 'self'"));
    assert!(!page.text.contains("<script"), "no script");
    for op in operations() {
        assert!(
            page.text.contains(&format!("id=\"{}\"", op.operation_id)),
            "{} is on the page",
            op.operation_id
        );
    }
    for section in [
        "authentication",
        "scopes",
        "pagination",
        "errors",
        "rate-limits",
        "webhooks",
    ] {
        assert!(
            page.text.contains(&format!("id=\"{section}\"")),
            "{section}"
        );
    }
    assert!(page.text.contains("conversations:write"), "the scope table");
    assert!(
        page.text
            .contains("curl -X POST &quot;http://127.0.0.1:3000/api/v1/accounts/1/labels&quot;")
    );
    // The stylesheet is served from this server.
    let css = page
        .text
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link");
    assert!(css.starts_with("/assets/"));
    let sheet = t.anonymous().get(css).expect(200);
    assert!(
        sheet
            .header("content-type")
            .unwrap()
            .starts_with("text/css")
    );
}

#[test]
fn the_rate_limit_table_follows_the_running_config() {
    let t = TestApp::start_with(|s| {
        s.rate_limit.per_minute = 42;
        s.rate_limit.overrides.push(EndpointLimit {
            method: "GET".into(),
            path: "/api/v1/accounts/{account_id}/labels".into(),
            per_minute: 7,
        });
    });
    let table = t
        .anonymous()
        .get("/docs/api/rate-limits?format=json")
        .expect(200)
        .json();
    let row = |method: &str, path: &str| -> Value {
        table["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["method"] == method && e["path"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("{method} {path} in the table"))
    };
    let labels = row("GET", "/api/v1/accounts/{account_id}/labels");
    assert_eq!(labels["token"]["per_minute"], 7);
    assert_eq!(
        labels["token"]["policy"],
        "GET /api/v1/accounts/{account_id}/labels"
    );
    assert_eq!(row("GET", "/api/v1/profile")["token"]["per_minute"], 42);
    let bulk = row("POST", "/api/v1/accounts/{account_id}/bulk_actions");
    assert_eq!(bulk["token"]["policy"], "bulk");
    assert_eq!(bulk["bulk"], true);
    let sign_in = row("POST", "/auth/sign_in");
    assert!(sign_in.get("token").is_none(), "no credential taken");
    // Every rate-limited operation is in the table.
    let limited = operations()
        .iter()
        .filter(|op| {
            op.path.starts_with("/api/")
                || op.path.starts_with("/auth/")
                || op.path.starts_with("/public/")
        })
        .count();
    assert_eq!(table["endpoints"].as_array().unwrap().len(), limited);

    // `Accept: application/json` picks JSON too; the page is HTML.
    let by_accept = t
        .anonymous()
        .header("Accept", "application/json")
        .get("/docs/api/rate-limits");
    assert_eq!(by_accept.expect(200).json()["window_seconds"], 60);
    let html = t.anonymous().get("/docs/api/rate-limits").expect(200);
    assert!(
        html.text
            .contains("<td><code>/api/v1/accounts/{account_id}/labels</code></td><td>7 <small>")
    );
    t.anonymous()
        .get("/docs/api/rate-limits?format=xml")
        .expect_error(422, "validation_failed");
}

#[test]
fn every_operation_says_who_may_call_it() {
    for op in operations() {
        let access = op
            .access
            .as_ref()
            .unwrap_or_else(|| panic!("{} {} has no access set", op.method.as_str(), op.path));
        assert!(
            !op.operation_id.is_empty() && !op.summary.is_empty(),
            "{}",
            op.path
        );
        if op.path.starts_with("/api/v1/accounts/{account_id}")
            && op.path != "/api/v1/accounts/{account_id}"
        {
            assert!(
                matches!(access, Access::Scopes(s) if !s.is_empty()),
                "{} {} needs a scope",
                op.method.as_str(),
                op.path
            );
        }
    }
}
