//! The signed-in user's own data: profile, password, devices, deletion and export
//! (which gathers what `personal` keeps too).

pub mod account;
pub mod handlers;
pub mod model;
pub mod recommendations;
pub mod store;
