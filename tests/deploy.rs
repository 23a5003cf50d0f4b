//! The files under `deploy/`, checked by the tools that read them:
//! `systemd-analyze verify` for the unit, `nginx -t` for nginx.conf,
//! hadolint for the Dockerfile and, where Docker Compose is installed,
//! `docker compose config` for the compose file; and every setting they
//! name is one the server has. `scripts/setup` installs systemd, nginx
//! and hadolint, so those checks fail when a tool is missing. It does not
//! install Compose: that check says so on stderr and passes.
//!
//! None of this builds the image or starts a container.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use switchboard::Settings;
use switchboard_tests::{repo_root, temp_dir};

fn deploy_file(name: &str) -> String {
    let path = repo_root().join("deploy").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// `text` with each `(from, to)` replaced; each `from` must be there, so
/// a changed file cannot slip past the check unaltered.
fn substitute(text: &str, replacements: &[(&str, &str)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in replacements {
        assert!(text.contains(from), "expected `{from}` in the file");
        text = text.replace(from, to);
    }
    text
}

/// The first of `candidates` that is a file; a bare name is looked up on
/// `PATH`.
fn find_tool(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find_map(|candidate| {
        if candidate.components().count() > 1 {
            return candidate.is_file().then(|| candidate.clone());
        }
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(candidate))
            .find(|path| path.is_file())
    })
}

fn required_tool(name: &str, candidates: &[PathBuf]) -> PathBuf {
    find_tool(candidates).unwrap_or_else(|| panic!("{name} is missing: run scripts/setup"))
}

/// Runs `command`; its output, and stdout and stderr together as text.
fn run(command: &mut Command) -> (Output, String) {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn the_systemd_unit_verifies() {
    let analyze = required_tool(
        "systemd-analyze",
        &["systemd-analyze".into(), "/usr/bin/systemd-analyze".into()],
    );
    // `verify` wants ExecStart's program to exist; the rest of the unit
    // is checked as it is.
    let unit = substitute(
        &deploy_file("switchboard.service"),
        &[(
            "ExecStart=/usr/local/bin/switchboard serve /srv/switchboard/app",
            "ExecStart=/bin/true serve /srv/switchboard/app",
        )],
    );
    let dir = temp_dir("deploy-unit");
    let path = dir.0.join("switchboard.service");
    std::fs::write(&path, unit).unwrap();
    let (output, text) = run(Command::new(analyze).arg("verify").arg(&path));
    // An unknown key or a bad value is only a warning (`verify` still
    // exits with 0), so any output fails too.
    assert!(
        output.status.success() && text.trim().is_empty(),
        "systemd-analyze verify:\n{text}"
    );
}

#[test]
fn the_nginx_conf_passes_nginx_t() {
    let nginx = required_tool("nginx", &["nginx".into(), "/usr/sbin/nginx".into()]);
    let conf = deploy_file("nginx.conf");
    assert!(
        !conf.contains(":9090"),
        "nginx.conf must not proxy the nodes' admin port"
    );
    let conf = substitute(
        &conf,
        &[
            // `nginx -t` resolves upstream names, which only Compose's DNS
            // knows.
            ("server node1:8080", "server 127.0.0.1:18081"),
            ("server node2:8080", "server 127.0.0.1:18082"),
            // The official image's user, which Debian does not have; the
            // default (nobody) does for a check.
            ("user nginx;\n", ""),
            // `-t` binds the listeners: a port anyone may bind (one in use
            // is fine in a check).
            ("listen 80;", "listen 127.0.0.1:18480;"),
        ],
    );
    let dir = temp_dir("deploy-nginx");
    let path = dir.0.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let prefix = format!("{}/", dir.0.display());
    let pid = format!("pid {};", dir.0.join("nginx.pid").display());
    let (output, text) = run(Command::new(nginx)
        .arg("-t")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(&prefix)
        .arg("-g")
        .arg(&pid));
    assert!(
        output.status.success() && text.contains("test is successful"),
        "nginx -t:\n{text}"
    );
    for level in ["[warn]", "[alert]", "[crit]", "[emerg]"] {
        assert!(!text.contains(level), "nginx -t:\n{text}");
    }
}

/// hadolint: `$HADOLINT`, else where `scripts/setup` installs it, else on
/// `PATH`.
fn hadolint() -> PathBuf {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("HADOLINT") {
        candidates.push(PathBuf::from(path));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")));
    if let Some(cache) = cache {
        candidates.push(cache.join("switchboard/hadolint/bin/hadolint"));
    }
    candidates.push("hadolint".into());
    required_tool("hadolint", &candidates)
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let (output, text) = run(Command::new(hadolint())
        .current_dir(repo_root())
        .arg("--no-color")
        .arg("deploy/Dockerfile"));
    assert!(
        output.status.success() && text.trim().is_empty(),
        "hadolint deploy/Dockerfile:\n{text}"
    );
}

/// `docker compose`, else `docker-compose`, if either answers `version`.
fn compose_command() -> Option<Vec<&'static str>> {
    [vec!["docker", "compose"], vec!["docker-compose"]]
        .into_iter()
        .find(|command| {
            Command::new(command[0])
                .args(&command[1..])
                .arg("version")
                .output()
                .is_ok_and(|output| output.status.success())
        })
}

#[test]
fn the_compose_file_is_valid_where_compose_is_installed() {
    let Some(compose) = compose_command() else {
        // Straight to stderr, past the test harness's capture, so the
        // skip shows in the log.
        let _ = writeln!(
            std::io::stderr(),
            "deploy test: skipped `docker compose config`: neither `docker compose` \
             nor `docker-compose` is installed"
        );
        return;
    };
    let dir = temp_dir("deploy-compose");
    // An empty env file instead of a deploy/.env someone may have.
    let env_file = dir.0.join("empty.env");
    std::fs::write(&env_file, "").unwrap();
    let file = repo_root().join("deploy/docker-compose.yml");
    let config = |token: Option<&str>| {
        let mut command = Command::new(compose[0]);
        command
            .args(&compose[1..])
            .arg("--env-file")
            .arg(&env_file)
            .arg("-f")
            .arg(&file)
            .args(["config", "-q"])
            .env_remove("SWITCHBOARD_ADMIN_TOKEN")
            .env_remove("APP");
        if let Some(token) = token {
            command.env("SWITCHBOARD_ADMIN_TOKEN", token);
        }
        run(&mut command)
    };
    let (output, text) = config(Some("a-test-token"));
    assert!(output.status.success(), "{compose:?} config:\n{text}");
    // The admin token is required.
    let (output, text) = config(None);
    assert!(
        !output.status.success() && text.contains("SWITCHBOARD_ADMIN_TOKEN"),
        "{compose:?} config without SWITCHBOARD_ADMIN_TOKEN:\n{text}"
    );
}

/// Every word of `text` that is `prefix` followed by at least one
/// character of which `more` approves.
fn words(text: &str, prefix: &str, more: fn(char) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let tail = &rest[at + prefix.len()..];
        let len = tail.find(|c: char| !more(c)).unwrap_or(tail.len());
        if len > 0 {
            found.push(format!("{prefix}{}", &tail[..len]));
        }
        rest = &tail[len..];
    }
    found
}

#[test]
fn the_deploy_files_name_settings_the_server_has() {
    let specs = Settings::specs();
    let vars: Vec<String> = specs.iter().map(|spec| spec.env()).collect();
    let flags: Vec<String> = specs
        .iter()
        .map(|spec| format!("--{}", spec.flag))
        .collect();
    // Variables the files may name that are no setting (none now).
    let future: [&str; 0] = [];
    let env_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    let flag_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    for name in [
        "Dockerfile",
        "docker-compose.yml",
        "nginx.conf",
        "switchboard.service",
    ] {
        for var in words(&deploy_file(name), "SWITCHBOARD_", env_char) {
            assert!(
                vars.contains(&var) || future.contains(&var.as_str()),
                "deploy/{name} names {var}, which no setting reads"
            );
        }
    }

    let unit = deploy_file("switchboard.service");
    let mut exec_start = String::new();
    for line in unit
        .lines()
        .skip_while(|line| !line.starts_with("ExecStart="))
    {
        exec_start.push_str(line);
        if !line.ends_with('\\') {
            break;
        }
    }
    let dockerfile = deploy_file("Dockerfile");
    let cmd = dockerfile
        .lines()
        .find(|line| line.starts_with("CMD "))
        .expect("the Dockerfile has a CMD");
    for (name, command) in [
        ("switchboard.service", exec_start.as_str()),
        ("Dockerfile", cmd),
    ] {
        let given = words(command, "--", flag_char);
        assert!(
            !given.is_empty(),
            "no flags found in deploy/{name}: {command}"
        );
        for flag in given {
            assert!(
                flags.contains(&flag),
                "deploy/{name} passes {flag}, which `switchboard serve` does not take"
            );
        }
    }
}
