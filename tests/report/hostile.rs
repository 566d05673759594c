//! Text from outside (a pull request's results file, its service's answers) in the
//! report: rendered the way GitHub renders it, it stays text, never markup or links.

use super::support::Perfdsl;
use super::*;

/// Strings a hostile pull request could put in a results file (or make its service send).
const HOSTILE: [&str; 18] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/)",
    "![px](https://evil.example/p.png)",
    "@everyone and @org/team, bob@example.com",
    "a` <b>bold</b> `b | col | \\",
    "x\n## fake heading\n</details><details open>",
    "<!-- perfdsl-report --> &#64;everyone",
    "# heading at the start",
    "- a list item",
    "1. an ordered item",
    "---",
    "see https://evil.example/auto and www.evil.example",
    "fixes #1 and owner/repo#2",
    "<https://evil.example/angle>",
    "```\nfence",
    "___",
    "see GH-12 and [r]: //evil.example/ref",
];

fn hostile(i: usize) -> String {
    HOSTILE[i % HOSTILE.len()].to_string()
}

/// A results file whose every outside string is `word(i)`; `slow` makes its metrics regress.
fn outside_results(slow: f64, word: fn(usize) -> String) -> Results {
    let mut r = results();
    r.perfdsl = word(0);
    r.scenarios.truncate(1);
    let s = &mut r.scenarios[0];
    s.summary.name = format!("checkout {}", word(2));
    s.summary.model = word(1);
    s.summary.notes = (0..HOSTILE.len()).map(word).collect();
    for (i, step) in s.summary.steps.iter_mut().enumerate() {
        step.name = word(5 + i);
        for e in &mut step.errors {
            e.message = format!("{} {}", word(i), word(4));
        }
    }
    for v in s.summary.metrics.values_mut() {
        *v *= slow;
    }
    s.summary
        .metrics
        .insert(format!("upstream.{}.calls", word(4)), 3.0);
    s.target = word(3);
    for e in &mut s.expectations {
        e.mock = word(1);
        e.message = format!("`{}` {}", word(0), word(6));
    }
    r
}

/// `perfdsl report` of `word`'s results against a baseline of them, rendered as GitHub
/// does (GFM: tables, strikethrough, bare-URL autolinks; raw HTML passed through, so that
/// any that got in shows): (the Markdown, the HTML).
fn rendered(word: fn(usize) -> String) -> (String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, r: &Results| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string(r).unwrap()).unwrap();
        path
    };
    let base = write("base.json", &outside_results(1.0, word));
    let current = write("current.json", &outside_results(3.0, word));
    let out = dir.path().join("report.md");
    Perfdsl::new()
        .current_dir(dir.path())
        .arg("report")
        .arg(&current)
        .arg("--against")
        .arg(&base)
        .arg("--report")
        .arg(&out)
        .run()
        .success();
    let md = std::fs::read_to_string(&out).expect("the report is written");
    let mut o = comrak::Options::default();
    o.extension.autolink = true;
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.render.r#unsafe = true;
    let html = comrak::markdown_to_html(&md, &o);
    (md, html)
}

/// How many of each element the HTML holds, inline markup that outside text may make
/// (code spans, emphasis) left out.
fn elements(html: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (at, _) in html.match_indices('<') {
        let name: String = html[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
            .collect();
        if ![
            "code", "/code", "em", "/em", "strong", "/strong", "del", "/del",
        ]
        .contains(&name.as_str())
        {
            *out.entry(name).or_insert(0) += 1;
        }
    }
    out
}

/// The text of the HTML: tags out, code spans out (they are inert), entities decoded.
fn prose(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open..];
        let skip = if after.starts_with("<code>") {
            after
                .find("</code>")
                .map_or(after.len(), |e| e + "</code>".len())
        } else {
            after.find('>').map_or(after.len(), |e| e + 1)
        };
        rest = &after[skip..];
    }
    text.push_str(rest);
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn hostile_results_render_as_text() {
    let (md, html) = rendered(hostile);
    assert_eq!(md.matches(MARKER).count(), 1, "one marker:\n{md}");
    // The same report with harmless words has exactly the same elements: nothing hostile
    // added a tag, a link, an image, a heading, a list, a rule or a block.
    let (_, plain_html) = rendered(|i| format!("word{i}"));
    assert_eq!(
        elements(&html),
        elements(&plain_html),
        "the hostile report's structure differs:\n{md}\n---\n{html}"
    );
    for tag in ["<a ", "<img", "<script", "<h1", "<ol"] {
        assert!(!html.contains(tag), "`{tag}` rendered:\n{html}");
    }
    // Every mention in prose is broken by a zero-width space (a code span mentions no one);
    // an entity does not make one either.
    let text = prose(&html);
    for (at, _) in text.match_indices('@') {
        let next = text[at + 1..].chars().next();
        assert_eq!(next, Some('\u{200B}'), "a live mention at {at}: {text}");
    }
    // The hostile strings are shown, as text (zero-width spaces aside).
    let seen = text.replace('\u{200B}', "");
    assert!(
        seen.contains("&#64;everyone"),
        "an entity is shown as typed: {seen}"
    );
    for shown in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](https://evil.example/)",
        "![px](https://evil.example/p.png)",
        "</details><details open>",
        "# heading at the start",
        "- a list item",
        "1. an ordered item",
        "see https://evil.example/auto and www.evil.example",
        "fixes #1 and owner/repo#2",
        "<https://evil.example/angle>",
        "col | ",
    ] {
        assert!(
            seen.contains(shown),
            "`{shown}` is not shown as text:\n{seen}\n---\n{md}"
        );
    }
}
