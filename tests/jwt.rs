//! Built-in JWT authentication: HS256 and RS256 (PEM and JWKS), from a
//! header, the query or a cookie; expired, forged and unsigned tokens are
//! refused with 401 and a JSON reason.

use base64::Engine;
use serde_json::{Value, json};
use switchboard_tests::{TempApp, TestServer, app, app_subset, repo_root};
use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest, http::HeaderValue};

use switchboard_tests::tokens::SECRET;
use switchboard_tests::unix_now as now;

fn hs256(claims: Value, secret: &str) -> String {
    switchboard_tests::tokens::hs256(&claims, secret)
}

fn rs256(claims: Value, kid: Option<&str>) -> String {
    switchboard_tests::tokens::rs256(&claims, "test-rsa-private.pem", kid)
}

fn claims(sub: &str) -> Value {
    json!({"sub": sub, "exp": now() + 600, "role": "admin"})
}

/// An app with no `authenticate` component (the probe at `action_enter`).
fn plain_app() -> TempApp {
    app_subset(&app("tests/apps/basic"), &["action_enter.wasm"])
}

/// Where the built-in check finds its key.
enum Key {
    Secret(String),
    PublicKeyPem(Vec<u8>),
    Jwks(String),
}

async fn server(key: Key, allow_anonymous: bool) -> (TestServer, TempApp) {
    let app = plain_app();
    let file = |name: &str, bytes: &[u8]| {
        let path = app.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        Some(path)
    };
    let server = TestServer::start(&app.0, |config| {
        match key {
            Key::Secret(secret) => config.jwt.secret = Some(secret),
            Key::PublicKeyPem(pem) => config.jwt.public_key = file("key.pem", &pem),
            Key::Jwks(jwks) => config.jwt.jwks = file("jwks.json", jwks.as_bytes()),
        }
        config.jwt.cookie = "session".into();
        config.jwt.allow_anonymous = allow_anonymous;
    })
    .await;
    (server, app)
}

/// Connects with a request changed by `tweak`; returns the user the
/// probe saw, or the refusal's status and body.
async fn connect(
    server: &TestServer,
    path: &str,
    header: Option<(&'static str, String)>,
) -> Result<Value, (u16, Value)> {
    let mut request = server.url(path).into_client_request().unwrap();
    if let Some((name, value)) = header {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => {
            let mut client = switchboard_tests::Client { ws };
            Ok(client.ask(json!({"action": "enter"})).await["user"].clone())
        }
        Err(Error::Http(response)) => {
            let body =
                serde_json::from_slice(response.body().as_deref().unwrap_or(b"null")).unwrap();
            Err((response.status().as_u16(), body))
        }
        Err(other) => panic!("unexpected {other}"),
    }
}

fn bearer(token: &str) -> Option<(&'static str, String)> {
    Some(("authorization", format!("Bearer {token}")))
}

#[tokio::test]
async fn a_good_hs256_token_names_the_user_and_claims() {
    let (server, _app) = server(Key::Secret(SECRET.into()), false).await;
    let user = connect(&server, "/socket", bearer(&hs256(claims("ann"), SECRET)))
        .await
        .unwrap();
    assert_eq!(user["id"], json!("ann"));
    assert_eq!(user["claims"]["role"], json!("admin"));
    assert!(user["claims"].get("sub").is_none(), "sub becomes the id");
}

#[tokio::test]
async fn tokens_from_the_query_and_a_cookie() {
    let (server, _app) = server(Key::Secret(SECRET.into()), false).await;
    let token = hs256(claims("quinn"), SECRET);
    let user = connect(&server, &format!("/socket?token={token}"), None)
        .await
        .unwrap();
    assert_eq!(user["id"], json!("quinn"));
    let token = hs256(claims("cora"), SECRET);
    let cookie = Some(("cookie", format!("other=1; session={token}")));
    let user = connect(&server, "/socket", cookie).await.unwrap();
    assert_eq!(user["id"], json!("cora"));
}

#[tokio::test]
async fn expired_forged_and_unsigned_tokens_are_refused() {
    let (server, _app) = server(Key::Secret(SECRET.into()), false).await;
    let expired = hs256(json!({"sub": "old", "exp": now() - 3600}), SECRET);
    let (status, body) = connect(&server, "/socket", bearer(&expired))
        .await
        .unwrap_err();
    assert_eq!((status, body), (401, json!({"error": "token expired"})));

    let forged = hs256(claims("mallory"), "some-other-secret");
    let (status, body) = connect(&server, "/socket", bearer(&forged))
        .await
        .unwrap_err();
    assert_eq!(
        (status, body),
        (401, json!({"error": "bad token signature"}))
    );

    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims("mallory"))
    );
    let (status, body) = connect(&server, "/socket", bearer(&unsigned))
        .await
        .unwrap_err();
    assert_eq!(
        (status, body),
        (
            401,
            json!({"error": "unsigned tokens (alg none) are refused"})
        )
    );

    let (status, body) = connect(&server, "/socket", None).await.unwrap_err();
    assert_eq!(
        (status, body),
        (401, json!({"error": "a token is required"}))
    );
}

#[tokio::test]
async fn allow_anonymous_admits_connections_without_a_token_only() {
    let (server, _app) = server(Key::Secret(SECRET.into()), true).await;
    assert_eq!(
        connect(&server, "/socket", None).await.unwrap(),
        Value::Null
    );
    let forged = hs256(claims("mallory"), "wrong");
    assert_eq!(
        connect(&server, "/socket", bearer(&forged))
            .await
            .unwrap_err()
            .0,
        401
    );
}

#[tokio::test]
async fn rs256_with_a_pem_public_key_and_with_a_jwks() {
    let fixtures = repo_root().join("tests/fixtures/jwt");
    let pem = std::fs::read(fixtures.join("test-rsa-public.pem")).unwrap();
    let (server, _app) = server(Key::PublicKeyPem(pem), false).await;
    let user = connect(&server, "/socket", bearer(&rs256(claims("rita"), None)))
        .await
        .unwrap();
    assert_eq!(user["id"], json!("rita"));
    // An HS256 token is not accepted by an RS256 server.
    let (status, _) = connect(&server, "/socket", bearer(&hs256(claims("x"), SECRET)))
        .await
        .unwrap_err();
    assert_eq!(status, 401);

    let jwks = std::fs::read_to_string(fixtures.join("test-jwks.json")).unwrap();
    let (server, _app) = server_jwks(jwks).await;
    let user = connect(
        &server,
        "/socket",
        bearer(&rs256(claims("jo"), Some("test-key"))),
    )
    .await
    .unwrap();
    assert_eq!(user["id"], json!("jo"));
}

async fn server_jwks(jwks: String) -> (TestServer, TempApp) {
    server(Key::Jwks(jwks), false).await
}

#[tokio::test]
async fn an_authenticate_component_wins_over_jwt() {
    let app = app_subset(
        &app("tests/apps/basic"),
        &["index.wasm", "action_enter.wasm"],
    );
    let server = TestServer::start(&app.0, |config| {
        config.jwt.secret = Some(SECRET.into());
    })
    .await;
    // No token, yet the component admits the connection by its header.
    let user = connect(&server, "/socket", Some(("x-user", "hank".into())))
        .await
        .unwrap();
    assert_eq!(user["id"], json!("hank"));
}
