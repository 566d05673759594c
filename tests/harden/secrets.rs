//! Secrets stay out of everything perfdsl writes: values from the environment in a
//! service's command and log, tokens in query strings, passwords in database URLs, and
//! credentials in a target or base URL (refused, and never shown).

use super::*;

/// `perfdsl run test.perf --quiet --json out.json --report r.md` in `dir` with `env`
/// added, `perf` written first.
fn run_reported(dir: &Path, perf: &str, env: &[(&str, &str)]) -> Output {
    std::fs::write(dir.join("test.perf"), perf).expect("write");
    Perfdsl::new()
        .current_dir(dir)
        .words("run test.perf --quiet --json out.json --report r.md")
        .envs(env.iter().copied())
        .run()
}

#[test]
fn secrets_from_the_environment_and_query_strings_are_not_printed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let block = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"exec {} --port {{{{ port }}}} # {{{{ env.PERFDSL_TEST_SECRET }}}}\"\n  \
         port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}\"\n  ready GET /health within 10s\n  grace 2s\n}}\n",
        testsvc().display()
    );
    let perf = format!(
        "{block}scenario s {{\n  load iterations 2 with 1 vus\n  \
         step st: GET /status/500?access_token=tok3n-value&page=2\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n"
    );
    let r = run_reported(
        dir.path(),
        &perf,
        &[("PERFDSL_TEST_SECRET", "hunter2-secret")],
    );
    r.code(0)
        .stderr_contains("starting service `svc`: sh -c exec ")
        .stderr_contains("# ***");
    let report = std::fs::read_to_string(dir.path().join("r.md")).expect("the report");
    let results = std::fs::read_to_string(dir.path().join("out.json")).expect("results");
    for (what, text) in [
        ("stdout", &r.stdout),
        ("stderr", &r.stderr),
        ("report", &report),
        ("results", &results),
    ] {
        assert!(
            !text.contains("hunter2-secret"),
            "{what} shows the secret:\n{text}"
        );
        assert!(
            !text.contains("tok3n-value"),
            "{what} shows the token:\n{text}"
        );
    }
    r.stdout_contains("GET /status/500?access_token=***&page=2");
}

#[test]
fn secrets_stay_out_of_every_line_perfdsl_writes_when_the_service_dies() {
    // The service writes the secret and a database URL to its log, then dies mid-run: the
    // death message quotes its log, the base URL holds the secret too.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let block = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"echo config token={{{{ env.PERFDSL_TEST_SECRET }}}}; \
         echo db postgres://u:pa/ss@h/db; exec {} --port {{{{ port }}}} --die-after 1s \
         # {{{{ env.PERFDSL_TEST_QUOTED }}}}\"\n  \
         port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}/{{{{ env.PERFDSL_TEST_SECRET }}}}\"\n  \
         ready GET /health within 10s\n  grace 2s\n}}\n",
        testsvc().display()
    );
    let perf = format!(
        "{block}scenario s {{\n  load vus 1 for 4s\n  step hello: GET /hello\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n"
    );
    let r = run_reported(
        dir.path(),
        &perf,
        &[
            ("PERFDSL_TEST_SECRET", "hunter2-secret"),
            // Quoted in the log's command line, a secret must still be found.
            ("PERFDSL_TEST_QUOTED", "q\"uo\\ted-secret"),
        ],
    );
    // The death message quotes the log, masked.
    r.code(3)
        .stderr_contains("config token=***")
        .stderr_contains("db postgres://u:***@h/db");
    let results = std::fs::read_to_string(dir.path().join("out.json")).expect("results");
    let report = std::fs::read_to_string(dir.path().join("r.md")).unwrap_or_default();
    let log = std::fs::read_to_string(dir.path().join(".perfdsl/logs/svc.log")).expect("log");
    let header = log
        .lines()
        .find(|l| l.starts_with("--- perfdsl: starting"))
        .expect("perfdsl's line in the log");
    for (what, text) in [
        ("stdout", r.stdout.as_str()),
        ("stderr", r.stderr.as_str()),
        ("results", results.as_str()),
        ("report", report.as_str()),
        ("the log's header", header),
    ] {
        assert!(
            !text.contains("hunter2-secret"),
            "{what} shows the secret:\n{text}"
        );
        assert!(
            !text.contains("pa/ss"),
            "{what} shows the password:\n{text}"
        );
        assert!(
            !text.contains("ted-secret"),
            "{what} shows the quoted secret:\n{text}"
        );
    }
}

#[test]
fn credentials_in_a_url_are_refused_and_never_shown() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = svc.port;
    let target = format!("http://admin:hunter2pass@127.0.0.1:{port}");
    let perf = "scenario s {\n  load iterations 1 with 1 vus\n  step a: GET /hello\n}\n";
    let r = run_in(dir.path(), perf, &["--target", &target]);
    r.code(2);
    r.stderr_contains("holds a user name or password");
    let results = r.json.as_ref().map(Value::to_string).unwrap_or_default();
    for text in [&r.stdout, &r.stderr, &results] {
        assert!(
            !text.contains("hunter2pass"),
            "the password is shown:\n{r}\n{results}"
        );
    }
    // A service whose base URL holds credentials (and would escape the loopback check)
    // is not started.
    let r = assert_not_started("http://u:p4ss@0.0.0.0:{{ port }}");
    r.stderr_lacks("p4ss");
}
