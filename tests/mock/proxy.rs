//! Mocks as a set behind perfdsl's forward proxy (routing by host, refusing what no mock
//! answers), ports that are taken, and the `perfdsl mock` command.

use super::support::Perfdsl;
use super::*;

const TWO: &str = r#"
mock payments {
  on POST /v1/charges {
    status 201
    json { "via": "payments" }
  }
}
mock inventory-v2 {
  on GET /v1/stock/:sku { text "{{ request.params.sku }}: 3" }
}
"#;

async fn start_set(text: &str) -> MockSet {
    let all = mocks(text);
    let specs = all
        .iter()
        .map(|mock| MockSpec {
            mock,
            options: MockOptions::default(),
        })
        .collect();
    MockSet::start(specs, Some(0)).await.expect("mocks start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_set_gives_the_interception_environment() {
    let set = start_set(TWO).await;
    let env: HashMap<String, String> = set.env().into_iter().collect();
    let urls = set.urls();
    assert_eq!(urls[0].0, "payments");
    assert_eq!(
        env["MOCK_SERVICES"],
        format!("payments={},inventory-v2={}", urls[0].1, urls[1].1)
    );
    assert_eq!(env["PAYMENTS_URL"], urls[0].1);
    assert_eq!(env["INVENTORY_V2_URL"], urls[1].1);
    let proxy = set.proxy_url().expect("the proxy runs");
    assert_eq!(env["HTTP_PROXY"], proxy);
    assert_eq!(env["http_proxy"], proxy);
    assert_eq!(env["NO_PROXY"], "127.0.0.1,localhost");
    assert!(urls[0].1.starts_with("http://127.0.0.1:"));
    set.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_routes_by_host_and_refuses_unknown_hosts() {
    let set = start_set(TWO).await;
    let proxy = set.proxy_url().expect("proxy");
    let proxy_addr: std::net::SocketAddr =
        proxy.trim_start_matches("http://").parse().expect("addr");

    // Raw absolute-URI requests, as any HTTP_PROXY-aware client sends them.
    let text = raw(
        proxy_addr,
        "GET http://inventory-v2:8080/v1/stock/ab HTTP/1.1\r\nHost: inventory-v2:8080\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("ab: 3"), "{text}");
    let text = raw(
        proxy_addr,
        "GET http://billing/v1/x HTTP/1.1\r\nHost: billing\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 502"), "{text}");
    assert!(
        text.contains(
            "perfdsl: no mock answers for host `billing` (mocked hosts: payments, inventory-v2)"
        ),
        "{text}"
    );

    // HTTPS through the proxy: a tunnel it cannot look into, said plainly, and counted
    // apart from unknown hosts.
    let text = raw(
        proxy_addr,
        "CONNECT payments:443 HTTP/1.1\r\nHost: payments:443\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 502"), "{text}");
    assert!(
        text.contains("cannot intercept HTTPS (CONNECT payments:443)"),
        "{text}"
    );
    assert!(
        text.contains("(`http://payments`), mock `payments` answers for `payments` over HTTP"),
        "{text}"
    );
    let unrouted = set.unrouted();
    assert_eq!(unrouted.hosts.get("billing"), Some(&1));
    assert_eq!(unrouted.tunnels.get("payments:443"), Some(&1));

    // curl honouring a proxy (`-x`, as HTTP_PROXY does), when curl is installed.
    let curl = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if curl {
        let proxy2 = proxy.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("curl")
                .args(["-s", "-m", "10", "-x", &proxy2, "-X", "POST", "-d", "{}"])
                .args(["-w", "\n%{http_code}", "http://payments/v1/charges"])
                .output()
                .expect("curl runs")
        })
        .await
        .expect("curl task");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(stdout, "{\"via\":\"payments\"}\n201", "{out:?}");
        let proxy2 = proxy.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new("curl");
            cmd.args(["-s", "-m", "10", "-w", "\n%{http_code}", "http://nowhere/x"]);
            cmd.env("http_proxy", &proxy2)
                .env_remove("no_proxy")
                .env_remove("NO_PROXY");
            cmd.output().expect("curl runs")
        })
        .await
        .expect("curl task");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(stdout.ends_with("\n502"), "{stdout}");
    } else {
        eprintln!("curl not installed: proxy checked with raw requests only");
    }
    let snaps = set.snapshots();
    assert_eq!(snaps[0].calls, u64::from(curl));
    assert_eq!(snaps[1].calls, 1);
    set.reset();
    assert!(set.unrouted().is_empty(), "reset before each scenario");
    set.stop().await;
}

// ------------------------------------------------------------------ ports

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_reported_as_such() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let opts = MockOptions {
        port: Some(port),
        ..Default::default()
    };
    let err = MockServer::start(&one("mock payments {\n  on GET /x { }\n}\n"), &opts)
        .await
        .err()
        .expect("the port is taken");
    assert!(
        matches!(&err, MockError::PortTaken { mock, port: p } if mock == "payments" && *p == port),
        "{err:?}"
    );
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::mock::port_taken"));
    assert!(miette::Diagnostic::help(&err).is_some());
}

// ------------------------------------------------------------------ `perfdsl mock`

fn perf_file(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("mocks.perf");
    std::fs::write(&p, TWO).expect("write");
    p
}

#[test]
fn perfdsl_mock_exits_3_when_a_fixed_port_is_taken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = perf_file(dir.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    Perfdsl::new()
        .args(["mock", "--port", &format!("payments={port}")])
        .arg(&file)
        .run()
        .code(3)
        .stderr_contains("perfdsl::mock::port_taken")
        .stderr_contains(&format!("port {port} is already taken"));

    Perfdsl::new()
        .args(["mock", "--port", "paymnets=1"])
        .arg(&file)
        .run()
        .code(2)
        .stderr_contains("did you mean `payments`?");
}

#[test]
fn perfdsl_mock_serves_until_interrupted_then_prints_the_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = perf_file(dir.path());
    let mut child = Perfdsl::new()
        .arg("mock")
        .arg(&file)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut urls = HashMap::new();
    for _ in 0..3 {
        let line = lines.next().expect("a line").expect("text");
        let mut parts = line.split_whitespace();
        let (name, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        urls.insert(name.to_string(), url.to_string());
    }
    let payments = urls["payments"].trim_start_matches("http://").to_string();
    assert!(
        urls.keys().any(|k| k.starts_with("HTTP_PROXY=")),
        "{urls:?}"
    );
    let send = |req: &str| {
        let mut s = std::net::TcpStream::connect(&payments).expect("connect");
        s.set_read_timeout(Some(REQUEST_LIMIT)).expect("timeout");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    let r = send(
        "POST /v1/charges HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    let r = send("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    // SAFETY: signalling the child this test started, by its id.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("perfdsl mock did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let rest = rest.join("\n");
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("mock `payments`: 2 call(s), 1 unmatched"),
        "{rest}"
    );
    assert!(rest.contains("       1  POST /v1/charges"), "{rest}");
    assert!(rest.contains("unmatched      1× GET /nope"), "{rest}");
    assert!(
        rest.contains("mock `inventory-v2`: 0 call(s), 0 unmatched"),
        "{rest}"
    );
}
