//! acupress: the open-source backend for acupressure apps.

pub mod app;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod openapi;
pub mod ops;
pub mod server;
pub mod telemetry;
