//! Rate limits per token, per endpoint and per IP, and the headers that say
//! where a client stands.

use deskwoot::config::EndpointLimit;

use crate::support::TestApp;

#[test]
fn the_request_after_the_limit_gets_429_with_retry_after() {
    let t = TestApp::start_with(|s| s.rate_limit.per_minute = 5);
    for expected_remaining in (0..5).rev() {
        let ok = t.admin().get("/api/v1/profile").expect(200);
        assert_eq!(ok.header("x-ratelimit-limit"), Some("5"));
        assert_eq!(
            ok.header("x-ratelimit-remaining"),
            Some(expected_remaining.to_string().as_str())
        );
        assert_eq!(ok.header("ratelimit-policy"), Some("\"default\";q=5;w=60"));
        assert!(
            ok.header("ratelimit")
                .unwrap()
                .starts_with(&format!("\"default\";r={expected_remaining};t="))
        );
        let reset: u64 = ok.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset > 1_700_000_000, "X-RateLimit-Reset is a Unix time");
    }
    let refused = t.admin().get("/api/v1/profile");
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    refused.expect_error(429, "rate_limited");

    // Another token has its own allowance.
    let (_, other) = t.other_workspace();
    t.with_token(&other.token)
        .get("/api/v1/profile")
        .expect(200);
}

#[test]
fn the_default_is_sixty_per_minute() {
    let t = TestApp::start();
    for _ in 0..60 {
        t.admin().get("/api/v1/profile").expect(200);
    }
    t.admin()
        .get("/api/v1/profile")
        .expect_error(429, "rate_limited");
}

#[test]
fn per_endpoint_overrides_replace_the_default() {
    let t = TestApp::start_with(|s| {
        s.rate_limit.per_minute = 3;
        s.rate_limit.overrides.push(EndpointLimit {
            method: "GET".into(),
            path: "/api/v1/accounts/{account_id}".into(),
            per_minute: 10,
        });
    });
    let path = t.account_path("");
    for _ in 0..10 {
        let ok = t.admin().get(&path).expect(200);
        assert_eq!(ok.header("x-ratelimit-limit"), Some("10"));
    }
    t.admin().get(&path).expect_error(429, "rate_limited");
    // The default bucket was not spent by the overridden endpoint.
    t.admin().get("/api/v1/profile").expect(200);
}

#[test]
fn unauthenticated_requests_are_limited_per_ip() {
    let t = TestApp::start_with(|s| s.rate_limit.unauthenticated_per_minute = 2);
    for _ in 0..2 {
        t.anonymous().get("/api/v1/profile").expect(401);
    }
    let refused = t.anonymous().get("/api/v1/profile");
    assert_eq!(
        refused.header("ratelimit-policy"),
        Some("\"unauthenticated\";q=2;w=60")
    );
    refused.expect_error(429, "rate_limited");
    // Health checks are never limited.
    t.anonymous().get("/healthz").expect(200);
}
