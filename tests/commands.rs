//! `switchboard check` and the `dev` loop's rebuild-and-swap.

use std::path::Path;
use std::time::{Duration, Instant};
use switchboard_tests::{Message, TestServer, app, app_subset};

#[tokio::test]
async fn check_reports_exports_config_and_problems() {
    let basic = app("tests/apps/basic");
    let subset = app_subset(
        &basic,
        &["index.wasm", "kind_text.wasm", "action_loop.wasm"],
    );
    let report = switchboard::app::check::check(&subset.0).await.unwrap();
    assert!(!report.has_problems(), "{report}");
    let table = report.to_string();
    assert!(table.contains("handler, authenticate"), "{table}");
    assert!(table.contains("data=text"), "{table}");
    assert!(table.contains("timeout=1s"), "{table}");

    std::fs::write(subset.0.join("socket/action_bad.wasm"), b"garbage").unwrap();
    std::fs::write(subset.0.join("socket/chat.wasm"), b"garbage").unwrap();
    let report = switchboard::app::check::check(&subset.0).await.unwrap();
    assert!(report.has_problems());
    let table = report.to_string();
    let bad = table
        .lines()
        .find(|l| l.starts_with("action_bad.wasm"))
        .unwrap();
    assert!(bad.contains("not a valid component"), "{bad}");
    let chat = table.lines().find(|l| l.starts_with("chat.wasm")).unwrap();
    assert!(chat.contains("cannot route"), "{chat}");
}

/// `wasm` as if built against version `old` of the contract: its
/// `switchboard:socket/...@0.4.0` names renamed (same length, so the
/// binary stays valid).
fn built_for(wasm: &[u8], old: &[u8; 5]) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let needle = b"@0.4.0";
    let mut at = 0;
    while let Some(pos) = out[at..].windows(needle.len()).position(|w| w == needle) {
        out[at + pos + 1..at + pos + 6].copy_from_slice(old);
        at += pos + needle.len();
    }
    out
}

#[tokio::test]
async fn a_component_built_for_an_older_contract_is_refused_by_name() {
    let basic = app("tests/apps/basic");
    let subset = app_subset(&basic, &["index.wasm"]);
    let wasm = std::fs::read(basic.join("socket/action_send.wasm")).unwrap();
    std::fs::write(
        subset.0.join("socket/action_old.wasm"),
        built_for(&wasm, b"0.3.0"),
    )
    .unwrap();
    let report = switchboard::app::check::check(&subset.0).await.unwrap();
    let table = report.to_string();
    let old = table
        .lines()
        .find(|l| l.starts_with("action_old.wasm"))
        .unwrap();
    assert!(
        old.contains("another version of the Switchboard contract")
            && old.contains("@0.3.0")
            && old.contains("switchboard:socket@0.4.0")
            && old.contains("rebuild it"),
        "{old}"
    );
}

/// Copies the echo app's sources to a temporary folder, pointing its SDK
/// dependency at this repository.
fn copy_echo_sources(dest: &Path) {
    let source = switchboard_tests::repo_root().join("examples/echo");
    let sdk = switchboard_tests::repo_root().join("guest-sdk/rust");
    let manifest = std::fs::read_to_string(source.join("Cargo.toml"))
        .unwrap()
        .replace("../../guest-sdk/rust", sdk.to_str().unwrap());
    std::fs::write(dest.join("Cargo.toml"), manifest).unwrap();
    let handler = dest.join("handlers/index/src");
    std::fs::create_dir_all(&handler).unwrap();
    // A package name of its own: guest builds share one target directory,
    // where a second `echo-index` would overwrite the example's artifact.
    let package = std::fs::read_to_string(source.join("handlers/index/Cargo.toml"))
        .unwrap()
        .replace("name = \"echo-index\"", "name = \"dev-loop-echo\"");
    assert!(package.contains("dev-loop-echo"));
    std::fs::write(dest.join("handlers/index/Cargo.toml"), package).unwrap();
    std::fs::copy(
        source.join("handlers/index/src/lib.rs"),
        dest.join("handlers/index/src/lib.rs"),
    )
    .unwrap();
}

async fn echo_of(client: &mut switchboard_tests::Client, text: &str) -> String {
    client.send(Message::text(text)).await;
    match client.recv().await {
        Message::Text(reply) => reply.to_string(),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn dev_rebuilds_changed_sources_and_keeps_serving_through_a_failed_build() {
    let temp = app_subset(&app("examples/echo"), &[]);
    copy_echo_sources(&temp.0);
    let lib = temp.0.join("handlers/index/src/lib.rs");
    let original = std::fs::read_to_string(&lib).unwrap();
    let v2 = original.replace(
        "Data::Text(text) => socket::send(text)",
        "Data::Text(text) => socket::send(format!(\"v2:{text}\"))",
    );
    assert_ne!(v2, original);
    let broken = format!("{v2}\nthis is not rust");
    dev_loop(&temp.0, &lib, &v2, &broken).await;
}

#[tokio::test]
async fn dev_rebuilds_javascript_sources() {
    let temp = app_subset(&app("examples/echo-js"), &[]);
    let source = temp.0.join("handlers/index.js");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    let original = std::fs::read_to_string(
        switchboard_tests::repo_root().join("examples/echo-js/handlers/index.js"),
    )
    .unwrap();
    std::fs::write(&source, &original).unwrap();
    let v2 = original.replace(
        "await socket.send(data);",
        "await socket.send(typeof data === \"string\" ? \"v2:\" + data : data);",
    );
    assert_ne!(v2, original);
    let broken = format!("{v2}\nthis is not javascript(");
    dev_loop(&temp.0, &source, &v2, &broken).await;
}

/// Builds and serves the echo app at `app_dir` under the dev loop's source
/// watch, then writes `v2` to `source` and waits for its reply, writes
/// `broken` and checks that v2 keeps serving, and recovers with v3.
async fn dev_loop(app_dir: &Path, source: &Path, v2: &str, broken: &str) {
    let target = switchboard_tests::guest_target_dir();
    switchboard::cli::build::build_app(app_dir, Some(&target)).unwrap();
    let server = TestServer::start(app_dir, |_| {}).await;
    let _sources = switchboard::cli::dev::watch_sources(app_dir, Some(target)).unwrap();
    let mut client = server.connect().await;
    assert_eq!(echo_of(&mut client, "hi").await, "hi");

    std::fs::write(source, v2).unwrap();
    wait_for_echo(&mut client, "v2:hi").await;

    // A build that fails leaves v2 serving.
    std::fs::write(source, broken).unwrap();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(echo_of(&mut client, "hi").await, "v2:hi");
    }
    std::fs::write(source, v2.replace("v2:", "v3:")).unwrap();
    wait_for_echo(&mut client, "v3:hi").await;
}

async fn wait_for_echo(client: &mut switchboard_tests::Client, expected: &str) {
    let started = Instant::now();
    loop {
        if echo_of(client, "hi").await == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never saw {expected}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn sdk_builds_skip_routes_whose_inputs_did_not_change() {
    let temp = app_subset(&app("examples/echo-c"), &[]);
    let source = temp.0.join("handlers/index.c");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    std::fs::copy(
        switchboard_tests::repo_root().join("examples/echo-c/handlers/index.c"),
        &source,
    )
    .unwrap();
    let built_at = |app: &Path| {
        let built = switchboard::cli::build::build_app(app, None).unwrap();
        assert_eq!(built.len(), 1);
        std::fs::metadata(&built[0].path)
            .unwrap()
            .modified()
            .unwrap()
    };
    let first = built_at(&temp.0);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(built_at(&temp.0), first, "nothing changed, so no build");

    // Shared code outside handlers/ is an input of every route.
    std::fs::create_dir_all(temp.0.join("lib")).unwrap();
    std::fs::write(temp.0.join("lib/notes.h"), "/* shared */\n").unwrap();
    assert!(
        built_at(&temp.0) > first,
        "a shared file changed, so a build"
    );
}
