//! The machine a run was measured on: its CPU model, cores and OS.

use serde::{Deserialize, Serialize};

/// Facts about the machine a run was measured on. A file that does not say reads as
/// [`Runner::unknown`], which is never taken for another machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runner {
    #[serde(default = "unknown")]
    pub cpu_model: String,
    /// 0: unknown.
    #[serde(default)]
    pub cores: usize,
    #[serde(default = "unknown")]
    pub os: String,
}

fn unknown() -> String {
    "unknown".to_string()
}

impl Default for Runner {
    fn default() -> Self {
        Runner::unknown()
    }
}

impl Runner {
    /// This machine: the CPU model from `/proc/cpuinfo` (`unknown` elsewhere), the cores
    /// available to this process, and `os/arch` (`linux/x86_64`).
    pub fn detect() -> Runner {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| cpu_model(&text))
            .unwrap_or_else(|| "unknown".to_string());
        Runner {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            os: format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }

    /// A machine nobody recorded (a results file or record that does not say).
    pub fn unknown() -> Runner {
        Runner {
            cpu_model: "unknown".to_string(),
            cores: 0,
            os: "unknown".to_string(),
        }
    }

    /// Whether the machine is known at all: an unknown one is neither the same as nor
    /// different from another.
    pub fn is_known(&self) -> bool {
        self.cores > 0 && !self.os.trim().is_empty() && self.os != "unknown"
    }

    /// `AMD EPYC 7B13 × 2 cores, linux/x86_64`, or `unknown machine`.
    pub fn describe(&self) -> String {
        if self.is_known() {
            format!("{} × {} cores, {}", self.cpu_model, self.cores, self.os)
        } else {
            "unknown machine".to_string()
        }
    }

    /// Whether two runs were measured on the same kind of machine (same CPU model, cores
    /// and OS), so that their timings compare without a machine change in between.
    pub fn same_as(&self, other: &Runner) -> bool {
        self.cpu_model.trim() == other.cpu_model.trim()
            && self.cores == other.cores
            && self.os == other.os
    }
}

/// The first `model name` of a `/proc/cpuinfo` text.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name" && !value.trim().is_empty()).then(|| value.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_is_the_first_model_name() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core Processor\n\nprocessor\t: 1\nmodel name\t: other\n";
        assert_eq!(
            cpu_model(text).as_deref(),
            Some("AMD EPYC 7763 64-Core Processor")
        );
        assert_eq!(cpu_model("processor\t: 0\nHardware\t: BCM2835\n"), None);
    }

    #[test]
    fn same_runner_compares_model_cores_and_os() {
        let a = Runner {
            cpu_model: "AMD EPYC 7763".into(),
            cores: 4,
            os: "linux/x86_64".into(),
        };
        let mut b = a.clone();
        b.cpu_model = " AMD EPYC 7763 ".into();
        assert!(a.same_as(&b));
        b.cores = 2;
        assert!(!a.same_as(&b));
    }
}
