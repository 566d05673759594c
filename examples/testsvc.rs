//! A minimal, fast HTTP/1.1 + HTTP/2 (h2c, prior knowledge, detected per connection) test
//! server: the service under test in integration tests and the local target of the load
//! benchmark. Its stdout starts with `listening on http://127.0.0.1:PORT`, then `pid N`.

use std::convert::Infallible;
use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

const USAGE: &str = "usage: testsvc [--host ADDR] [--port P] [--die-on-request N] [--port-file PATH] [--threads N] \
[--ready-after DUR] [--die-after DUR] [--spawn-child] [--ignore-sigterm] \
[--stall-every N --stall-for DUR] [--delay DUR]   (DUR: 250ms, 2s)";

type Reply = Response<Full<Bytes>>;

#[derive(Debug, Default)]
struct Options {
    host: String,
    port: u16,
    port_file: Option<String>,
    threads: usize,
    ready_after: Duration,
    die_after: Option<Duration>,
    die_on_request: u64,
    spawn_child: bool,
    ignore_sigterm: bool,
    stall_every: u64,
    stall_for: Duration,
    delay: Duration,
}

struct State {
    options: Options,
    started: Instant,
    requests: AtomicU64,
    /// Requests other than the readiness probe's.
    served: AtomicU64,
    orders: AtomicU64,
}

fn main() {
    let options = parse_args(std::env::args().skip(1)).unwrap_or_else(|e| {
        eprintln!("testsvc: {e}\n{USAGE}");
        std::process::exit(2)
    });
    if options.ignore_sigterm {
        // Before spawning the child, which inherits the disposition.
        // SAFETY: setting a signal to SIG_IGN installs no handler code.
        unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build();
    let result = runtime.and_then(|rt| rt.block_on(serve(options)));
    if let Err(e) = result {
        eprintln!("testsvc: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        host: "127.0.0.1".to_string(),
        threads: 1,
        ..Options::default()
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--host" => o.host = value()?,
            "--port" => o.port = number(&value()?)?,
            "--port-file" => o.port_file = Some(value()?),
            "--threads" => o.threads = number(&value()?)?,
            "--ready-after" => o.ready_after = duration(&value()?)?,
            "--die-after" => o.die_after = Some(duration(&value()?)?),
            "--die-on-request" => o.die_on_request = number(&value()?)?,
            "--spawn-child" => o.spawn_child = true,
            "--ignore-sigterm" => o.ignore_sigterm = true,
            "--stall-every" => o.stall_every = number(&value()?)?,
            "--stall-for" => o.stall_for = duration(&value()?)?,
            "--delay" => o.delay = duration(&value()?)?,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    Ok(o)
}

fn number<T: FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("expected a number, found `{text}`"))
}

/// `250ms` or `2s` (`1.5s` too).
fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("expected a duration like `250ms` or `2s`, found `{text}`");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs: f64 = text
        .strip_suffix('s')
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

async fn serve(options: Options) -> std::io::Result<()> {
    let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
    let bound = listener.local_addr()?;
    let port = bound.port();
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{bound}")?;
    writeln!(out, "pid {}", std::process::id())?;
    if options.spawn_child {
        // Same process group: checks that stopping the service leaves no orphan.
        let child = std::process::Command::new("sleep").arg("1000").spawn()?;
        writeln!(out, "child pid {}", child.id())?;
    }
    out.flush()?;
    drop(out);
    if let Some(path) = &options.port_file {
        let partial = format!("{path}.partial");
        std::fs::write(&partial, format!("{port}\n"))?;
        std::fs::rename(&partial, path)?;
    }
    if let Some(after) = options.die_after {
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            eprintln!("testsvc: dying as asked (--die-after)");
            std::process::exit(3);
        });
    }
    let state = Arc::new(State {
        options,
        started: Instant::now(),
        requests: AtomicU64::new(0),
        served: AtomicU64::new(0),
        orders: AtomicU64::new(0),
    });
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("testsvc: accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(state.clone(), request));
            let builder = auto::Builder::new(TokioExecutor::new());
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let o = &state.options;
    if o.stall_every > 0 && n.is_multiple_of(o.stall_every) {
        tokio::time::sleep(o.stall_for).await;
    }
    if !o.delay.is_zero() {
        tokio::time::sleep(o.delay).await;
    }
    let probe = request.uri().path() == "/health";
    if o.die_on_request > 0
        && !probe
        && state.served.fetch_add(1, Ordering::Relaxed) + 1 == o.die_on_request
    {
        // Crashes on this request: it gets no answer.
        eprintln!("testsvc: dying as asked (--die-on-request)");
        std::process::exit(3);
    }
    Ok(route(&state, request).await)
}

async fn route(state: &State, request: Request<Incoming>) -> Reply {
    let path = request.uri().path().to_string();
    match (request.method().clone(), path.as_str()) {
        (Method::GET, "/health") if state.started.elapsed() >= state.options.ready_after => {
            reply(StatusCode::OK, "text/plain", "ok")
        }
        (Method::GET, "/health") => {
            reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "starting")
        }
        (Method::GET, "/" | "/hello") => reply(StatusCode::OK, "text/plain", "hello"),
        (_, path) if path.starts_with("/hop/") => hop(&path["/hop/".len()..]),
        (method, "/method") => {
            let cookie = request
                .headers()
                .get_all(COOKIE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join("; ");
            let body = read_body(request).await.unwrap_or_default();
            let text = format!("{method} [{}] [{cookie}]", String::from_utf8_lossy(&body));
            reply(StatusCode::OK, "text/plain", text)
        }
        (Method::GET, "/json") => {
            let body = r#"{"name":"testsvc","items":[1,2,3],"ok":true}"#;
            reply(StatusCode::OK, "application/json", body)
        }
        (Method::POST, "/echo") => echo(request).await,
        (Method::GET, "/set-cookie") => {
            let mut r = reply(StatusCode::OK, "text/plain", "cookie set");
            r.headers_mut()
                .insert(SET_COOKIE, HeaderValue::from_static("session=abc; Path=/"));
            r
        }
        (Method::GET, "/cookie") => {
            let cookie = request
                .headers()
                .get(COOKIE)
                .map(|v| Bytes::copy_from_slice(v.as_bytes()));
            reply(StatusCode::OK, "text/plain", cookie.unwrap_or_default())
        }
        (Method::POST, "/orders") => order(state, request).await,
        (Method::GET, path) if path.starts_with("/fetch/") => fetch(&path["/fetch/".len()..]).await,
        (Method::GET, path) if path.starts_with("/redirect/") => {
            redirect(&path["/redirect/".len()..])
        }
        (Method::GET, "/user-agent") => {
            let ua = request
                .headers()
                .get(hyper::header::USER_AGENT)
                .map(|v| Bytes::copy_from_slice(v.as_bytes()));
            reply(StatusCode::OK, "text/plain", ua.unwrap_or_default())
        }
        (Method::GET, path) if path.starts_with("/env/") => {
            let value = std::env::var(&path["/env/".len()..]).unwrap_or_default();
            reply(StatusCode::OK, "text/plain", value)
        }
        (Method::GET, path) => numbered(path),
        _ => not_found(),
    }
}

/// `/status/:code` and `/bytes/:n`.
fn numbered(path: &str) -> Reply {
    if let Some(code) = path.strip_prefix("/status/") {
        return match code.parse().ok().and_then(|c| StatusCode::from_u16(c).ok()) {
            Some(status) => reply(status, "text/plain", status.to_string()),
            None => reply(StatusCode::BAD_REQUEST, "text/plain", "bad status code"),
        };
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        return match n.parse::<usize>() {
            Ok(n) if n <= 64 << 20 => {
                reply(StatusCode::OK, "application/octet-stream", vec![b'x'; n])
            }
            _ => reply(
                StatusCode::BAD_REQUEST,
                "text/plain",
                "expected 0..=67108864 bytes",
            ),
        };
    }
    not_found()
}

async fn echo(request: Request<Incoming>) -> Reply {
    let content_type = request.headers().get(CONTENT_TYPE).cloned();
    let Some(body) = read_body(request).await else {
        return reply(StatusCode::BAD_REQUEST, "text/plain", "unreadable body");
    };
    let mut r = reply(StatusCode::OK, "application/octet-stream", body);
    if let Some(content_type) = content_type {
        r.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    r
}

/// `{"qty": n}` → 201 `{"id": <counter>, "total": <qty*10>}`.
async fn order(state: &State, request: Request<Incoming>) -> Reply {
    let qty = read_body(request)
        .await
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(&body).ok())
        .and_then(|json| json.get("qty").and_then(serde_json::Value::as_u64));
    let Some(qty) = qty else {
        let body = r#"{"error":"expected {\"qty\": n}"}"#;
        return reply(StatusCode::BAD_REQUEST, "application/json", body);
    };
    let id = state.orders.fetch_add(1, Ordering::Relaxed) + 1;
    let body = format!(r#"{{"id": {id}, "total": {}}}"#, qty.saturating_mul(10));
    reply(StatusCode::CREATED, "application/json", body)
}

/// `/redirect/N`: 302 to `/redirect/N-1` (a relative `Location`), and `/redirect/0` is
/// 200 `landed`; `/redirect/away` is 302 to another host.
fn redirect(n: &str) -> Reply {
    let location = match n {
        "away" => "http://example.com/".to_string(),
        "0" => return reply(StatusCode::OK, "text/plain", "landed"),
        n => match n.parse::<u32>() {
            Ok(n) => format!("{}", n - 1),
            Err(_) => return not_found(),
        },
    };
    let mut r = reply(StatusCode::FOUND, "text/plain", "moved");
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(hyper::header::LOCATION, v);
    }
    r
}

/// `ANY /hop/CODE`: a redirect with that status to `/method` (which answers with the
/// method, body and cookies it got), setting the cookie `hop=1`.
fn hop(code: &str) -> Reply {
    let Some(status) = code.parse().ok().and_then(|c| StatusCode::from_u16(c).ok()) else {
        return not_found();
    };
    let mut r = reply(status, "text/plain", "hop");
    r.headers_mut()
        .insert(hyper::header::LOCATION, HeaderValue::from_static("/method"));
    r.headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_static("hop=1; Path=/"));
    r
}

/// `GET /fetch/HOST/PATH`: calls `http://HOST/PATH` the way a service calls an upstream
/// whose URL it was given: through `HTTP_PROXY` when that is set (an absolute-form request
/// to the proxy), else directly; answers with the upstream's status and body (502 with the
/// reason when the call fails).
async fn fetch(rest: &str) -> Reply {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let proxy = std::env::var("HTTP_PROXY")
        .or_else(|_| std::env::var("http_proxy"))
        .ok()
        .filter(|p| !p.is_empty());
    let (addr, uri) = match &proxy {
        Some(p) => {
            let authority = p.trim_start_matches("http://").trim_end_matches('/');
            (authority.to_string(), format!("http://{host}/{path}"))
        }
        None => (format!("{host}:80"), format!("/{path}")),
    };
    match call(&addr, host, &uri).await {
        Ok((status, body)) => reply(status, "text/plain", body),
        Err(e) => reply(
            StatusCode::BAD_GATEWAY,
            "text/plain",
            format!("fetch failed: {e}"),
        ),
    }
}

async fn call(addr: &str, host: &str, uri: &str) -> Result<(StatusCode, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let request = Request::get(uri)
        .header(hyper::header::HOST, host)
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

async fn read_body(request: Request<Incoming>) -> Option<Bytes> {
    Some(request.into_body().collect().await.ok()?.to_bytes())
}

fn not_found() -> Reply {
    reply(StatusCode::NOT_FOUND, "text/plain", "not found")
}

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
