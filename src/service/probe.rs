//! The readiness probe: one plain HTTP/1.1 request per attempt on a fresh connection.

use bytes::Bytes;
use http_body_util::Empty;
use hyper::{header, Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::{ServiceError, ServiceSpec};

/// The readiness request, resolved once from the base URL.
pub(super) struct Probe {
    method: Method,
    pub(super) host: String,
    pub(super) port: u16,
    authority: String,
    path: String,
    pub(super) url: String,
}

impl Probe {
    pub(super) fn new(spec: &ServiceSpec) -> Result<Probe, ServiceError> {
        let bad = |reason: &str| ServiceError::BaseUrl {
            name: spec.name.clone(),
            url: spec.base_url.clone(),
            reason: reason.to_string(),
        };
        let uri: Uri = spec.base_url.parse().map_err(|_| bad("not a URL"))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("only `http://` can be probed"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let path = format!(
            "{}/{}",
            uri.path().trim_end_matches('/'),
            spec.ready.path.trim_start_matches('/')
        );
        Ok(Probe {
            method: spec.ready.method.clone(),
            host: host.to_string(),
            port: authority.port_u16().unwrap_or(80),
            authority: authority.to_string(),
            url: format!("http://{authority}{path}"),
            path,
        })
    }

    /// One request on a fresh connection; the status, or why there was none.
    pub(super) async fn attempt(&self) -> Result<StatusCode, String> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", self.authority))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("{}: {e}", self.url))?;
        let request = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str())
            .header(header::HOST, self.authority.as_str())
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("{}: {e}", self.url))?;
        tokio::pin!(connection);
        tokio::select! {
            response = sender.send_request(request) => response
                .map(|r| r.status())
                .map_err(|e| format!("{}: {e}", self.url)),
            closed = &mut connection => Err(match closed {
                Ok(()) => format!("{}: connection closed without an answer", self.url),
                Err(e) => format!("{}: {e}", self.url),
            }),
        }
    }
}
