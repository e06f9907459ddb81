//! API tokens: creation, scopes, revocation, expiry and workspace isolation.

use deskwoot::auth::Role;
use serde_json::json;

use crate::support::TestApp;

#[test]
fn the_profile_answers_to_a_bearer_token_and_to_chatwoots_header() {
    let t = TestApp::start();
    let profile = t.admin().get("/api/v1/profile").expect(200).json();
    assert_eq!(profile["id"], t.admin.id);
    assert_eq!(profile["email"], t.admin.email.as_str());
    assert_eq!(profile["token"]["account_id"], t.account_id);
    let via_header = t
        .anonymous()
        .header("api_access_token", &t.admin.token)
        .get("/api/v1/profile")
        .expect(200)
        .json();
    assert_eq!(via_header["id"], profile["id"]);
}

#[test]
fn missing_malformed_and_unknown_tokens_get_401_with_www_authenticate() {
    let t = TestApp::start();
    let missing = t.anonymous().get("/api/v1/profile");
    assert!(
        missing
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    missing.expect_error(401, "unauthenticated");
    let mut typo = t.admin.token.clone();
    typo.replace_range(5..6, if &typo[5..6] == "x" { "y" } else { "x" });
    t.with_token(&typo)
        .get("/api/v1/profile")
        .expect_error(401, "unauthenticated");
    let unknown = deskwoot::auth::secret::new_api_token();
    t.with_token(&unknown)
        .get("/api/v1/profile")
        .expect_error(401, "unauthenticated");
}

#[test]
fn a_created_token_is_shown_once_and_listed_without_its_secret() {
    let t = TestApp::start();
    let created = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "reporting job", "scopes": ["read"], "expires_in_days": 30}),
        )
        .expect(201)
        .json();
    let secret = created["token"].as_str().unwrap();
    assert!(secret.starts_with("dw_"));
    assert_eq!(created["name"], "reporting job");
    assert!(created["expires_at"].as_i64().is_some());
    assert!(
        created["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("contacts:read"))
    );

    let list = t.admin().get(&t.account_path("/api_tokens")).expect(200);
    assert!(
        !list.text.contains(secret),
        "the list must not reveal secrets"
    );
    let listed = list.json()["payload"].as_array().unwrap().clone();
    assert!(listed.iter().any(|tok| tok["id"] == created["id"]));

    let stored: Vec<u8> = t
        .db()
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT token_hash FROM api_tokens WHERE id = ?1",
                [created["id"].as_i64()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(stored.len(), 32, "only a SHA-256 digest is stored");

    let profile = t
        .with_token(secret)
        .get("/api/v1/profile")
        .expect(200)
        .json();
    assert_eq!(profile["token"]["id"], created["id"]);
}

#[test]
fn a_read_only_token_gets_insufficient_scope_on_writes() {
    let t = TestApp::start();
    let secret = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "ro", "scopes": "read"}),
        )
        .expect(201)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let before = t.count("api_tokens");
    let refused = t.with_token(&secret).post(
        &t.account_path("/api_tokens"),
        json!({"name": "x", "scopes": "read"}),
    );
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .contains("insufficient_scope")
    );
    let body = refused.expect_error(403, "insufficient_scope");
    assert_eq!(body["required_scope"], "admin");
    t.with_token(&secret)
        .patch(&t.account_path(""), json!({"name": "Renamed"}))
        .expect_error(403, "insufficient_scope");
    assert_eq!(t.count("api_tokens"), before);
    t.with_token(&secret).get(&t.account_path("")).expect(200);
}

#[test]
fn revoking_a_token_stops_it_at_once_and_leaves_others_working() {
    let t = TestApp::start();
    let mint = |name: &str| {
        t.admin()
            .post(
                &t.account_path("/api_tokens"),
                json!({"name": name, "scopes": "read"}),
            )
            .expect(201)
            .json()
    };
    let (doomed, kept) = (mint("doomed"), mint("kept"));
    let doomed_secret = doomed["token"].as_str().unwrap();
    t.with_token(doomed_secret)
        .get("/api/v1/profile")
        .expect(200);
    t.admin()
        .delete(&t.account_path(&format!("/api_tokens/{}", doomed["id"])))
        .expect(204);
    t.with_token(doomed_secret)
        .get("/api/v1/profile")
        .expect_error(401, "unauthenticated");
    t.with_token(kept["token"].as_str().unwrap())
        .get("/api/v1/profile")
        .expect(200);
    t.admin().get("/api/v1/profile").expect(200);
    t.admin()
        .delete(&t.account_path(&format!("/api_tokens/{}", doomed["id"])))
        .expect_error(404, "not_found");
}

#[test]
fn an_expired_token_is_refused() {
    let t = TestApp::start();
    let created = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "short", "scopes": "read", "expires_in_days": 1}),
        )
        .expect(201)
        .json();
    let secret = created["token"].as_str().unwrap();
    t.with_token(secret).get("/api/v1/profile").expect(200);
    t.db()
        .write_blocking(|tx| {
            Ok(tx.execute(
                "UPDATE api_tokens SET expires_at = 1 WHERE id = ?1",
                [created["id"].as_i64()],
            )?)
        })
        .unwrap();
    t.with_token(secret)
        .get("/api/v1/profile")
        .expect_error(401, "unauthenticated");
}

#[test]
fn a_token_never_reaches_another_workspace() {
    let t = TestApp::start();
    let (other_id, other_admin) = t.other_workspace();
    let other_paths = [
        format!("/api/v1/accounts/{other_id}"),
        format!("/api/v1/accounts/{other_id}/api_tokens"),
    ];
    for path in &other_paths {
        let response = t.admin().get(path);
        assert!(
            !response.text.contains("Globex"),
            "leaked: {}",
            response.text
        );
        response.expect_error(404, "not_found");
    }
    t.admin()
        .post(
            &format!("/api/v1/accounts/{other_id}/api_tokens"),
            json!({"name": "x", "scopes": "read"}),
        )
        .expect_error(404, "not_found");
    // The other workspace's token id exists, but not for us.
    let other_token_id = t
        .with_token(&other_admin.token)
        .get("/api/v1/profile")
        .json()["token"]["id"]
        .clone();
    t.admin()
        .delete(&t.account_path(&format!("/api_tokens/{other_token_id}")))
        .expect_error(404, "not_found");
    t.with_token(&other_admin.token)
        .get("/api/v1/profile")
        .expect(200);
    // And a token's profile shows only its own workspace.
    let profile = t.admin().get("/api/v1/profile").json();
    assert_eq!(profile["accounts"].as_array().unwrap().len(), 1);
}

#[test]
fn tokens_never_exceed_their_creator_or_the_token_that_mints_them() {
    let t = TestApp::start();
    let agent = t.person("bob", Role::Agent, "read");
    let agent_profile = t
        .with_token(&agent.token)
        .get("/api/v1/profile")
        .expect(200)
        .json();
    assert_eq!(agent_profile["email"], agent.email.as_str());
    assert_eq!(agent_profile["id"], agent.id);
    assert_eq!(agent_profile["accounts"][0]["role"], "agent");
    let body = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "x", "scopes": "read conversations:write webhooks:write"}),
        )
        .expect(201)
        .json();
    // A token without admin cannot mint; with admin it cannot mint beyond itself.
    let narrow = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "narrow", "scopes": "admin contacts:read"}),
        )
        .expect(201)
        .json();
    let refused = t
        .with_token(narrow["token"].as_str().unwrap())
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "wide", "scopes": "full"}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(refused["details"][0]["field"], "scopes");
    assert!(
        body["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("webhooks:write"))
    );
    // An agent has no admin scope, so cannot reach the token API at all.
    t.with_token(&agent.token)
        .get(&t.account_path("/api_tokens"))
        .expect_error(403, "insufficient_scope");
}

#[test]
fn unknown_scopes_are_refused_with_details_and_nothing_is_created() {
    let t = TestApp::start();
    let before = t.count("api_tokens");
    let body = t
        .admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "x", "scopes": ["contacts:read", "everything"]}),
        )
        .expect_error(422, "validation_failed");
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("everything")
    );
    t.admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "  ", "scopes": "read"}),
        )
        .expect_error(422, "validation_failed");
    t.admin()
        .post(
            &t.account_path("/api_tokens"),
            json!({"name": "x", "scopes": "read", "expires_in_days": 0}),
        )
        .expect_error(422, "validation_failed");
    assert_eq!(t.count("api_tokens"), before);
}
