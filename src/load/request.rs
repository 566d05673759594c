//! A virtual user's request: put together (path and query, headers, cookies from the jar
//! kept across iterations, body) and exchanged, redirects followed.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    HeaderMap, HeaderValue, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE, USER_AGENT,
};
use hyper::Request;

use super::client::{ClientError, Reply};
use super::plan::{ScenarioPlan, StepPlan};
use super::vu::Vu;
use crate::eval::encode::{form_component, form_field};
use perfdsl_core::model::Body;

const USER_AGENT_VALUE: &str = concat!("perfdsl/", env!("CARGO_PKG_VERSION"));

impl Vu {
    /// Renders the request: path and query, headers, cookies, body. The request is put
    /// together in place (no builder: each of its steps moves the whole request).
    pub(super) fn build(
        &mut self,
        plan: &ScenarioPlan,
        sp: &StepPlan,
    ) -> (Request<Full<Bytes>>, String, u64) {
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
    pub(super) async fn exchange(
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
            self.redirected(code, (&mut method, &mut body, &mut headers), &own_cookies);
            hops += 1;
        }
    }

    /// Turns a request into the next hop's after a `code` redirect: a 303 (and a 301 or
    /// 302 after a POST) becomes a GET without a body; the cookies are the step's own
    /// plus the jar's as it is now.
    fn redirected(
        &self,
        code: u16,
        (method, body, headers): (&mut hyper::Method, &mut Full<Bytes>, &mut HeaderMap),
        own_cookies: &[HeaderValue],
    ) {
        if code == 303 || (matches!(code, 301 | 302) && *method == hyper::Method::POST) {
            *method = hyper::Method::GET;
            *body = Full::new(Bytes::new());
            headers.remove(CONTENT_TYPE);
        }
        headers.remove(COOKIE);
        for v in own_cookies {
            headers.append(COOKIE, v.clone());
        }
        if let Some(jar) = self.cookie_header() {
            headers.append(COOKIE, jar);
        }
    }

    /// The `Cookie` header of the jar, if it holds any cookie.
    pub(super) fn cookie_header(&self) -> Option<HeaderValue> {
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
    pub(super) fn body(&self, sp: &StepPlan) -> Bytes {
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
                for (k, v) in fields {
                    form_field(&mut s, k, &self.vars.render(v));
                }
                Bytes::from(s)
            }
            _ => Bytes::new(),
        }
    }

    pub(super) fn keep_cookies(&mut self, reply: &Reply) {
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
pub(super) fn invalid_path_request(error: &str) -> Request<Full<Bytes>> {
    let mut r = Request::new(Full::new(Bytes::new()));
    *r.uri_mut() = hyper::Uri::from_static("/");
    r.headers_mut().insert(
        "x-perfdsl-invalid-path",
        HeaderValue::from_str(error).unwrap_or(HeaderValue::from_static("1")),
    );
    r
}
