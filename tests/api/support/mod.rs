//! Test support, by concern: the database each test gets, the app it talks to (in
//! process, or over HTTP in black-box mode), the accounts that talk to it, the
//! responses they read, and the real binary.

#[macro_use]
mod remote;

mod account;
mod app;
mod binary;
mod contract;
mod database;
mod idp;
mod response;
mod smtp;

pub use account::*;
pub use app::*;
pub use binary::*;
pub use contract::*;
pub use database::*;
pub use idp::*;
pub use remote::*;
pub use response::*;
pub use smtp::*;
