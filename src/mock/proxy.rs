//! The mock proxy: a plain-HTTP forward proxy (`HTTP_PROXY`) that answers absolute-URI
//! requests (`GET http://payments/v1/charges`) with the mock named by the host, in
//! process (no second hop). The port in the URI is ignored; an unknown host gets `502`.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Method, StatusCode};

use super::listen::Conn;
use super::server::{handle as handle_mock, text_response, Abort, HttpResponse, MockState};

/// The mocks the proxy routes to, by name.
pub(crate) struct ProxyState {
    pub mocks: Vec<Arc<MockState>>,
}

impl ProxyState {
    fn find(&self, host: &str) -> Option<Arc<MockState>> {
        self.mocks
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(host))
            .cloned()
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.mocks.iter().map(|m| m.name.as_str()).collect();
        names.join(", ")
    }
}

/// The host a proxied request is for: the absolute URI's, else the `Host` header's;
/// without port.
fn host(req: &hyper::Request<Incoming>) -> Option<String> {
    if let Some(h) = req.uri().host() {
        return Some(h.to_string());
    }
    let header = req.headers().get(HOST)?.to_str().ok()?;
    let authority: hyper::http::uri::Authority = header.parse().ok()?;
    Some(authority.host().to_string())
}

pub(crate) async fn handle(
    proxy: Arc<ProxyState>,
    conn: Arc<Conn>,
    req: hyper::Request<Incoming>,
) -> Result<HttpResponse, Abort> {
    if req.method() == Method::CONNECT {
        let text = "perfdsl: the mock proxy does not tunnel (CONNECT); mocks speak plain HTTP, \
                    so give the service `http://` upstream URLs\n";
        return Ok(text_response(StatusCode::BAD_GATEWAY, text.to_string()));
    }
    let host = host(&req).unwrap_or_default();
    match proxy.find(&host) {
        Some(mock) => handle_mock(mock, conn, req).await,
        None => {
            let text = format!(
                "perfdsl: no mock named `{host}` (mocks: {})\n",
                proxy.names()
            );
            Ok(text_response(StatusCode::BAD_GATEWAY, text))
        }
    }
}
