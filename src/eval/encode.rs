//! Form and percent encoding, one way for everyone: a step's `query` and `form` body, a
//! mock's `form` response, the mocks' request parsing and secret masking all use these.
//! The encoding is the WHATWG `application/x-www-form-urlencoded` serializer (the
//! `form_urlencoded` crate): letters, digits and `*-._` as they are, a space as `+`,
//! every other byte as `%XX`.

use std::borrow::Cow;

/// Appends one form or query component (a name or a value), encoded.
pub fn form_component(s: &str, out: &mut String) {
    out.extend(form_urlencoded::byte_serialize(s.as_bytes()));
}

/// Appends `name=value` to a form body (after a `&` unless it is the first field).
pub fn form_field(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    form_component(name, out);
    out.push('=');
    form_component(value, out);
}

/// Decodes `%XX` escapes (and `+` as a space when `plus`, as in a query or a form body);
/// an invalid escape stays as written, and bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str, plus: bool) -> Cow<'_, str> {
    let spaced: Cow<'_, str> = if plus && s.contains('+') {
        Cow::Owned(s.replace('+', " "))
    } else {
        Cow::Borrowed(s)
    };
    if !spaced.contains('%') {
        return spaced;
    }
    let decoded = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
    Cow::Owned(decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(s: &str) -> String {
        let mut out = String::new();
        form_component(s, &mut out);
        out
    }

    #[test]
    fn encoding_follows_the_form_serializer() {
        assert_eq!(encoded("a b&c=é"), "a+b%26c%3D%C3%A9");
        assert_eq!(encoded("a~b*c-d_e.f"), "a%7Eb*c-d_e.f");
        assert_eq!(encoded("+%/?#"), "%2B%25%2F%3F%23");
    }

    #[test]
    fn form_fields_join_with_ampersands() {
        let mut body = String::new();
        form_field(&mut body, "a b", "1&2");
        form_field(&mut body, "c", "");
        assert_eq!(body, "a+b=1%262&c=");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9", false), "café");
        assert_eq!(percent_decode("%FF", false), "\u{FFFD}");
        assert!(matches!(percent_decode("plain", true), Cow::Borrowed(_)));
    }

    /// What a step sends is what a mock reads back: every character, the reserved ones
    /// and those the two old encoders disagreed on (`~`, `*`) included.
    #[test]
    fn what_is_encoded_decodes_to_itself() {
        for s in [
            "a~b*c",
            "a b+c",
            "50%",
            "x=1&y=2",
            "é ü 雪 🦀",
            "tab\tnew\nline",
            "'\"<>`{}|\\^",
            "",
            "+",
            "%2B",
            "a%zz",
        ] {
            assert_eq!(percent_decode(&encoded(s), true), s, "{s:?}");
        }
    }
}
