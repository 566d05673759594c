//! The recorded history on the terminal: `perfdsl history list` (a line per recorded
//! commit) and `perfdsl history show` (every metric of one commit). Outside text is shown
//! inert (`shown`).

use std::collections::BTreeMap;

use crate::history::Record;
use crate::verdict::baseline::short;
use perfdsl_core::diagnostics::shown;

/// One line per commit, newest first: hash, branch, time, scenarios, runner.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature of `show`, the other listing the subcommand picks"
)]
pub fn list(records: &[Record], scenario: Option<&str>) -> Result<String, String> {
    let mut by_commit: BTreeMap<(&str, &str), Vec<&Record>> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| scenario.is_none_or(|s| r.scenario == s))
    {
        by_commit
            .entry((r.meta.recorded_at.as_str(), r.meta.commit.as_str()))
            .or_default()
            .push(r);
    }
    if by_commit.is_empty() {
        return Ok("no recorded runs\n".into());
    }
    let mut out = String::from("commit   branch           recorded at           scenarios\n");
    for ((at, commit), rs) in by_commit.iter().rev() {
        let names: Vec<String> = rs.iter().map(|r| shown(&r.scenario)).collect();
        let branch = shown(rs[0].meta.branch.as_deref().unwrap_or("-"));
        out.push_str(&format!(
            "{:<8} {:<16} {:<21} {}\n",
            shown(short(commit)),
            branch,
            shown(at),
            names.join(", ")
        ));
    }
    Ok(out)
}

/// Every metric of the records of one commit.
pub fn show(records: &[Record], commit: &str, scenario: Option<&str>) -> Result<String, String> {
    let mut commits: Vec<&str> = records
        .iter()
        .map(|r| r.meta.commit.as_str())
        .filter(|c| c.starts_with(commit))
        .collect();
    commits.sort_unstable();
    commits.dedup();
    let full = match commits.as_slice() {
        [one] => *one,
        [] => return Err(format!("no recorded commit starts with `{commit}`")),
        many => {
            // In full: the candidates may share their first 7 characters.
            let named: Vec<String> = many.iter().map(|c| format!("`{c}`")).collect();
            return Err(format!(
                "`{commit}` is ambiguous: it starts {} recorded commits ({}); give more characters",
                many.len(),
                named.join(", ")
            ));
        }
    };
    let mut out = String::new();
    for r in records
        .iter()
        .filter(|r| r.meta.commit == full && scenario.is_none_or(|s| r.scenario == s))
    {
        out.push_str(&format!(
            "{} {} ({}, {}, perfdsl {}, {} × {} cores)\n",
            shown(short(full)),
            shown(&r.scenario),
            shown(r.meta.branch.as_deref().unwrap_or("-")),
            shown(&r.meta.recorded_at),
            shown(&r.meta.perfdsl),
            shown(&r.meta.runner.cpu_model),
            r.meta.runner.cores
        ));
        for (name, value) in &r.metrics {
            out.push_str(&format!("  {:<40} {value}\n", shown(name)));
        }
        for (step, metrics) in &r.steps {
            for (name, value) in metrics {
                out.push_str(&format!(
                    "  step {}: {:<34} {value}\n",
                    shown(step),
                    shown(name)
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(format!(
            "commit {} has no record of scenario `{}`",
            short(full),
            scenario.unwrap_or("")
        ));
    }
    Ok(out)
}
