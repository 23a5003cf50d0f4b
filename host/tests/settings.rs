//! The settings as a user meets them: the `switchboard serve` binary with
//! a config file, environment variables and flags, and the README's
//! table of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use switchboard::Settings;

mod common;

/// An app folder with an empty `socket/`, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-settings-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("socket")).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `switchboard serve APP ARGS...` with `env`, and no SWITCHBOARD_*
/// variables from the test's own environment.
fn serve(app: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.arg("serve").arg(app).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("SWITCHBOARD_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn printed(output: &Output) -> Settings {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    toml::from_str(&String::from_utf8_lossy(&output.stdout)).expect("--print-config is a config")
}

#[test]
fn flag_beats_variable_beats_file_beats_default() {
    let app = Scratch::new("precedence");
    app.write(
        "switchboard.toml",
        "[limits]\nfuel = 1\ntimeout = 2\nmemory-limit-mib = 3\n",
    );
    let env = [("SWITCHBOARD_FUEL", "10"), ("SWITCHBOARD_TIMEOUT", "20")];
    let settings = printed(&serve(&app.0, &["--print-config", "--fuel", "100"], &env));
    assert_eq!(settings.limits.fuel, 100, "flag over variable");
    assert_eq!(settings.limits.timeout, 20, "variable over file");
    assert_eq!(settings.limits.memory_limit_mib, 3, "file over default");
    assert_eq!(settings.limits.max_sends_per_call, 1000, "default");
}

#[test]
fn a_flag_given_twice_takes_the_last_value() {
    let app = Scratch::new("twice");
    let settings = printed(&serve(
        &app.0,
        &["--print-config", "--fuel", "5", "--fuel", "6"],
        &[],
    ));
    assert_eq!(settings.limits.fuel, 6);
}

#[test]
fn config_names_another_file_and_switches_turn_off() {
    let app = Scratch::new("config-flag");
    let file = app.write("other.toml", "[components]\nwatch = true\ncache = false\n");
    let file = file.to_str().unwrap();
    let settings = printed(&serve(
        &app.0,
        &["--print-config", "--config", file, "--no-watch"],
        &[],
    ));
    assert!(!settings.components.watch);
    assert!(!settings.components.cache);
    let env = [("SWITCHBOARD_WATCH", "false")];
    let settings = printed(&serve(&app.0, &["--print-config", "--watch"], &env));
    assert!(settings.components.watch, "--watch over the variable");
}

#[test]
fn a_bad_key_stops_startup_naming_the_file_line_and_key() {
    let app = Scratch::new("bad-key");
    app.write("switchboard.toml", "[limits]\nfuel = 5\nfule = 6\n");
    let output = serve(&app.0, &["--print-config"], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["switchboard.toml", "line 3", "fule"] {
        assert!(stderr.contains(needle), "no {needle:?} in: {stderr}");
    }
}

#[test]
fn a_bad_value_names_its_line_and_key() {
    let app = Scratch::new("bad-value");
    app.write(
        "switchboard.toml",
        "[connections]\n# small\nread-buffer-size = 8\n",
    );
    let output = serve(&app.0, &[], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["switchboard.toml line 3", "connections.read-buffer-size"] {
        assert!(stderr.contains(needle), "no {needle:?} in: {stderr}");
    }
}

#[test]
fn print_config_masks_the_secret_and_reads_back() {
    let app = Scratch::new("print");
    let output = serve(
        &app.0,
        &[
            "--print-config",
            "--jwt-secret",
            "hunter2",
            "--admin",
            "127.0.0.1:9999",
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!text.contains("hunter2"), "{text}");
    let settings = printed(&output);
    assert_eq!(settings.jwt.secret.as_deref(), Some("<redacted>"));
    assert_eq!(
        settings.listen.admin,
        Some("127.0.0.1:9999".parse().unwrap())
    );
    // What it printed is a valid file, with every other setting at its
    // default.
    let file = app.write("printed.toml", &text);
    let reread = switchboard::settings::parse_file(&file).unwrap();
    assert_eq!(reread, settings);
    assert_eq!(reread.limits, Settings::default().limits);
}

#[test]
fn a_served_app_listens_where_its_file_says() {
    let app = Scratch::new("listen");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    app.write(
        "switchboard.toml",
        &format!("[listen]\naddr = \"127.0.0.1:{port}\"\n[components]\nwatch = false\n"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .arg(&app.0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut answered = false;
    for _ in 0..200 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            answered = response.starts_with("HTTP/1.1 200");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(answered, "no answer on the port from the file");
}

#[test]
fn json_logs_are_one_object_per_line() {
    use std::io::BufRead;
    let app = Scratch::new("json-logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            "--log-format",
            "json",
            "--listen",
            "127.0.0.1:0",
            "--no-watch",
        ])
        .arg(&app.0)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for line in stdout.lines().map_while(Result::ok) {
        let object: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
        let message = object["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            object["level"].is_string() && object["timestamp"].is_string(),
            "{line}"
        );
        seen.push(message.clone());
        if message == "listening" {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(seen.iter().any(|m| m == "node started"), "{seen:?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("listening"),
        "{seen:?}"
    );

    let output = serve(&app.0, &["--log-format", "xml"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("log.format") && stderr.contains("`text` or `json`"),
        "{stderr}"
    );
}

/// Each row of the README's settings table: flag, file key, default.
fn readme_rows() -> Vec<(String, String, String)> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    let tick = |cell: &str| -> String {
        let cell = cell.trim();
        match cell.strip_prefix('`').and_then(|c| c.split_once('`')) {
            Some((inner, _)) => inner.to_owned(),
            None => cell.to_owned(),
        }
    };
    text.lines()
        .filter(|line| line.starts_with("| `--"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            let flag = tick(cells[0]);
            let flag = flag.trim_start_matches("--");
            let flag = flag.split(' ').next().unwrap().to_owned();
            (flag, tick(cells[1]), tick(cells[2]))
        })
        .collect()
}

#[test]
fn the_readme_table_lists_every_setting_with_its_default() {
    let rows = readme_rows();
    let specs = Settings::specs();
    for spec in &specs {
        let row = rows
            .iter()
            .find(|(flag, _, _)| *flag == spec.flag)
            .unwrap_or_else(|| panic!("README has no row for --{}", spec.flag));
        assert_eq!(
            row.1,
            format!("{}.{}", spec.section, spec.key),
            "--{}",
            spec.flag
        );
        let default = spec.default_text().unwrap_or_else(|| "unset".into());
        assert_eq!(row.2, default, "default of --{}", spec.flag);
    }
    for (flag, _, _) in &rows {
        assert!(
            specs.iter().any(|spec| &spec.flag == flag),
            "README lists --{flag}, which is no setting"
        );
    }
}

/// A message's log lines, as JSON: the access log line and the spans it
/// ran in carry the connection and the request id.
#[tokio::test]
async fn json_log_lines_carry_the_connection_and_request_id() {
    use futures_util::SinkExt;
    use std::io::BufRead;
    let app = common::echo_app();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            "--log-format",
            "json",
            "--listen",
            "127.0.0.1:0",
            "--no-watch",
        ])
        .arg(&app)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<serde_json::Value>();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let object = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
            if lines_tx.send(object).is_err() {
                break;
            }
        }
    });
    let next = || {
        lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a log line")
    };
    let addr = loop {
        let line = next();
        if line["fields"]["message"] == "listening" {
            break line["fields"]["addr"].as_str().unwrap().to_owned();
        }
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/socket"))
        .await
        .unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::text("hello"))
        .await
        .unwrap();
    let received = loop {
        let line = next();
        if line["fields"]["message"] == "message received" {
            break line;
        }
    };
    child.kill().unwrap();
    let _ = child.wait();
    let request = received["fields"]["request"].as_str().unwrap();
    let connection = received["fields"]["connection"].as_str().unwrap();
    assert!(request.contains("-r"), "{received}");
    let spans = received["spans"].as_array().unwrap();
    let named = |name: &str| spans.iter().find(|span| span["name"] == name).cloned();
    let call = named("call").unwrap_or_else(|| panic!("no call span: {received}"));
    assert_eq!(call["request"], serde_json::json!(request), "{received}");
    let conn = named("connection").unwrap_or_else(|| panic!("no connection span: {received}"));
    assert_eq!(conn["id"], serde_json::json!(connection), "{received}");
}
