//! Session history: sessions, lists, idempotency, sync, statistics, and what one
//! account's history never shows another (checklist 15, 19, 22–25, 30–34).

mod across_accounts;
mod idempotency;
mod listing;
mod local_days;
mod rollups;
mod sessions;
mod stats;
mod sync;
mod sync_personal;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{LocalApp, count_rows};

fn session(started_at: &str) -> Value {
    json!({"started_at": started_at, "duration_seconds": 300,
        "steps": [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium"}]})
}

fn with_id(mut body: Value, id: Uuid) -> Value {
    body["id"] = json!(id);
    body
}

fn sessions_uri(id: Uuid) -> String {
    format!("/v1/me/sessions/{id}")
}

/// A sync push body.
fn batch(cursor: Option<&str>, changes: Value) -> Value {
    json!({"cursor": cursor, "changes": changes})
}

fn count_sessions(url: &str, user: &str) -> i64 {
    count_rows(
        url,
        format!("SELECT count(*) AS n FROM massage_sessions WHERE user_id = '{user}'"),
    )
}

/// The ids of the sessions a pull (or push) answer lists, in order.
fn changed_ids(body: &Value) -> Vec<String> {
    body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["session"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The local days of a stats answer, in order.
fn local_days(s: &Value) -> Vec<&str> {
    s["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["start"].as_str().unwrap())
        .collect()
}

async fn connect(app: &LocalApp) -> AsyncPgConnection {
    AsyncPgConnection::establish(app.db_url())
        .await
        .expect("test connection")
}
