//! The browser-facing edge through real sockets: the Origin check, before
//! authentication (`origin`); the connection caps per client IP and in
//! all and how they recover, the request head sizes and trusted proxies
//! (`caps`); and the message rate of each connection (`rate`). The
//! browser's side of the Origin check is in `browser.rs`.

mod caps;
mod origin;
mod rate;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard::Settings;
use switchboard_tests::{Client, TempApp, TestServer, app, app_subset};
use tokio_tungstenite::tungstenite::Error;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};

const SECRET: &str = "edge-test-secret";

pub fn token(sub: &str) -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": sub, "exp": exp}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// The basic app's `send` route alone, so that no `authenticate` export
/// stands in for the built-in JWT check.
pub fn send_only() -> TempApp {
    app_subset(&app("tests/apps/basic"), &["action_send.wasm"])
}

/// A server that requires a JWT, tweaked by `tweak`.
pub async fn jwt_server(app: &TempApp, tweak: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&app.0, |settings| {
        settings.jwt.secret = Some(SECRET.into());
        tweak(settings);
    })
    .await
}

/// Opens `/socket` with these headers: the client, or the refusal's
/// status and body.
pub async fn open(
    server: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Client, (u16, Value)> {
    let mut request = server.url(path).into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(Client { ws }),
        Err(Error::Http(response)) => {
            let body = response.body().as_deref().unwrap_or(b"null");
            Err((
                response.status().as_u16(),
                serde_json::from_slice(body).unwrap_or(Value::Null),
            ))
        }
        Err(other) => panic!("unexpected {other}"),
    }
}

/// A round trip through the `send` route.
pub async fn echoes(client: &mut Client) -> bool {
    client
        .ask(json!({"action": "send", "message": "ping"}))
        .await
        == json!("ping")
}

pub fn refused(result: Result<Client, (u16, Value)>) -> (u16, String) {
    match result {
        Ok(_) => panic!("the upgrade was accepted"),
        Err((status, body)) => (
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        ),
    }
}

/// Waits up to five seconds for `done`.
pub async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
