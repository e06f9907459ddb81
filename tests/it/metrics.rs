//! `GET /metrics`: the Prometheus text format, open to the allowed networks
//! when reached directly, and to tokens with the admin scope from anywhere.

use crate::support::TestApp;

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_requests_by_route_and_status_and_report_storage() {
    let t = TestApp::start();
    let client = t.admin();
    for _ in 0..3 {
        client.get(&t.account_path("/conversations")).expect(200);
    }
    t.anonymous().get("/no/such/page").expect(404);
    let response = t.anonymous().get("/metrics").expect(200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = response.text;
    let route = r#"method="GET",route="/api/v1/accounts/{account_id}/conversations",status="200""#;
    assert_eq!(
        sample(&text, &format!("deskwoot_http_requests_total{{{route}}}")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"deskwoot_http_request_duration_seconds_bucket{{{route},le="+Inf"}}"#)
        ),
        Some(3.0)
    );
    assert!(
        sample(
            &text,
            &format!("deskwoot_http_request_duration_seconds_sum{{{route}}}")
        )
        .is_some_and(|s| s > 0.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"deskwoot_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0),
        "raw paths never become labels"
    );
    assert!(sample(&text, "deskwoot_database_size_bytes").is_some_and(|b| b > 0.0));
    assert!(sample(&text, "deskwoot_database_wal_size_bytes").is_some());
    assert_eq!(
        sample(&text, "deskwoot_schema_version"),
        Some(deskwoot::db::latest_schema_version() as f64)
    );
    assert_eq!(sample(&text, "deskwoot_outbox_depth"), Some(0.0));
    assert!(sample(&text, r#"deskwoot_websockets_open{kind="agent"}"#).is_some());
    assert!(sample(&text, "deskwoot_events_rows").is_some());
    assert!(sample(&text, "process_resident_memory_bytes").is_some_and(|b| b > 0.0));
    assert!(text.contains("# TYPE deskwoot_job_runs_total counter"));
    assert!(text.contains(r#"deskwoot_build_info{version=""#));
}

#[test]
fn outside_the_allow_list_or_behind_a_proxy_metrics_need_an_admin_token() {
    let t = TestApp::start_with(|s| s.metrics.allow = vec!["192.0.2.0/24".into()]);
    t.anonymous()
        .get("/metrics")
        .expect_error(401, "unauthenticated");
    let agent = crate::fixtures::agent_bob(&t);
    t.with_token(&agent.token)
        .get("/metrics")
        .expect_error(403, "insufficient_scope");
    t.admin().get("/metrics").expect(200);

    let open = TestApp::start();
    open.anonymous().get("/metrics").expect(200);
    open.anonymous()
        .header("X-Forwarded-For", "203.0.113.7")
        .get("/metrics")
        .expect_error(401, "unauthenticated");
    open.admin()
        .header("X-Forwarded-For", "203.0.113.7")
        .get("/metrics")
        .expect(200);
}
