//! What an account keeps besides its session history: its own routines, its favorites
//! and its reminders. Each is per account, checked against the catalog, and kept in sync
//! across devices under the account's history counter (`users::counter`). And
//! `POST /v1/safety/check`, which checks points, a curated routine or an own one.

pub mod favorites;
pub mod reminders;
pub mod routines;
pub mod safety_check;
pub mod sync;
