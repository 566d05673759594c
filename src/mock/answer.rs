//! How one mock answers: its routes and templates compiled once (`MockState`), and the
//! request handler (match, render, fault, wait), directly or through the proxy.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{StatusCode, Version};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::conn::Conn;
use super::context::context;
use super::journal::{FaultHit, Journal, MockSnapshot, RouteSnapshot};
use super::render::{CompileError, Compiled, Templates};
use super::request::{matches, Request};
use super::router::{self, Router};
use super::{MockError, MockOptions, DEFAULT_SEED, HANG_CAP, MAX_BODY};
use crate::eval::dist::sample_duration;
use crate::eval::vars::Vars;
use perfdsl_core::model::{CallExpect, Distribution, Fault, FaultKind, Mock, Route, RouteMethod};

pub(crate) type HttpResponse = hyper::Response<Full<Bytes>>;

/// Ends a connection without an answer (`reset`, the end of a `hang`).
#[derive(Debug)]
pub(crate) struct Abort(&'static str);

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Abort {}

/// A route's responses: the default and the `call`/`calls` overrides.
struct Answers {
    default: Compiled,
    calls: Vec<(u64, Option<u64>, Compiled)>,
}

impl Answers {
    fn for_call(&self, n: u64) -> &Compiled {
        self.calls
            .iter()
            .find(|(first, last, _)| n >= *first && last.is_none_or(|l| n <= l))
            .map_or(&self.default, |(_, _, c)| c)
    }
}

/// Everything a mock needs to answer, compiled once.
pub(crate) struct MockState {
    pub name: String,
    /// The hosts it answers for through the proxy, besides its name.
    pub hosts: Vec<perfdsl_core::model::HostPattern>,
    routes: Vec<Route>,
    answers: Vec<Answers>,
    router: Router,
    /// Each route as snapshots describe it (label, conditions, expectations).
    labels: Vec<RouteSnapshot>,
    expects: Vec<CallExpect>,
    origin: perfdsl_core::model::Origin,
    templates: Templates,
    rng: Mutex<SmallRng>,
    pub journal: Journal,
    /// `when` literals have no variables: an empty set to evaluate them with.
    no_vars: Vars,
    in_flight: AtomicU64,
}

impl MockState {
    /// Calls being handled right now (waiting out their latency, or hanging).
    pub(super) fn in_flight(&self) -> u64 {
        self.in_flight.load(Relaxed)
    }
}

impl MockState {
    pub(super) fn new(mock: &Mock, opts: &MockOptions) -> Result<MockState, MockError> {
        let mut templates = Templates::new();
        let mut answers = Vec::new();
        let labels: Vec<RouteSnapshot> = mock
            .routes
            .iter()
            .map(|r| RouteSnapshot {
                route: router::label(r),
                conditions: r.matchers.len(),
                calls: 0,
                expects: r.expects.clone(),
            })
            .collect();
        for (r, RouteSnapshot { route: label, .. }) in mock.routes.iter().zip(&labels) {
            let mut compile = |resp| {
                templates
                    .compile(resp, mock.latency.as_ref(), &mock.faults, &opts.dir)
                    .map_err(|e| match e {
                        CompileError::Template(reason) => MockError::Template {
                            mock: mock.name.clone(),
                            route: label.clone(),
                            reason,
                        },
                        CompileError::File { path, reason } => MockError::BodyFile {
                            mock: mock.name.clone(),
                            path,
                            reason,
                        },
                    })
            };
            let default = compile(&r.response)?;
            let mut calls = Vec::new();
            for c in &r.calls {
                calls.push((c.first, c.last, compile(&c.response)?));
            }
            answers.push(Answers { default, calls });
        }
        let seed = mock.seed.or(opts.seed).unwrap_or(DEFAULT_SEED);
        Ok(MockState {
            name: mock.name.clone(),
            hosts: mock.hosts.clone(),
            routes: mock.routes.clone(),
            answers,
            router: Router::new(&mock.routes),
            labels,
            expects: mock.expects.clone(),
            origin: mock.origin,
            templates,
            rng: Mutex::new(SmallRng::seed_from_u64(seed)),
            journal: Journal::new(mock.routes.len()),
            no_vars: Vars::new(0),
            in_flight: AtomicU64::new(0),
        })
    }

    pub(crate) fn snapshot(&self) -> MockSnapshot {
        self.journal
            .snapshot(&self.name, &self.labels, &self.expects, self.origin)
    }

    fn accepts(&self, id: usize, req: &Request) -> bool {
        let r = &self.routes[id];
        let method_ok = match r.method {
            RouteMethod::Any => true,
            RouteMethod::Only(m) => m.as_str() == req.method,
        };
        method_ok && r.matchers.iter().all(|m| matches(m, req, &self.no_vars))
    }

    /// Draws the fault (if any) and the latency (None: no latency configured) of one
    /// call, in that order.
    fn draw<'a>(
        &self,
        faults: &'a [Fault],
        latency: Option<&Distribution>,
    ) -> (Option<&'a FaultKind>, Option<Duration>) {
        if faults.is_empty() && latency.is_none() {
            return (None, None);
        }
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fault = if faults.is_empty() {
            None
        } else {
            let u: f64 = rng.random();
            let mut acc = 0.0;
            faults
                .iter()
                .find(|f| {
                    acc += f.rate;
                    u < acc
                })
                .map(|f| &f.kind)
        };
        let delay = latency.map(|d| sample_duration(d, &mut *rng));
        (fault, delay)
    }

    /// The synchronous part of a call: match, count, draw, render.
    fn plan(&self, parts: &hyper::http::request::Parts, body: &[u8]) -> Plan {
        let method = parts.method.as_str();
        let path = parts.uri.path();
        let req = Request::new(method, path, parts.uri.query(), &parts.headers, body);
        let segs = req.segment_strs();
        let Some(id) = self.router.find(&segs, &mut |id| self.accepts(id, &req)) else {
            self.journal.unmatched(method, path);
            return Plan::Now(self.not_found(method, path));
        };
        let params = router::params(&self.routes[id], &segs);
        let n = self.journal.matched(id);
        let answer = self.answers[id].for_call(n);
        let (fault, delay) = self.draw(&answer.faults, answer.latency.as_ref());
        let response = match fault {
            Some(FaultKind::Hang) => {
                self.journal.fault(FaultHit::Hang);
                return Plan::Hang;
            }
            Some(FaultKind::Reset) => {
                self.journal.fault(FaultHit::Reset);
                return Plan::Reset { delay };
            }
            Some(FaultKind::Status {
                status,
                retry_after,
            }) => {
                self.journal.fault(FaultHit::Status);
                fault_response(*status, *retry_after)
            }
            None => {
                let ctx = context(&req, &params, n, &answer.needs);
                match self.templates.render(answer, &ctx) {
                    Ok(r) => {
                        let mut resp = hyper::Response::new(Full::new(r.body));
                        *resp.status_mut() = r.status;
                        let h = resp.headers_mut();
                        for (name, value) in r.headers {
                            h.append(name, value);
                        }
                        resp
                    }
                    Err(msg) => {
                        self.journal.template_error();
                        let text = format!(
                            "perfdsl mock `{}`: cannot render the response of `{}`: {msg}\n",
                            self.name, self.labels[id].route
                        );
                        return Plan::Now(text_response(StatusCode::INTERNAL_SERVER_ERROR, text));
                    }
                }
            }
        };
        Plan::Answer { response, delay }
    }

    fn not_found(&self, method: &str, path: &str) -> HttpResponse {
        const SHOWN: usize = 10;
        let mut list: Vec<&str> = self
            .labels
            .iter()
            .take(SHOWN)
            .map(|r| r.route.as_str())
            .collect();
        let more = self.labels.len().saturating_sub(SHOWN);
        let more = format!("and {more} more");
        if self.labels.len() > SHOWN {
            list.push(&more);
        }
        let routes = if list.is_empty() {
            "the mock has no routes".to_string()
        } else {
            format!("routes: {}", list.join(", "))
        };
        let text = format!(
            "perfdsl mock `{}`: no route matches {method} {path} ({routes})\n",
            self.name
        );
        text_response(StatusCode::NOT_FOUND, text)
    }
}

/// What to do with a call once its synchronous part is done.
enum Plan {
    /// Answer at once (unmatched, template error).
    Now(HttpResponse),
    /// Answer after the latency (if any).
    Answer {
        response: HttpResponse,
        delay: Option<Duration>,
    },
    /// Close the connection after the latency (if any), without an answer.
    Reset {
        delay: Option<Duration>,
    },
    Hang,
}

pub(crate) fn text_response(status: StatusCode, text: String) -> HttpResponse {
    let mut resp = hyper::Response::new(Full::new(Bytes::from(text)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn fault_response(status: u16, retry_after: Option<Duration>) -> HttpResponse {
    let body = Bytes::from_static(br#"{"error":"injected fault"}"#);
    let mut resp = hyper::Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(after) = retry_after {
        // Whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        h.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Decrements the in-flight count when a call ends, however it ends (a hang is dropped
/// when its connection closes).
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// Answers one request to a mock (directly or through the proxy).
pub(crate) async fn handle(
    state: Arc<MockState>,
    conn: Arc<Conn>,
    req: hyper::Request<Incoming>,
) -> Result<HttpResponse, Abort> {
    let start = Instant::now();
    state.in_flight.fetch_add(1, Relaxed);
    let _guard = InFlight(&state.in_flight);
    let queued = conn.first_request_wait(start);
    state.journal.arrived(queued);
    let version = req.version();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let text = format!(
                "perfdsl mock `{}`: request body too large or broken\n",
                state.name
            );
            return Ok(text_response(StatusCode::PAYLOAD_TOO_LARGE, text));
        }
    };
    let plan = state.plan(&parts, &body);
    let delay = match &plan {
        Plan::Now(_) | Plan::Hang => None,
        Plan::Answer { delay, .. } | Plan::Reset { delay } => *delay,
    };
    if let Some(delay) = delay {
        let deadline = start + delay;
        let lateness = if deadline > Instant::now() {
            tokio::time::sleep_until(deadline.into()).await;
            Instant::now().saturating_duration_since(deadline)
        } else {
            Duration::ZERO
        };
        state.journal.timed(delay, start.elapsed(), lateness);
    }
    match plan {
        Plan::Now(response) | Plan::Answer { response, .. } => Ok(response),
        Plan::Reset { .. } => {
            if version < Version::HTTP_2 {
                conn.linger_zero();
            }
            Err(Abort("injected fault: connection reset"))
        }
        Plan::Hang => {
            // Dropped (with the connection) when the client gives up.
            tokio::time::sleep(HANG_CAP).await;
            Err(Abort("injected fault: hang cap reached"))
        }
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
