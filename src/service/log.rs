//! The service's log file: the run header, and the tail of this run's output.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::ServiceSpec;

/// Opens the log in append mode and writes the run header; returns where the output starts.
pub(super) fn open_log(spec: &ServiceSpec) -> io::Result<(File, u64)> {
    if let Some(parent) = spec.log_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&spec.log_path)?;
    // Masked before quoting: a quoted secret (its `"` and `\\` escaped) would not match.
    let argv: Vec<String> = spec
        .argv
        .iter()
        .map(|a| {
            shell_word(&crate::urls::scrub(&crate::urls::mask_values(
                a,
                &spec.secrets,
            )))
        })
        .collect();
    writeln!(
        log,
        "--- perfdsl: starting {} at {} ---",
        argv.join(" "),
        crate::metrics::now_rfc3339()
    )?;
    let start = log.metadata()?.len();
    Ok((log, start))
}

fn shell_word(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        arg.to_string()
    } else {
        format!("{arg:?}")
    }
}

/// The last `n` lines after `start`, reading at most the file's last 64 KiB.
pub(super) fn read_tail(path: &Path, start: u64, n: usize) -> io::Result<Vec<String>> {
    const WINDOW: u64 = 64 * 1024;
    let mut file = File::open(path)?;
    let from = start.max(file.metadata()?.len().saturating_sub(WINDOW));
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.take(WINDOW).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    // Starting mid-file, the first line is partial.
    let lines: Vec<&str> = text.lines().skip(usize::from(from > start)).collect();
    let skip = lines.len().saturating_sub(n);
    // Shown to a terminal and a CI log: control characters spelled out.
    Ok(lines[skip..]
        .iter()
        .map(|l| perfdsl_core::diagnostics::shown(l))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_skips_older_runs_and_partial_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("svc.log");
        fs::write(&path, "old run\nheader\none\ntwo\nthree\n").expect("write");
        let start = "old run\nheader\n".len() as u64;
        assert_eq!(read_tail(&path, start, 2).expect("read"), ["two", "three"]);
        assert_eq!(
            read_tail(&path, start, 9).expect("read"),
            ["one", "two", "three"]
        );
    }
}
