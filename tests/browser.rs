//! The chat example in real Chromium, driven by playwright-core
//! (`tests/browser/chat.mjs`). Needs Node.js, Debian's `chromium` and
//! `npm ci --prefix tests/browser`; `scripts/setup` installs them.

use std::process::Command;
use switchboard_tests::{TestServer, app, repo_root};

#[tokio::test]
async fn two_people_chat_in_chromium() {
    let browser_dir = repo_root().join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run scripts/setup (or npm ci --prefix tests/browser)"
    );
    let server = TestServer::start(&app("examples/chat"), |_| {}).await;
    let base = format!("http://{}/", server.addr);
    let screenshot =
        std::env::temp_dir().join(format!("switchboard-chat-{}.png", std::process::id()));
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_dir.join("chat.mjs"))
            .arg(&base)
            .arg(&screenshot)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (install Node.js)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("chat browser test: ok"), "{stdout}");
}
