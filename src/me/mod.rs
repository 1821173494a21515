//! The signed-in user's own data: profile, password, email address, sign-in methods and
//! two-factor sign-in, devices, security log, deletion (also from a web page) and export (which gathers what `personal` keeps
//! too).

pub mod account;
pub mod delete_page;
pub mod handlers;
pub mod mfa;
pub mod model;
pub mod recommendations;
pub mod sign_in;
pub mod store;
