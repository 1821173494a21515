//! Session history: logged self-massage sessions, offline sync and statistics.

pub mod cursor;
pub mod dates;
pub mod handlers;
mod id;
pub mod list;
pub mod model;
pub mod rules;
pub mod session;
pub mod stats;
pub mod store;
pub mod sync;

pub use id::SessionId;
