//! A PostgreSQL server for tests: the one an environment variable names, or a throwaway
//! cluster (`initdb` + `pg_ctl` in a temporary directory, on a free loopback port) that is
//! stopped and deleted when the [`PgServer`] drops.
//!
//! Depends on `std` only, so any test crate can include it with
//! `#[path = "…/shop/tests/support/pg.rs"] mod pg;`. It never skips: when no server can be
//! had, [`PgServer::from_env_or_start`] panics and says why.
#![allow(dead_code, reason = "each test crate uses a different part")]

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Superuser of throwaway clusters (trust authentication, no password).
pub(crate) const SUPERUSER: &str = "postgres";

/// A reachable PostgreSQL server.
#[derive(Debug)]
pub(crate) struct PgServer {
    url: String,
    cluster: Option<Cluster>,
}

impl PgServer {
    /// The server named by the first of `vars` holding a `postgres://` or `postgresql://` URL,
    /// else a new throwaway cluster. Panics, loudly, when neither can be had.
    pub(crate) fn from_env_or_start(vars: &[&str]) -> PgServer {
        PgServer::from_env_or_start_with(vars, &[])
    }

    /// [`PgServer::from_env_or_start`], a throwaway cluster started with the server
    /// `settings` (`name=value`, as `-c` options; e.g.
    /// `shared_preload_libraries=pg_stat_statements`). A server named by a variable is
    /// used as it is.
    pub(crate) fn from_env_or_start_with(vars: &[&str], settings: &[&str]) -> PgServer {
        for var in vars {
            if let Ok(url) = std::env::var(var) {
                if is_postgres_url(&url) {
                    eprintln!("pg: using the server named by `{var}`");
                    return PgServer { url, cluster: None };
                }
            }
        }
        match PgServer::start_with(settings) {
            Ok(server) => server,
            Err(why) => panic!(
                "\n\nPostgreSQL tests need a server and none could be had.\n\
                 Set {} to a postgres:// URL, or install PostgreSQL so that `pg_config --bindir` \
                 finds `initdb` and `pg_ctl`.\n\n{why}\n",
                vars.join(" or ")
            ),
        }
    }

    /// Starts a throwaway cluster with a database named `test`.
    pub(crate) fn start() -> Result<PgServer, String> {
        PgServer::start_with(&[])
    }

    /// [`PgServer::start`] with extra server `settings` (`name=value`).
    pub(crate) fn start_with(settings: &[&str]) -> Result<PgServer, String> {
        let mut cluster = Cluster::init()?;
        cluster.start(settings)?;
        let url = cluster.create_database("test")?;
        eprintln!(
            "pg: throwaway cluster on port {} in {}",
            cluster.port,
            cluster.base.display()
        );
        Ok(PgServer {
            url,
            cluster: Some(cluster),
        })
    }

    /// The URL of the server's test database.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Whether this server is a throwaway cluster (rather than one named by a variable).
    pub(crate) fn is_throwaway(&self) -> bool {
        self.cluster.is_some()
    }

    /// A new empty database `name` on a throwaway cluster; on a server named by a variable,
    /// that server's own URL (tests then share its database).
    pub(crate) fn create_database(&self, name: &str) -> Result<String, String> {
        match &self.cluster {
            Some(cluster) => cluster.create_database(name),
            None => Ok(self.url.clone()),
        }
    }
}

/// Whether `url` names a PostgreSQL server.
pub(crate) fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

#[derive(Debug)]
struct Cluster {
    bindir: Option<PathBuf>,
    base: PathBuf,
    port: u16,
    /// initdb and the server refuse to run as root: they then run as `postgres` through `su`.
    as_postgres: bool,
    running: bool,
}

impl Cluster {
    fn init() -> Result<Cluster, String> {
        let bindir = bindir();
        let base = unique_dir()?;
        let as_postgres = fs::metadata(&base).map_err(|e| e.to_string())?.uid() == 0;
        let cluster = Cluster {
            bindir,
            base,
            port: 0,
            as_postgres,
            running: false,
        };
        if as_postgres {
            let base = cluster.base.display().to_string();
            run(Command::new("chown").args([&format!("{SUPERUSER}:"), &base]))?;
        }
        let data = cluster.data().display().to_string();
        let args = [
            "-D",
            &data,
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--no-locale",
            "-N",
        ];
        cluster.server_tool("initdb", &args)?;
        Ok(cluster)
    }

    /// Starts the server on a free port; tries again on another port if one was taken meanwhile.
    fn start(&mut self, settings: &[&str]) -> Result<(), String> {
        let mut last_error = String::new();
        for _ in 0..3 {
            self.port = free_port()?;
            let mut options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.base.display()
            );
            for setting in settings {
                options.push_str(&format!(" -c {setting}"));
            }
            let data = self.data().display().to_string();
            let log = self.base.join("log").display().to_string();
            let args = [
                "-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
            ];
            match self.server_tool("pg_ctl", &args) {
                Ok(_) => {
                    self.running = true;
                    return self.wait_ready();
                }
                Err(e) => last_error = format!("{e}\nserver log:\n{}", self.log_tail()),
            }
        }
        Err(last_error)
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = self.port.to_string();
        loop {
            let probe = Command::new(self.tool("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
                .output();
            if probe.is_ok_and(|o| o.status.success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("server not ready after 30 s\n{}", self.log_tail()));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn create_database(&self, name: &str) -> Result<String, String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("unusable database name `{name}`"));
        }
        let port = self.port.to_string();
        run(Command::new(self.tool("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            name,
        ]))?;
        Ok(format!(
            "postgres://{SUPERUSER}@127.0.0.1:{}/{name}?sslmode=disable",
            self.port
        ))
    }

    fn data(&self) -> PathBuf {
        self.base.join("data")
    }

    fn tool(&self, name: &str) -> PathBuf {
        self.bindir
            .as_ref()
            .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
    }

    /// Runs initdb or pg_ctl, as `postgres` when we are root.
    fn server_tool(&self, name: &str, args: &[&str]) -> Result<Output, String> {
        let program = self.tool(name);
        if !self.as_postgres {
            return run(Command::new(program).args(args));
        }
        let mut line = quote(&program.display().to_string());
        for arg in args {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        run(Command::new("su").args([SUPERUSER, "-s", "/bin/sh", "-c", &line]))
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.base.join("log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            let data = self.data().display().to_string();
            let stop = ["-D", &data, "stop", "-m", "fast", "-w", "-t", "30"];
            if let Err(e) = self.server_tool("pg_ctl", &stop) {
                eprintln!(
                    "pg: could not stop the cluster in {}: {e}",
                    self.base.display()
                );
                return; // Leave the directory: deleting it under a live server helps nobody.
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.base) {
            eprintln!("pg: could not remove {}: {e}", self.base.display());
        }
    }
}

/// `pg_config --bindir`, or `None` to rely on `PATH`.
fn bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = PathBuf::from(dir.trim());
    (output.status.success() && dir.is_dir()).then_some(dir)
}

/// A new empty directory. Under `/tmp` when root, since `postgres` must be able to reach it.
fn unique_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "pg-test-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let tmp = std::env::temp_dir();
    let parent = if Path::new("/tmp").is_dir() {
        Path::new("/tmp")
    } else {
        tmp.as_path()
    };
    let dir = parent.join(name);
    fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn run(command: &mut Command) -> Result<Output, String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if output.status.success() {
        return Ok(output);
    }
    Err(format!(
        "{shown} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Single-quotes `text` for `sh -c`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
