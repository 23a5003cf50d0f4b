//! Connection caps per client IP and in all, their recovery, the sizes
//! of an upgrade request's head, and `X-Forwarded-For` from trusted
//! proxies.

use crate::{echoes, eventually, jwt_server, open, refused, send_only, token};
use std::net::IpAddr;
use switchboard_tests::{TestServer, capture_logs};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn the_per_ip_cap_refuses_with_429_and_recovers_when_connections_close() {
    let app = send_only();
    let server = TestServer::start(&app.0, |settings| {
        settings.edge.max_connections_per_ip = 2;
    })
    .await;
    let mut first = server.connect().await;
    let second = server.connect().await;
    let (status, reason) = refused(open(&server, "/socket", &[]).await);
    assert_eq!(status, 429);
    assert_eq!(reason, "too many connections from this address: 2");
    assert!(
        echoes(&mut first).await,
        "open connections are still served"
    );

    drop(second);
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let caps = &server.services.edge.connections;
    assert!(
        eventually(|| caps.from_ip(loopback) == 1).await,
        "the count recovers"
    );
    let mut again = open(&server, "/socket", &[])
        .await
        .expect("a place is free again");
    assert!(echoes(&mut again).await);
}

#[tokio::test]
async fn the_total_cap_refuses_with_503_and_keeps_serving_the_open_ones() {
    let app = send_only();
    let server = TestServer::start(&app.0, |settings| {
        settings.edge.max_connections = Some(3);
    })
    .await;
    let mut open_ones = Vec::new();
    for _ in 0..3 {
        open_ones.push(server.connect().await);
    }
    let (status, reason) = refused(open(&server, "/socket", &[]).await);
    assert_eq!(
        (status, reason.as_str()),
        (503, "server full: 3 connections")
    );
    for client in &mut open_ones {
        assert!(echoes(client).await, "open connections are still served");
    }
    open_ones.pop().unwrap().ws.close(None).await.unwrap();
    let caps = &server.services.edge.connections;
    assert!(eventually(|| caps.total() == 2).await, "the count recovers");
    let mut again = open(&server, "/socket", &[])
        .await
        .expect("a place is free again");
    assert!(echoes(&mut again).await);
}

#[tokio::test]
async fn upgrades_that_fail_after_being_counted_give_their_place_back() {
    let app = send_only();
    let server = jwt_server(&app, |settings| settings.edge.max_connections = Some(1)).await;
    // Counted, then refused by the JWT check.
    for _ in 0..5 {
        let refusal =
            refused(open(&server, "/socket", &[("authorization", "Bearer forged")]).await);
        assert_eq!(refusal.0, 401);
    }
    // Counted, then the client goes away in the middle of its handshake.
    for _ in 0..5 {
        let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "GET /socket HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Authorization: Bearer {}\r\n\r\n",
            server.addr,
            token("gone")
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        drop(tcp);
    }
    let caps = &server.services.edge.connections;
    assert!(
        eventually(|| caps.total() == 0).await,
        "{} still counted",
        caps.total()
    );
    let bearer = format!("Bearer {}", token("ann"));
    let mut client = open(&server, "/socket", &[("authorization", &bearer)])
        .await
        .expect("the only place is free");
    assert!(echoes(&mut client).await);
}

/// Extra headers of a request.
type Headers<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn oversized_urls_headers_and_cookies_get_431() {
    let app = send_only();
    let server = TestServer::start(&app.0, |_| {}).await;
    let limits = server.services.settings.edge.clone();
    let long_url = format!("/socket?pad={}", "u".repeat(limits.max_url_bytes));
    let big_header = "h".repeat(limits.max_header_bytes);
    let big_cookie = format!("session={}", "c".repeat(limits.max_cookie_bytes));
    let cases: [(&str, &str, Headers); 3] = [
        ("URL", &long_url, &[]),
        ("headers", "/socket", &[("x-pad", &big_header)]),
        ("cookies", "/socket", &[("cookie", &big_cookie)]),
    ];
    for (what, path, headers) in cases {
        let (status, reason) = refused(open(&server, path, headers).await);
        assert_eq!(status, 431, "{what}");
        assert!(
            reason.starts_with("request too large: "),
            "{what}: {reason}"
        );
        assert!(reason.contains(what), "{what}: {reason}");
    }
    // Just under each limit is fine, cookies over two headers too.
    let url = format!("/socket?pad={}", "u".repeat(limits.max_url_bytes - 100));
    let header = "h".repeat(limits.max_header_bytes - 1000);
    let cookie = format!("a={}", "c".repeat(limits.max_cookie_bytes / 2));
    let second = format!("b={}", "c".repeat(limits.max_cookie_bytes / 2 - 10));
    let cases: [(&str, Headers); 3] = [
        (&url, &[]),
        ("/socket", &[("x-pad", &header)]),
        ("/socket", &[("cookie", &cookie), ("cookie", &second)]),
    ];
    for (path, headers) in cases {
        let mut client = open(&server, path, headers)
            .await
            .expect("within the limits");
        assert!(echoes(&mut client).await);
    }
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_trusted_proxies() {
    let logs = capture_logs();
    let app = send_only();
    let (alice, bob) = ("203.0.113.7", "198.51.100.20");
    let ip = |text: &str| text.parse::<IpAddr>().unwrap();

    let behind_proxy = TestServer::start(&app.0, |settings| {
        settings.edge.trusted_proxies = vec!["127.0.0.0/8".into()];
        settings.edge.max_connections_per_ip = 1;
    })
    .await;
    let forwarded = |client: &'static str| [("x-forwarded-for", client)];
    let mut a = open(&behind_proxy, "/socket", &forwarded(alice))
        .await
        .expect("alice");
    let (status, _) = refused(open(&behind_proxy, "/socket", &forwarded(alice)).await);
    assert_eq!(
        status, 429,
        "alice's second connection counts against alice"
    );
    let mut b = open(&behind_proxy, "/socket", &forwarded(bob))
        .await
        .expect("bob has his own");
    assert!(echoes(&mut a).await && echoes(&mut b).await);
    let caps = &behind_proxy.services.edge.connections;
    assert_eq!((caps.from_ip(ip(alice)), caps.from_ip(ip(bob))), (1, 1));
    assert_eq!(caps.from_ip(ip("127.0.0.1")), 0);
    assert!(
        !logs
            .lines_with(&["client{ip=203.0.113.7}", "connected"])
            .is_empty()
    );

    // From a peer that is not a trusted proxy, the header is ignored.
    let direct = TestServer::start(&app.0, |settings| {
        settings.edge.trusted_proxies = vec!["10.0.0.1".into()];
        settings.edge.max_connections_per_ip = 1;
    })
    .await;
    let mut c = open(&direct, "/socket", &forwarded(alice))
        .await
        .expect("first");
    let (status, _) = refused(open(&direct, "/socket", &forwarded(bob)).await);
    assert_eq!(status, 429, "both come from 127.0.0.1");
    assert!(echoes(&mut c).await);
    let caps = &direct.services.edge.connections;
    assert_eq!(
        (caps.from_ip(ip("127.0.0.1")), caps.from_ip(ip(alice))),
        (1, 0)
    );
}
