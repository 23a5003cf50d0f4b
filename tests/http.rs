//! `api/` HTTP handlers through real HTTP: routes and params, the
//! request's user and `send` to their sockets, body caps, hostile
//! handlers, outbound requests to a local server, and the browser rules
//! (CORS, cross-site requests with cookies).

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use switchboard::Settings;
use switchboard_tests::{TestServer, app, error_text, tokens};

const APP: &str = "tests/apps/http";

fn token(user: &str) -> String {
    tokens::hs256(
        &json!({"sub": user, "exp": switchboard_tests::unix_now() + 600}),
        tokens::SECRET,
    )
}

/// The HTTP app with JWT on, anonymous requests allowed.
async fn server_with(tweak: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&app(APP), |settings| {
        settings.jwt.secret = Some(tokens::SECRET.into());
        settings.jwt.allow_anonymous = true;
        tweak(settings);
    })
    .await
}

async fn server() -> TestServer {
    server_with(|_| {}).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn url(server: &TestServer, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

/// Status and JSON body.
async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("a JSON body ({err}), got {status}: {text}"));
    (status, body)
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    json_of(client().get(url(server, path)).send().await.unwrap()).await
}

#[tokio::test]
async fn a_post_as_a_user_reaches_that_users_sockets() {
    let server = server().await;
    let mut phone = server
        .connect_with(&format!("/socket?token={}", token("alice")), &[])
        .await;
    let mut laptop = server
        .connect_with(&format!("/socket?token={}", token("alice")), &[])
        .await;
    let mut bob = server
        .connect_with(&format!("/socket?token={}", token("bob")), &[])
        .await;

    let response = client()
        .post(url(&server, "/api/users/42?x=1"))
        .bearer_auth(token("alice"))
        .header("x-send", "1")
        .header("x-probe", "probe")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-lang"], "rust");
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"lang": "rust", "method": "POST", "path": "/api/users/42?x=1", "id": "42",
               "user": "alice", "header": "probe", "body": "hello"})
    );
    let sent = json!({"from": "rust", "via": "http"});
    assert_eq!(phone.recv_json().await, sent);
    assert_eq!(laptop.recv_json().await, sent);
    bob.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn an_anonymous_send_is_an_error_that_says_why() {
    let server = server().await;
    let response = client()
        .post(url(&server, "/api/users/1"))
        .header("x-send", "1")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        error_text(&body).contains("no authenticated user"),
        "{body}"
    );
}

#[tokio::test]
async fn a_bad_token_is_refused_like_an_upgrade() {
    let server = server().await;
    let response = client()
        .get(url(&server, "/api"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn paths_route_to_the_most_specific_file_with_params() {
    let server = server().await;
    assert_eq!(
        get(&server, "/api").await,
        (200, json!({"route": "index", "user": null}))
    );
    assert_eq!(
        get(&server, "/api/users/me").await,
        (200, json!({"route": "me"}))
    );
    let (status, body) = get(&server, "/api/users/a%20b").await;
    assert_eq!((status, &body["id"]), (200, &json!("a b")), "{body}");
    let (status, body) = get(&server, "/api/users/1/more").await;
    assert_eq!(status, 404);
    assert!(error_text(&body).contains("no api/ handler"), "{body}");
    assert_eq!(get(&server, "/api/nothing").await.0, 404);
}

#[tokio::test]
async fn a_component_built_on_the_wasi_crate_alone_serves() {
    let server = server().await;
    let response = client()
        .get(url(&server, "/api/plain"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "hello from wasi");
}

#[tokio::test]
async fn request_bodies_are_capped() {
    let server = server_with(|settings| settings.http.max_body_bytes = 1000).await;
    let echo = |body: Vec<u8>| {
        client()
            .post(url(&server, "/api/echo"))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let response = echo(vec![7; 1000]).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &[7; 1000][..]);

    let (status, body) = json_of(echo(vec![7; 1001]).await.unwrap()).await;
    assert_eq!(status, 413, "{body}");
    assert!(error_text(&body).contains("1000 bytes"), "{body}");

    // Without a length up front (chunked), the cap holds too.
    let chunks = futures_util::stream::iter(
        (0..3).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 600]))),
    );
    let response = client()
        .post(url(&server, "/api/echo"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn hostile_handlers_get_500_while_sockets_keep_working() {
    let server = server_with(|settings| {
        settings.limits.timeout = 2;
        settings.http.max_response_bytes = 1 << 20;
    })
    .await;
    let mut socket = server.connect().await;
    let cases = [
        ("/api/loop", &["fuel", "timed out"][..]),
        ("/api/bomb", &["memory limit"]),
        ("/api/huge", &["larger than the server's cap"]),
        ("/api/trap", &["trapped"]),
        ("/api/noresponse", &["without setting a response"]),
    ];
    let calls = cases.iter().map(|(path, _)| get(&server, path));
    let answers = futures_util::future::join_all(calls);
    // The socket is answered while the hostile calls run.
    let reply = socket.ask(json!({"action": "context"})).await;
    assert_eq!(reply["context"]["user"], Value::Null, "{reply}");
    for ((path, needles), (status, body)) in cases.iter().zip(answers.await) {
        assert_eq!(status, 500, "{path}: {body}");
        let text = error_text(&body);
        assert!(
            needles.iter().any(|needle| text.contains(needle)),
            "{path}: {text}"
        );
    }
    assert_eq!(get(&server, "/api").await.0, 200);
}

/// A local server for outbound requests: `/hello` answers, `/slow`
/// never does. Counts the requests it got.
async fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    use axum::routing::get;
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = axum::Router::new()
        .route("/hello", get(|| async { "hi from upstream" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "late"
            }),
        )
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, hits)
}

fn fetch_path(upstream: SocketAddr, path: &str) -> String {
    let target = format!("http://{upstream}{path}");
    let encoded: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
    format!("/api/fetch?url={encoded}")
}

#[tokio::test]
async fn outbound_requests_go_only_to_allowed_hosts() {
    let (upstream, hits) = upstream().await;
    let allowed = server_with(|settings| {
        settings.http.allowed_outbound_hosts = vec!["http://127.0.0.1:*".into()];
    })
    .await;
    let (status, body) = get(&allowed, &fetch_path(upstream, "/hello")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"status": 200, "body": "hi from upstream"}));
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let other_port = server_with(|settings| {
        settings.http.allowed_outbound_hosts = vec!["http://127.0.0.1:1".into()];
    })
    .await;
    let denied = server().await;
    for server in [&other_port, &denied] {
        let (status, body) = get(server, &fetch_path(upstream, "/hello")).await;
        assert_eq!(status, 502, "{body}");
        assert!(
            error_text(&body).to_lowercase().contains("denied"),
            "{body}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1, "denied requests never left");
}

#[tokio::test]
async fn outbound_requests_count_against_the_callers_timeout() {
    let (upstream, _) = upstream().await;
    let server = server_with(|settings| {
        settings.limits.timeout = 1;
        settings.http.allowed_outbound_hosts = vec!["http://127.0.0.1:*".into()];
    })
    .await;
    let started = std::time::Instant::now();
    let (status, body) = get(&server, &fetch_path(upstream, "/slow")).await;
    assert_eq!(status, 500, "{body}");
    assert!(error_text(&body).contains("timed out after 1s"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn state_changing_requests_with_cookies_need_an_allowed_origin() {
    let server = server_with(|settings| {
        settings.edge.allowed_origins = vec!["http://good.test".into()];
    })
    .await;
    let post = |origin: &'static str, cookie: bool| {
        let mut request = client()
            .post(url(&server, "/api/users/1"))
            .header("origin", origin);
        if cookie {
            request = request.header("cookie", "session=1");
        }
        request.send()
    };
    let (status, body) = json_of(post("http://evil.test", true).await.unwrap()).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body, json!({"error": "origin not allowed"}));
    // Without cookies a foreign page acts for no one.
    assert_eq!(post("http://evil.test", false).await.unwrap().status(), 200);

    let response = post("http://good.test", true).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://good.test"
    );
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    // The server's own pages need no CORS.
    let own = format!("http://{}", server.addr);
    let response = client()
        .post(url(&server, "/api/users/1"))
        .header("origin", own)
        .header("cookie", "session=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn cors_preflights_follow_allowed_origins() {
    let server = server_with(|settings| {
        settings.edge.allowed_origins = vec!["https://*.example.com".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, url(&server, "/api/users/1"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, x-probe")
            .send()
    };
    let response = preflight("https://app.example.com").await.unwrap();
    assert_eq!(response.status(), 204);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        headers["access-control-allow-headers"],
        "content-type, x-probe"
    );
    assert_eq!(preflight("https://evil.test").await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_call_context_gives_socket_handlers_their_user_and_params() {
    let server = server().await;
    let mut alice = server
        .connect_with(&format!("/socket?token={}", token("alice")), &[])
        .await;
    let reply = alice.ask(json!({"action": "context", "room": "r1"})).await;
    assert_eq!(
        reply,
        json!({"context": {"user": "alice", "params": {"room": "r1"}}})
    );
    let reply = alice.ask(json!({"action": "context"})).await;
    assert_eq!(reply, json!({"context": {"user": "alice", "params": {}}}));
}

#[tokio::test]
async fn check_and_admin_cover_api_handlers() {
    let report = switchboard::app::check::check(&app(APP)).await.unwrap();
    let row = report
        .rows
        .iter()
        .find(|row| row.file == "api/users/[id].wasm")
        .expect("a row for api/users/[id].wasm");
    assert_eq!(row.route, "/api/users/:id");
    assert!(
        row.exports.contains("wasi:http/incoming-handler"),
        "{row:?}"
    );
    assert!(row.problem.is_empty(), "{row:?}");
    assert!(!report.has_problems(), "{report}");
}

#[tokio::test]
async fn api_handlers_are_swapped_in_while_serving() {
    let built = app(APP);
    let dir = switchboard_tests::TempApp(
        std::env::temp_dir().join(format!("switchboard-http-reload-{}", std::process::id())),
    );
    std::fs::create_dir_all(dir.0.join("api")).unwrap();
    let index = dir.0.join("api/index.wasm");
    std::fs::copy(built.join("api/index.wasm"), &index).unwrap();
    let server = TestServer::start(&dir.0, |settings| settings.components.watch = true).await;
    assert_eq!(get(&server, "/api").await.0, 200);

    // Written beside, then renamed over, as deploy tools do.
    let staged = dir.0.join("api/.index.wasm.tmp");
    std::fs::copy(built.join("api/plain.wasm"), &staged).unwrap();
    std::fs::rename(&staged, &index).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let response = client().get(url(&server, "/api")).send().await.unwrap();
        if response.text().await.unwrap() == "hello from wasi" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never swapped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::remove_file(&index).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = async || {
        let response = client().get(url(&server, "/api")).send().await.unwrap();
        response.status().as_u16()
    };
    while status().await != 404 {
        assert!(std::time::Instant::now() < deadline, "never removed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
