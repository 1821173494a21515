//! Offline sync: the changes a pull returns and a push sends, and what a push did.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::session::{Session, SessionInput, Warning};
use crate::history::SessionId;
use crate::personal::favorites::model::{Favorite, FavoriteRef};
use crate::personal::reminders::model::{PushedReminderChange, ReminderChange};
use crate::personal::routines::model::{PushedRoutineChange, RoutineChange};

/// A change in a sync pull or push.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PulledChange {
    /// Created or changed: the record as it is now.
    Upsert { session: Session },
    /// Deleted: a tombstone.
    Delete {
        #[schema(value_type = Uuid)]
        id: SessionId,
        deleted_at: DateTime<Utc>,
    },
}

/// Everything changed since the cursor.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"changes": [{"op": "delete", "id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
    "deleted_at": "2026-11-21T08:00:00Z"}], "routines": [], "reminders": [], "favorites": null, "cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDJ9", "has_more": false}))]
pub struct SyncPull {
    /// At most 500 per pull; `has_more` says when more are waiting.
    #[schema(max_items = 500)]
    pub changes: Vec<PulledChange>,
    /// Own routines created, changed or deleted in the same span, in commit order.
    pub routines: Vec<RoutineChange>,
    /// Reminders created, changed or deleted in the same span, in commit order.
    pub reminders: Vec<ReminderChange>,
    /// The whole favorites list, in the account's order, when it changed in the span;
    /// null when it did not.
    #[schema(required = true)]
    pub favorites: Option<Vec<Favorite>>,
    /// Send it with the next pull or push.
    pub cursor: String,
    /// More changes are waiting: pull again with the new cursor.
    pub has_more: bool,
}

/// A change made offline.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushedChange {
    /// Create or replace the session with this `id` (required here).
    Upsert { session: SessionInput },
    /// Delete it; deleting what is already gone is fine.
    Delete {
        #[schema(value_type = Uuid)]
        id: SessionId,
    },
}

/// A batch of offline changes, applied all together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDF9", "changes": [
    {"op": "upsert", "session": {"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
        "started_at": "2026-11-21T07:45:00Z", "duration_seconds": 300, "steps": []}},
    {"op": "delete", "id": "0193a5c2-9000-7c1a-9a57-3f0b5c1d2e4f"}],
    "routines": [{"op": "upsert", "routine": {"id": "0193a5c2-a000-7c1a-9a57-3f0b5c1d2e4f",
        "from": "back-relief"}}],
    "reminders": [{"op": "delete", "id": "0193a5c2-b000-7c1a-9a57-3f0b5c1d2e4f"}],
    "favorites": [{"kind": "point", "id": "PC6"}]}))]
pub struct SyncPush {
    /// The cursor of the client's last pull (or null when it never pulled).
    #[schema(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Up to 500 changes; more is a 422.
    #[schema(max_items = 500)]
    pub changes: Vec<PushedChange>,
    /// Own routine changes, up to 200, applied before the sessions (which may name them).
    #[serde(default)]
    #[schema(max_items = 200)]
    pub routines: Vec<PushedRoutineChange>,
    /// Reminder changes, up to 100.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub reminders: Vec<PushedReminderChange>,
    /// The whole favorites list in the order wanted, replacing the account's; absent or
    /// null leaves it as it is.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub favorites: Option<Vec<FavoriteRef>>,
}

/// What a push did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"applied": 2, "cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDN9", "warnings": []}))]
pub struct SyncPushResult {
    pub applied: usize,
    /// The new cursor when nothing else changed since the client's cursor; otherwise
    /// the client's own cursor (pull to catch up; the pull includes this push).
    pub cursor: String,
    /// Safety warnings for the pushed sessions, by session id.
    pub warnings: Vec<SessionWarnings>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionWarnings {
    #[schema(value_type = Uuid)]
    pub id: SessionId,
    pub warnings: Vec<Warning>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The cursor of the previous pull or push; absent for everything.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}
