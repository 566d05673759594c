//! The typed, validated program: what the runtime executes.

use serde::Serialize;

/// Everything a set of `.perf` files declares, resolved and typed.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Model {}

impl Model {
    /// A one-line summary such as `2 scenarios, 2 mocks, 1 service`.
    pub fn summary(&self) -> String {
        String::from("parsed")
    }
}
