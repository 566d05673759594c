//! What the load client does by default, as `docs/language.md` states it: redirects are
//! not followed unless a scenario or step says `redirects N`; each virtual user keeps a
//! cookie jar across its iterations; the `User-Agent` is perfdsl's unless a step sets
//! its own; `{{ vu }}` counts from 1 and `{{ iteration }}` from 0; CSV fields are strings
//! unless their column says `:number`.

mod support;
use support::perf::{against, run, run_in};
use support::TestSvc;

#[test]
fn redirects_are_followed_only_when_asked() {
    let svc = TestSvc::start(&[]);
    // Not followed: the 302 is the response.
    let plain = "scenario r {\n  load iterations 4 with 1 vus\n  step a: GET /redirect/2 {\n    \
                 expect status == 302\n    expect header \"location\" == \"1\"\n  }\n}\n";
    let r = run(&against(&svc, plain), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "response_bytes.max"), 5.0, "`moved`\n{r}");

    // Followed on the same target, relative locations included: the last answer counts.
    let follow = "scenario r {\n  load iterations 4 with 1 vus\n  step a: GET /redirect/3 {\n    \
                  redirects 5\n    expect status == 200\n    expect body == \"landed\"\n  }\n}\n";
    let r = run(&against(&svc, follow), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "requests"), 4.0, "one request per step\n{r}");
    assert_eq!(r.metric(0, "response_bytes.max"), 6.0, "`landed`\n{r}");

    // More hops than allowed (the scenario's setting), or off the target: failures.
    let short = "scenario r {\n  load iterations 2 with 1 vus\n  redirects 1\n  \
                 step a: GET /redirect/3\n  step b: GET /redirect/away {\n    redirects 3\n  }\n  \
                 limits {\n    error_rate <= 100%\n  }\n}\n";
    let r = run(&against(&svc, short), &[]);
    r.code(0);
    let message = |step: usize| {
        r.scenario(0)["steps"][step]["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        message(0).contains("more than 1 redirect (the last to `1`): raise `redirects`"),
        "{r}"
    );
    assert!(
        message(1).contains("redirect to `http://example.com/` not followed: it leaves the target"),
        "{r}"
    );
    assert_eq!(r.step_metric(0, 0, "errors.status"), 2.0, "{r}");
    // The target did answer (with a redirect): latency, size and throughput count it.
    assert!(r.step_metric(0, 0, "latency.p50") > 0.0, "{r}");
    assert_eq!(r.step_metric(0, 0, "response_bytes.max"), 5.0, "{r}");
    assert!(r.step_metric(0, 1, "throughput.rps") > 0.0, "{r}");
}

#[test]
fn redirects_rewrite_the_method_as_browsers_do_and_carry_cookies() {
    let svc = TestSvc::start(&[]);
    // (status, what `/method` must get): 303 and 302 after a POST become a GET without
    // body; 307 and 308 repeat the POST and its body. The step's own cookie and the one
    // the hop set both arrive.
    let cases = [
        (303, "GET [] [mine=1; hop=1]"),
        (302, "GET [] [mine=1; hop=1]"),
        (307, "POST [payload] [mine=1; hop=1]"),
        (308, "POST [payload] [mine=1; hop=1]"),
    ];
    for (code, want) in cases {
        let perf = format!(
            "scenario r {{\n  load iterations 1 with 1 vus\n  step a: POST /hop/{code} {{\n    \
             redirects 1\n    header Cookie \"mine=1\"\n    text \"payload\"\n    \
             expect body == \"{want}\"\n  }}\n}}\n"
        );
        let r = run(&against(&svc, &perf), &["--smoke"]);
        r.code(0);
    }
}

#[test]
fn cookies_last_across_a_users_iterations() {
    let svc = TestSvc::start(&[]);
    // Iteration 0 sees no cookie, then gets one; iteration 1 sends it back.
    let perf = "scenario jar {\n  load iterations 2 with 1 vus\n  step look: GET /cookie {\n    \
                after rhai ```\n      metric(\"had_cookie\", if response.body == \"session=abc\" { 1 } else { 0 });\n    \
                ```\n  }\n  step set: GET /set-cookie\n}\n";
    let r = run(&against(&svc, perf), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "had_cookie.sum"), 1.0, "{r}");
    assert_eq!(r.metric(0, "had_cookie.count"), 2.0, "{r}");
}

#[test]
fn the_user_agent_is_perfdsls_unless_a_step_sets_one() {
    let svc = TestSvc::start(&[]);
    let perf = format!(
        "scenario ua {{\n  load iterations 1 with 1 vus\n  step default: GET /user-agent {{\n    \
         expect body == \"perfdsl/{}\"\n  }}\n  step own: GET /user-agent {{\n    \
         header User-Agent \"shop-tests/1\"\n    expect body == \"shop-tests/1\"\n  }}\n}}\n",
        env!("CARGO_PKG_VERSION")
    );
    let r = run(&against(&svc, &perf), &[]);
    r.code(0);
}

#[test]
fn vu_counts_from_one_iteration_from_zero_and_csv_numbers_are_asked_for() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("orders.csv"), "sku,qty:number\nA-1,3\n").expect("csv");
    // /echo sends the body back: the hook sees exactly what was sent.
    let perf = "scenario numbers {\n  load iterations 2 with 1 vus\n  data csv \"orders.csv\"\n  \
                step echo: POST /echo {\n    \
                json { \"who\": \"{{ vu }}-{{ iteration }}\", \"qty\": {{ row.qty }}, \"sku\": {{ row.sku }} }\n    \
                after rhai ```\n      \
                metric(\"first\", if response.json.who == \"1-0\" { 1 } else { 0 });\n      \
                metric(\"qty_is_number\", if type_of(response.json.qty) == \"i64\" { 1 } else { 0 });\n      \
                metric(\"sku_is_text\", if type_of(response.json.sku) == \"string\" { 1 } else { 0 });\n    \
                ```\n  }\n}\n";
    let r = run_in(dir.path(), &against(&svc, perf), &[]);
    r.code(0);
    assert_eq!(
        r.metric(0, "first.sum"),
        1.0,
        "vu 1, iteration 0 first\n{r}"
    );
    assert_eq!(r.metric(0, "qty_is_number.sum"), 2.0, "{r}");
    assert_eq!(r.metric(0, "sku_is_text.sum"), 2.0, "{r}");
}
