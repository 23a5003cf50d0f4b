//! Real Chromium, driven by playwright-core: the chat example
//! (`tests/browser/chat.mjs`), the long-task example
//! (`tests/browser/tasks.mjs`), a foreign page trying to use the
//! visitor's cookie (`tests/browser/origin.mjs`), and the admin page
//! (`tests/browser/admin.mjs`). Needs Node.js, Debian's
//! `chromium` and `npm ci --prefix tests/browser`; `scripts/setup`
//! installs them.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_tests::{TempApp, TestServer, app, app_subset, capture_logs, repo_root};

fn browser_dir() -> PathBuf {
    let dir = repo_root().join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run scripts/setup (or npm ci --prefix tests/browser)"
    );
    dir
}

/// `node tests/browser/SCRIPT ARGS...`, off the async runtime.
async fn node(script: &str, args: Vec<String>) -> Output {
    let script = browser_dir().join(script);
    tokio::task::spawn_blocking(move || Command::new("node").arg(script).args(args).output())
        .await
        .unwrap()
        .expect("node runs (install Node.js)")
}

#[tokio::test]
async fn two_people_chat_in_chromium() {
    let server = TestServer::start(&app("examples/chat"), |_| {}).await;
    let base = format!("http://{}/", server.addr);
    let screenshot =
        std::env::temp_dir().join(format!("switchboard-chat-{}.png", std::process::id()));
    let screenshot = screenshot.display().to_string();
    let output = node("chat.mjs", vec![base, screenshot]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("chat browser test: ok"), "{stdout}");
}

#[tokio::test]
async fn a_long_task_reports_progress_in_chromium() {
    let server = TestServer::start(&app("examples/tasks"), |_| {}).await;
    let base = format!("http://{}/", server.addr);
    let screenshot =
        std::env::temp_dir().join(format!("switchboard-tasks-{}.png", std::process::id()));
    let screenshot = screenshot.display().to_string();
    let output = node("tasks.mjs", vec![base, screenshot]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("tasks browser test: ok"), "{stdout}");
}

#[tokio::test]
async fn the_admin_page_shows_live_traffic_in_chromium() {
    let server = TestServer::start(&app("tests/apps/basic"), |settings| {
        settings.listen.admin = Some("127.0.0.1:0".parse().unwrap());
        settings.listen.admin_token = Some("admin-page-token".into());
    })
    .await;
    let admin = format!("http://{}/", server.admin.unwrap());
    let socket = format!("ws://{}/socket", server.addr);
    let screenshot =
        std::env::temp_dir().join(format!("switchboard-admin-{}.png", std::process::id()));
    let screenshot = screenshot.display().to_string();
    let args = vec![admin, socket, "admin-page-token".into(), screenshot];
    let output = node("admin.mjs", args).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("admin browser test: ok"), "{stdout}");
}

const SECRET: &str = "browser-test-secret";

/// The basic app's probe (it answers with the caller's user) behind the
/// built-in JWT check, with `tests/browser/probe.html` as its own page.
fn probe_app() -> TempApp {
    let app = app_subset(&app("tests/apps/basic"), &["action_enter.wasm"]);
    std::fs::create_dir_all(app.0.join("public")).unwrap();
    let page = repo_root().join("tests/browser/probe.html");
    std::fs::copy(page, app.0.join("public/index.html")).unwrap();
    app
}

#[tokio::test]
async fn a_foreign_page_cannot_open_a_socket_with_the_visitors_cookie() {
    let logs = capture_logs();
    let app = probe_app();
    let guarded = TestServer::start(&app.0, |settings| {
        settings.jwt.secret = Some(SECRET.into());
    })
    .await;
    let unguarded = TestServer::start(&app.0, |settings| {
        settings.jwt.secret = Some(SECRET.into());
        settings.edge.allowed_origins = vec!["*".into()];
    })
    .await;
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let token = encode(
        &Header::new(Algorithm::HS256),
        &serde_json::json!({"sub": "ann", "exp": exp}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let args = vec![
        format!("http://{}/", guarded.addr),
        format!("http://{}/", unguarded.addr),
        token,
    ];
    let output = node("origin.mjs", args).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("origin browser test: ok"), "{stdout}");
    // Refused by the Origin check, not for want of the cookie.
    let refusals = logs.lines_with(&["upgrade refused: origin not allowed", "403"]);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
}
