//! Authentication by the app's `authenticate` export: header, query token,
//! cookie, refusal and anonymous connections.

use serde_json::{Value, json};
use switchboard_tests::{TestServer, app, app_subset};
use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest};

async fn server() -> TestServer {
    TestServer::start(&app("tests/apps/basic"), |_| {}).await
}

async fn whoami(client: &mut switchboard_tests::Client) -> Value {
    client.ask(json!({"action": "enter"})).await["user"].clone()
}

#[tokio::test]
async fn user_from_a_header() {
    let server = server().await;
    let mut client = server.connect_with("/socket", &[("x-user", "hank")]).await;
    assert_eq!(
        whoami(&mut client).await,
        json!({"id": "hank", "claims": {"via": "header"}})
    );
}

#[tokio::test]
async fn user_from_a_query_token() {
    let server = server().await;
    let mut client = server.connect_with("/socket?token=user%3Aquinn", &[]).await;
    assert_eq!(
        whoami(&mut client).await,
        json!({"id": "quinn", "claims": {"via": "query"}})
    );
}

#[tokio::test]
async fn user_from_a_cookie() {
    let server = server().await;
    let mut client = server
        .connect_with("/socket", &[("cookie", "theme=dark; session=cora")])
        .await;
    assert_eq!(
        whoami(&mut client).await,
        json!({"id": "cora", "claims": {"via": "cookie"}})
    );
}

#[tokio::test]
async fn no_credentials_is_anonymous() {
    let server = server().await;
    let mut client = server.connect().await;
    assert_eq!(whoami(&mut client).await, Value::Null);
}

#[tokio::test]
async fn a_refused_upgrade_gets_401_with_the_reason() {
    let server = server().await;
    let request = server
        .url("/socket?token=refuse")
        .into_client_request()
        .unwrap();
    match tokio_tungstenite::connect_async(request).await {
        Err(Error::Http(response)) => {
            assert_eq!(response.status(), 401);
            let body: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
            assert_eq!(body, json!({"error": "token refused"}));
        }
        other => panic!("expected a 401, got {:?}", other.map(|_| "a connection")),
    }
    // Others still get in.
    let mut client = server.connect_with("/socket?token=user%3Aok", &[]).await;
    assert_eq!(whoami(&mut client).await["id"], json!("ok"));
}

#[tokio::test]
async fn without_an_authenticate_export_everyone_is_anonymous() {
    let subset = app_subset(&app("tests/apps/basic"), &["action_enter.wasm"]);
    let server = TestServer::start(&subset.0, |_| {}).await;
    let mut client = server
        .connect_with("/socket", &[("x-user", "ignored")])
        .await;
    assert_eq!(whoami(&mut client).await, Value::Null);
}
