//! Unit tests of `mock::render`.

use super::*;
use crate::mock::context::context;
use crate::mock::request::Request;
use serde_json::{json, Value as Json};

fn tpl(parts: &[&str]) -> Template {
    let mut t = Template::default();
    for p in parts {
        match p.strip_prefix('$') {
            Some(v) => t.push_var(v.split('.').map(String::from).collect()),
            None => t.push_text(p),
        }
    }
    t
}

fn response(body: Body) -> Response {
    Response {
        status: 201,
        headers: vec![("X-Id".into(), tpl(&["id-", "$request.params.id"]))],
        body: Some(body),
        latency: None,
        faults: vec![],
    }
}

#[test]
fn text_templates_keep_literal_braces_and_backslashes() {
    let mut t = Templates::new();
    let body = Body::Text(tpl(&["a {{ b }} \\", "$request.query.q", " \"q\" <&>"]));
    let c = t
        .compile(&response(body), None, &[], Path::new("."))
        .unwrap();
    let h = HeaderMap::new();
    let req = Request::new("GET", "/items/7", Some("q=x%20y"), &h, b"");
    let ctx = context(&req, &[("id", "7")], 1, &c.needs);
    let r = t.render(&c, &ctx).unwrap();
    assert_eq!(r.status, 201);
    assert_eq!(&r.body[..], b"a {{ b }} \\x y \"q\" <&>");
    assert_eq!(r.headers[0].1, "id-7");
    assert_eq!(r.headers[1].1, "text/plain; charset=utf-8");
}

#[test]
fn braces_and_backslashes_before_a_variable_stay_text() {
    let mut t = Templates::new();
    let odd = tpl(&["{", "$request.query.q", "} \\", "$request.query.q", "{{"]);
    let j = JsonTemplate::Array(vec![JsonTemplate::String(odd.clone())]);
    let h = HeaderMap::new();
    for body in [Body::Text(odd), Body::Json(j)] {
        let c = t
            .compile(&response(body), None, &[], Path::new("."))
            .unwrap();
        let req = Request::new("GET", "/", Some("q=%22a%22"), &h, b"");
        let ctx = context(&req, &[("id", "1")], 1, &c.needs);
        let r = t.render(&c, &ctx).unwrap();
        let text = String::from_utf8(r.body.to_vec()).unwrap();
        match serde_json::from_str::<Json>(&text) {
            Ok(v) => assert_eq!(v, json!(["{\"a\"} \\\"a\"{{"])),
            Err(_) => assert_eq!(text, "{\"a\"} \\\"a\"{{"),
        }
    }
}

#[test]
fn json_bodies_insert_raw_values_and_escape_strings() {
    let mut t = Templates::new();
    let j = JsonTemplate::Object(vec![
        (
            Template::text("amount"),
            JsonTemplate::Var(vec!["request".into(), "json".into(), "amount".into()]),
        ),
        (
            Template::text("who"),
            JsonTemplate::String(tpl(&["$request.json.customer.name"])),
        ),
        (
            Template::text("n"),
            JsonTemplate::Var(vec!["counter".into()]),
        ),
        (
            Template::text("items"),
            JsonTemplate::Var(vec!["request".into(), "json".into(), "items".into()]),
        ),
    ]);
    let c = t
        .compile(&response(Body::Json(j)), None, &[], Path::new("."))
        .unwrap();
    let h = HeaderMap::new();
    let body = br#"{"amount": 12.5, "customer": {"name": "A \"q\""}, "items": [1, {"a": null}]}"#;
    let req = Request::new("POST", "/x", None, &h, body);
    let id = [("id", "9")];
    let ctx = context(&req, &id, 3, &c.needs);
    let r = t.render(&c, &ctx).unwrap();
    let v: Json = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v,
        json!({"amount": 12.5, "who": "A \"q\"", "n": 3, "items": [1, {"a": null}]})
    );
    // Strict: a value the request lacks is an error naming it.
    let req = Request::new(
        "POST",
        "/x",
        None,
        &h,
        br#"{"customer": {"name": "x"}, "items": []}"#,
    );
    let ctx = context(&req, &id, 1, &c.needs);
    let err = t.render(&c, &ctx).err().unwrap();
    assert_eq!(err, "`request.json.amount` is missing from the request");
    let req = Request::new("POST", "/x", None, &h, br#"{"amount": 1, "items": []}"#);
    let ctx = context(&req, &id, 1, &c.needs);
    let err = t.render(&c, &ctx).err().unwrap();
    assert!(err.contains("request.json.customer.name"), "{err}");
}

#[test]
fn static_responses_are_rendered_once() {
    let mut t = Templates::new();
    let resp = Response {
        status: 200,
        headers: vec![("content-type".into(), Template::text("text/x"))],
        body: Some(Body::Text(Template::text("hello"))),
        latency: None,
        faults: vec![],
    };
    let c = t.compile(&resp, None, &[], Path::new(".")).unwrap();
    assert!(c.needs.none());
    assert!(matches!(c.body, BodyPlan::Fixed(_)));
    let r = t.render(&c, &Values::none()).unwrap();
    assert_eq!(&r.body[..], b"hello");
    assert_eq!(
        r.headers.len(),
        1,
        "a written content-type replaces the default"
    );
}

use hyper::HeaderMap;
