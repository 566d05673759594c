//! The load engine: the schedule, the worker threads and their virtual users, the load
//! path's HTTP client (hyper, no connection pool between virtual users), expectations
//! and captures, hooks at run time, data feeders, the JSON-path fast path, and the live
//! progress line. It starts no service and knows no mock.

pub mod check;
pub mod client;
pub mod engine;
pub mod feeder;
mod hooks;
pub mod jsonpath;
pub mod plan;
pub mod progress;
pub mod redirect;
mod request;
pub mod schedule;
pub mod script;
pub mod vu;
pub mod worker;
