//! What the load path and the mocks share, and nothing of either: variables and the
//! rendering of compiled templates, predicates, distributions, form and percent
//! encoding. Neither `load` nor `mock` is imported here.

pub mod dist;
pub mod encode;
pub mod predicate;
pub mod vars;
