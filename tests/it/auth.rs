//! Sign-in, sessions, CSRF and sign-out.

use serde_json::json;

use crate::support::{Client, PASSWORD, TestApp};

/// Signs in and returns a client carrying the session cookie, plus the CSRF token.
fn sign_in(t: &TestApp, email: &str) -> (Client, String) {
    let response = t
        .anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": email, "password": PASSWORD}),
        )
        .expect(200);
    let cookie = response
        .header("set-cookie")
        .expect("a session cookie")
        .to_string();
    let csrf = response.json()["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    let pair = cookie.split(';').next().expect("cookie pair").to_string();
    (t.anonymous().header("Cookie", &pair), csrf)
}

#[test]
fn sign_in_sets_a_strict_http_only_cookie_and_returns_the_profile() {
    let t = TestApp::start();
    let response = t
        .anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "ALICE@acme.test", "password": PASSWORD}),
        )
        .expect(200);
    let cookie = response.header("set-cookie").unwrap();
    assert!(cookie.starts_with("deskwoot_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark the cookie Secure"
    );
    let body = response.json();
    assert_eq!(body["email"], "alice@acme.test");
    assert_eq!(body["accounts"][0]["id"], t.account_id);
    assert_eq!(body["accounts"][0]["role"], "administrator");
}

#[test]
fn the_session_reads_freely_but_writes_only_with_the_csrf_token() {
    let t = TestApp::start();
    let (session, csrf) = sign_in(&t, "alice@acme.test");
    let profile = session.get("/api/v1/profile").expect(200).json();
    assert_eq!(profile["csrf_token"], csrf.as_str());

    let rename = json!({"name": "Alice A."});
    session
        .put("/api/v1/profile", rename.clone())
        .expect_error(403, "csrf_failed");
    assert_eq!(session.get("/api/v1/profile").json()["name"], "Alice Admin");

    let session = session.header("X-CSRF-Token", &csrf);
    let updated = session.put("/api/v1/profile", rename).expect(200).json();
    assert_eq!(updated["name"], "Alice A.");
}

#[test]
fn sign_out_ends_the_session() {
    let t = TestApp::start();
    let (session, csrf) = sign_in(&t, "alice@acme.test");
    let session = session.header("X-CSRF-Token", &csrf);
    let response = session.delete("/auth/sign_out").expect(204);
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .contains("deskwoot_session=;")
    );
    session
        .get("/api/v1/profile")
        .expect_error(401, "unauthenticated");
}

#[test]
fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let t = TestApp::start();
    let wrong_password = t
        .anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "alice@acme.test", "password": "nope-nope"}),
        )
        .expect_error(401, "invalid_credentials");
    let unknown_email = t
        .anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "nobody@acme.test", "password": "nope-nope"}),
        )
        .expect_error(401, "invalid_credentials");
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(t.count("sessions"), 0);
}

#[test]
fn failed_sign_ins_are_limited_per_email_and_ip() {
    let t = TestApp::start_with(|s| s.rate_limit.sign_in_failures_per_minute = 3);
    for _ in 0..3 {
        t.anonymous()
            .post(
                "/auth/sign_in",
                json!({"email": "alice@acme.test", "password": "wrong-one"}),
            )
            .expect_error(401, "invalid_credentials");
    }
    // Even the right password is refused until the window passes.
    let refused = t
        .anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "alice@acme.test", "password": PASSWORD}),
        )
        .expect(429);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(refused.json()["error"], "rate_limited");
}

#[test]
fn a_password_change_needs_the_current_password_and_a_session() {
    let t = TestApp::start();
    let (session, csrf) = sign_in(&t, "alice@acme.test");
    let session = session.header("X-CSRF-Token", &csrf);
    let body = session
        .put(
            "/api/v1/profile",
            json!({"password": "a new password", "current_password": "wrong"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(body["details"][0]["field"], "current_password");
    t.admin()
        .put(
            "/api/v1/profile",
            json!({"password": "a new password", "current_password": PASSWORD}),
        )
        .expect_error(403, "forbidden");
    session
        .put(
            "/api/v1/profile",
            json!({"password": "a new password", "current_password": PASSWORD}),
        )
        .expect(200);
    t.anonymous()
        .post(
            "/auth/sign_in",
            json!({"email": "alice@acme.test", "password": "a new password"}),
        )
        .expect(200);
}
