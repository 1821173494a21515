//! Accounts shared by every feature: the `users` row and its lookups, the role, the
//! safety profile, and the checked values (`UserId`, `Email`, `TimeZone`) an account is built of.
//! A shared module: it imports no feature module.

pub mod answers;
pub mod counter;
mod id;
pub mod model;
pub mod store;
mod types;

pub use id::UserId;
pub use types::{Email, Role, TimeZone, UnknownTimeZone};
