//! The signed-in user's own data: profile, password, devices, reminders, deletion and
//! export.

pub mod account;
pub mod handlers;
pub mod model;
pub mod reminders;
pub mod store;
