//! Browser adapters. Each one is thin: the decisions live in the domain and
//! sync crates.

pub mod browser;
pub mod http;
pub mod share;
pub mod storage;
