//! Session history: logged self-massage sessions, offline sync and statistics.

pub mod handlers;
pub mod model;
pub mod rules;
pub mod stats;
pub mod store;
