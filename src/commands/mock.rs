//! `perfdsl mock`: serve the mocks of `.perf` files alone (for developing a service
//! against them) until Ctrl-C, then print what each mock received.

use std::collections::HashMap;
use std::future::Future as _;
use std::io::Write as _;

use crate::cli::MockArgs;
use crate::exit::{self, fail, fail_with};
use crate::mock::{self, MockSet};
use crate::service::until_interrupted;
use perfdsl_core::diagnostics::Style;
use perfdsl_core::frontend;
use perfdsl_core::suggest::did_you_mean;

/// Runs the command; returns the exit code.
pub fn run(args: &MockArgs, style: Style) -> u8 {
    let checked = match super::check_all(&args.paths, style, "no mock was started") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let ports = match parse_ports(&args.ports, &checked) {
        Ok(p) => p,
        Err(e) => return fail(exit::INVALID_INPUT, &e),
    };
    let specs = match mock::specs(&checked, &ports) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => return fail(exit::INVALID_INPUT, "no `mock` block in the files"),
        Err(e) => return fail_with(exit::INVALID_INPUT, e, style),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                exit::RUNTIME,
                &format!("cannot start the async runtime: {e}"),
            )
        }
    };
    rt.block_on(async {
        let set = match MockSet::start(specs, Some(args.proxy_port.unwrap_or(0))).await {
            Ok(s) => s,
            Err(e) => return fail_with(exit::RUNTIME, e, style),
        };
        serve(&set).await;
        let snapshots = set.snapshots();
        set.stop().await;
        for s in &snapshots {
            crate::out!("{}", s.render_text());
            for w in s.warnings() {
                crate::errln!("warning: {w}");
            }
        }
        exit::OK
    })
}

/// Prints where the mocks listen and serves until a signal.
async fn serve(set: &MockSet) {
    let mut interrupted = std::pin::pin!(until_interrupted(std::future::pending::<()>()));
    // The first poll installs the signal handlers: only then is it safe to say where the
    // mocks are (whoever reads that may send Ctrl-C at once).
    std::future::poll_fn(|cx| {
        let _ = interrupted.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    let urls = set.urls();
    let width = urls.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, url) in &urls {
        crate::outln!("{name:<width$}  {url}");
    }
    if let Some(p) = set.proxy_url() {
        crate::outln!("HTTP_PROXY={p}");
    }
    let _ = std::io::stdout().flush();
    // The same value `perfdsl run` gives a service (declared hosts included).
    let services = set
        .env()
        .into_iter()
        .find(|(k, _)| k == "MOCK_SERVICES")
        .map(|(_, v)| v)
        .unwrap_or_default();
    crate::errln!(
        "serving {} mock{}; MOCK_SERVICES={services}; press Ctrl-C to stop",
        urls.len(),
        if urls.len() == 1 { "" } else { "s" },
    );
    let _ = interrupted.await;
    crate::errln!();
}

/// `NAME=PORT` pairs, each naming a declared mock.
fn parse_ports(
    pairs: &[String],
    checked: &[frontend::Checked],
) -> Result<HashMap<String, u16>, String> {
    let names: Vec<&str> = checked
        .iter()
        .flat_map(|c| c.model.mocks.iter().map(|m| m.name.as_str()))
        .collect();
    let mut out = HashMap::new();
    for pair in pairs {
        let (name, port) = pair.split_once('=').ok_or_else(|| {
            format!("`--port {pair}`: expected NAME=PORT, as in `--port payments=8081`")
        })?;
        let port: u16 = port
            .trim()
            .parse()
            .map_err(|_| format!("`--port {pair}`: `{port}` is not a port number (0 to 65535)"))?;
        let name = name.trim();
        if !names.contains(&name) {
            let help = match did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("declared mocks: {}", names.join(", ")),
            };
            return Err(format!("`--port {pair}`: no mock named `{name}`; {help}"));
        }
        out.insert(name.to_string(), port);
    }
    Ok(out)
}
