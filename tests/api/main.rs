//! Integration tests: the real actix app against a real PostgreSQL, one database per test,
//! a folder per feature; the harness is in `support`.

#[macro_use]
mod support;

mod accounts;
mod catalog;
mod history;
mod project;
mod server;
