//! The admin listener: its bearer token, its refusal to go off loopback
//! without one, and the job queue's routes.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_tests::{TestServer, app};

const TOKEN: &str = "admin-test-token";

async fn serve(app_dir: &str, token: Option<&str>) -> TestServer {
    TestServer::start(&app(app_dir), |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.listen.admin_token = token.map(Into::into);
        settings.jobs.retry_delay = 0.05;
    })
    .await
}

/// Status and JSON body (null when not JSON) of an admin request.
async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the admin listener answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn url(server: &TestServer, path: &str) -> String {
    format!(
        "http://{}{path}",
        server.admin.expect("admin routes are on")
    )
}

#[tokio::test]
async fn every_admin_route_but_health_needs_the_token() {
    let server = serve("tests/apps/basic", Some(TOKEN)).await;
    let client = reqwest::Client::new();
    let components = url(&server, "/_switchboard/components");
    let (status, body) = call(client.get(&components)).await;
    assert_eq!(
        (status, body),
        (401, json!({"error": "missing or wrong admin token"}))
    );
    let (status, _) = call(client.get(&components).bearer_auth("wrong")).await;
    assert_eq!(status, 401);
    let (status, body) = call(client.get(&components).bearer_auth(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(
        body.as_array().is_some_and(|list| !list.is_empty()),
        "{body}"
    );
    for path in ["/healthz", "/readyz"] {
        let response = client.get(url(&server, path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn admin_off_loopback_without_a_token_is_refused_at_startup() {
    let mut settings = switchboard::Settings::for_tests();
    settings.listen.admin = Some("0.0.0.0:0".parse().unwrap());
    let err = switchboard::Server::bind(app("tests/apps/basic"), settings)
        .await
        .err()
        .expect("the server refuses to start");
    assert!(err.to_string().contains("without --admin-token"), "{err}");
}

#[tokio::test]
async fn dead_letters_can_be_listed_requeued_and_dropped() {
    let server = serve("tests/apps/jobs", Some(TOKEN)).await;
    let client = reqwest::Client::new();
    let mut ann = server.connect_as("ann").await;
    let reply = ann
        .ask(json!({"op": "push", "queue": "notify", "payload": {"fail_until": 99}}))
        .await;
    let id = reply["queued"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let (status, dead) = call(
            client
                .get(url(&server, "/_switchboard/dead"))
                .bearer_auth(TOKEN),
        )
        .await;
        assert_eq!(status, 200);
        if dead.as_array().is_some_and(|list| !list.is_empty()) {
            break dead;
        }
        assert!(Instant::now() < deadline, "no dead letter");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead[0]["id"], json!(id));
    assert_eq!(dead[0]["attempts"], json!(3));
    assert_eq!(dead[0]["error"], json!("attempt 3 failed"));
    let (_, queues) = call(
        client
            .get(url(&server, "/_switchboard/queues"))
            .bearer_auth(TOKEN),
    )
    .await;
    let notify = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "notify")
        .unwrap();
    assert_eq!(notify["dead"], json!(1));

    let requeue = url(&server, &format!("/_switchboard/dead/{id}/requeue"));
    let (status, body) = call(client.post(&requeue).bearer_auth(TOKEN)).await;
    assert_eq!((status, body), (200, json!({"requeued": id})));
    // Within a second or so, the worker runs it again from attempt 1.
    loop {
        let started = ann.next_with("started").await;
        if started["attempt"] == json!(1) {
            break;
        }
    }
    let (status, _) = call(client.post(&requeue).bearer_auth(TOKEN)).await;
    assert_eq!(status, 404, "it is not dead now");
    let missing = url(&server, "/_switchboard/dead/999999");
    let (status, body) = call(client.delete(&missing).bearer_auth(TOKEN)).await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "there is no dead job 999999"}))
    );
}

#[tokio::test]
async fn users_and_their_connections_can_be_listed_paged_and_disconnected() {
    let server = serve("tests/apps/basic", Some(TOKEN)).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(url(&server, path)).bearer_auth(TOKEN);
    let mut ann = server.connect_as("ann").await;
    let mut ann_phone = server.connect_as("ann").await;
    let mut bob = server.connect_as("bob").await;
    let _anonymous = server.connect().await;

    let (status, page) = call(get("/_switchboard/users?limit=1")).await;
    assert_eq!(status, 200);
    assert_eq!(
        page,
        json!({"users": [{"user": "ann", "connections": 2}], "next": "ann"})
    );
    let (_, page) = call(get("/_switchboard/users?after=ann&limit=1")).await;
    assert_eq!(
        page,
        json!({"users": [{"user": "bob", "connections": 1}], "next": "bob"})
    );
    let (_, page) = call(get("/_switchboard/users?after=bob")).await;
    assert_eq!(page, json!({"users": [], "next": null}));
    for bad in ["limit=0", "limit=1001", "limit=x", "color=red"] {
        let (status, body) = call(get(&format!("/_switchboard/users?{bad}"))).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }

    let (status, shown) = call(get("/_switchboard/users/ann")).await;
    assert_eq!(status, 200);
    let connections = shown["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 2);
    let node = server.services.node.as_str();
    for connection in connections {
        assert_eq!(connection["node"], json!(node));
        assert!(connection["id"].as_str().unwrap().starts_with(node));
        assert!(
            connection["remote"]
                .as_str()
                .unwrap()
                .starts_with("127.0.0.1:")
        );
        assert!(connection["since"].as_f64().unwrap() > 1.7e9);
    }
    let (status, body) = call(get("/_switchboard/users/nobody")).await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "user nobody is not online"}))
    );

    // One of ann's connections, by id, with a code and reason.
    let first = connections[0]["id"].as_str().unwrap().to_owned();
    let disconnect = url(
        &server,
        &format!("/_switchboard/connections/{first}/disconnect"),
    );
    let body = json!({"code": 4000, "reason": "maintenance"});
    let (status, reply) = call(client.post(&disconnect).bearer_auth(TOKEN).json(&body)).await;
    assert_eq!((status, reply), (200, json!({"disconnected": 1})));
    let (code, reason) = ann.recv_close().await;
    assert_eq!((code, reason.as_str()), (4000, "maintenance"));
    let (status, _) = call(client.post(&disconnect).bearer_auth(TOKEN).json(&body)).await;
    assert_eq!(status, 404, "that connection is gone");

    // Bad bodies are refused, and nothing is closed.
    let bob_disconnect = url(&server, "/_switchboard/users/bob/disconnect");
    for bad in [
        json!({"code": 1006}),
        json!({"code": 2000}),
        json!({"reason": "x".repeat(124)}),
        json!({"color": "red"}),
    ] {
        let (status, body) = call(client.post(&bob_disconnect).bearer_auth(TOKEN).json(&bad)).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    bob.expect_round_trip(json!({"action": "send", "message": "still here"}))
        .await;

    // All of a user's connections, with the defaults.
    let (status, reply) = call(client.post(&bob_disconnect).bearer_auth(TOKEN)).await;
    assert_eq!((status, reply), (200, json!({"disconnected": 1})));
    assert_eq!(
        bob.recv_close().await,
        (1000, "disconnected by an operator".into())
    );
    let _ = &mut ann_phone;
}

#[tokio::test]
async fn the_admin_send_reaches_every_connection_of_each_user() {
    let server = serve("tests/apps/basic", Some(TOKEN)).await;
    let client = reqwest::Client::new();
    let mut ann = server.connect_as("ann").await;
    let mut ann_phone = server.connect_as("ann").await;
    let mut bob = server.connect_as("bob").await;
    let send = url(&server, "/_switchboard/send");
    let body = json!({"users": ["ann", "bob", "carol"], "message": {"notice": "restart at 5"}});
    let (status, reply) = call(client.post(&send).bearer_auth(TOKEN).json(&body)).await;
    assert_eq!((status, reply), (200, json!({"delivered": 3})));
    for client in [&mut ann, &mut ann_phone, &mut bob] {
        assert_eq!(client.recv_json().await, json!({"notice": "restart at 5"}));
    }
    let (status, _) = call(client.post(&send).json(&body)).await;
    assert_eq!(status, 401, "the token is needed");
    let (status, reply) = call(
        client
            .post(&send)
            .bearer_auth(TOKEN)
            .json(&json!({"users": []})),
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    let too_many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    let body = json!({"users": too_many, "message": "hi"});
    let (status, reply) = call(client.post(&send).bearer_auth(TOKEN).json(&body)).await;
    assert_eq!(status, 400, "{reply}");
}

#[tokio::test]
async fn readyz_turns_503_when_the_server_starts_to_stop() {
    let server = TestServer::start(&app("tests/apps/basic"), |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.connections.drain_window = 2.0;
    })
    .await;
    let ready = url(&server, "/readyz");
    let client = reqwest::Client::new();
    let _connection = server.connect().await;
    assert_eq!(client.get(&ready).send().await.unwrap().status(), 200);
    let stopping = tokio::spawn(server.shutdown());
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let response = client.get(&ready).send().await.unwrap();
        if response.status() == 503 {
            assert_eq!(response.text().await.unwrap(), "draining");
            break;
        }
        assert!(Instant::now() < deadline, "/readyz still 200");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(stopping);
}
