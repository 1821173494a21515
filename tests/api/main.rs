//! Integration tests: the real actix app against a real PostgreSQL, one database per test.

mod accounts;
mod accounts_hardening;
mod architecture;
mod binary;
mod catalog;
mod common;
mod content;
mod contract;
mod errors;
mod hardening_server;
mod history;
mod history_hardening;
mod meridians;
mod metrics;
mod migrations;
mod openapi;
mod ops;
mod private_cluster;
mod search;
mod text_input;
mod tokens;
mod users;
