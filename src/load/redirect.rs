//! Where a redirect goes: a `Location` resolved against the request it answers (RFC 3986
//! reference resolution, for the cases servers send), kept on the scenario's target.

use hyper::Uri;

use super::client::Endpoint;

/// The request target (path and query) a `Location` points to, or why it is not followed:
/// perfdsl only loads its own target, so a redirect to another host, port or scheme is
/// an error, not a hop.
pub fn resolve(ep: &Endpoint, current: &Uri, location: &str) -> Result<Uri, String> {
    let location = location.trim();
    let leaves =
        |to: &str| format!("redirect to `{location}` not followed: it leaves the target ({to})");
    // A fragment is the client's business, never sent; what is left may be empty (the
    // same resource again).
    let reference = location.split('#').next().unwrap_or_default();
    let target = if reference.is_empty() {
        current
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string())
    } else if let Some(rest) = reference.strip_prefix("//") {
        same_authority(ep, rest).ok_or_else(|| leaves("another host"))?
    } else if let Some((scheme, rest)) = split_scheme(reference) {
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(leaves(&format!("`{scheme}`, not `http`")));
        }
        same_authority(ep, rest).ok_or_else(|| leaves("another host or port"))?
    } else if reference.starts_with('/') {
        reference.to_string()
    } else if let Some(query) = reference.strip_prefix('?') {
        format!("{}?{query}", current.path())
    } else {
        let path = current.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{reference}")
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target.as_str(), None),
    };
    let mut out = normalize(if path.is_empty() { "/" } else { path });
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Uri::try_from(out.as_str()).map_err(|e| format!("redirect to `{location}`: {e}"))
}

/// `http:` of `http://…`: a scheme is letters, digits, `+`, `-`, `.` before `://`.
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    let ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some((scheme, rest))
}

/// The path of `authority/path` when the authority is the target's (host and port as in
/// the `Host` header perfdsl sends, or the host alone when that has no port).
fn same_authority(ep: &Endpoint, rest: &str) -> Option<String> {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = ep.host.to_str().ok()?;
    let same = authority.eq_ignore_ascii_case(host)
        || (authority.eq_ignore_ascii_case(&format!("{host}:80")) && !host.contains(':'));
    same.then(|| {
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        }
    })
}

/// Removes `.` and `..` segments (RFC 3986, section 5.2.4).
fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." if last => out.push(""),
            "." => {}
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::client::Protocol;
    use hyper::header::HeaderValue;

    fn ep() -> Endpoint {
        Endpoint {
            addr: "127.0.0.1:8080".parse().expect("an address"),
            host: HeaderValue::from_static("127.0.0.1:8080"),
            protocol: Protocol::Http1,
            base_path: String::new(),
            max_body: crate::load::client::DEFAULT_MAX_BODY,
        }
    }

    fn go(from: &str, to: &str) -> Result<String, String> {
        let current: Uri = from.parse().expect("a uri");
        resolve(&ep(), &current, to).map(|u| u.to_string())
    }

    #[test]
    fn locations_resolve_against_the_request() {
        assert_eq!(go("/a/b?x=1", "/login").as_deref(), Ok("/login"));
        assert_eq!(go("/a/b", "c?d=2").as_deref(), Ok("/a/c?d=2"));
        assert_eq!(go("/a/b/", "../c").as_deref(), Ok("/a/c"));
        assert_eq!(go("/a/b", "?page=2").as_deref(), Ok("/a/b?page=2"));
        assert_eq!(go("/a", "./").as_deref(), Ok("/"));
        assert_eq!(go("/a", "/x#top").as_deref(), Ok("/x"));
        assert_eq!(go("/a/b?q=1", "#top").as_deref(), Ok("/a/b?q=1"));
        assert_eq!(go("/a/b", "").as_deref(), Ok("/a/b"));
        assert_eq!(go("/a", "/x#f?y").as_deref(), Ok("/x"));
        assert_eq!(
            go("/a", "http://127.0.0.1:8080/home?q=1").as_deref(),
            Ok("/home?q=1")
        );
        assert_eq!(go("/a", "//127.0.0.1:8080").as_deref(), Ok("/"));
    }

    #[test]
    fn redirects_off_the_target_are_refused() {
        let e = go("/a", "https://127.0.0.1:8080/a").unwrap_err();
        assert!(e.contains("`https`, not `http`"), "{e}");
        let e = go("/a", "http://example.com/").unwrap_err();
        assert!(e.contains("leaves the target"), "{e}");
        assert!(go("/a", "http://127.0.0.1:9090/").is_err());
        assert!(go("/a", "//example.com/x").is_err());
    }
}
