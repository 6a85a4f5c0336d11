//! End-to-end tests of the HTTP API: each test starts the real server (the
//! library's `build`) on port 0 with a fresh SQLite file and talks to it over
//! HTTP. One test binary, modules by area, so it links once.

mod admin;
mod audit;
mod auth;
mod bad_input;
mod cli;
mod compress;
mod concurrency;
mod conflicts;
mod desk;
mod helpers;
mod layers;
mod migrate;
mod office;
mod openapi;
mod ops;
mod ownership;
mod pg_rules;
mod province;
mod records;
mod reports;
mod review_fields;
mod sync;
#[path = "../common/testdb.rs"]
mod testdb;
mod throttle;
mod web;
