//! One virtual user: its variables, cookies and connection, and the execution of one
//! iteration (hooks, steps, expectations, captures) into the worker's recorder.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;

use super::check::{self, LazyJson, Observed};
use super::client::{with_timeout, ClientError, Conn, Reply};
use super::plan::{ScenarioPlan, StepPlan};
use super::script::{request_view, RequestView};
use super::worker::{Failure, RecorderCell};
use crate::eval::predicate::excerpt;
use crate::eval::vars::Vars;
use crate::metrics::{ErrorKind, Sample};
use perfdsl_core::model::ExpectKind;

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

    #[allow(
        clippy::too_many_arguments,
        reason = "a step is measured with all of its iteration's context; grouping it would only rename it"
    )]
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
        let turn = Turn {
            index,
            sp,
            rec,
            measured,
            keep_failures,
        };
        let mut errors: Vec<(ErrorKind, String)> = Vec::new();
        if let Some(h) = &sp.step.before {
            self.before_hook(h, &turn, &mut errors);
        }
        let (req, path, body_len) = self.build(plan, sp);
        let request_line = format!("{} {}", sp.step.method.as_str(), path);
        let req_view =
            (sp.step.after.is_some() && sp.after_needs.request).then(|| request_view(&req, &path));
        let start = Instant::now();
        let sent = with_timeout(sp.step.timeout, self.exchange(plan, sp, req)).await;
        let elapsed = start.elapsed();
        let mut sample = Sample {
            latency_us: (elapsed + lag).as_micros() as u64,
            uncorrected_us: elapsed.as_micros() as u64,
            request_bytes: body_len,
            ..Default::default()
        };
        let response = match sent {
            Some(Ok((reply, unfollowed))) => {
                sample.responded = true;
                sample.response_bytes = reply.body_len;
                Some(self.answered(&turn, &reply, unfollowed, elapsed, req_view, &mut errors))
            }
            failed => {
                errors.insert(0, unanswered(failed.and_then(Result::err), sp.step.timeout));
                None
            }
        };
        // No response at all: a timeout or a broken connection.
        out.unanswered |= response.is_none();
        if let Some((kind, _)) = errors.first() {
            sample.error = Some(*kind);
            out.failed = true;
        }
        if measured {
            record(&turn, &sample, &request_line, errors.first());
        }
        if keep_failures {
            let response = response.flatten();
            keep(&turn, &request_line, errors, response.as_deref(), out);
        }
    }

    /// A response arrived: its cookies are kept, then it is judged, unless it is a
    /// redirect the step may not follow (that answer is the response, and it fails the
    /// step). The status and the start of the body when failures are kept.
    fn answered(
        &mut self,
        turn: &Turn<'_, '_>,
        reply: &Reply,
        unfollowed: Option<String>,
        elapsed: Duration,
        req_view: Option<RequestView>,
        errors: &mut Vec<(ErrorKind, String)>,
    ) -> Option<String> {
        self.keep_cookies(reply);
        let excerpt = turn.keep_failures.then(|| {
            let body = String::from_utf8_lossy(&reply.body);
            format!("{} {}", reply.status, excerpt(&body, 300))
        });
        match unfollowed {
            Some(why) => errors.push((ErrorKind::Status, why)),
            None => self.evaluate(turn, reply, elapsed, req_view, errors),
        }
        excerpt
    }

    /// Expectations, captures and the after hook, in that order.
    fn evaluate(
        &mut self,
        turn: &Turn<'_, '_>,
        reply: &Reply,
        elapsed: Duration,
        req_view: Option<RequestView>,
        errors: &mut Vec<(ErrorKind, String)>,
    ) {
        let sp = turn.sp;
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
            let seen = Seen {
                reply,
                json: &mut json,
                elapsed,
                request: req_view.as_ref(),
            };
            if let Err(e) = self.after_hook(h, turn, seen) {
                errors.push((ErrorKind::Hook, e));
            }
        }
    }
}

/// The error of a step that got no response: the transport's, or a timeout (`None`).
fn unanswered(error: Option<ClientError>, timeout: Duration) -> (ErrorKind, String) {
    match error {
        Some(e) => (ErrorKind::from(&e), e.to_string()),
        None => (
            ErrorKind::Timeout,
            format!(
                "no response within {}",
                perfdsl_core::units::show::duration_ms(timeout.as_secs_f64() * 1000.0)
            ),
        ),
    }
}

/// One step of one iteration: its plan and place, the recorder, and how it is measured.
pub(super) struct Turn<'a, 'r> {
    pub(super) index: usize,
    pub(super) sp: &'a StepPlan,
    pub(super) rec: &'a RecorderCell<'r>,
    pub(super) measured: bool,
    pub(super) keep_failures: bool,
}

/// What an `after` hook may look at: the response and its parsed JSON, the time it took,
/// the request when the hook reads it.
pub(super) struct Seen<'a, 'b> {
    pub(super) reply: &'a Reply,
    pub(super) json: &'b mut LazyJson<'a>,
    pub(super) elapsed: Duration,
    pub(super) request: Option<&'b RequestView>,
}

/// Records a measured step's sample, and the first error's example (its request masked).
fn record(
    turn: &Turn<'_, '_>,
    sample: &Sample,
    request_line: &str,
    first_error: Option<&(ErrorKind, String)>,
) {
    turn.rec.with(|r| {
        let sr = r.step(turn.index);
        sr.record(sample);
        if let Some((kind, msg)) = first_error {
            sr.sample_error(*kind, || {
                format!(
                    "{}: {}",
                    crate::urls::mask_query(request_line),
                    shown(request_line, msg)
                )
            });
        }
    });
    turn.rec.live(sample.error.is_some());
}

/// Keeps every error of the step with its request and response (smoke mode).
fn keep(
    turn: &Turn<'_, '_>,
    request_line: &str,
    errors: Vec<(ErrorKind, String)>,
    response: Option<&str>,
    out: &mut IterationOutcome,
) {
    for (kind, message) in errors {
        out.failures.push(Failure {
            step: turn.sp.step.name.clone(),
            kind,
            message: shown(request_line, &message),
            request: crate::urls::mask_query(request_line),
            response: response.map(|r| shown(request_line, r)),
        });
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
