//! The `shop` binary: reads the environment, connects and migrates, binds
//! `127.0.0.1:$PORT`, prints `listening on http://127.0.0.1:P` as its first stdout line, and
//! serves until SIGTERM or Ctrl-C, finishing in-flight requests.

use std::io::Write;
use std::process::ExitCode;

use shop::{log, AppState, Config, StartupError};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error(format_args!("cannot start: {error}"));
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    log::info("configuration read");
    let state = AppState::new(&config).await?;
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let address = listener.local_addr()?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{address}")?;
        stdout.flush()?;
    }
    log::info(format_args!("listening on http://{address}"));
    shop::serve(listener, state, shutdown_signal()).await?;
    log::info("stopped");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                log::warn(format_args!("cannot watch SIGTERM: {error}"));
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    log::info("shutdown requested: finishing in-flight requests");
}
