//! Listening: binding loopback ports, accepting connections, and serving each with hyper
//! (HTTP/1.1 with keep-alive, or HTTP/2 with prior knowledge) until shutdown.

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::answer::{handle, MockState};
use super::conn::Conn;
use super::proxy::{self, ProxyState};
use super::MockError;

/// Who answers on a listener.
#[derive(Clone)]
pub(crate) enum Dispatch {
    Mock(Arc<MockState>),
    Proxy(Arc<ProxyState>),
}

/// Binds `127.0.0.1:port` (0: a free port).
pub(crate) async fn bind(name: &str, port: u16) -> Result<TcpListener, MockError> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => MockError::PortTaken {
                mock: name.to_string(),
                port,
            },
            _ => MockError::Bind {
                mock: name.to_string(),
                port,
                reason: e.to_string(),
            },
        })
}

/// Accepts connections until `shutdown` changes (or its sender is dropped).
pub(crate) fn spawn_accept(
    listener: TcpListener,
    dispatch: Dispatch,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => spawn_conn(stream, dispatch.clone(), shutdown.clone()),
                    // Out of descriptors or similar: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
            }
        }
    })
}

fn spawn_conn(stream: TcpStream, dispatch: Dispatch, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let conn = Arc::new(Conn::new(stream.as_raw_fd()));
    tokio::spawn(async move {
        let svc = service_fn(move |req| {
            let (dispatch, conn) = (dispatch.clone(), conn.clone());
            async move {
                match dispatch {
                    Dispatch::Mock(state) => handle(state, conn, req).await,
                    Dispatch::Proxy(p) => proxy::handle(p, conn, req).await,
                }
            }
        });
        let builder = auto::Builder::new(TokioExecutor::new());
        let served = builder.serve_connection(TokioIo::new(stream), svc);
        tokio::select! {
            _ = served => {}
            _ = shutdown.changed() => {}
        }
    });
}
