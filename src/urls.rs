//! Connection URLs in messages: never with their password.

/// `url` with its password (in the user info or a `password=` parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let user_info = &out[rest..rest + at];
            if let Some(colon) = user_info.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
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
}
