//! Queued jobs and schedules, through real sockets, real components
//! (`tests/apps/jobs`) and real SQLite files in temporary data
//! directories.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::Settings;
use switchboard::backend::jobs::DeadJob;
use switchboard_tests::{Client, TestServer, app, capture_logs, temp_dir};

fn jobs_app() -> std::path::PathBuf {
    app("tests/apps/jobs")
}

async fn serve(tweak: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&jobs_app(), |settings| {
        // Retries come quickly, so that tests of several attempts are short.
        settings.jobs.retry_delay = 0.05;
        tweak(settings)
    })
    .await
}

/// Pushes a job from the socket and returns its id.
async fn push(client: &mut Client, queue: &str, payload: Value) -> String {
    let reply = client
        .ask(json!({"op": "push", "queue": queue, "payload": payload}))
        .await;
    reply["queued"]
        .as_str()
        .unwrap_or_else(|| panic!("a job id, got {reply}"))
        .to_owned()
}

/// Dead letters of the server's queue, waiting up to 20 s for `count`.
async fn dead_letters(server: &TestServer, count: usize) -> Vec<DeadJob> {
    let queues = server.services.queues.as_ref().expect("the app has queues");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dead = queues.backend().dead(100).await.unwrap();
        if dead.len() >= count || Instant::now() > deadline {
            return dead;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_pushed_from_a_socket_handler_notifies_its_user_on_every_device() {
    let server = serve(|_| {}).await;
    let mut phone = server.connect_as("ann").await;
    let mut laptop = server.connect_as("ann").await;
    let id = push(&mut phone, "notify", json!({"n": 1})).await;
    for device in [&mut phone, &mut laptop] {
        let done = device.next_with("done").await;
        assert_eq!(
            done,
            json!({"done": id, "payload": {"n": 1}, "attempt": 1, "context_attempt": 1, "user": "ann"})
        );
    }
}

#[tokio::test]
async fn a_job_pushed_from_an_api_handler_notifies_its_user() {
    let server = serve(|_| {}).await;
    let mut bob = server.connect_as("bob").await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/push", server.addr))
        .header("x-user", "bob")
        .json(&json!({"queue": "notify", "payload": {"from": "http"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let id = body["queued"].as_str().expect("a job id").to_owned();
    let done = bob.next_with("done").await;
    assert_eq!(done["done"], json!(id));
    assert_eq!(done["user"], json!("bob"));
    assert_eq!(done["payload"], json!({"from": "http"}));
}

#[tokio::test]
async fn retries_carry_the_attempt_then_the_job_is_dead_until_requeued() {
    let server = serve(|_| {}).await;
    let mut ann = server.connect_as("ann").await;
    // `notify` declares 3 attempts; this job fails all of them.
    let id = push(&mut ann, "notify", json!({"fail_until": 99})).await;
    for attempt in 1..=3 {
        let started = ann.next_with("started").await;
        assert_eq!(started, json!({"started": id, "attempt": attempt}));
    }
    let dead = dead_letters(&server, 1).await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].id.as_str(), dead[0].attempts), (id.as_str(), 3));
    assert_eq!(dead[0].error, "attempt 3 failed");
    ann.expect_silence(Duration::from_millis(300)).await;

    // `switchboard jobs` sees it, and requeues it with its attempts reset.
    let dir = server.services.settings.jobs.data_dir.clone().unwrap();
    let table = switchboard::cli::jobs::list(&dir, 10).await.unwrap();
    let row = table.lines().find(|line| line.starts_with(&id)).unwrap();
    assert!(
        row.contains("notify") && row.contains("attempt 3 failed"),
        "{table}"
    );
    switchboard::cli::jobs::requeue(&dir, &id).await.unwrap();
    let started = ann.next_with("started").await;
    assert_eq!(started, json!({"started": id, "attempt": 1}));
    let err = switchboard::cli::jobs::requeue(&dir, "999999")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no dead job 999999"), "{err}");
}

#[tokio::test]
async fn a_job_that_fails_once_succeeds_on_its_retry() {
    let server = serve(|_| {}).await;
    let mut ann = server.connect_as("ann").await;
    let id = push(&mut ann, "notify", json!({"fail_until": 2})).await;
    let done = ann.next_with("done").await;
    assert_eq!(
        (done["done"].clone(), done["attempt"].clone()),
        (json!(id), json!(2))
    );
    assert_eq!(done["context_attempt"], json!(2));
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_job_and_runs_it_once() {
    let server = serve(|_| {}).await;
    let mut ann = server.connect_as("ann").await;
    let ask =
        json!({"op": "push", "queue": "notify", "payload": {}, "key": "order-7", "delay_ms": 200});
    let first = ann.ask(ask.clone()).await;
    let second = ann.ask(ask).await;
    assert!(first["queued"].is_string(), "{first}");
    assert_eq!(first, second);
    let other = ann
        .ask(json!({"op": "push", "queue": "notify", "payload": {}, "key": "order-8"}))
        .await;
    assert_ne!(other["queued"], first["queued"]);
    let mut done = vec![
        ann.next_with("done").await["done"].clone(),
        ann.next_with("done").await["done"].clone(),
    ];
    done.sort_by_key(|id| id.as_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(done, vec![first["queued"].clone(), other["queued"].clone()]);
    ann.expect_silence(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn bad_pushes_are_clear_errors_and_lose_nothing() {
    let server = serve(|settings| {
        settings.jobs.max_payload_bytes = 100;
        settings.jobs.max_depth = 2;
    })
    .await;
    let mut ann = server.connect_as("ann").await;
    let error = |reply: Value| reply["push_error"].as_str().unwrap_or_default().to_owned();

    let reply = ann
        .ask(json!({"op": "push", "queue": "nope", "payload": {}}))
        .await;
    let text = error(reply);
    assert!(
        text.contains("there is no queue `nope`") && text.contains("notify"),
        "{text}"
    );

    let big = json!({"op": "push", "queue": "notify", "payload": "x".repeat(200)});
    let text = error(ann.ask(big).await);
    assert!(text.contains("over the cap of 100"), "{text}");

    let raw = json!({"op": "push_raw", "queue": "notify", "text": "{not json"});
    let text = error(ann.ask(raw).await);
    assert!(text.contains("not JSON"), "{text}");

    // Two delayed jobs fill the queue; the third push is refused, and the
    // two still run.
    let delayed = json!({"op": "push", "queue": "notify", "payload": {}, "delay_ms": 300});
    let a = ann.ask(delayed.clone()).await["queued"].clone();
    let b = ann.ask(delayed.clone()).await["queued"].clone();
    let text = error(ann.ask(delayed).await);
    assert!(text.contains("queue `notify` is full"), "{text}");
    let mut done = vec![
        ann.next_with("done").await["done"].clone(),
        ann.next_with("done").await["done"].clone(),
    ];
    done.sort_by_key(|id| id.as_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(done, vec![a, b]);
}

#[tokio::test]
async fn hostile_jobs_are_retried_then_dead_while_sockets_keep_working() {
    let server = serve(|_| {}).await;
    let mut ann = server.connect_as("ann").await;
    let trap = push(&mut ann, "trap", json!({})).await;
    let spin = push(&mut ann, "spin", json!({})).await;
    let mut other = server.connect().await;
    for _ in 0..20 {
        assert_eq!(
            other.ask(json!({"op": "echo"})).await,
            json!({"echo": true})
        );
    }
    let dead = dead_letters(&server, 2).await;
    let of = |id: &str| dead.iter().find(|job| job.id == id).cloned().unwrap();
    let (trapped, spun) = (of(&trap), of(&spin));
    assert_eq!(trapped.attempts, 2, "{trapped:?}");
    assert!(trapped.error.contains("trapped"), "{trapped:?}");
    assert_eq!(spun.attempts, 1, "{spun:?}");
    assert!(
        spun.error.contains("fuel") || spun.error.contains("timed out"),
        "{spun:?}"
    );
    assert_eq!(
        other.ask(json!({"op": "echo"})).await,
        json!({"echo": true})
    );
}

#[tokio::test]
async fn a_schedule_runs_at_each_tick_and_send_says_it_has_no_user() {
    let server = serve(|_| {}).await;
    let mut watcher = server.connect_as("watcher").await;
    let first = watcher.next_with("tick").await;
    let second = watcher.next_with("tick").await;
    let (a, b) = (
        first["tick"].as_u64().unwrap(),
        second["tick"].as_u64().unwrap(),
    );
    assert_eq!(a % 1000, 0, "ticks fall on whole seconds: {a}");
    assert_eq!(b - a, 1000, "one run per tick");
    assert_eq!(first["catch_up"], json!(false));
    let error = first["send_error"].as_str().unwrap();
    assert!(error.contains("a schedule acts for no user"), "{error}");
}

#[tokio::test]
async fn a_schedule_that_hangs_is_skipped_while_it_runs_and_sockets_keep_working() {
    let logs = capture_logs();
    let server = serve(|_| {}).await;
    let mut watcher = server.connect_as("hang_watcher").await;
    let first = watcher.next_with("hang_started").await["hang_started"]
        .as_u64()
        .unwrap();
    let second = watcher.next_with("hang_started").await["hang_started"]
        .as_u64()
        .unwrap();
    // Each run hangs until its 3 s timeout, so the next run starts no
    // sooner than 3 s later; the ticks in between are skipped.
    assert!(second - first >= 3000, "{first} then {second}");
    let skipped = logs.lines_with(&["still going; this tick is skipped", "hang"]);
    assert!(!skipped.is_empty());
    let mut client = server.connect().await;
    assert_eq!(
        client.ask(json!({"op": "echo"})).await,
        json!({"echo": true})
    );
}

#[tokio::test]
async fn a_bad_cron_expression_keeps_that_schedule_unloaded() {
    let server = serve(|_| {}).await;
    let app = server.services.app.load();
    assert!(!app.schedules.contains_key("bad_cron"));
    assert!(app.schedules.contains_key("every_second"));
    let problem = app
        .problems
        .iter()
        .find(|problem| problem.file == "schedules/bad_cron.wasm")
        .expect("a problem naming the file");
    assert!(
        problem.reason.contains("cron expression `61 * * * *`"),
        "{problem:?}"
    );

    let report = switchboard::app::check::check(&jobs_app()).await.unwrap();
    let table = report.to_string();
    let line = |start: &str| {
        table
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap()
            .to_owned()
    };
    assert!(
        line("queues/notify.wasm").contains("queue notify"),
        "{table}"
    );
    assert!(line("queues/notify.wasm").contains("attempts=3"), "{table}");
    assert!(
        line("schedules/hang.wasm").contains("cron=\"* * * * * *\""),
        "{table}"
    );
    assert!(
        line("schedules/bad_cron.wasm").contains("cron expression"),
        "{table}"
    );
}

#[tokio::test]
async fn a_queue_added_while_serving_takes_jobs() {
    let built = jobs_app();
    let dir = temp_dir("app");
    for file in [
        "socket/index.wasm",
        "socket/_middleware.wasm",
        "queues/notify.wasm",
    ] {
        let dest = dir.0.join(file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(built.join(file), dest).unwrap();
    }
    let server = TestServer::start(&dir.0, |settings| settings.components.watch = true).await;
    let mut ann = server.connect_as("ann").await;
    let later = json!({"op": "push", "queue": "later", "payload": {}});
    let reply = ann.ask(later.clone()).await;
    assert!(
        reply["push_error"]
            .as_str()
            .unwrap()
            .contains("no queue `later`")
    );
    std::fs::copy(
        built.join("queues/notify.wasm"),
        dir.0.join("queues/later.wasm"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = loop {
        let reply = ann.ask(later.clone()).await;
        if let Some(id) = reply["queued"].as_str() {
            break id.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the new queue never loaded: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ann.next_with("done").await["done"], json!(id));
}

// --- Durability: a real server process, killed with SIGKILL ---

/// Set in a child process: serve this app on this data directory.
const CHILD_APP: &str = "SWITCHBOARD_TEST_CHILD_APP";
const CHILD_DATA: &str = "SWITCHBOARD_TEST_CHILD_DATA";

/// Not a test of its own: when the durability test starts this binary
/// with [`CHILD_APP`] set, this serves until killed.
#[test]
fn child_server() {
    let (Some(app_dir), Some(data)) = (std::env::var_os(CHILD_APP), std::env::var_os(CHILD_DATA))
    else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let mut settings = Settings::for_tests();
        settings.jobs.data_dir = Some(data.into());
        settings.components.cache_dir =
            Some(switchboard_tests::guest_target_dir().join("compile-cache"));
        let server = switchboard::Server::bind(Path::new(&app_dir), settings)
            .await
            .unwrap();
        println!("LISTENING {}", server.local_addr());
        server.run(std::future::pending()).await.unwrap();
    });
}

/// A server in a child process, and its address.
struct ChildServer {
    child: Child,
    addr: std::net::SocketAddr,
}

impl ChildServer {
    fn start(app_dir: &Path, data: &Path) -> ChildServer {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
            .env(CHILD_APP, app_dir)
            .env(CHILD_DATA, data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let addr = stdout
            .lines()
            .map_while(Result::ok)
            // The harness prints `test child_server ... ` before it.
            .find_map(|line| {
                line.split_once("LISTENING ")
                    .map(|(_, addr)| addr.to_owned())
            })
            .expect("the child server starts")
            .parse()
            .unwrap();
        ChildServer { child, addr }
    }

    async fn connect_as(&self, user: &str) -> Client {
        switchboard_tests::connect(self.addr, &[("x-user", user)]).await
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_job_running_when_the_server_is_killed_runs_again_and_never_after_success() {
    let app_dir = jobs_app();
    let data = temp_dir("durable");
    let server = ChildServer::start(&app_dir, &data.0);
    let mut ann = server.connect_as("ann").await;
    let id = push(&mut ann, "notify", json!({"sleep_ms": 1500})).await;
    assert_eq!(
        ann.next_with("started").await,
        json!({"started": id, "attempt": 1})
    );
    server.kill();

    let server = ChildServer::start(&app_dir, &data.0);
    let mut ann = server.connect_as("ann").await;
    let started = ann.next_with("started").await;
    assert_eq!(started, json!({"started": id, "attempt": 2}));
    let done = ann.next_with("done").await;
    assert_eq!(
        (done["done"].clone(), done["attempt"].clone()),
        (json!(id), json!(2))
    );
    // Once its success is recorded, the job is gone: a restart runs
    // nothing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill();
    let table = switchboard::cli::jobs::list(&data.0, 10).await.unwrap();
    assert!(table.contains("(no jobs)"), "{table}");
    let server = ChildServer::start(&app_dir, &data.0);
    let mut ann = server.connect_as("ann").await;
    ann.expect_silence(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_swapped_schedule_does_not_run_beside_its_old_version() {
    let built = jobs_app();
    let dir = temp_dir("app");
    for file in [
        "socket/index.wasm",
        "socket/_middleware.wasm",
        "schedules/hang.wasm",
    ] {
        let dest = dir.0.join(file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(built.join(file), dest).unwrap();
    }
    let server = TestServer::start(&dir.0, |settings| settings.components.watch = true).await;
    let mut hang_watcher = server.connect_as("hang_watcher").await;
    let mut watcher = server.connect_as("watcher").await;
    let started = hang_watcher.next_with("hang_started").await["hang_started"]
        .as_u64()
        .unwrap();
    // The new version ticks every second and tells `watcher`; the old
    // one's run hangs until its 3 s timeout, and the new one must wait.
    std::fs::copy(
        built.join("schedules/every_second.wasm"),
        dir.0.join("schedules/hang.wasm"),
    )
    .unwrap();
    let first = watcher.next_with("tick").await["tick"].as_u64().unwrap();
    assert!(
        first >= started + 3000,
        "the new version ran at {first}, while the old run from {started} was going"
    );
}

#[tokio::test]
async fn stopping_releases_a_running_jobs_lease_without_counting_the_attempt() {
    use switchboard::backend::jobs::{JobQueue, now_ms};
    use switchboard::backend::local::{SqliteOptions, SqliteQueue};
    // A data directory that outlives the server.
    let kept = temp_dir("released");
    let data = kept.0.clone();
    let server = TestServer::start(&app("tests/apps/jobs"), |settings| {
        settings.connections.drain_window = 0.3;
        settings.jobs.data_dir = Some(data.clone());
    })
    .await;
    let mut ann = server.connect_as("ann").await;
    let reply = ann
        .ask(json!({"op": "push", "queue": "notify", "payload": {"sleep_ms": 8000}}))
        .await;
    let id = reply["queued"].as_str().unwrap().to_owned();
    assert_eq!(ann.next_with("started").await["attempt"], json!(1));
    let stopped = Instant::now();
    server.shutdown().await.unwrap();
    assert!(
        stopped.elapsed() < Duration::from_secs(3),
        "{:?}",
        stopped.elapsed()
    );

    // Read the file as it was left, without the start-up recovery.
    let options = SqliteOptions {
        batch_commits: false,
        recover: false,
    };
    let queue = SqliteQueue::open(&data.join("jobs.db"), options).unwrap();
    let stats = queue.stats(now_ms()).await.unwrap();
    let notify = stats.iter().find(|q| q.queue == "notify").unwrap();
    assert_eq!((notify.ready, notify.running), (1, 0), "{stats:?}");
    let leased = queue
        .lease("notify", 1, now_ms(), now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].id, id);
    assert_eq!(leased[0].attempt, 1, "the cut-short run did not count");
}
