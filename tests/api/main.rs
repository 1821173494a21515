//! Integration tests: the real actix app against a real PostgreSQL, one database per test.

mod accounts;
mod binary;
mod catalog;
mod common;
mod content;
mod errors;
mod history;
mod meridians;
mod metrics;
mod openapi;
mod ops;
mod tokens;
