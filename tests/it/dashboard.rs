//! The dashboard's server side: `/` and `/app` URLs, the shell's headers and
//! fingerprinted links, and the first-run setup API.

use serde_json::json;

use crate::support::{Client, PASSWORD, ServeProcess, TestApp};

#[test]
fn the_root_redirects_to_the_app() {
    let t = TestApp::start();
    let response = t.anonymous().get("/").expect(302);
    assert_eq!(response.header("location"), Some("/app"));
}

#[test]
fn every_app_url_answers_the_shell_with_strict_headers() {
    let t = TestApp::start();
    for path in ["/app", "/app/inbox/12", "/app/settings/api_tokens"] {
        let response = t.anonymous().get(path).expect(200);
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        let csp = response.header("content-security-policy").unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert!(response.header("referrer-policy").is_some());
        assert_eq!(response.header("cache-control"), Some("no-cache"));
        assert!(!response.text.contains("{{asset:"), "links left unfilled");
        assert!(
            !response.text.contains("<script>") && !response.text.contains("<style"),
            "the shell has no inline script or style"
        );
    }
}

/// The `src` of the shell's module script.
fn main_script(shell: &str) -> String {
    shell
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with("/dashboard/js/main.js"))
        .expect("the main script's fingerprinted link")
        .to_string()
}

#[test]
fn the_shell_links_long_cached_modules_whose_relative_imports_are_long_cached_too() {
    let t = TestApp::start();
    let shell = t.anonymous().get("/app").expect(200).text;
    let main = main_script(&shell);
    let response = t.anonymous().get(&main).expect(200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    let immutable = "public, max-age=31536000, immutable";
    assert_eq!(response.header("cache-control"), Some(immutable));
    // `./api.js` resolves beside main.js, under the same fingerprint.
    let neighbour = main.replace("/js/main.js", "/js/api.js");
    let response = t.anonymous().get(&neighbour).expect(200);
    assert_eq!(response.header("cache-control"), Some(immutable));
    // A fingerprint from an older build still serves, briefly cached.
    let old = main.replacen(main.split('/').nth(2).unwrap(), "000000000000", 1);
    let response = t.anonymous().get(&old).expect(200);
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
}

#[test]
fn setup_is_refused_once_a_workspace_exists() {
    let t = TestApp::start();
    let status = t.anonymous().get("/api/v1/setup").expect(200).json();
    assert_eq!(status, json!({"needs_setup": false}));
    let body = json!({
        "workspace": "Intruders", "name": "Mallory", "email": "mallory@evil.test", "password": PASSWORD,
    });
    t.anonymous()
        .post("/api/v1/setup", body)
        .expect_error(409, "conflict");
    assert_eq!(t.count("workspaces"), 1);
    assert_eq!(t.count("users"), 1);
}

/// The session cookie's `name=value` from a sign-in or setup answer.
fn cookie_pair(response: &crate::support::Response) -> String {
    let cookie = response.header("set-cookie").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

#[test]
fn the_first_run_creates_the_workspace_and_administrator_and_signs_them_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(dir.path(), &[]);
    let anonymous = Client::new(&server.base_url, None);
    let status = anonymous.get("/api/v1/setup").expect(200).json();
    assert_eq!(status, json!({"needs_setup": true}));

    let invalid = anonymous
        .post(
            "/api/v1/setup",
            json!({"workspace": " ", "name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(invalid["details"][0]["field"], "workspace");
    let short = anonymous
        .post(
            "/api/v1/setup",
            json!({"workspace": "Acme", "name": "Ada", "email": "ada@example.com", "password": "short"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(short["details"][0]["field"], "password");
    anonymous
        .post("/api/v1/setup", json!({"workspace": "Acme", "admin": true}))
        .expect_error(422, "validation_failed");
    // Nothing was half-created by the refused attempts.
    assert_eq!(
        anonymous.get("/api/v1/setup").json(),
        json!({"needs_setup": true})
    );

    let response = anonymous
        .post(
            "/api/v1/setup",
            json!({"workspace": "Acme", "name": "Ada Admin", "email": "Ada@Example.com", "password": PASSWORD}),
        )
        .expect(200);
    let pair = cookie_pair(&response);
    let profile = response.json();
    assert_eq!(profile["email"], "ada@example.com");
    assert_eq!(profile["accounts"][0]["name"], "Acme");
    assert_eq!(profile["accounts"][0]["role"], "administrator");
    let csrf = profile["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_string();

    let session = Client::new(&server.base_url, None)
        .header("Cookie", &pair)
        .header("X-CSRF-Token", &csrf);
    let me = session.get("/api/v1/profile").expect(200).json();
    assert_eq!(me["id"], profile["id"]);
    let account = profile["accounts"][0]["id"].as_i64().unwrap();
    session
        .post(
            &format!("/api/v1/accounts/{account}/labels"),
            json!({"title": "vip"}),
        )
        .expect(200);

    assert_eq!(
        anonymous.get("/api/v1/setup").json(),
        json!({"needs_setup": false})
    );
    anonymous
        .post(
            "/api/v1/setup",
            json!({"workspace": "Again", "name": "Eve", "email": "eve@example.com", "password": PASSWORD}),
        )
        .expect_error(409, "conflict");
    // The administrator signs in with the password chosen at setup.
    anonymous
        .post(
            "/auth/sign_in",
            json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .expect(200);
}
