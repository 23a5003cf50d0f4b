//! `switchboard build` with a relative app folder, as a user types it,
//! for a guest built by an SDK (which runs inside the app folder).

use std::path::Path;
use std::process::Command;

#[test]
fn an_sdk_app_builds_from_a_relative_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["build", "examples/echo-js"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(root.join("examples/echo-js/socket/index.wasm").is_file());
}
