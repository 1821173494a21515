//! Session history types: what phones send and what they get back, by resource.

mod fields;
mod session;
mod stats;
mod sync;

pub use fields::as_stored;
pub use session::{
    Pressure, Session, SessionInput, SessionList, SessionPatch, SessionWithWarnings, SessionsQuery,
    Side, Step, Warning, WarningCode,
};
pub use stats::{
    Changes, Helper, KeyedChanges, PeriodCount, PointUse, Stats, StatsQuery, Streaks, WhatWorks,
};
pub use sync::{
    PullQuery, PulledChange, PushedChange, SessionWarnings, SyncPull, SyncPush, SyncPushResult,
};
