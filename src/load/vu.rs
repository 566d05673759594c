//! One virtual user: its variables, cookies and connection, and the execution of one
//! iteration (hooks, steps, expectations, captures) into the worker's recorder.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;

use super::check::{self, LazyJson, Observed};
use super::client::{with_timeout, ClientError, Conn, Reply};
use super::plan::{ScenarioPlan, StepPlan};
use super::request::{header_pairs, request_view};
use super::script::{self, RequestView, ResponseView};
use super::worker::{Failure, RecorderCell};
use crate::eval::predicate::excerpt;
use crate::eval::vars::Vars;
use crate::metrics::{ErrorKind, Sample};
use perfdsl_core::model::{ExpectKind, Hook};

/// A virtual user's state, kept across its iterations.
pub struct Vu {
    pub vars: Vars,
    pub conn: Conn,
    pub rng: SmallRng,
    pub(super) cookies: Vec<(String, String)>,
    /// Reused for rendering header values.
    pub(super) scratch: String,
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
