//! The command line of `perfdsl run`: `--smoke`, `--filter`, `--target`, invalid input
//! that runs nothing; and h2c with prior knowledge and data feeders.

use super::*;

const SMOKE: &str = r#"scenario smoke {
  load vus 4 for 10s
  step hello: GET /hello {
    expect status == 200
  }
  step order: POST /orders {
    json { "qty": 2 }
    expect status == 201
    expect json "$.total" == TOTAL
  }
}
"#;

#[test]
fn smoke_runs_one_iteration_and_shows_each_failure() {
    let svc = TestSvc::start(&[]);
    let perf = against(&svc, &SMOKE.replace("TOTAL", "999"));
    let line = perf
        .lines()
        .position(|l| l.contains("step order"))
        .expect("the step")
        + 1;
    let r = run(&perf, &["--smoke"]);
    r.code(1);
    assert!(
        r.took < Duration::from_secs(8),
        "smoke ignores the load\n{r}"
    );
    assert_eq!(r.metric(0, "iterations"), 1.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 2.0, "{r}");
    for part in [
        "✗ smoke › order: POST /orders".to_string(),
        format!("(at test.perf:{line})"),
        "json `$.total`: expected == 999, found 20".to_string(),
        "response: 201".to_string(),
        "\"total\": 20".to_string(),
    ] {
        assert!(r.stdout.contains(&part), "missing `{part}`\n{r}");
    }
    r.stdout_lacks("could not keep the schedule");

    let r = run(&against(&svc, &SMOKE.replace("TOTAL", "20")), &["--smoke"]);
    r.code(0);
    r.stdout_contains("every expectation held");

    // A step that only checks its status still shows the body it got.
    let status_only = "scenario s {\n  load vus 1 for 1s\n  step j: GET /json {\n    \
                       expect status == 204\n  }\n}\n";
    let r = run(&against(&svc, status_only), &["--smoke"]);
    r.code(1);
    r.stdout_contains("response: 200 OK {\"name\":\"testsvc\"");
}

#[test]
fn filter_runs_only_the_named_scenario() {
    let svc = TestSvc::start(&[]);
    let perf = against(
        &svc,
        "scenario alpha {\n  load iterations 3 with 1 vus\n  step a: GET /hello\n}\n\
         scenario beta {\n  load iterations 4 with 1 vus\n  step b: GET /json\n}\n",
    );
    let r = run(&perf, &["--filter", "beta"]);
    r.code(0);
    let scenarios = r.results()["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 1, "{r}");
    assert_eq!(scenarios[0]["name"], "beta", "{r}");
    assert_eq!(r.metric(0, "iterations"), 4.0, "{r}");
    r.stdout_lacks("scenario alpha");

    let r = run(&perf, &["--filter", "betta"]);
    r.code(2);
    r.stderr_contains("no scenario named `betta`");
    r.stderr_contains("did you mean `beta`");
}

#[test]
fn target_option_overrides_the_file() {
    let svc = TestSvc::start(&[]);
    // Port 1 on loopback: nothing listens there.
    let perf = "target \"http://127.0.0.1:1\"\nscenario s {\n  load iterations 5 with 1 vus\n  \
                step hello: GET /hello {\n    expect body == \"hello\"\n  }\n}\n";
    let r = run(perf, &["--target", &svc.url]);
    r.code(0);
    assert_eq!(r.metric(0, "requests"), 5.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.scenario(0)["target"], svc.url.as_str(), "{r}");
}

#[test]
fn invalid_input_runs_nothing() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = against(
        &svc,
        "scenario s {\n  load vus 1 for 1s\n  step a: GET /hello\n  expect status == 200\n}\n",
    );
    let r = run_in(dir.path(), &broken, &[]);
    r.code(2);
    r.stderr_contains("nothing was run");
    assert!(
        r.json.is_none(),
        "no results for a run that did not happen\n{r}"
    );
    assert!(r.stdout.is_empty(), "{r}");

    let missing = dir.path().join("nope.csv");
    let perf = against(
        &svc,
        &format!(
            "scenario s {{\n  load iterations 3 with 1 vus\n  data csv \"{}\"\n  \
             step a: GET /hello\n}}\n",
            missing.display()
        ),
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(2);
    assert!(
        r.stderr.contains(&missing.display().to_string()),
        "the message names the data file\n{r}"
    );
    r.stdout_lacks("scenario s");
}

#[test]
fn http2_with_prior_knowledge() {
    let svc = TestSvc::start(&["--threads", "2"]);
    let r = run(
        &against(
            &svc,
            "scenario h2 {\n  load vus 4 for 1s\n  step hello: GET /hello {\n    \
             expect body == \"hello\"\n  }\n  step echo: POST /echo {\n    \
             json { \"n\": {{ iteration }} }\n    expect json \"$.n\" == \"{{ iteration }}\"\n  }\n}\n",
        ),
        &["--http2"],
    );
    r.code(0);
    assert!(r.metric(0, "requests") > 0.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
}

#[test]
fn data_feeders_hand_out_rows() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("users.csv"),
        "email,n\na@x.io,1\nb@x.io,2\nc@x.io,3\n",
    )
    .expect("write the csv");
    let scenario = |mode: &str, iterations: u32| {
        against(
            &svc,
            &format!(
                r#"scenario feed {{
  load iterations {iterations} with 1 vus
  data csv "users.csv" {mode}
  step echo: POST /echo {{
    json {{ "email": "{{{{ row.email }}}}", "n": "{{{{ row.n }}}}" }}
    expect json "$.email" == "{{{{ row.email }}}}"
    expect json "$.email" matches "^[abc]@x\\.io$"
    after rhai ```
      metric("row_n", parse_int(response.json.n));
    ```
  }}
}}
"#
            ),
        )
    };
    // Sequential: 1, 2, 3, 1, 2, 3.
    let r = run_in(dir.path(), &scenario("sequential", 6), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 6.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.metric(0, "row_n.count"), 6.0, "{r}");
    assert_eq!(r.metric(0, "row_n.sum"), 12.0, "{r}");
    assert_eq!(r.metric(0, "row_n.min"), 1.0, "{r}");
    assert_eq!(r.metric(0, "row_n.max"), 3.0, "{r}");

    // Unique: each row once, then the virtual user stops.
    let r = run_in(dir.path(), &scenario("unique", 10), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 3.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 3.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.metric(0, "row_n.sum"), 6.0, "{r}");
    assert!(
        r.stdout.contains(
            "note: a `unique` data feeder ran out of rows after 3 iterations: the virtual users stopped"
        ),
        "said, not silent\n{r}"
    );
}
