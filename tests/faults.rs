//! Faults around the server: a full disk under the compile cache, a
//! client killed in the middle of a frame, and a half-closed socket.

use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use switchboard_tests::{Message, TestServer, app, app_subset, capture_logs};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A 64 KiB tmpfs at `dir`, unmounted on drop; `None` where mounting is
/// not allowed.
struct TinyDisk<'a>(&'a Path);

impl<'a> TinyDisk<'a> {
    fn mount(dir: &'a Path) -> Option<TinyDisk<'a>> {
        std::fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir)
            .status()
            .ok()?;
        status.success().then_some(TinyDisk(dir))
    }
}

impl Drop for TinyDisk<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_under_the_cache_degrades_to_compiling_in_memory() {
    let logs = capture_logs();
    let echo = app("examples/echo");
    let scratch = app_subset(&echo, &[]);
    let cache = scratch.0.join("cache");
    // A 64 KiB disk cannot hold a compiled component (about 200 KB). Where
    // mounting is not allowed, a file where the folder should be makes the
    // cache just as unwritable.
    let disk = TinyDisk::mount(&cache);
    if disk.is_none() {
        std::fs::remove_dir_all(&cache).unwrap();
        std::fs::write(&cache, b"not a folder").unwrap();
    }
    let server = TestServer::start(&echo, |config| {
        config.components.cache_dir = Some(cache.clone())
    })
    .await;
    let mut client = server.connect().await;
    client.expect_echo(Message::text("still works")).await;
    assert!(
        !logs
            .lines_with(&["WARN", "cannot write compile cache"])
            .is_empty(),
        "a warning says the cache could not be written"
    );
    drop(server);
    drop(disk);
}

#[tokio::test]
async fn a_client_killed_mid_frame_does_not_disturb_others() {
    let server = TestServer::basic().await;
    let mut bystander = server.connect().await;

    // Handshake by hand, then half a masked text frame, then gone.
    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    let handshake = "GET /socket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nx-user: killed\r\n\r\n";
    raw.write_all(handshake.as_bytes()).await.unwrap();
    let mut response = [0u8; 512];
    let n = tokio::io::AsyncReadExt::read(&mut raw, &mut response)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&response[..n]).starts_with("HTTP/1.1 101"));
    // FIN + text, masked, length 100, mask key, then only 10 bytes.
    raw.write_all(&[0x81, 0x80 | 100, 1, 2, 3, 4])
        .await
        .unwrap();
    raw.write_all(&[b'x'; 10]).await.unwrap();
    drop(raw);

    assert!(
        bystander.wait_until_offline("killed").await,
        "the killed client is gone"
    );
    bystander.expect_round_trip(json!("fine")).await;
}

#[tokio::test]
async fn a_half_closed_socket_is_cleaned_up() {
    let server = TestServer::basic().await;
    let mut bystander = server.connect().await;
    let mut half = server.connect_as("half").await;
    half.expect_round_trip(json!("last words")).await;
    // Shut down only our sending side: the server reads end-of-stream.
    let tcp = match half.ws.get_mut() {
        tokio_tungstenite::MaybeTlsStream::Plain(tcp) => tcp,
        _ => unreachable!("loopback is plain TCP"),
    };
    tcp.shutdown().await.unwrap();
    assert!(
        bystander.wait_until_offline("half").await,
        "the half-closed client is gone"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    bystander.expect_round_trip(json!("ok")).await;
}
