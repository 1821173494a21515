//! Offline sync: pulls with tombstones, pushes by client id, stale batches refused
//! whole, retries that are no conflict, cursors per account and their horizon.

use std::collections::HashSet;

use serde_json::json;
use uuid::Uuid;

use super::{batch, changed_ids, count_sessions, session, sessions_uri, with_id};
use crate::support::{TestApp, execute};

#[actix_web::test]
async fn sync_pulls_changes_and_tombstones_once() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let a = mei.new_session(session("2026-11-01T08:00:00Z")).await;
    let b = mei.new_session(session("2026-11-02T08:00:00Z")).await;
    let first = mei.sync_pull(None).await.json();
    assert_eq!(changed_ids(&first), [a.as_str(), b.as_str()]);
    assert_eq!(first["has_more"], false);
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    assert!(
        mei.sync_pull(Some(&cursor)).await.json()["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    mei.edit_session(&a, json!({"pain_after": 2})).await;
    mei.edit_session(&a, json!({"pain_after": 1})).await;
    mei.delete_session(&b).await;
    let next = mei.sync_pull(Some(&cursor)).await.json();
    let changes = next["changes"].as_array().unwrap();
    assert_eq!(
        changes.len(),
        2,
        "each record once, with its latest state: {next}"
    );
    assert_eq!(changes[0]["op"], "upsert");
    assert_eq!(changes[0]["session"]["pain_after"], 1);
    assert_eq!(
        changes[1],
        json!({"op": "delete", "id": b, "deleted_at": changes[1]["deleted_at"]})
    );
    mei.sync_pull(Some("forged"))
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn sync_push_upserts_by_client_id_and_rejects_stale_batches_whole() {
    let app = local_app!("counts rows in the database");
    let phone = app.register("mei@example.com").await;
    let cursor0 = phone.sync_cursor().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(id);
    let res = phone
        .sync_push(json!({"cursor": cursor0, "changes": [{"op": "upsert", "session": offline}]}))
        .await
        .assert_status(200);
    let cursor1 = res.json()["cursor"].as_str().unwrap().to_owned();
    // The same record again (a retry, or an edit): updated, never duplicated.
    offline["pain_after"] = json!(2);
    let res = phone
        .sync_push(json!({"cursor": cursor1, "changes": [{"op": "upsert", "session": offline}]}))
        .await;
    assert_eq!(res.status, 200);
    let cursor2 = res.json()["cursor"].as_str().unwrap().to_owned();
    assert_eq!(count_sessions(app.db_url(), &phone.id), 1);
    // Deleting twice is fine.
    for _ in 0..2 {
        let res = phone
            .sync_push(json!({"cursor": cursor2, "changes": [{"op": "delete", "id": id}]}))
            .await;
        assert_eq!(res.status, 200);
    }
    assert_eq!(phone.session(&id).await.status, 404);

    // Another device changes a record; a push from a cursor before that is refused whole.
    let shared = phone.new_session(session("2026-11-04T08:00:00Z")).await;
    let stale = phone.sync_cursor().await;
    phone
        .edit_session(&shared, json!({"mood": "tablet edit"}))
        .await;
    let new_id = uuid::Uuid::new_v4().to_string();
    let mut fresh = session("2026-11-05T08:00:00Z");
    fresh["id"] = json!(new_id);
    let mut edit = session("2026-11-04T08:00:00Z");
    edit["id"] = json!(shared);
    edit["mood"] = json!("phone edit");
    let res = phone
        .sync_push(json!({"cursor": stale, "changes": [
        {"op": "upsert", "session": fresh}, {"op": "upsert", "session": edit}]}))
        .await;
    let problem = res.problem(409, "sync_conflict");
    assert_eq!(problem["errors"][0]["field"], shared.as_str());
    let untouched = phone.session(&shared).await.json();
    assert_eq!(untouched["mood"], "tablet edit");
    phone.session(&new_id).await.problem(404, "not_found");
    // Invalid changes are reported by position, and nothing is applied either.
    let mut bad = session("2026-11-06T08:00:00Z");
    bad["id"] = json!(uuid::Uuid::new_v4());
    bad["pain_before"] = json!(11);
    let res = phone
        .sync_push(json!({"cursor": null, "changes": [{"op": "upsert", "session": bad}]}))
        .await;
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["field"],
        "changes[0].session.pain_before"
    );
}

#[actix_web::test]
async fn a_retried_push_is_applied_once_not_refused() {
    let app = local_app!("counts rows in the database");
    let phone = app.register("mei@example.com").await;
    let cursor = phone.sync_cursor().await;
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(uuid::Uuid::new_v4());
    let batch = json!({"cursor": cursor, "changes": [{"op": "upsert", "session": offline}]});
    // The response is lost; the phone sends the same batch with the same cursor.
    assert_eq!(phone.sync_push(batch.clone()).await.status, 200);
    assert_eq!(phone.sync_push(batch).await.status, 200);
    assert_eq!(count_sessions(app.db_url(), &phone.id), 1);
}

#[actix_web::test]
async fn a_retried_push_with_finer_than_microsecond_times_is_not_a_conflict() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    for (started_at, stored) in [
        // Java's Instant prints nine digits.
        (
            "2026-11-03T08:00:00.123456789Z",
            "2026-11-03T08:00:00.123456Z",
        ),
        // A leap second, and a second 60 that never existed: kept in their minute.
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999Z"),
        (
            "2026-11-03T08:15:60.25+01:00",
            "2026-11-03T07:15:59.999999Z",
        ),
    ] {
        let cursor = phone.sync_cursor().await;
        let id = Uuid::new_v4();
        let changes = json!([{"op": "upsert", "session": with_id(session(started_at), id)}]);
        // The response is lost; the phone sends the same batch with the same cursor.
        for attempt in 0..2 {
            let res = phone.sync_push(batch(Some(&cursor), changes.clone())).await;
            assert_eq!(
                res.status,
                200,
                "{started_at}, attempt {attempt}: {}",
                res.text()
            );
        }
        let got = phone.get(&sessions_uri(id)).await.json();
        assert_eq!(got["started_at"], stored, "{started_at}");
    }
}

#[actix_web::test]
async fn concurrent_writers_never_hide_a_change_from_a_pull() {
    let app = local_app!("sets its own pool size", |c| c.db_pool_size = 12);
    let mei = app.register("mei@example.com").await;
    let writers = 4;
    let per_writer = 15;
    let write = async |w: usize| {
        let mut ids = Vec::new();
        for i in 0..per_writer {
            let at = format!("2026-10-{:02}T{:02}:00:00Z", 1 + w, i);
            ids.push(mei.new_session(session(&at)).await);
        }
        ids
    };
    let puller = async {
        let (mut seen, mut cursor): (Vec<String>, Option<String>) = (Vec::new(), None);
        for _ in 0..40 {
            let body = mei.sync_pull(cursor.as_deref()).await.json();
            seen.extend(changed_ids(&body));
            cursor = Some(body["cursor"].as_str().unwrap().to_owned());
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (seen, cursor)
    };
    let (written, (mut seen, cursor)) = futures_util::future::join(
        futures_util::future::join_all((0..writers).map(write)),
        puller,
    )
    .await;
    // One last pull after the writers finished.
    let last = mei.sync_pull(cursor.as_deref()).await.json();
    seen.extend(changed_ids(&last));
    let written: Vec<String> = written.into_iter().flatten().collect();
    assert_eq!(written.len(), writers * per_writer);
    assert_eq!(seen.len(), written.len(), "none twice");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        written.iter().collect::<HashSet<_>>(),
        "none missed"
    );
}

#[actix_web::test]
async fn old_cursors_get_410_after_tombstones_are_purged() {
    let app = local_app!("ages a tombstone in the database and runs housekeeping");
    let mei = app.register("mei@example.com").await;
    let old_cursor = mei.sync_cursor().await;
    let id = mei.new_session(session("2026-11-01T08:00:00Z")).await;
    let keep = mei.new_session(session("2026-11-02T08:00:00Z")).await;
    mei.delete_session(&id).await;
    execute(
        app.db_url(),
        format!(
            "UPDATE massage_sessions SET deleted_at = now() - interval '91 days' WHERE id = '{id}'"
        ),
    );
    let done = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(done.tombstones, 1);
    mei.sync_pull(Some(&old_cursor))
        .await
        .problem(410, "sync_cursor_expired");
    let full = mei.sync_pull(None).await.json();
    assert_eq!(
        changed_ids(&full),
        [keep.as_str()],
        "a full download still works"
    );
}

#[actix_web::test]
async fn a_sync_cursor_works_only_for_the_account_it_was_issued_to() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    for who in [&mei, &li] {
        who.new_session(session("2026-11-20T21:00:00Z")).await;
        who.new_session(session("2026-11-20T22:00:00Z")).await;
    }
    let meis = mei.sync_cursor().await;
    // Mei's cursor still works for her, and is refused for Li, on pull and on push
    assert_eq!(mei.sync_pull(Some(&meis)).await.status, 200);
    li.sync_pull(Some(&meis))
        .await
        .problem(400, "invalid_cursor");
    li.sync_push(json!({"cursor": meis, "changes": []}))
        .await
        .problem(400, "invalid_cursor");
}
