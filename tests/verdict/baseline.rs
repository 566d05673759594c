//! Which runs the baseline is: the median of a window of recent commits on `main`, the
//! nearest recorded ancestor at the merge base (or the latest record when there is none),
//! another results file, and the ancestry read from a real git repository.

use super::*;

#[test]
fn window_pools_the_median_of_recent_main_commits() {
    let mut history = vec![
        record("old", 1, "checkout", &[("latency.p95", 500.0)]),
        record("w1", 2, "checkout", &[("latency.p95", 100.0)]),
        record("w2", 3, "checkout", &[("latency.p95", 130.0)]),
        record("w3", 4, "checkout", &[("latency.p95", 110.0)]),
    ];
    let mut feature = record("f1", 5, "checkout", &[("latency.p95", 900.0)]);
    feature.meta.branch = Some("feature".into());
    history.push(feature);
    let cfg = BaselineConfig {
        policy: BaselinePolicy::Window,
        window: 3,
        ..BaselineConfig::default()
    };
    let base = select(&cfg, &history, &NoGit);
    assert_eq!(base.info.commits, ["w3", "w2", "w1"]);
    assert_eq!(base.info.commit.as_deref(), Some("w3"));
    assert_eq!(base.value("checkout", None, "latency.p95"), Some(110.0));
    let v = judge(
        &results(vec![result("checkout", &[("latency.p95", 121.0)])]),
        &base,
        &history,
        &Config::default(),
    );
    let m = metric(&v, "checkout", "latency.p95");
    assert_eq!(m.baseline, Some(110.0));
    assert_eq!(m.state, State::Unchanged);
}

#[test]
fn merge_base_walks_back_to_the_nearest_recorded_ancestor() {
    let history = vec![
        record("aaaaaaa111", 1, "checkout", &[("latency.p95", 10.0)]),
        record("ddddddd444", 9, "checkout", &[("latency.p95", 99.0)]),
    ];
    let git = chain(&["ccccccc333", "bbbbbbb222", "aaaaaaa111"]);
    let base = select(&BaselineConfig::default(), &history, &git);
    assert_eq!(base.info.policy, "merge-base");
    assert_eq!(base.info.commit.as_deref(), Some("aaaaaaa111"));
    assert_eq!(base.info.requested.as_deref(), Some("ccccccc333"));
    assert_eq!(base.info.walked_back, 2);
    assert_eq!(
        base.info.note.as_deref(),
        Some(
            "no record for merge-base ccccccc; compared with its ancestor aaaaaaa, 2 commits back"
        )
    );
    assert_eq!(base.value("checkout", None, "latency.p95"), Some(10.0));

    // The merge-base itself recorded: no walk, no note.
    let base = select(
        &BaselineConfig::default(),
        &history,
        &chain(&["aaaaaaa111"]),
    );
    assert_eq!((base.info.walked_back, base.info.note.clone()), (0, None));
}

#[test]
fn merge_base_falls_back_to_latest() {
    let history = vec![
        record("aaaaaaa111", 1, "checkout", &[("latency.p95", 10.0)]),
        record("ddddddd444", 9, "checkout", &[("latency.p95", 99.0)]),
    ];
    let base = select(&BaselineConfig::default(), &history, &NoGit);
    assert_eq!(base.info.policy, "latest");
    assert_eq!(base.info.commit.as_deref(), Some("ddddddd444"));
    assert_eq!(
        base.info.note.as_deref(),
        Some("could not determine the merge-base with `main` (no repository, unknown branch or shallow clone); compared with the latest record on `main` (ddddddd)")
    );
    let cfg = BaselineConfig {
        max_walk: 1,
        ..BaselineConfig::default()
    };
    let base = select(
        &cfg,
        &history,
        &chain(&["ccccccc333", "bbbbbbb222", "aaaaaaa111"]),
    );
    assert_eq!(base.info.commit.as_deref(), Some("ddddddd444"));
    assert_eq!(
        base.info.note.as_deref(),
        Some("no record for merge-base ccccccc or its ancestors within 1 commit; compared with the latest record on `main` (ddddddd)")
    );
}

#[test]
fn results_file_as_baseline() {
    let other = results(vec![result("checkout", &[("latency.p95", 50.0)])]);
    let base = Baseline::from_results(&other, "file:base.json");
    assert_eq!(base.info.policy, "file");
    assert_eq!(base.info.commit.as_deref(), Some("file:base.json"));
    let v = judge(
        &results(vec![result("checkout", &[("latency.p95", 40.0)])]),
        &base,
        &[],
        &Config::default(),
    );
    assert_eq!(
        metric(&v, "checkout", "latency.p95").reason,
        "−20.0% better"
    );
}

// ---- git -----------------------------------------------------------------------------

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the `git` command is needed by this test");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn git_ancestry_reads_a_real_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "one"]);
    let one = git(d, &["rev-parse", "HEAD"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "two"]);
    let two = git(d, &["rev-parse", "HEAD"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "three"]);
    let g = GitAncestry::new(d);
    assert_eq!(g.merge_base("main"), Some(two.clone()));
    assert_eq!(g.merge_base("nope"), None);
    assert_eq!(g.ancestors(&two, 5), [two.clone(), one.clone()]);
    assert_eq!(g.ancestors(&two, 1), [two]);
    assert!(g
        .ancestors("0000000000000000000000000000000000000000", 5)
        .is_empty());

    let plain = tempfile::tempdir().expect("temp dir");
    let g = GitAncestry::new(plain.path());
    assert_eq!(g.merge_base("main"), None);
    assert!(g.ancestors(&one, 5).is_empty());
}
