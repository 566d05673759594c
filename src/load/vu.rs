//! One virtual user: its variables, cookies and connection, and the execution of one
//! iteration (hooks, steps, expectations, captures) into the worker's recorder.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE, USER_AGENT};
use hyper::Request;
use rand::rngs::SmallRng;

use super::check::{self, LazyJson, Observed};
use super::client::{with_timeout, ClientError, Conn, Reply};
use super::plan::{ScenarioPlan, StepPlan};
use super::script::{self, RequestView, ResponseView};
use super::worker::{Failure, RecorderCell};
use crate::eval::encode::form_component;
use crate::eval::predicate::excerpt;
use crate::eval::vars::Vars;
use crate::metrics::{ErrorKind, Sample};
use perfdsl_core::model::{Body, ExpectKind, Hook};

const USER_AGENT_VALUE: &str = concat!("perfdsl/", env!("CARGO_PKG_VERSION"));

/// A virtual user's state, kept across its iterations.
pub struct Vu {
    pub vars: Vars,
    pub conn: Conn,
    pub rng: SmallRng,
    cookies: Vec<(String, String)>,
    /// Reused for rendering header values.
    scratch: String,
}

/// How one iteration went.
#[derive(Debug, Default)]
pub struct IterationOutcome {
    pub failed: bool,
    /// A request of the iteration got no response (timeout, connection failure).
    pub unanswered: bool,
    /// A `unique` feeder ran out: the virtual user stops.
    pub exhausted: bool,
    pub failures: Vec<Failure>,
}

impl Vu {
    pub fn new(id: u64, rng: SmallRng, plan: &ScenarioPlan) -> Vu {
        let mut vars = Vars::new(id);
        for v in &plan.scenario.vars {
            vars.set(&v.name, literal(&v.value, &vars));
        }
        Vu {
            vars,
            conn: Conn::default(),
            rng,
            cookies: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Runs one iteration. `lag` is how late it started (added to corrected latency);
    /// samples go to `rec` only when `measured`. `keep_failures` collects details.
    pub async fn iteration(
        &mut self,
        plan: &ScenarioPlan,
        rec: &RecorderCell<'_>,
        lag: Duration,
        measured: bool,
        keep_failures: bool,
    ) -> IterationOutcome {
        let mut out = IterationOutcome::default();
        for f in &plan.feeders {
            match f.next_row(&mut self.rng) {
                Some(row) => self.vars.set(&f.name, (*row).clone()),
                None => {
                    out.exhausted = true;
                    return out;
                }
            }
        }
        let sc = &plan.scenario;
        if let Some(h) = &sc.before_iteration {
            self.iteration_hook(h, rec, measured, &mut out, keep_failures);
        }
        for (i, sp) in plan.steps.iter().enumerate() {
            if i > 0 {
                if let Some(think) = &sc.think {
                    tokio::time::sleep(crate::eval::dist::sample_duration(think, &mut self.rng))
                        .await;
                }
            }
            self.step(plan, i, sp, rec, lag, measured, keep_failures, &mut out)
                .await;
        }
        if let Some(h) = &sc.after_iteration {
            self.iteration_hook(h, rec, measured, &mut out, keep_failures);
        }
        self.vars.iteration += 1;
        out
    }

    fn iteration_hook(
        &mut self,
        h: &Hook,
        rec: &RecorderCell<'_>,
        measured: bool,
        out: &mut IterationOutcome,
        keep: bool,
    ) {
        match script::run(h, &mut self.vars, None, None) {
            Ok(emitted) if measured => {
                rec.with(|r| emitted.iter().for_each(|(n, v)| r.custom(n, *v)))
            }
            Ok(_) => {}
            Err(e) => {
                out.failed = true;
                if measured {
                    rec.with(|r| {
                        r.iteration_hook_errors += 1;
                        if r.iteration_hook_sample.is_none() {
                            r.iteration_hook_sample = Some(format!("iteration hook: {e}"));
                        }
                    });
                }
                if keep {
                    out.failures.push(Failure {
                        step: "(iteration hook)".into(),
                        kind: ErrorKind::Hook,
                        message: e,
                        request: String::new(),
                        response: None,
                    });
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn step(
        &mut self,
        plan: &ScenarioPlan,
        index: usize,
        sp: &StepPlan,
        rec: &RecorderCell<'_>,
        lag: Duration,
        measured: bool,
        keep_failures: bool,
        out: &mut IterationOutcome,
    ) {
        let step = &sp.step;
        let mut errors: Vec<(ErrorKind, String)> = Vec::new();
        if let Some(h) = &step.before {
            let view = RequestView {
                method: step.method.as_str().to_string(),
                path: self.vars.render(&step.path),
                ..Default::default()
            };
            match script::run(h, &mut self.vars, Some(&view), None) {
                Ok(em) if measured => rec.with(|r| em.iter().for_each(|(n, v)| r.custom(n, *v))),
                Ok(_) => {}
                Err(e) => errors.push((ErrorKind::Hook, e)),
            }
        }
        let (req, path, body_len) = self.build(plan, sp);
        let request_line = format!("{} {}", step.method.as_str(), path);
        let req_view =
            (step.after.is_some() && sp.after_needs.request).then(|| request_view(&req, &path));
        let start = Instant::now();
        let sent = with_timeout(step.timeout, self.exchange(plan, sp, req)).await;
        let elapsed = start.elapsed();
        let mut sample = Sample {
            latency_us: (elapsed + lag).as_micros() as u64,
            uncorrected_us: elapsed.as_micros() as u64,
            request_bytes: body_len,
            ..Default::default()
        };
        let mut response_excerpt = None;
        if !matches!(sent, Some(Ok(_))) {
            // No response at all: a timeout or a broken connection.
            out.unanswered = true;
        }
        match sent {
            None => errors.insert(
                0,
                (
                    ErrorKind::Timeout,
                    format!("no response within {:?}", step.timeout),
                ),
            ),
            Some(Err(e)) => errors.insert(0, (ErrorKind::from(&e), e.to_string())),
            Some(Ok((reply, unfollowed))) => {
                sample.responded = true;
                sample.response_bytes = reply.body_len;
                self.keep_cookies(&reply);
                if keep_failures {
                    response_excerpt = Some(format!(
                        "{} {}",
                        reply.status,
                        excerpt(&String::from_utf8_lossy(&reply.body), 300)
                    ));
                }
                match unfollowed {
                    // The target answered with a redirect the step may not follow: that
                    // answer is the response, and it fails the step.
                    Some(why) => errors.push((ErrorKind::Status, why)),
                    None => {
                        self.evaluate(sp, &reply, elapsed, req_view, rec, measured, &mut errors)
                    }
                }
            }
        }
        if let Some((kind, _)) = errors.first() {
            sample.error = Some(*kind);
            out.failed = true;
        }
        if measured {
            rec.with(|r| {
                let sr = r.step(index);
                sr.record(&sample);
                if let Some((kind, msg)) = errors.first() {
                    sr.sample_error(*kind, || {
                        format!(
                            "{}: {}",
                            crate::urls::mask_query(&request_line),
                            shown(&request_line, msg)
                        )
                    });
                }
            });
            rec.live(sample.error.is_some());
        }
        if keep_failures {
            for (kind, message) in errors {
                out.failures.push(Failure {
                    step: step.name.clone(),
                    kind,
                    message: shown(&request_line, &message),
                    request: crate::urls::mask_query(&request_line),
                    response: response_excerpt.as_deref().map(|r| shown(&request_line, r)),
                });
            }
        }
    }

    /// Expectations, captures and the after hook, in that order.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &mut self,
        sp: &StepPlan,
        reply: &Reply,
        elapsed: Duration,
        req_view: Option<RequestView>,
        rec: &RecorderCell<'_>,
        measured: bool,
        errors: &mut Vec<(ErrorKind, String)>,
    ) {
        let step = &sp.step;
        let mut json = LazyJson::new(&reply.body);
        if !sp.expects_status && reply.status.as_u16() >= 400 {
            errors.push((
                ErrorKind::Status,
                format!("status {}", reply.status.as_u16()),
            ));
        }
        for (i, e) in step.expects.iter().enumerate() {
            let fast = sp.expect_paths.get(i).and_then(Option::as_ref);
            let mut o = Observed {
                reply,
                json: &mut json,
                elapsed,
            };
            if let Err(m) = check::expect(&e.what, fast, &mut o, &self.vars) {
                let kind = match e.what {
                    ExpectKind::Status(_) => ErrorKind::Status,
                    _ => ErrorKind::Expect,
                };
                errors.push((kind, m));
            }
        }
        for (i, c) in step.captures.iter().enumerate() {
            let fast = sp.capture_paths.get(i).and_then(Option::as_ref);
            match check::capture(&c.source, fast, reply, &mut json) {
                Ok(v) => self.vars.set(&c.name, v),
                Err(m) => errors.push((ErrorKind::Expect, format!("capture `{}`: {m}", c.name))),
            }
        }
        if let Some(h) = &step.after {
            let needs = sp.after_needs;
            let resp = ResponseView {
                status: reply.status.as_u16(),
                headers: if needs.headers {
                    header_pairs(&reply.headers)
                } else {
                    Vec::new()
                },
                body: if needs.body {
                    String::from_utf8_lossy(&reply.body).into_owned()
                } else {
                    String::new()
                },
                json: if needs.json { json.get() } else { None },
                duration_ms: elapsed.as_secs_f64() * 1000.0,
            };
            let call = script::Call {
                hook: h,
                needs,
                request: req_view.as_ref(),
                response: Some(&resp),
            };
            let mut emit = |name: &str, v: f64| {
                if measured {
                    rec.with(|r| r.custom(name, v));
                }
            };
            if let Err(e) = script::run_with(&call, &mut self.vars, &mut emit) {
                errors.push((ErrorKind::Hook, e));
            }
        }
    }

    /// Renders the request: path and query, headers, cookies, body. The request is put
    /// together in place (no builder: each of its steps moves the whole request).
    fn build(&mut self, plan: &ScenarioPlan, sp: &StepPlan) -> (Request<Full<Bytes>>, String, u64) {
        let step = &sp.step;
        let mut path = plan.endpoint.base_path.clone();
        self.vars.render_into(&step.path, &mut path);
        for (i, (name, value)) in step.query.iter().enumerate() {
            path.push(if i == 0 && !path.contains('?') {
                '?'
            } else {
                '&'
            });
            form_component(name, &mut path);
            path.push('=');
            form_component(&self.vars.render(value), &mut path);
        }
        let body = self.body(sp);
        let body_len = body.len() as u64;
        let uri = match hyper::Uri::try_from(if path.is_empty() { "/" } else { path.as_str() }) {
            Ok(uri) => uri,
            Err(e) => return (invalid_path_request(&e.to_string()), path, body_len),
        };
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = sp.method.clone();
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        let _ = headers.try_reserve(4 + sp.headers.len());
        headers.append(HOST, plan.endpoint.host.clone());
        // The step's own `User-Agent` replaces perfdsl's.
        if !sp.headers.iter().any(|(h, _)| h == USER_AGENT) {
            headers.append(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        }
        if let Some(ct) = &sp.content_type {
            if !sp.headers.iter().any(|(h, _)| h == CONTENT_TYPE) {
                headers.append(CONTENT_TYPE, ct.clone());
            }
        }
        for (name, t) in &sp.headers {
            self.scratch.clear();
            self.vars.render_into(t, &mut self.scratch);
            if let Ok(v) = HeaderValue::from_str(&self.scratch) {
                let _ = headers.try_append(name.clone(), v);
            }
        }
        if let Some(jar) = self.cookie_header() {
            headers.append(COOKIE, jar);
        }
        (req, path, body_len)
    }

    /// Sends the request and, when the step follows redirects, each redirect on the same
    /// target (up to its `redirects`): the reply is the last one, with why it was not
    /// followed further when it is itself a redirect it should have been (one hop too
    /// many, or off the target). 303, and 301/302 after a POST, go on as a GET without
    /// body; 307 and 308 repeat the method and body. The cookies each hop sets are kept
    /// and sent on.
    async fn exchange(
        &mut self,
        plan: &ScenarioPlan,
        sp: &StepPlan,
        req: Request<Full<Bytes>>,
    ) -> Result<(Reply, Option<String>), ClientError> {
        let follow = sp.step.redirects;
        if follow == 0 {
            let reply = self.conn.send(&plan.endpoint, req, sp.keep_body).await?;
            return Ok((reply, None));
        }
        let (mut method, mut uri, mut headers) = (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        );
        let mut body = req.into_body();
        // The step's own `Cookie` headers go on every hop; the jar's is rebuilt per hop.
        let jar = self.cookie_header();
        let own_cookies: Vec<HeaderValue> = headers
            .get_all(COOKIE)
            .iter()
            .filter(|v| Some(*v) != jar.as_ref())
            .cloned()
            .collect();
        let mut hops = 0;
        loop {
            let mut next = Request::new(body.clone());
            *next.method_mut() = method.clone();
            *next.uri_mut() = uri.clone();
            *next.headers_mut() = headers.clone();
            let reply = self.conn.send(&plan.endpoint, next, sp.keep_body).await?;
            let code = reply.status.as_u16();
            let location = reply.headers.get(LOCATION).and_then(|l| l.to_str().ok());
            let (true, Some(location)) = (matches!(code, 301 | 302 | 303 | 307 | 308), location)
            else {
                return Ok((reply, None));
            };
            if hops == follow {
                let why = format!(
                    "more than {follow} redirect{} (the last to `{location}`): raise `redirects`",
                    if follow == 1 { "" } else { "s" }
                );
                return Ok((reply, Some(why)));
            }
            uri = match super::redirect::resolve(&plan.endpoint, &uri, location) {
                Ok(next) => next,
                Err(why) => return Ok((reply, Some(why))),
            };
            self.keep_cookies(&reply);
            if code == 303 || (matches!(code, 301 | 302) && method == hyper::Method::POST) {
                method = hyper::Method::GET;
                body = Full::new(Bytes::new());
                headers.remove(CONTENT_TYPE);
            }
            headers.remove(COOKIE);
            for v in &own_cookies {
                headers.append(COOKIE, v.clone());
            }
            if let Some(jar) = self.cookie_header() {
                headers.append(COOKIE, jar);
            }
            hops += 1;
        }
    }

    /// The `Cookie` header of the jar, if it holds any cookie.
    fn cookie_header(&self) -> Option<HeaderValue> {
        if self.cookies.is_empty() {
            return None;
        }
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        HeaderValue::from_str(&jar.join("; ")).ok()
    }

    /// The rendered request body.
    fn body(&self, sp: &StepPlan) -> Bytes {
        match (&sp.step.body, &sp.file_body) {
            (_, Some(bytes)) => bytes.clone(),
            (Some(Body::Json(t)), _) => {
                let mut s = String::with_capacity(256);
                self.vars.render_json(t, &mut s);
                Bytes::from(s)
            }
            (Some(Body::Text(t)), _) => Bytes::from(self.vars.render(t)),
            (Some(Body::Form(fields)), _) => {
                let mut s = String::new();
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        s.push('&');
                    }
                    form_component(k, &mut s);
                    s.push('=');
                    form_component(&self.vars.render(v), &mut s);
                }
                Bytes::from(s)
            }
            _ => Bytes::new(),
        }
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for v in reply.headers.get_all(SET_COOKIE) {
            let Ok(text) = v.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            self.cookies.retain(|(k, _)| *k != name);
            if !expired {
                self.cookies.push((name, value));
            }
        }
    }
}

/// What is sent when the path is not a valid URI: `/`, and the response (404) shows the
/// problem rather than the run aborting.
fn invalid_path_request(error: &str) -> Request<Full<Bytes>> {
    let mut r = Request::new(Full::new(Bytes::new()));
    *r.uri_mut() = hyper::Uri::from_static("/");
    r.headers_mut().insert(
        "x-perfdsl-invalid-path",
        HeaderValue::from_str(error).unwrap_or(HeaderValue::from_static("1")),
    );
    r
}

fn header_pairs(h: &hyper::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn request_view(req: &Request<Full<Bytes>>, path: &str) -> RequestView {
    RequestView {
        method: req.method().to_string(),
        path: path.to_string(),
        headers: header_pairs(req.headers()),
        body: String::new(),
    }
}

fn literal(v: &perfdsl_core::model::Value, vars: &Vars) -> serde_json::Value {
    use perfdsl_core::model::Value;
    match v {
        Value::String(t) => serde_json::Value::from(vars.render(t)),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Null => serde_json::Value::Null,
        Value::Duration { duration_ms } => serde_json::Value::from(duration_ms.as_millis() as u64),
    }
}

impl From<&ClientError> for ErrorKind {
    fn from(e: &ClientError) -> Self {
        match e {
            ClientError::TooLarge(_) => ErrorKind::BodyTooLarge,
            ClientError::Connect(_) | ClientError::Protocol(_) => ErrorKind::Connect,
        }
    }
}

/// A message about a request as perfdsl keeps it: the secret query values of the request
/// masked wherever the message repeats them (a response echoing them), and every other
/// secret and password too (`urls::scrub`).
fn shown(request_line: &str, message: &str) -> String {
    let echoed = crate::urls::query_secrets(request_line);
    crate::urls::scrub(&crate::urls::mask_values(message, &echoed))
}
