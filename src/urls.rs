//! Secrets in what perfdsl prints: connection strings without their password (URLs and
//! keyword DSNs), query strings without the values of secret-looking parameters, and any
//! text without the values that came from the environment.

use crate::eval::encode::percent_decode;

/// `url` with every password it holds replaced by `***`: the user info's (even when the
/// password holds `/`, `?`, `#` or `@`, which should be percent-encoded but often are
/// not), a `password=` query parameter's, and those of a keyword DSN
/// (`host=db password='s3 cret' user=app`).
pub fn redact(url: &str) -> String {
    if !url.contains("://") && url.contains('=') {
        return redact_dsn(&redact_dsn(url, "password"), "sslpassword");
    }
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        if let Some(at) = user_info_end(&out[rest..]) {
            let user_info = &out[rest..rest + at];
            if let Some(colon) = user_info.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        out = format!(
            "{head}{}",
            mask_params(query, |k| {
                k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword")
            })
        );
    }
    out
}

/// Where the user info of `after_scheme` ends: the last `@` after which the host (up to
/// the next `/`, `?` or `#`; empty for a Unix socket's `postgres://u:p@/db?host=/run`)
/// holds no other `@`, so that a password holding `/`, `?`, `#` or `@` is still taken
/// whole; failing that, the last `@` of all (better too much hidden than a password shown).
fn user_info_end(after_scheme: &str) -> Option<usize> {
    let mut candidates = after_scheme.rmatch_indices('@').map(|(i, _)| i);
    let last = after_scheme.rfind('@');
    candidates
        .find(|&at| {
            let host = &after_scheme[at + 1..];
            let end = host.find(['/', '?', '#']).unwrap_or(host.len());
            host[..end]
                .chars()
                .all(|c| c.is_alphanumeric() || ".-_:[]%,".contains(c))
        })
        .or(last)
}

/// A keyword DSN with each `password` value (bare, or in single quotes with `\'`
/// escapes) replaced by `***`.
fn redact_dsn(dsn: &str, key: &str) -> String {
    let mut out = String::with_capacity(dsn.len());
    let mut rest = dsn;
    while let Some(i) = find_key(rest, key) {
        out.push_str(&rest[..i]);
        let after_key = &rest[i + key.len()..];
        let eq = after_key.len() - after_key.trim_start().len();
        let after_eq = &after_key[eq + 1..];
        let ws = after_eq.len() - after_eq.trim_start().len();
        let value = &after_eq[ws..];
        let len = if let Some(quoted) = value.strip_prefix('\'') {
            let mut escaped = false;
            let end = quoted
                .char_indices()
                .find(|(_, c)| {
                    let close = *c == '\'' && !escaped;
                    escaped = *c == '\\' && !escaped;
                    close
                })
                .map_or(quoted.len(), |(j, _)| j + 1);
            end + 1
        } else {
            value.find(char::is_whitespace).unwrap_or(value.len())
        };
        out.push_str(&rest[i..i + key.len() + eq + 1 + ws]);
        out.push_str("***");
        rest = &value[len.min(value.len())..];
    }
    out.push_str(rest);
    out
}

/// The start of `key` followed by optional spaces and `=`, as a whole word.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(key).map(|i| i + from) {
        let before_ok = i == 0 || lower.as_bytes()[i - 1].is_ascii_whitespace();
        let after = lower[i + key.len()..].trim_start();
        if before_ok && after.starts_with('=') {
            return Some(i);
        }
        from = i + key.len();
    }
    None
}

/// Parameters whose name says they hold a secret.
const SECRET_WORDS: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "auth",
    "sig",
    "signature",
    "session",
    "credential",
    "jwt",
    "bearer",
];

/// Parameter names that hold a secret only when they are the whole name (`code` of an
/// OAuth redirect, not `zip_code`).
const SECRET_NAMES: [&str; 3] = ["code", "pwd", "pass"];

/// Whether a parameter name looks like it holds a secret (`api_key`, `access_token`,
/// `X-Amz-Signature`, `auth`).
pub fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w)) || SECRET_NAMES.contains(&lower.as_str())
}

/// A path or URL with the values of its secret-looking query parameters masked:
/// `/orders?token=abc&page=2` → `/orders?token=***&page=2`.
pub fn mask_query(path: &str) -> String {
    match path.split_once('?') {
        Some((head, query)) if query.contains('=') => {
            let (query, fragment) = match query.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (query, None),
            };
            let mut out = format!("{head}?{}", mask_params(query, secret_name));
            if let Some(f) = fragment {
                out.push('#');
                out.push_str(f);
            }
            out
        }
        _ => path.to_string(),
    }
}

/// The values of the secret-looking query parameters of `path` (to be masked wherever
/// they show up again, such as in a response that echoes them).
pub fn query_secrets(path: &str) -> Vec<String> {
    let Some((_, query)) = path.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, v)| secret_name(k) && !v.is_empty())
        .flat_map(|(_, v)| {
            let decoded = percent_decode(v, true);
            let mut both = vec![v.to_string()];
            if decoded != v {
                both.push(decoded.into_owned());
            }
            both
        })
        .collect()
}

/// `a=1&b=2` with the values of the parameters `secret` picks replaced by `***`.
fn mask_params(query: &str, secret: impl Fn(&str) -> bool) -> String {
    query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) if secret(k) && !v.is_empty() => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` with every occurrence of each of `secrets` replaced by `***` (the longest
/// first, so that one inside another does not leave a part showing).
pub fn mask_values(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| s.len() >= 3).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in sorted {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it is; any other
/// address as it is.
pub fn unmapped(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        std::net::IpAddr::V4(_) => ip,
    }
}

/// Values that must never be printed, for the whole process: those a service block took
/// from the environment.
static SECRETS: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Adds values to the process's secrets (shorter than three characters: ignored, they
/// would mask too much).
pub fn keep_secret(values: &[String]) {
    if let Ok(mut all) = SECRETS.write() {
        // A multi-line value (a key) is printed a line at a time: each line is a secret.
        let lines = values.iter().flat_map(|v| v.lines().map(str::trim));
        for v in values.iter().map(String::as_str).chain(lines) {
            if v.len() >= 3 && !all.iter().any(|s| s == v) {
                all.push(v.to_string());
            }
        }
    }
}

/// `text` as perfdsl may print it: the process's secrets masked, and the password of every
/// URL in it redacted. Everything perfdsl writes to its standard output and error goes
/// through this (`outln!`, `errln!`, `out!`).
pub fn scrub(text: &str) -> String {
    let mut redacted = if text.contains("://") {
        redact_words(text)
    } else {
        text.to_string()
    };
    if redacted.contains('=') && redacted.to_ascii_lowercase().contains("password") {
        redacted = redact_dsn(&redact_dsn(&redacted, "password"), "sslpassword");
    }
    match SECRETS.read() {
        Ok(all) if !all.is_empty() => mask_values(&redacted, &all),
        _ => redacted,
    }
}

/// Each URL-looking word of `text` (holding `://`) redacted.
fn redact_words(text: &str) -> String {
    let stop = |c: char| c.is_whitespace() || "\"'`<>()".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = rest[..i].rfind(stop).map_or(0, |j| {
            j + rest[j..].chars().next().map_or(1, char::len_utf8)
        });
        let end = rest[i..].find(stop).map_or(rest.len(), |j| i + j);
        out.push_str(&rest[..start]);
        out.push_str(&redact(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            redact("postgres://shop:s3cr:et@db.local:5432/shop?sslmode=disable"),
            "postgres://shop:***@db.local:5432/shop?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://shop@127.0.0.1/shop"),
            "postgres://shop@127.0.0.1/shop"
        );
        assert_eq!(
            redact("postgresql://127.0.0.1/shop?user=a&password=hunter2&sslmode=require"),
            "postgresql://127.0.0.1/shop?user=a&password=***&sslmode=require"
        );
        assert_eq!(
            redact("sqlite://shop.db?mode=rwc"),
            "sqlite://shop.db?mode=rwc"
        );
    }

    #[test]
    fn passwords_with_url_characters_are_hidden_whole() {
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://u:p?a#s@s@db.internal:5432/db?sslmode=disable"),
            "postgres://u:***@db.internal:5432/db?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://app:x@y@[::1]:5432/db"),
            "postgres://app:***@[::1]:5432/db"
        );
    }

    #[test]
    fn keyword_dsns_are_redacted() {
        assert_eq!(
            redact("host=db.internal user=app password=hunter2 dbname=shop"),
            "host=db.internal user=app password=*** dbname=shop"
        );
        assert_eq!(
            redact("host=db password = 'se cr\\'et' port=5432"),
            "host=db password = *** port=5432"
        );
        assert_eq!(redact("user=app passwordless=1"), "user=app passwordless=1");
    }

    #[test]
    fn secret_looking_query_values_are_masked() {
        assert_eq!(
            mask_query("/orders?access_token=abc&page=2&X-Amz-Signature=f00#top"),
            "/orders?access_token=***&page=2&X-Amz-Signature=***#top"
        );
        assert_eq!(mask_query("/orders?page=2"), "/orders?page=2");
        assert_eq!(mask_query("/plain"), "/plain");
        assert_eq!(
            mask_values("run --db postgres://u:topsecret@h", &["topsecret".into()]),
            "run --db postgres://u:***@h"
        );
    }

    #[test]
    fn odd_hosts_and_dsn_keys_keep_their_passwords_hidden() {
        assert_eq!(
            redact("postgres://app:pw@/db?host=/run/postgresql"),
            "postgres://app:***@/db?host=/run/postgresql"
        );
        assert_eq!(
            redact("postgres://app:pw@bücher.example/db"),
            "postgres://app:***@bücher.example/db"
        );
        // No host perfdsl recognises: all up to the last @ is hidden.
        assert_eq!(redact("x://u:p@q@~weird~/"), "x://u:***@~weird~/");
        assert_eq!(
            redact("host=db sslpassword=k3y password=pw"),
            "host=db sslpassword=*** password=***"
        );
    }

    #[test]
    fn scrubbed_text_shows_no_url_password_and_no_kept_secret() {
        keep_secret(&["kept-secret-value".to_string(), "ab".to_string()]);
        assert_eq!(
            scrub("db (postgres://u:pa/ss@h/db) says kept-secret-value ab"),
            "db (postgres://u:***@h/db) says *** ab"
        );
        assert_eq!(
            scrub("connect host=db password='s3 cret' ok"),
            "connect host=db password=*** ok"
        );
        assert_eq!(scrub("plain text"), "plain text");
        // A key is printed a line at a time.
        keep_secret(&["-----BEGIN KEY-----\nMIIBkeyline1\nMIIBkeyline2\n".to_string()]);
        assert_eq!(scrub("log: MIIBkeyline2"), "log: ***");
    }

    #[test]
    fn secret_query_values_are_found_to_be_masked_where_they_are_echoed() {
        assert_eq!(
            query_secrets("GET /a?password=pw5551&page=2&code=xyz&jwt=e.y.j#f"),
            ["pw5551", "xyz", "e.y.j"]
        );
        assert_eq!(
            mask_query("/cb?code=abc&zip_code=75001"),
            "/cb?code=***&zip_code=75001"
        );
        assert!(query_secrets("/plain").is_empty());
        // Echoed decoded, as a server reads it.
        assert_eq!(
            query_secrets("/x?access_token=AbC%2Bd%2F+e"),
            ["AbC%2Bd%2F+e", "AbC+d/ e"]
        );
        assert_eq!(
            unmapped("::ffff:127.0.0.1".parse().unwrap()),
            "127.0.0.1".parse::<std::net::IpAddr>().unwrap()
        );
    }
}
