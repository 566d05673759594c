//! The hooks of a virtual user's iteration at run time: the iteration hook, and a step's
//! `before` and `after` hooks, with what each may see and where what they emit goes.

use super::script::{self, header_pairs, RequestView, ResponseView};
use super::vu::{IterationOutcome, Seen, Turn, Vu};
use super::worker::{Failure, RecorderCell};
use crate::metrics::ErrorKind;
use perfdsl_core::model::Hook;

impl Vu {
    /// The iteration hook: what it emits is measured; a failure fails the iteration.
    pub(super) fn iteration_hook(
        &mut self,
        h: &Hook,
        rec: &RecorderCell<'_>,
        measured: bool,
        out: &mut IterationOutcome,
        keep: bool,
    ) {
        match script::run(h, &mut self.vars, None, None) {
            Ok(emitted) if measured => {
                rec.with(|r| emitted.iter().for_each(|(n, v)| r.custom(n, *v)));
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

    /// The step's `before` hook; what it emits is measured.
    pub(super) fn before_hook(
        &mut self,
        h: &Hook,
        turn: &Turn<'_, '_>,
        errors: &mut Vec<(ErrorKind, String)>,
    ) {
        let view = RequestView {
            method: turn.sp.step.method.as_str().to_string(),
            path: self.vars.render(&turn.sp.step.path),
            ..Default::default()
        };
        match script::run(h, &mut self.vars, Some(&view), None) {
            Ok(em) if turn.measured => turn
                .rec
                .with(|r| em.iter().for_each(|(n, v)| r.custom(n, *v))),
            Ok(_) => {}
            Err(e) => errors.push((ErrorKind::Hook, e)),
        }
    }

    /// The step's `after` hook, given what it asks for of the request and the response;
    /// what it emits is measured.
    pub(super) fn after_hook(
        &mut self,
        h: &Hook,
        turn: &Turn<'_, '_>,
        seen: Seen<'_, '_>,
    ) -> Result<(), String> {
        let needs = turn.sp.after_needs;
        let reply = seen.reply;
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
            json: if needs.json { seen.json.get() } else { None },
            duration_ms: seen.elapsed.as_secs_f64() * 1000.0,
        };
        let call = script::Call {
            hook: h,
            needs,
            request: seen.request,
            response: Some(&resp),
        };
        let mut emit = |name: &str, v: f64| {
            if turn.measured {
                turn.rec.with(|r| r.custom(name, v));
            }
        };
        script::run_with(&call, &mut self.vars, &mut emit)
    }
}
