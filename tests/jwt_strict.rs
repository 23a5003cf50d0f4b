//! Strict JWT validation: the leeway on `exp` and `nbf`, required `aud`
//! and `iss`, and key rotation from a JWKS file rewritten while serving
//! and from a JWKS URL served by a local HTTP server that rotates keys.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard::Settings;
use switchboard_tests::{TempApp, TestServer, app, app_subset, guest_target_dir, repo_root};
use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest, http::HeaderValue};

use switchboard_tests::tokens::SECRET;
use switchboard_tests::unix_now as now;

fn hs256(claims: Value) -> String {
    switchboard_tests::tokens::hs256(&claims, SECRET)
}

/// A token signed by fixture key 1 or 2, naming `kid`.
fn rs256(key: u8, kid: &str) -> String {
    let file = match key {
        1 => "test-rsa-private.pem",
        _ => "test-rsa-private-2.pem",
    };
    let claims = json!({"sub": format!("user-{key}"), "exp": now() + 600});
    switchboard_tests::tokens::rs256(&claims, file, Some(kid))
}

/// A JWKS of the public halves of fixture keys, each under a `kid`.
fn jwks(keys: &[(u8, &str)]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|&(key, kid)| {
            let name = match key {
                1 => "test-jwks.json",
                _ => "test-jwks-2.json",
            };
            let file = std::fs::read(repo_root().join("tests/fixtures/jwt").join(name)).unwrap();
            let mut jwk = serde_json::from_slice::<Value>(&file).unwrap()["keys"][0].clone();
            jwk["kid"] = json!(kid);
            jwk
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

fn plain_app() -> TempApp {
    app_subset(&app("tests/apps/basic"), &["action_enter.wasm"])
}

/// The user id the probe saw, or the refusal's status and body.
async fn connect(server: &TestServer, token: &str) -> Result<String, (u16, Value)> {
    let mut request = server.url("/socket").into_client_request().unwrap();
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    request.headers_mut().insert("authorization", bearer);
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => {
            let mut client = switchboard_tests::Client { ws };
            let user = client.ask(json!({"action": "enter"})).await["user"].clone();
            Ok(user["id"].as_str().unwrap().to_owned())
        }
        Err(Error::Http(response)) => {
            let body = response.body().as_deref().unwrap_or(b"null");
            Err((
                response.status().as_u16(),
                serde_json::from_slice(body).unwrap(),
            ))
        }
        Err(other) => panic!("unexpected {other}"),
    }
}

fn refused(reason: &str) -> Result<String, (u16, Value)> {
    Err((401, json!({ "error": reason })))
}

async fn hs256_server(tweak: impl FnOnce(&mut Settings)) -> (TestServer, TempApp) {
    let app = plain_app();
    let server = TestServer::start(&app.0, |settings| {
        settings.jwt.secret = Some(SECRET.into());
        tweak(settings);
    })
    .await;
    (server, app)
}

#[tokio::test]
async fn the_leeway_applies_to_exp() {
    let token = hs256(json!({"sub": "ann", "exp": now() - 1}));
    let (strict, _app) = hs256_server(|_| {}).await;
    assert_eq!(connect(&strict, &token).await, refused("token expired"));
    let (lenient, _app) = hs256_server(|s| s.jwt.leeway = 5).await;
    assert_eq!(connect(&lenient, &token).await, Ok("ann".into()));
    let long_gone = hs256(json!({"sub": "ann", "exp": now() - 30}));
    assert_eq!(
        connect(&lenient, &long_gone).await,
        refused("token expired")
    );
}

#[tokio::test]
async fn nbf_is_honoured_with_the_leeway() {
    let soon = hs256(json!({"sub": "bo", "exp": now() + 600, "nbf": now() + 2}));
    let later = hs256(json!({"sub": "bo", "exp": now() + 600, "nbf": now() + 60}));
    let started = hs256(json!({"sub": "bo", "exp": now() + 600, "nbf": now() - 1}));
    let not_yet = refused("token not valid yet (nbf)");
    let (strict, _app) = hs256_server(|_| {}).await;
    assert_eq!(connect(&strict, &soon).await, not_yet);
    assert_eq!(connect(&strict, &later).await, not_yet);
    assert_eq!(connect(&strict, &started).await, Ok("bo".into()));
    let (lenient, _app) = hs256_server(|s| s.jwt.leeway = 5).await;
    assert_eq!(connect(&lenient, &soon).await, Ok("bo".into()));
    assert_eq!(connect(&lenient, &later).await, not_yet);
}

#[tokio::test]
async fn audience_and_issuer_are_required_when_configured() {
    let (server, _app) = hs256_server(|s| {
        s.jwt.audience = vec!["chat".into(), "admin".into()];
        s.jwt.issuer = vec!["https://idp.test".into()];
    })
    .await;
    let token = |aud: Option<Value>, iss: Option<&str>| {
        let mut claims = json!({"sub": "cy", "exp": now() + 600});
        if let Some(aud) = aud {
            claims["aud"] = aud;
        }
        if let Some(iss) = iss {
            claims["iss"] = json!(iss);
        }
        hs256(claims)
    };
    let idp = Some("https://idp.test");
    for aud in [json!("chat"), json!("admin"), json!(["other", "chat"])] {
        assert_eq!(
            connect(&server, &token(Some(aud), idp)).await,
            Ok("cy".into())
        );
    }
    let wrong_aud = token(Some(json!("billing")), idp);
    assert_eq!(
        connect(&server, &wrong_aud).await,
        refused("token `aud` is not accepted")
    );
    let no_aud = token(None, idp);
    assert_eq!(
        connect(&server, &no_aud).await,
        refused("token has no `aud` claim")
    );
    let wrong_iss = token(Some(json!("chat")), Some("https://evil.test"));
    assert_eq!(
        connect(&server, &wrong_iss).await,
        refused("token `iss` is not accepted")
    );
    let no_iss = token(Some(json!("chat")), None);
    assert_eq!(
        connect(&server, &no_iss).await,
        refused("token has no `iss` claim")
    );

    // Unconfigured, neither claim is looked at.
    let (open, _app) = hs256_server(|_| {}).await;
    assert_eq!(connect(&open, &wrong_aud).await, Ok("cy".into()));
    assert_eq!(connect(&open, &token(None, None)).await, Ok("cy".into()));
}

/// Polls `connect` until it gives `want`, for up to 5 s.
async fn eventually(server: &TestServer, token: &str, want: Result<String, (u16, Value)>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let got = connect(server, token).await;
        if got == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_jwks_file_rewritten_while_serving_rotates_the_keys() {
    let app = plain_app();
    let path = app.0.join("jwks.json");
    std::fs::write(&path, jwks(&[(1, "one")])).unwrap();
    let server = TestServer::start(&app.0, |s| s.jwt.jwks = Some(path.clone())).await;
    assert_eq!(
        connect(&server, &rs256(1, "one")).await,
        Ok("user-1".into())
    );
    assert_eq!(
        connect(&server, &rs256(2, "two")).await,
        refused("no key with kid \"two\"")
    );

    // As deploy tools do: write aside, then rename over the file.
    let aside = app.0.join("jwks.json.new");
    std::fs::write(&aside, jwks(&[(2, "two")])).unwrap();
    std::fs::rename(&aside, &path).unwrap();
    eventually(&server, &rs256(2, "two"), Ok("user-2".into())).await;
    assert_eq!(
        connect(&server, &rs256(1, "one")).await,
        refused("no key with kid \"one\"")
    );

    // A broken file keeps the last good keys.
    std::fs::write(&path, "{ not json").unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        connect(&server, &rs256(2, "two")).await,
        Ok("user-2".into())
    );
}

/// A JWKS server on loopback: what it serves can change, and it counts
/// the requests it gets.
struct KeyServer {
    jwks: Mutex<String>,
    status: Mutex<StatusCode>,
    cache_control: &'static str,
    hits: AtomicUsize,
}

impl KeyServer {
    async fn start(jwks: String, cache_control: &'static str) -> (Arc<KeyServer>, String) {
        let state = Arc::new(KeyServer {
            jwks: Mutex::new(jwks),
            status: Mutex::new(StatusCode::OK),
            cache_control,
            hits: AtomicUsize::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let router = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(serve_jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (state, url)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn serve(&self, jwks: String) {
        *self.jwks.lock().unwrap() = jwks;
    }
}

async fn serve_jwks(State(keys): State<Arc<KeyServer>>) -> impl IntoResponse {
    keys.hits.fetch_add(1, Ordering::SeqCst);
    let status = *keys.status.lock().unwrap();
    let body = keys.jwks.lock().unwrap().clone();
    (status, [(header::CACHE_CONTROL, keys.cache_control)], body)
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_url_at_most_once_a_minute() {
    let (keys, url) = KeyServer::start(jwks(&[(1, "one")]), "public, max-age=3600").await;
    let app = plain_app();
    let server = TestServer::start(&app.0, |s| s.jwt.jwks_url = Some(url)).await;
    assert_eq!(keys.hits(), 1, "fetched once at startup");
    assert_eq!(
        connect(&server, &rs256(1, "one")).await,
        Ok("user-1".into())
    );
    assert_eq!(keys.hits(), 1, "a known kid fetches nothing");

    keys.serve(jwks(&[(1, "one"), (2, "two")]));
    assert_eq!(
        connect(&server, &rs256(2, "two")).await,
        Ok("user-2".into())
    );
    assert_eq!(keys.hits(), 2, "the unknown kid refetched once");

    // The server has "three" now, but the last refetch was under a minute ago.
    keys.serve(jwks(&[(2, "two"), (2, "three")]));
    let three = rs256(2, "three");
    assert_eq!(
        connect(&server, &three).await,
        refused("no key with kid \"three\"")
    );
    assert_eq!(keys.hits(), 2, "no second refetch within a minute");
    assert_eq!(
        connect(&server, &rs256(1, "one")).await,
        Ok("user-1".into())
    );
}

#[tokio::test]
async fn a_jwks_url_is_refetched_by_its_max_age_and_outlives_failures() {
    let (keys, url) = KeyServer::start(jwks(&[(1, "one")]), "max-age=1").await;
    let app = plain_app();
    let server = TestServer::start(&app.0, |s| s.jwt.jwks_url = Some(url)).await;
    assert_eq!(keys.hits(), 1);
    keys.serve(jwks(&[(2, "two")]));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let refreshes = keys.hits() - 1;
    assert!(
        (1..=3).contains(&refreshes),
        "{refreshes} refreshes in 2.5 s"
    );
    // Rotated by the refresh, not by a kid refetch: "one" is gone.
    assert_eq!(
        connect(&server, &rs256(2, "two")).await,
        Ok("user-2".into())
    );

    // The key server fails: the last good keys stay.
    *keys.status.lock().unwrap() = StatusCode::INTERNAL_SERVER_ERROR;
    let before = keys.hits();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(keys.hits() > before, "a refresh was tried");
    assert_eq!(
        connect(&server, &rs256(2, "two")).await,
        Ok("user-2".into())
    );
    assert_eq!(
        connect(&server, &rs256(1, "one")).await,
        refused("no key with kid \"one\"")
    );
}

#[tokio::test]
async fn a_jwks_url_that_cannot_be_fetched_stops_startup_naming_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let app = plain_app();
    for url in [url, "http://keys.example.com/jwks.json".to_owned()] {
        let mut settings = Settings::for_tests();
        settings.components.cache_dir = Some(guest_target_dir().join("compile-cache"));
        settings.jwt.jwks_url = Some(url.clone());
        let Err(err) = switchboard::Server::bind(&app.0, settings).await else {
            panic!("started with {url}");
        };
        assert!(format!("{err:#}").contains(&url), "{err:#}");
    }
}
