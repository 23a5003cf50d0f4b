//! The guest SDKs' own unit tests, which run natively: the C SDK's JSON
//! helper and host-call results (against fake imports), and the Python
//! SDK's conversions, host-call errors and build-time checks.

use std::process::Command;
use switchboard_tests::repo_root;

fn run(command: &mut Command) {
    let output = command.output().expect("the test command runs");
    assert!(
        output.status.success(),
        "{command:?} failed\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn c_sdk() {
    run(&mut Command::new(repo_root().join("guest-sdk/c/test/run")));
}

#[test]
fn python_sdk() {
    let sdk = repo_root().join("guest-sdk/python");
    run(Command::new(sdk.join(".venv/bin/python"))
        .args(["-m", "unittest", "discover", "-s", "tests"])
        .current_dir(&sdk));
}
