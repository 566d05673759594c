//! The built `perfdsl`, run the way every test runs it: [`Perfdsl`] builds the command,
//! [`Output`] is what it did, with assertions whose failures print the command, its exit
//! code and everything it wrote.
//!
//! ```ignore
//! Perfdsl::new()
//!     .current_dir(dir)
//!     .args(["check", "."])
//!     .run()
//!     .code(2)
//!     .stderr_contains("perfdsl::syntax::unexpected");
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest one command may take by default before the test kills it and fails.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// Variables of the test's own environment that would change what perfdsl does: a CI
/// step summary, CI's commit and branch, an outside history.
const OUTSIDE: [&str; 5] = [
    "GITHUB_STEP_SUMMARY",
    "PERFDSL_HISTORY",
    "GITHUB_SHA",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
];

/// One `perfdsl` command: `perfdsl --color never ARGS`, with `NO_COLOR=1`, without the
/// [`OUTSIDE`] variables, no standard input and, run in a directory, no git repository
/// found above that directory (the commit is what the test says).
#[derive(Clone, Debug)]
pub(crate) struct Perfdsl {
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    /// Set (`Some`) or removed (`None`), after the defaults, in order.
    env: Vec<(OsString, Option<OsString>)>,
    stdin: Option<Vec<u8>>,
    limit: Duration,
}

impl Default for Perfdsl {
    fn default() -> Self {
        Perfdsl {
            args: Vec::new(),
            dir: None,
            env: Vec::new(),
            stdin: None,
            limit: LIMIT,
        }
    }
}

impl Perfdsl {
    pub(crate) fn new() -> Perfdsl {
        Perfdsl::default()
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Perfdsl {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I>(mut self, args: I) -> Perfdsl
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// The arguments of `line`, separated by spaces: `"record r.json --commit c1"`.
    pub(crate) fn words(self, line: &str) -> Perfdsl {
        self.args(line.split_whitespace())
    }

    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Perfdsl {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Perfdsl {
        let (key, value) = (key.as_ref().to_owned(), value.as_ref().to_owned());
        self.env.push((key, Some(value)));
        self
    }

    pub(crate) fn envs<I, K, V>(self, pairs: I) -> Perfdsl
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        pairs.into_iter().fold(self, |p, (k, v)| p.env(k, v))
    }

    /// Removes `key`, one of the defaults (`NO_COLOR`) included.
    pub(crate) fn env_remove(mut self, key: impl AsRef<OsStr>) -> Perfdsl {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// `bytes` on standard input (else none).
    pub(crate) fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Perfdsl {
        self.stdin = Some(bytes.into());
        self
    }

    /// How long [`run`](Self::run) waits before it kills perfdsl and fails the test.
    pub(crate) fn timeout(mut self, limit: Duration) -> Perfdsl {
        self.limit = limit;
        self
    }

    /// The command, for a test that runs perfdsl in the background: standard output and
    /// error are the caller's to set, and so is waiting (and killing).
    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_perfdsl"));
        cmd.args(["--color", "never"]).args(&self.args);
        cmd.env("NO_COLOR", "1");
        for var in OUTSIDE {
            cmd.env_remove(var);
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir)
                .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir));
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs perfdsl to its end; past the [`timeout`](Self::timeout) it is killed and the
    /// test fails with what it wrote so far.
    #[track_caller]
    pub(crate) fn run(&self) -> Output {
        let files = tempfile::tempdir().expect("a temporary directory for perfdsl's output");
        let (out, err) = (files.path().join("stdout"), files.path().join("stderr"));
        let mut cmd = self.command();
        if let Some(bytes) = &self.stdin {
            let input = files.path().join("stdin");
            std::fs::write(&input, bytes).expect("write perfdsl's standard input");
            cmd.stdin(File::open(&input).expect("open perfdsl's standard input"));
        }
        cmd.stdout(File::create(&out).expect("a file for perfdsl's stdout"))
            .stderr(File::create(&err).expect("a file for perfdsl's stderr"));
        let began = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("perfdsl does not start: {e}\n$ {self}"));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for perfdsl") {
                break Some(status);
            }
            if began.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let read = |path: &Path| std::fs::read(path).unwrap_or_default();
        let output = Output::new(
            self.to_string(),
            status.and_then(|s| s.code()).unwrap_or(-1),
            read(&out),
            read(&err),
            began.elapsed(),
        );
        assert!(
            status.is_some(),
            "perfdsl ran longer than {:?} and was killed\n{output}",
            self.limit
        );
        output
    }
}

/// The command as a shell line: the variables the test set (not those it removed), the
/// arguments, the directory.
impl fmt::Display for Perfdsl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &OsStr| {
            let s = s.to_string_lossy();
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+*".contains(c));
            if plain {
                s.into_owned()
            } else {
                format!("{s:?}")
            }
        };
        for (key, value) in &self.env {
            if let Some(value) = value {
                write!(f, "{}={} ", shown(key), shown(value))?;
            }
        }
        write!(f, "perfdsl --color never")?;
        for arg in &self.args {
            write!(f, " {}", shown(arg))?;
        }
        if let Some(dir) = &self.dir {
            write!(f, "  (in {})", dir.display())?;
        }
        Ok(())
    }
}

/// What one perfdsl command did.
#[derive(Debug)]
pub(crate) struct Output {
    /// The exit code; -1 when a signal ended it.
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) took: Duration,
    command: String,
    raw_stdout: Vec<u8>,
    raw_stderr: Vec<u8>,
}

impl Output {
    fn new(command: String, code: i32, stdout: Vec<u8>, stderr: Vec<u8>, took: Duration) -> Self {
        Output {
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            took,
            command,
            raw_stdout: stdout,
            raw_stderr: stderr,
        }
    }

    /// Exit code 0.
    #[track_caller]
    pub(crate) fn success(&self) -> &Self {
        self.code(0)
    }

    /// Any exit code but 0.
    #[track_caller]
    pub(crate) fn failure(&self) -> &Self {
        assert_ne!(
            self.code, 0,
            "perfdsl succeeded, a failure was expected\n{self}"
        );
        self
    }

    #[track_caller]
    pub(crate) fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stdout_contains(&self, part: &str) -> &Self {
        assert!(self.stdout.contains(part), "stdout lacks `{part}`\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stdout_lacks(&self, part: &str) -> &Self {
        assert!(!self.stdout.contains(part), "stdout has `{part}`\n{self}");
        self
    }

    /// stdout is `text`, all of it.
    #[track_caller]
    pub(crate) fn stdout_is(&self, text: &str) -> &Self {
        assert_eq!(self.stdout, text, "stdout\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stderr_contains(&self, part: &str) -> &Self {
        assert!(self.stderr.contains(part), "stderr lacks `{part}`\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stderr_lacks(&self, part: &str) -> &Self {
        assert!(!self.stderr.contains(part), "stderr has `{part}`\n{self}");
        self
    }

    /// stderr is `text`, all of it.
    #[track_caller]
    pub(crate) fn stderr_is(&self, text: &str) -> &Self {
        assert_eq!(self.stderr, text, "stderr\n{self}");
        self
    }

    /// stderr with the diagnostics' wrapped lines joined back (`\n  │ ` → ` `).
    pub(crate) fn diagnostics(&self) -> String {
        self.stderr.replace("\n  │ ", " ")
    }

    /// [`diagnostics`](Self::diagnostics) contain `part`.
    #[track_caller]
    pub(crate) fn diagnostics_contain(&self, part: &str) -> &Self {
        let joined = self.diagnostics();
        assert!(joined.contains(part), "stderr lacks `{part}`\n{self}");
        self
    }

    /// stdout and stderr are both valid UTF-8.
    #[track_caller]
    pub(crate) fn utf8(&self) -> &Self {
        for (name, raw) in [("stdout", &self.raw_stdout), ("stderr", &self.raw_stderr)] {
            if let Err(e) = std::str::from_utf8(raw) {
                panic!("{name} is not UTF-8: {e}\n{self}");
            }
        }
        self
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ {}\nexit {} after {:.1}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.code,
            self.took.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}
