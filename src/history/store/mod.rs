//! Sessions, steps, the per-user change counter and tombstones, in PostgreSQL. No HTTP
//! types here. The counter lives in `users::counter`; writes (`writes`) and reads (`reads`) have a
//! file each; the row type they share is here.

mod reads;
mod writes;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::massage_sessions;
use crate::history::model::{Session, Step};

use crate::history::SessionId;
use crate::users::UserId;
pub use crate::users::counter::{
    HistoryLock, SyncMarks, history_marks, lock_history, set_history_version,
};
pub use reads::{ListFilter, all_live, changes_since, find, list, versions};
pub use writes::{insert_new, purge_tombstones, tombstone, upsert};

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = massage_sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i32,
    pub routine_slug: Option<String>,
    pub condition_slug: Option<String>,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub stress_before: Option<i16>,
    pub stress_after: Option<i16>,
    pub mood: Option<String>,
    pub notes: Option<String>,
    pub steps: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl SessionRow {
    pub fn into_session(self) -> Session {
        // Steps are written by this application only; anything unreadable is dropped.
        let steps: Vec<Step> = serde_json::from_value(self.steps).unwrap_or_default();
        Session {
            id: self.id,
            started_at: self.started_at,
            duration_seconds: self.duration_seconds,
            routine: self.routine_slug,
            condition: self.condition_slug,
            steps,
            pain_before: self.pain_before,
            pain_after: self.pain_after,
            stress_before: self.stress_before,
            stress_after: self.stress_after,
            mood: self.mood,
            notes: self.notes,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

fn steps_json(steps: &[Step]) -> serde_json::Value {
    serde_json::to_value(steps).expect("steps serialize")
}
