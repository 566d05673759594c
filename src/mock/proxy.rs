//! The mock proxy: a plain-HTTP forward proxy (`HTTP_PROXY`) that answers absolute-URI
//! requests (`GET http://payments/v1/charges`) with the mock the host names — by the
//! mock's name or a `host` it declares (`pricing.internal`, `*.internal`) — in process
//! (no second hop). The port in the URI is ignored; an unknown host gets `502`, and is
//! counted so that the run can say which hosts the service called that no mock answers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Method, StatusCode};

use super::answer::{handle as handle_mock, text_response, Abort, HttpResponse, MockState};
use super::conn::Conn;
use perfdsl_core::model::mock_for_host;

/// The mocks the proxy routes to, and what it could not route since the last reset.
pub(crate) struct ProxyState {
    pub mocks: Vec<Arc<MockState>>,
    seen: Mutex<Unrouted>,
}

/// Requests the proxy answered 502, by host (plain HTTP) and by tunnel target (HTTPS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unrouted {
    /// `billing.example.com` → requests, for hosts no mock answers for.
    pub hosts: BTreeMap<String, u64>,
    /// `api.stripe.com:443` → `CONNECT` requests (HTTPS, which mocks cannot answer).
    pub tunnels: BTreeMap<String, u64>,
}

impl Unrouted {
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.tunnels.is_empty()
    }
}

impl ProxyState {
    pub(super) fn new(mocks: Vec<Arc<MockState>>) -> ProxyState {
        ProxyState {
            mocks,
            seen: Mutex::new(Unrouted::default()),
        }
    }

    fn find(&self, host: &str) -> Option<Arc<MockState>> {
        let candidates = self
            .mocks
            .iter()
            .map(|m| (m.name.as_str(), m.hosts.as_slice()));
        mock_for_host(candidates, host).and_then(|i| self.mocks.get(i).cloned())
    }

    /// Every host the proxy answers for: mock names and declared hosts.
    fn hosts(&self) -> String {
        let mut all: Vec<&str> = Vec::new();
        for m in &self.mocks {
            all.push(&m.name);
            all.extend(m.hosts.iter().map(|h| h.pattern.as_str()));
        }
        all.join(", ")
    }

    fn count(&self, tunnel: bool, key: String) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let map = if tunnel {
            &mut seen.tunnels
        } else {
            &mut seen.hosts
        };
        *map.entry(key).or_insert(0) += 1;
    }

    /// What was answered 502 since the last reset.
    pub(super) fn unrouted(&self) -> Unrouted {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(super) fn reset(&self) {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Unrouted::default();
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
        // An HTTPS upstream (`https://api.stripe.com`): the client wants a TLS tunnel,
        // which the proxy cannot look into.
        let target = req
            .uri()
            .authority()
            .map_or("?".into(), std::string::ToString::to_string);
        let host = req.uri().host().unwrap_or("?").to_string();
        proxy.count(true, target.clone());
        let declare = match proxy.find(&host) {
            Some(m) => format!("mock `{}` answers for `{host}` over HTTP", m.name),
            None => format!("and declare the host in a mock (`host \"{host}\"`)"),
        };
        let text = format!(
            "perfdsl: the mock proxy cannot intercept HTTPS (CONNECT {target}): mocks speak \
             plain HTTP. Give the service a plain-HTTP base URL for this upstream from its \
             environment (`http://{host}`), {declare}\n"
        );
        return Ok(text_response(StatusCode::BAD_GATEWAY, text));
    }
    let host = host(&req).unwrap_or_default();
    match proxy.find(&host) {
        Some(mock) => handle_mock(mock, conn, req).await,
        None => {
            let text = format!(
                "perfdsl: no mock answers for host `{host}` (mocked hosts: {}); declare it \
                 in a mock with `host \"{host}\"`\n",
                proxy.hosts()
            );
            proxy.count(false, host.to_ascii_lowercase());
            Ok(text_response(StatusCode::BAD_GATEWAY, text))
        }
    }
}
