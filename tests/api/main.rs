//! Integration tests: the real actix app against a real PostgreSQL, one database per test.

mod binary;
mod common;
mod errors;
mod meridians;
mod openapi;
mod ops;
