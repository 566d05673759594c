//! A verdict is never green by mistake: a target that is down, payload sizes that must be
//! exact, two results files of this machine compared with each other, a smoke run offered
//! to the history, and the `max_vus` cap that binds without being written. Each case is a
//! defect a user hit; each test failed before its fix.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

mod support;
use support::perf::{against, run, run_in, Run};
use support::{Output, Perfdsl, TestSvc};

/// A port nothing listens on (bound once, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address").port()
}

#[test]
fn a_target_that_is_down_is_red_with_latency_missing() {
    let perf = format!(
        "target \"http://127.0.0.1:{}\"\n\
         scenario down {{\n  load iterations 30 with 3 vus\n  step hello: GET /hello {{\n    \
         expect status == 200\n  }}\n  limits {{\n    latency.p95 < 200ms\n    \
         throughput.rps >= 4/s\n  }}\n}}\n",
        closed_port()
    );
    let r = run(&perf, &[]);
    r.code(1);
    let metrics = &r.scenario(0)["metrics"];
    for name in [
        "latency.p50",
        "latency.p95",
        "latency.max",
        "response_bytes.p95",
    ] {
        assert!(metrics.get(name).is_none(), "`{name}` must be missing\n{r}");
    }
    assert_eq!(r.metric(0, "errors.connect"), 30.0, "{r}");
    assert_eq!(r.metric(0, "throughput.rps"), 0.0, "{r}");
    assert_eq!(r.metric(0, "throughput.iterations_per_s"), 0.0, "{r}");
    for line in [
        "✗ limit latency.p95 < 200 ms (no successful request to measure)",
        "✗ limit throughput.rps >= 4/s (measured 0/s)",
        "✗ limit error_rate == 0% (default) (measured 100%)",
        "verdict: regressed",
    ] {
        assert!(r.stdout.contains(line), "stdout lacks `{line}`\n{r}");
    }
    // The table shows no latency at all rather than 0.00ms.
    r.stdout_lacks("0.00ms");
}

/// A server with a hand-written HTTP/1.1 stack: every request is answered with `size`
/// bytes in chunked transfer encoding (999-byte chunks and a last short one), keep-alive.
fn chunked_server(size: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_chunked(stream, size));
        }
    });
    url
}

fn serve_chunked(stream: TcpStream, size: usize) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut out = stream;
    loop {
        // The request head, up to its empty line (the test sends no body).
        let mut line = String::new();
        let mut got_any = false;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" && got_any {
                break;
            }
            got_any = true;
        }
        let mut body = Vec::new();
        let mut left = size;
        while left > 0 {
            let n = left.min(999);
            body.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            body.extend(std::iter::repeat_n(b'y', n));
            body.extend_from_slice(b"\r\n");
            left -= n;
        }
        body.extend_from_slice(b"0\r\n\r\n");
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n";
        if out.write_all(head.as_bytes()).is_err() || out.write_all(&body).is_err() {
            return;
        }
    }
}

/// A step's metric from the results, or a panic naming what is missing.
fn step(r: &Run, scenario: usize, step: usize, name: &str) -> f64 {
    r.step_metric(scenario, step, name)
}

#[test]
fn payload_sizes_are_exact_to_the_byte() {
    let svc = TestSvc::start(&[]);
    let sizes = [1u64, 5_000, 123_457];
    let mut perf = String::from("scenario sizes {\n  load iterations 20 with 2 vus\n");
    for n in sizes {
        perf.push_str(&format!(
            "  step b{n}: GET /bytes/{n} {{\n    expect status == 200\n  }}\n"
        ));
    }
    perf.push_str("  step echo: POST /echo {\n    text \"twelve bytes\"\n  }\n}\n");
    let r = run(&against(&svc, &perf), &[]);
    r.code(0);
    for (i, n) in sizes.iter().enumerate() {
        let n = *n as f64;
        for stat in ["p50", "p95", "max"] {
            let name = format!("response_bytes.{stat}");
            assert_eq!(step(&r, 0, i, &name), n, "step b{n} {name}\n{r}");
        }
        assert_eq!(
            step(&r, 0, i, "response_bytes.total"),
            20.0 * n,
            "step b{n}\n{r}"
        );
    }
    assert_eq!(step(&r, 0, 3, "request_bytes.p95"), 12.0, "{r}");
    assert_eq!(step(&r, 0, 3, "response_bytes.max"), 12.0, "{r}");
    let total: u64 = sizes.iter().sum::<u64>() + 12;
    assert_eq!(
        r.metric(0, "response_bytes.total"),
        20.0 * total as f64,
        "{r}"
    );
    assert_eq!(r.metric(0, "response_bytes.max"), 123_457.0, "{r}");

    // A chunked response, from a server that is not ours: counted after decoding.
    let url = chunked_server(5_000);
    let perf = format!(
        "target \"{url}\"\nscenario chunked {{\n  load iterations 20 with 2 vus\n  \
         step c: GET /any {{\n    expect status == 200\n  }}\n  limits {{\n    \
         response_bytes.p95 == 5000B\n  }}\n}}\n"
    );
    let r = run(&perf, &[]);
    r.code(0);
    for stat in ["p50", "p95", "max"] {
        assert_eq!(
            r.metric(0, &format!("response_bytes.{stat}")),
            5_000.0,
            "{r}"
        );
    }
    assert_eq!(r.metric(0, "response_bytes.total"), 100_000.0, "{r}");
    r.stdout_contains("✓ limit response_bytes.p95 == 5,000 B");
}

/// Runs `perfdsl ARGS` in `dir`.
fn perfdsl(dir: &Path, args: &[&str]) -> Output {
    Perfdsl::new().current_dir(dir).args(args).run()
}

/// A scenario of 50 requests to testsvc's `/hello`.
const HELLO: &str = "scenario hello {\n  load iterations 50 with 1 vus\n  \
                     step hello: GET /hello {\n    expect status == 200\n  }\n}\n";

/// `perfdsl record FILE --commit aaaa111 --history h.json` in `dir`.
fn record(dir: &Path, file: &str) -> Output {
    let args = ["record", file, "--commit", "aaaa111", "--history", "h.json"];
    perfdsl(dir, &args)
}

fn read_json(path: &Path) -> Value {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn two_results_of_this_machine_are_judged_strictly() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let r = run_in(dir.path(), &against(&svc, HELLO), &[]);
    r.code(0);
    let base = dir.path().join("out.json");
    let mut results = read_json(&base);
    let runner = results["runner"].clone();
    assert!(runner["cores"].as_u64().unwrap_or(0) > 0, "{runner}");
    // The same file with its latency tripled: a +200% slowdown on this very machine.
    let metrics = &mut results["scenarios"][0]["metrics"];
    for stat in ["p50", "p95"] {
        let key = format!("latency.{stat}");
        let v = metrics[&key].as_f64().expect("a latency");
        metrics[&key] = Value::from(v * 3.0 + 10.0);
    }
    let slow = dir.path().join("slow.json");
    std::fs::write(&slow, results.to_string()).expect("write");
    let r = perfdsl(
        dir.path(),
        &[
            "compare",
            "slow.json",
            "--against",
            "out.json",
            "--no-report",
        ],
    );
    r.code(1);
    r.stdout_contains("regressed hello latency.p50");
    r.stdout_lacks("another machine");

    // A baseline that does not say where it was measured is unknown, not different.
    let mut anonymous = read_json(&base);
    anonymous
        .as_object_mut()
        .expect("an object")
        .remove("runner");
    std::fs::write(dir.path().join("anon.json"), anonymous.to_string()).expect("write");
    let r = perfdsl(
        dir.path(),
        &[
            "compare",
            "slow.json",
            "--against",
            "anon.json",
            "--no-report",
        ],
    );
    r.code(1);
    r.stdout_lacks("another machine");

    // And the runner survives a round trip through the history.
    let r = record(dir.path(), "out.json");
    r.code(0);
    let history = read_json(&dir.path().join("h.json"));
    let recorded = history["records"][0]["runner"].clone();
    assert_eq!(recorded, runner, "{history}");
    let r = perfdsl(
        dir.path(),
        &[
            "compare",
            "slow.json",
            "--history",
            "h.json",
            "--baseline",
            "latest",
            "--commit",
            "bbbb222",
            "--no-report",
        ],
    );
    r.code(1);
    r.stdout_lacks("another machine");
}

#[test]
fn a_smoke_run_is_never_recorded() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let r = run_in(dir.path(), &against(&svc, HELLO), &["--smoke"]);
    r.code(0);
    assert_eq!(r.results()["smoke"], true, "{r}");
    let r = record(dir.path(), "out.json");
    r.code(2);
    r.stderr_contains("holds a smoke run");
    assert!(!dir.path().join("h.json").exists(), "nothing was recorded");
    // Nor judged, nor a baseline.
    for args in [
        &["compare", "out.json", "--no-report"][..],
        &["report", "out.json"][..],
        &[
            "compare",
            "out.json",
            "--against",
            "out.json",
            "--no-report",
        ][..],
    ] {
        let r = perfdsl(dir.path(), args);
        r.code(2);
        r.stderr_contains("holds a smoke run");
    }
}

#[test]
fn the_default_max_vus_is_named_when_it_binds() {
    // 4 iterations a second of 3 s each need 12 users at once; the default cap at 4/s is
    // 8 (twice the rate, at least 8): it binds, and the summary says so.
    let svc = TestSvc::start(&["--delay", "3s"]);
    let perf = "scenario slow {\n  load rate 4/s for 3s\n  step hello: GET /hello {\n    \
                expect status == 200\n  }\n  limits {\n    error_rate <= 100%\n  }\n}\n";
    let r = run(&against(&svc, perf), &[]);
    r.code(0);
    let dropped = r.metric(0, "dropped_iterations");
    assert!(dropped >= 1.0, "dropped {dropped}\n{r}");
    let note = "note: max_vus 8 (the default for a peak of 4.0/s: twice the peak rate, at least \
                8, at most 1000) reached: every user was busy";
    r.stdout_contains(note);
    r.stdout_contains("iterations dropped");
    r.stdout_contains("raise max_vus");

    // Written out, the cap is named as the user's.
    let perf = perf.replace("for 3s\n", "for 3s, max_vus 4\n");
    let r = run(&against(&svc, &perf), &[]);
    r.code(0);
    r.stdout_contains("note: max_vus 4 reached");
}

#[test]
fn a_closed_standard_output_loses_lines_not_the_run() {
    // `perfdsl run … | head -1`: the reader goes away; the run goes on to its results file.
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("t.perf"), against(&svc, HELLO)).expect("write");
    let mut child = Perfdsl::new()
        .current_dir(dir.path())
        .words("run t.perf --json out.json --quiet --no-report")
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perfdsl starts");
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().expect("perfdsl ends");
    assert_eq!(status.code(), Some(0), "no panic (101), the verdict's code");
    let results = read_json(&dir.path().join("out.json"));
    assert_eq!(results["scenarios"][0]["metrics"]["requests"], 50.0);
}
