//! The load path's HTTP client, directly on hyper's connection layer: each virtual user
//! owns one keep-alive HTTP/1.1 connection (as a browser tab would), or shares its worker
//! thread's HTTP/2 connection (prior knowledge). No pool look-ups, no locks.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::header::HeaderValue;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

/// HTTP version spoken to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http1,
    /// HTTP/2 over cleartext with prior knowledge (h2c).
    Http2,
}

/// Where requests go: a resolved address and the `Host` header value.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub host: HeaderValue,
    pub protocol: Protocol,
    /// Path prefix of the base URL (`/api` in `http://127.0.0.1:8080/api`), without a
    /// trailing slash.
    pub base_path: String,
    /// The largest body kept for expectations, captures and hooks (bodies nobody reads
    /// are counted, never kept, whatever their size).
    pub max_body: u64,
}

/// The default of [`Endpoint::max_body`]: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 << 20;

/// Why a request got no (complete) response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The connection could not be made or broke.
    Connect(String),
    /// The response was not valid HTTP.
    Protocol(String),
    /// A body to keep was larger than [`Endpoint::max_body`]: reading stopped there.
    TooLarge(u64),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Connect(m) => write!(f, "connection failed: {m}"),
            ClientError::Protocol(m) => write!(f, "invalid response: {m}"),
            ClientError::TooLarge(max) => write!(
                f,
                "the response body is larger than {max} bytes (`--max-body`), the most perfdsl keeps for checks"
            ),
        }
    }
}

/// A response with its body read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body, when the caller asked to keep it (expectations, captures, hooks).
    pub body: Bytes,
    /// Bytes of body received (kept or not).
    pub body_len: u64,
}

/// One virtual user's connection state.
#[derive(Default)]
pub struct Conn {
    h1: Option<http1::SendRequest<Full<Bytes>>>,
    h2: Option<http2::SendRequest<Full<Bytes>>>,
}

impl Conn {
    /// Sends a request and reads the whole response. A request that could not even be
    /// written on a reused keep-alive connection (the server closed it) is retried once
    /// on a fresh connection; nothing is retried after it was sent.
    pub async fn send(
        &mut self,
        ep: &Endpoint,
        req: Request<Full<Bytes>>,
        keep_body: bool,
    ) -> Result<Reply, ClientError> {
        let resp = match ep.protocol {
            Protocol::Http1 => self.send_h1(ep, req).await?,
            Protocol::Http2 => self.send_h2(ep, req).await?,
        };
        let cap = keep_body.then_some(ep.max_body);
        read(resp, cap).await
    }

    async fn send_h1(
        &mut self,
        ep: &Endpoint,
        req: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, ClientError> {
        let reused = self.h1.as_ref().is_some_and(|s| !s.is_closed());
        if !reused {
            self.h1 = Some(connect_h1(ep.addr).await?);
        }
        let sender = self
            .h1
            .as_mut()
            .ok_or_else(|| ClientError::Connect("no connection".into()))?;
        if sender.ready().await.is_err() {
            *sender = connect_h1(ep.addr).await?;
        }
        match sender.try_send_request(req).await {
            Ok(r) => Ok(r),
            Err(mut e) => match (reused, e.take_message()) {
                (true, Some(req)) => {
                    let mut fresh = connect_h1(ep.addr).await?;
                    fresh
                        .ready()
                        .await
                        .map_err(|e| ClientError::Connect(e.to_string()))?;
                    let r = fresh.send_request(req).await.map_err(classify);
                    self.h1 = Some(fresh);
                    r
                }
                _ => {
                    self.h1 = None;
                    Err(classify(e.into_error()))
                }
            },
        }
    }

    async fn send_h2(
        &mut self,
        ep: &Endpoint,
        req: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, ClientError> {
        if self
            .h2
            .as_ref()
            .is_none_or(hyper::client::conn::http2::SendRequest::is_closed)
        {
            self.h2 = Some(connect_h2(ep.addr).await?);
        }
        let sender = self
            .h2
            .as_mut()
            .ok_or_else(|| ClientError::Connect("no connection".into()))?;
        sender.ready().await.map_err(classify)?;
        sender.send_request(req).await.map_err(|e| {
            self.h2 = None;
            classify(e)
        })
    }

    /// Shares an HTTP/2 connection (cheap clone of the sender).
    #[must_use]
    pub fn share_h2(&self) -> Conn {
        Conn {
            h1: None,
            h2: self.h2.clone(),
        }
    }
}

async fn tcp(addr: SocketAddr) -> Result<TokioIo<TcpStream>, ClientError> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| ClientError::Connect(format!("{addr}: {e}")))?;
    let _ = stream.set_nodelay(true);
    Ok(TokioIo::new(stream))
}

async fn connect_h1(addr: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>, ClientError> {
    let io = tcp(addr).await?;
    let (sender, conn) = http1::handshake(io).await.map_err(classify)?;
    tokio::spawn(async move {
        // The connection ends when the sender is dropped or the peer closes it; its error,
        // if any, surfaces on the next request.
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connect_h2(addr: SocketAddr) -> Result<http2::SendRequest<Full<Bytes>>, ClientError> {
    let io = tcp(addr).await?;
    let (sender, conn) = http2::handshake(TokioExecutor::new(), io)
        .await
        .map_err(classify)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn classify(e: hyper::Error) -> ClientError {
    if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() {
        ClientError::Protocol(e.to_string())
    } else {
        ClientError::Connect(describe(&e))
    }
}

/// hyper's message plus its cause (the io error says what actually happened).
fn describe(e: &hyper::Error) -> String {
    match std::error::Error::source(e) {
        Some(src) => format!("{e}: {src}"),
        None => e.to_string(),
    }
}

/// Reads the response to its end; with `cap`, keeps its body, but no more than `cap`
/// bytes of it (a larger one is an error, and the connection is dropped unread).
async fn read(resp: Response<Incoming>, cap: Option<u64>) -> Result<Reply, ClientError> {
    let keep_body = cap.is_some();
    let (parts, mut body) = resp.into_parts();
    let mut len = 0u64;
    // Most bodies arrive in one frame: that one is kept as it is, without copying.
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(classify)?;
        if let Ok(data) = frame.into_data() {
            len += data.len() as u64;
            if let Some(max) = cap.filter(|max| len > *max) {
                return Err(ClientError::TooLarge(max));
            }
            if !keep_body || data.is_empty() {
                continue;
            }
            match &first {
                None => first = Some(data),
                Some(f) => {
                    if rest.is_empty() {
                        rest.extend_from_slice(f);
                    }
                    rest.extend_from_slice(&data);
                }
            }
        }
    }
    let body = if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        Bytes::from(rest)
    };
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
        body_len: len,
    })
}

/// Runs `fut` with a deadline; `None` when it ran out.
pub async fn with_timeout<T>(d: Duration, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(d, fut).await.ok()
}
