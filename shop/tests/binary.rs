//! The `shop` binary as a process: its first stdout line, startup errors, 5xx log lines, and
//! a graceful stop on SIGTERM that lets an in-flight order finish.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;
use support::fake::{Canned, Fake};

/// A `shop` command on in-memory SQLite and port 0, isolated from the caller's environment.
fn shop_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    for var in [
        "MOCK_SERVICES",
        "PAYMENTS_URL",
        "INVENTORY_URL",
        "SHOP_N_PLUS_ONE",
        "SHOP_SLOW_MS",
        "SHOP_BLOAT",
        "SHOP_EXTRA_UPSTREAM",
        "SHOP_LOG",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        command.env_remove(var);
    }
    command
        .env("PORT", "0")
        .env("DATABASE_URL", "sqlite::memory:");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A running shop process.
struct Running {
    child: Child,
    url: String,
    stderr: Option<JoinHandle<String>>,
}

impl Running {
    /// Spawns `command` and waits for its `listening on …` line.
    fn start(mut command: Command) -> Running {
        let mut child = command.spawn().expect("spawn shop");
        let mut stderr = child.stderr.take().expect("stderr");
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("a first stdout line");
        let url = line.trim().strip_prefix("listening on ").map(str::to_owned);
        let Some(url) = url.filter(|u| u.starts_with("http://127.0.0.1:")) else {
            let _ = child.kill();
            panic!(
                "unexpected first line {line:?}; stderr: {}",
                stderr.join().unwrap_or_default()
            );
        };
        Running {
            child,
            url,
            stderr: Some(stderr),
        }
    }

    /// Sends SIGTERM and returns the exit status and everything written to stderr.
    fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        let status = self.child.wait().expect("wait for shop");
        let stderr = self
            .stderr
            .take()
            .expect("stderr")
            .join()
            .expect("stderr thread");
        (status, stderr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

fn order() -> serde_json::Value {
    json!({ "product_id": 1, "qty": 1, "customer": "ada@example.com" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_then_stops_gracefully_on_sigterm() {
    let (payments, inventory) = (Fake::payments().await, Fake::inventory().await);
    let mut command = shop_command();
    command
        .env("PAYMENTS_URL", &payments.url)
        .env("INVENTORY_URL", &inventory.url);
    command.env("SHOP_SLOW_MS", "800");
    let shop = Running::start(command);
    let health = client()
        .get(format!("{}/health", shop.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);

    let url = format!("{}/orders", shop.url);
    let in_flight = tokio::spawn(async move { client().post(url).json(&order()).send().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, stderr) = tokio::task::spawn_blocking(move || shop.terminate())
        .await
        .expect("join");

    let answer = in_flight
        .await
        .expect("join")
        .expect("the in-flight order is answered");
    assert_eq!(answer.status(), 201, "stderr: {stderr}");
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    for step in [
        "running migrations",
        "migrations applied",
        "SHOP_SLOW_MS=800",
        "shutdown requested",
        "stopped",
    ] {
        assert!(stderr.contains(step), "no {step:?} in stderr: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_services_names_upstreams_and_5xx_are_logged() {
    let failing = Fake::start(Canned::json(500, json!({}))).await;
    let inventory = Fake::inventory().await;
    let mut command = shop_command();
    command.env(
        "MOCK_SERVICES",
        format!("payments={},inventory={}", failing.url, inventory.url),
    );
    let shop = Running::start(command);
    let answer = client()
        .post(format!("{}/orders", shop.url))
        .json(&order())
        .send()
        .await
        .expect("order");
    assert_eq!(answer.status(), 502);
    let (status, stderr) = tokio::task::spawn_blocking(move || shop.terminate())
        .await
        .expect("join");
    assert!(status.success(), "exit {status}");
    assert_eq!((failing.count(), inventory.count()), (1, 1));
    assert!(
        stderr.contains("POST /orders -> 502"),
        "no 5xx line in stderr: {stderr}"
    );
    assert!(
        stderr.contains("`payments` answered HTTP 500"),
        "no cause in stderr: {stderr}"
    );
}

#[test]
fn a_missing_upstream_stops_startup_and_names_the_variable() {
    let mut command = shop_command();
    command.env("INVENTORY_URL", "http://127.0.0.1:9");
    let output = command.output().expect("run shop");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("`PAYMENTS_URL`"), "stderr: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout before listening"
    );
}

#[test]
fn an_unsupported_database_url_stops_startup() {
    let mut command = shop_command();
    command
        .env("PAYMENTS_URL", "http://127.0.0.1:9")
        .env("INVENTORY_URL", "http://127.0.0.1:9");
    command.env("DATABASE_URL", "mysql://root@127.0.0.1/shop");
    let output = command.output().expect("run shop");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("unsupported `DATABASE_URL`"),
        "stderr: {stderr}"
    );
}
