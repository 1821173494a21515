//! The signed-in user's own data: profile, password, devices, favorites, reminders, deletion and
//! export.

pub mod account;
pub mod favorites;
pub mod handlers;
pub mod model;
pub mod reminders;
pub mod store;
