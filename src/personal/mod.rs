//! What an account keeps besides its session history: its own routines, its favorites
//! and its reminders. Each is per account, checked against the catalog, and kept in sync
//! across devices under the account's history counter (`users::counter`).

pub mod favorites;
pub mod reminders;
pub mod routines;
pub mod sync;
