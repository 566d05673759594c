//! A scenario made ready to run: parsed header names, methods, body files read, data
//! feeders loaded, the target resolved. Everything here is done once, before load starts.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};

use super::client::{Endpoint, Protocol};
use super::feeder::FeederData;
use super::jsonpath::SimplePath;
use super::schedule::Schedule;
use super::script::Needs;
use perfdsl_core::model::{Body, CaptureSource, ExpectKind, Scenario, Step, Template};

/// A step with what the hot path needs precomputed.
#[derive(Debug)]
pub struct StepPlan {
    pub step: Step,
    pub method: hyper::Method,
    pub headers: Vec<(HeaderName, Template)>,
    /// Content type implied by the body kind (unless a header sets one).
    pub content_type: Option<HeaderValue>,
    /// The contents of a `file` body.
    pub file_body: Option<Bytes>,
    /// The body must be kept: expectations, captures or an after hook read it.
    pub keep_body: bool,
    /// The step states its own status expectation (otherwise ≥ 400 is an error).
    pub expects_status: bool,
    /// What the `after` hook reads (the rest is not built for it).
    pub after_needs: Needs,
    /// Per expectation (same order as `step.expects`): its JSON path when that is simple.
    pub expect_paths: Vec<Option<SimplePath>>,
    /// Per capture (same order as `step.captures`): its JSON path when that is simple.
    pub capture_paths: Vec<Option<SimplePath>>,
}

/// A scenario ready to run.
#[derive(Debug)]
pub struct ScenarioPlan {
    pub scenario: Scenario,
    pub steps: Vec<StepPlan>,
    pub endpoint: Endpoint,
    pub feeders: Vec<Arc<FeederData>>,
    pub schedule: Schedule,
}

/// Parses a base URL (`http://127.0.0.1:8080/api`) into an endpoint.
pub fn endpoint(url: &str, protocol: Protocol) -> Result<Endpoint, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| match url.split_once("://") {
            Some((scheme, _)) => format!(
                "unsupported scheme `{scheme}` in `{url}`: only http:// targets are supported"
            ),
            None => format!("`{url}` is not a URL (expected http://host:port)"),
        })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(format!("`{}` has no host", crate::urls::redact(url)));
    }
    if authority.contains('@') {
        // Credentials in the URL would be neither sent nor hidden everywhere: refused.
        return Err(format!(
            "`{}` holds a user name or password: perfdsl does not send those; give the \
             credentials as a header (`header Authorization \"Basic …\"`)",
            crate::urls::redact(url)
        ));
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr: SocketAddr = with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{authority}`: {e}"))?
        .next()
        .ok_or_else(|| format!("`{authority}` resolves to no address"))?;
    let host = HeaderValue::from_str(authority).map_err(|_| format!("bad host in `{url}`"))?;
    Ok(Endpoint {
        addr,
        host,
        protocol,
        base_path: path.to_string(),
        max_body: super::client::DEFAULT_MAX_BODY,
    })
}

impl ScenarioPlan {
    /// Joins a prepared scenario with the endpoint its requests go to.
    pub fn new(scenario: &Scenario, prepared: Prepared, endpoint: Endpoint) -> ScenarioPlan {
        ScenarioPlan {
            scenario: scenario.clone(),
            steps: prepared.steps,
            endpoint,
            feeders: prepared.feeders,
            schedule: Schedule::new(&scenario.load),
        }
    }
}

/// What can be made ready before any service starts: steps, body files, data feeders.
#[derive(Debug)]
pub struct Prepared {
    pub steps: Vec<StepPlan>,
    pub feeders: Vec<Arc<FeederData>>,
}

/// Prepares `scenario`; `base_dir` is the folder of the `.perf` file that declares it
/// (data and body files are relative to it). Errors name the file that is missing or bad.
pub fn prepare(scenario: &Scenario, base_dir: &Path) -> Result<Prepared, String> {
    let steps = scenario
        .steps
        .iter()
        .map(|s| step_plan(s, base_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let feeders = scenario
        .feeders
        .iter()
        .map(|f| FeederData::load(f, base_dir).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Prepared { steps, feeders })
}

/// The `Content-Type` a body sends unless the step sets one (a file's is the step's).
fn content_type(body: &Body) -> Option<HeaderValue> {
    match body {
        Body::Json(_) => Some(HeaderValue::from_static("application/json")),
        Body::Text(_) => Some(HeaderValue::from_static("text/plain; charset=utf-8")),
        Body::Form(_) => Some(HeaderValue::from_static(
            "application/x-www-form-urlencoded",
        )),
        Body::File(_) => None,
    }
}

/// A `file` body, read once before the load.
fn read_body_file(s: &Step, path: &Path) -> Result<Bytes, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "step `{}`: cannot read body file `{}`: {e}",
            s.name,
            path.display()
        )
    })?;
    Ok(Bytes::from(bytes))
}

fn step_plan(s: &Step, base_dir: &Path) -> Result<StepPlan, String> {
    let method = hyper::Method::from_bytes(s.method.as_str().as_bytes())
        .map_err(|_| format!("step `{}`: bad method", s.name))?;
    let headers = s
        .headers
        .iter()
        .map(|(n, t)| {
            HeaderName::from_bytes(n.as_bytes())
                .map(|h| (h, t.clone()))
                .map_err(|_| format!("step `{}`: `{n}` is not a valid header name", s.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let content_type = s.body.as_ref().and_then(content_type);
    let file_body = match &s.body {
        Some(Body::File(p)) => Some(read_body_file(s, &base_dir.join(p))?),
        _ => None,
    };
    let keep_body = s
        .after
        .as_ref()
        .map(Needs::of)
        .is_some_and(|n| n.body || n.json)
        || !s.captures.is_empty()
        || s.expects
            .iter()
            .any(|e| matches!(e.what, ExpectKind::Json { .. } | ExpectKind::Body(_)));
    let expects_status = s
        .expects
        .iter()
        .any(|e| matches!(e.what, ExpectKind::Status(_)));
    Ok(StepPlan {
        step: s.clone(),
        method,
        headers,
        content_type,
        file_body,
        keep_body,
        expects_status,
        after_needs: s.after.as_ref().map(Needs::of).unwrap_or_default(),
        expect_paths: s
            .expects
            .iter()
            .map(|e| match &e.what {
                ExpectKind::Json { path, .. } => SimplePath::parse(&path.source),
                _ => None,
            })
            .collect(),
        capture_paths: s
            .captures
            .iter()
            .map(|c| match &c.source {
                CaptureSource::Json(path) => SimplePath::parse(&path.source),
                _ => None,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_from_urls() {
        let e = endpoint("http://127.0.0.1:8080/api/", Protocol::Http1).unwrap();
        assert_eq!(e.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(e.base_path, "/api");
        assert_eq!(e.host, "127.0.0.1:8080");
        let e = endpoint("http://[::1]:9000", Protocol::Http1).unwrap();
        assert_eq!(e.addr.to_string(), "[::1]:9000");
        assert!(endpoint("https://x:1", Protocol::Http1)
            .unwrap_err()
            .contains("unsupported scheme"));
        assert!(endpoint("localhost:80", Protocol::Http1).is_err());
    }
}
