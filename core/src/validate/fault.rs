//! Faults of mocks and responses: `fail 1% with 503 [retry_after 2s]`, `with reset`,
//! `with hang`; their rates together stay at or below 100%.

use crate::ast;
use crate::model::{Fault, FaultKind};
use crate::units;

use super::{values, Cx, Diag, Kind};

/// Converts faults and checks that their rates add up to at most 100%.
pub(crate) fn fault_list(cx: &mut Cx, faults: &[&ast::Fault]) -> Option<Vec<Fault>> {
    let mut out = Vec::new();
    let mut total = 0.0;
    let mut ok = true;
    let mut reported = false;
    for f in faults {
        let Some(fault) = fault(cx, f) else {
            ok = false;
            continue;
        };
        total += fault.rate;
        if total > 1.0 + 1e-9 && !reported {
            reported = true;
            let message = format!(
                "fault rates add up to {}%, more than 100%",
                (total * 1e6).round() / 1e4
            );
            let help = "lower the rates so that together they stay at or below 100%";
            let d = Diag::new(
                Kind::FaultRateTotal,
                f.rate.span,
                message,
                "total passes 100% here",
            );
            cx.report(d.help(help));
            ok = false;
        }
        out.push(fault);
    }
    ok.then_some(out)
}

fn fault(cx: &mut Cx, f: &ast::Fault) -> Option<Fault> {
    let rate = cx.unit(units::percent(&f.rate));
    let kind = match &f.kind {
        ast::FaultKind::Reset(_) => Some(FaultKind::Reset),
        ast::FaultKind::Hang(_) => Some(FaultKind::Hang),
        ast::FaultKind::Status {
            status,
            retry_after,
        } => fault_status(cx, status, retry_after.as_ref()),
    };
    Some(Fault {
        rate: rate?,
        kind: kind?,
    })
}

fn fault_status(
    cx: &mut Cx,
    status: &ast::Quantity,
    retry: Option<&ast::Quantity>,
) -> Option<FaultKind> {
    let code = values::status(cx, status);
    let retry_after = match retry {
        None => None,
        Some(q) => Some(cx.unit(units::duration(q))?),
    };
    let code = code?;
    // `Retry-After` means something only with 429, 503 and redirects (RFC 9110 §10.2.3).
    if retry_after.is_some() && !(code == 429 || code == 503 || (300..400).contains(&code)) {
        let message = format!("`retry_after` does not apply to status {code}");
        let help = "use it with `429`, `503` or a 3xx status, or remove it";
        cx.report(
            Diag::new(
                Kind::RetryAfterStatus,
                status.span,
                message,
                "no Retry-After for this status",
            )
            .help(help),
        );
        return None;
    }
    Some(FaultKind::Status {
        status: code,
        retry_after,
    })
}
