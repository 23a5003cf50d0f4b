//! Authentication by the app's `authenticate` export: header, query token,
//! cookie, refusal and anonymous connections.

use serde_json::{Value, json};
use switchboard_tests::{TestServer, app, app_subset};

/// Connects to `path_and_query` with `headers` and returns the user the
/// probe at `action_enter` sees.
async fn whoami(server: &TestServer, path_and_query: &str, headers: &[(&str, &str)]) -> Value {
    let mut client = server.connect_with(path_and_query, headers).await;
    client.ask(json!({"action": "enter"})).await["user"].clone()
}

#[tokio::test]
async fn user_from_a_header() {
    let server = TestServer::basic().await;
    assert_eq!(
        whoami(&server, "/socket", &[("x-user", "hank")]).await,
        json!({"id": "hank", "claims": {"via": "header"}})
    );
}

#[tokio::test]
async fn user_from_a_query_token() {
    let server = TestServer::basic().await;
    assert_eq!(
        whoami(&server, "/socket?token=user%3Aquinn", &[]).await,
        json!({"id": "quinn", "claims": {"via": "query"}})
    );
}

#[tokio::test]
async fn user_from_a_cookie() {
    let server = TestServer::basic().await;
    assert_eq!(
        whoami(
            &server,
            "/socket",
            &[("cookie", "theme=dark; session=cora")]
        )
        .await,
        json!({"id": "cora", "claims": {"via": "cookie"}})
    );
}

#[tokio::test]
async fn no_credentials_is_anonymous() {
    let server = TestServer::basic().await;
    assert_eq!(whoami(&server, "/socket", &[]).await, Value::Null);
}

#[tokio::test]
async fn a_refused_upgrade_gets_401_with_the_reason() {
    let server = TestServer::basic().await;
    assert_eq!(
        server.connect_refused("/socket?token=refuse").await,
        (401, json!({"error": "token refused"}))
    );
    // Others still get in.
    assert_eq!(
        whoami(&server, "/socket?token=user%3Aok", &[]).await["id"],
        json!("ok")
    );
}

#[tokio::test]
async fn without_an_authenticate_export_everyone_is_anonymous() {
    let subset = app_subset(&app("tests/apps/basic"), &["action_enter.wasm"]);
    let server = TestServer::start(&subset.0, |_| {}).await;
    assert_eq!(
        whoami(&server, "/socket", &[("x-user", "ignored")]).await,
        Value::Null
    );
}
