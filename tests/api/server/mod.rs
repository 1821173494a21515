//! The server as a whole: errors and request ids, operations endpoints, metrics, slow
//! and hostile clients, the binary, its drain and its private PostgreSQL cluster.

mod binary;
mod errors;
mod hardening;
mod instances;
mod metrics;
mod ops;
mod private_cluster;
