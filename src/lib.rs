//! acupress: the open-source backend for acupressure apps.

pub mod admin;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod history;
pub mod http;
pub mod idempotency;
pub mod lang;
pub mod mail;
pub mod me;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod personal;
pub mod problems;
pub mod request_id;
pub mod server;
pub mod telemetry;
pub mod users;
pub mod validate;
