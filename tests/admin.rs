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
