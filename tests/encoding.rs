//! One form encoding on both sides: what a step sends as `query` and `form` is read back
//! exactly by a mock's `when query` matchers, for the characters two encoders once
//! disagreed on (`~`, `*`) and the reserved ones.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use perfdsl::mock::{MockOptions, MockServer};

/// Values whose encodings differ between encoders, or that break a naive decoder.
const VALUE: &str = "a~b*c d+e%f&g=h/é🦀";

/// One HTTP/1.1 request received on `listener`: (request target, body). Answers 200.
fn capture_one(listener: &TcpListener) -> (String, String) {
    let (stream, _) = listener.accept().expect("perfdsl connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let target = line
        .split(' ')
        .nth(1)
        .expect("a request target")
        .to_string();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).expect("a header line");
        if h.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("a length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .expect("answer");
    (
        target,
        String::from_utf8(body).expect("an encoded body is ASCII"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steps_query_and_form_are_what_a_mock_matches() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let perf = format!(
        "target \"{url}\"\n\
         scenario send {{\n  load vus 1 for 1s\n  step send: POST /f {{\n    \
         query v \"{VALUE}\"\n    form {{ v = \"{VALUE}\" }}\n  }}\n}}\n"
    );
    let server = std::thread::spawn(move || capture_one(&listener));
    let run = tokio::task::spawn_blocking(move || support::perf::run(&perf, &["--smoke"]))
        .await
        .expect("perfdsl ran");
    let (target, body) = server.join().expect("one request captured");
    run.code(0);
    let query = target
        .split_once('?')
        .expect("a query string")
        .1
        .to_string();
    // Both sides are encoded, not sent raw: the reserved characters did not survive as is.
    assert!(
        !query.contains('&') && !body.contains('&'),
        "{query} / {body}"
    );

    let mocks = perfdsl_core::frontend::check_bytes(
        "m.perf",
        format!(
            "mock m {{\n  on POST /f {{\n    when query v == \"{VALUE}\"\n    text \"matched\"\n  }}\n  \
             on POST /f {{ status 418 }}\n}}\n"
        )
        .as_bytes(),
    )
    .expect("a valid mock")
    .model
    .mocks;
    let mock = MockServer::start(&mocks[0], &MockOptions::default())
        .await
        .expect("the mock starts");
    for sent in [&query, &body] {
        let reply = raw_post(mock.addr(), &format!("/f?{sent}"));
        assert!(
            reply.ends_with("matched"),
            "the mock did not match `{sent}`: {reply}"
        );
    }
}

/// `POST path` with no body on a fresh connection; the whole response.
fn raw_post(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the mock");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: m\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("the response");
    out
}
