//! Which pages may open sockets: same-origin by default, listed origins
//! and subdomain wildcards, `*`, and requests without `Origin`.

use crate::{echoes, jwt_server, open, refused, send_only, token};
use switchboard_tests::{TestServer, capture_logs};

#[tokio::test]
async fn a_foreign_origin_is_refused_before_authentication() {
    let logs = capture_logs();
    let app = send_only();
    let server = jwt_server(&app, |_| {}).await;
    let bearer = format!("Bearer {}", token("ann"));
    let own = format!("http://{}", server.addr);
    let port = server.addr.port();
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1).max(1));
    let other_host = format!("http://localhost:{port}");

    for foreign in [
        "http://evil.test",
        "null",
        other_port.as_str(),
        other_host.as_str(),
    ] {
        // With a good token, and with none: the Origin check comes first.
        let headers = [("origin", foreign), ("authorization", &bearer)];
        assert_eq!(
            refused(open(&server, "/socket", &headers).await),
            (403, "origin not allowed".into()),
            "{foreign}"
        );
        let without = open(&server, "/socket", &[("origin", foreign)]).await;
        assert_eq!(
            refused(without),
            (403, "origin not allowed".into()),
            "{foreign}"
        );
    }
    assert!(
        !logs
            .lines_with(&["upgrade refused: origin not allowed", "403"])
            .is_empty()
    );

    // The server's own pages, and clients that are not browsers.
    let mut own_page = open(
        &server,
        "/socket",
        &[("origin", &own), ("authorization", &bearer)],
    )
    .await
    .expect("the same origin connects");
    assert!(echoes(&mut own_page).await);
    let mut no_origin = open(&server, "/socket", &[("authorization", &bearer)])
        .await
        .expect("no Origin connects");
    assert!(echoes(&mut no_origin).await);
    // Past the Origin check, the JWT check still applies.
    assert_eq!(
        refused(open(&server, "/socket", &[("origin", &own)]).await).0,
        401
    );
}

#[tokio::test]
async fn listed_origins_and_subdomain_wildcards_are_allowed() {
    let app = send_only();
    let server = TestServer::start(&app.0, |settings| {
        settings.edge.allowed_origins = vec![
            "https://*.example.com".into(),
            "http://app.test:3000".into(),
        ];
    })
    .await;
    for allowed in [
        "https://chat.example.com",
        "https://a.b.example.com",
        "http://app.test:3000",
        &format!("http://{}", server.addr),
    ] {
        let mut client = open(&server, "/socket", &[("origin", allowed)])
            .await
            .unwrap_or_else(|refusal| panic!("{allowed} refused: {refusal:?}"));
        assert!(echoes(&mut client).await, "{allowed}");
    }
    for foreign in [
        "https://example.com",
        "http://chat.example.com",
        "https://example.com.evil.test",
        "https://evilexample.com",
        "http://app.test:3001",
    ] {
        let refusal = refused(open(&server, "/socket", &[("origin", foreign)]).await);
        assert_eq!(refusal, (403, "origin not allowed".into()), "{foreign}");
    }
}

#[tokio::test]
async fn a_star_turns_the_origin_check_off_with_a_warning() {
    let logs = capture_logs();
    let app = send_only();
    let server = TestServer::start(&app.0, |settings| {
        settings.edge.allowed_origins = vec!["*".into()];
    })
    .await;
    let mut client = open(&server, "/socket", &[("origin", "http://evil.test")])
        .await
        .expect("any origin connects");
    assert!(echoes(&mut client).await);
    assert!(
        !logs
            .lines_with(&["WARN", "allowed-origins is [\"*\"]"])
            .is_empty()
    );
}
