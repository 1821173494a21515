//! What one account's history never shows another: ids per account (BOLA), a guest's
//! queue pushed by a new account, and the account deleted while another device writes.

use actix_web::test::TestRequest;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{batch, connect, count_sessions, session, sessions_uri, with_id};
use crate::support::{
    Account, LocalApp, PASSWORD, Response, TestApp, count_rows, keyed, lock_waiters,
};

#[actix_web::test]
async fn another_users_sessions_are_404_on_every_route() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = mei.new_session(session("2026-11-20T21:00:00Z")).await;
    li.session(&id).await.problem(404, "not_found");
    li.edit_session(&id, json!({"pain_after": 0}))
        .await
        .problem(404, "not_found");
    li.delete_session(&id).await.problem(404, "not_found");
    let list = li.list_sessions("").await.json();
    assert!(list["items"].as_array().unwrap().is_empty());
    let pull = li.sync_pull(None).await.json();
    assert!(pull["changes"].as_array().unwrap().is_empty());
    // Creating or pushing the same id makes a record of li's own, and mei's stays as it
    // is: across_accounts::two_accounts_store_the_same_client_uuid (below).
    let mine = mei.session(&id).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["started_at"], "2026-11-20T21:00:00Z");
    let stats = li.stats("from=2026-11-01&to=2026-11-21").await;
    assert_eq!(stats["total"]["sessions"], 0);
    let export = li.export().await.json();
    assert!(export["sessions"].as_array().unwrap().is_empty());
    let refused = mei.session("not-a-uuid").await.problem(400, "bad_request");
    assert_eq!(refused["detail"], "id is not a UUID", "{refused}");
}

#[actix_web::test]
async fn two_accounts_store_the_same_client_uuid() {
    let app = local_app!("counts rows in the database");
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = Uuid::new_v4();
    let res = mei
        .create_session(with_id(session("2026-11-20T21:00:00Z"), id))
        .await;
    assert_eq!(res.status, 201);
    // The same id from another account is a new record of that account, by create...
    let res = li
        .create_session(with_id(session("2026-11-19T07:00:00Z"), id))
        .await
        .assert_status(201);
    assert_eq!(res.json()["session"]["id"], json!(id));
    // ...and by push; li's own record again conflicts with li only.
    let other = Uuid::new_v4();
    mei.create_session(with_id(session("2026-11-18T07:00:00Z"), other))
        .await;
    let mut pushed = with_id(session("2026-11-17T07:00:00Z"), other);
    pushed["notes"] = json!("li's");
    li.sync_push(batch(None, json!([{"op": "upsert", "session": pushed}])))
        .await
        .assert_status(200);
    li.create_session(with_id(session("2026-11-19T07:00:00Z"), id))
        .await
        .problem(409, "session_exists");
    assert_eq!(rows_with_id(&app, id), 2);
    assert_eq!(rows_with_id(&app, other), 2);

    // A change or deletion by li touches li's record only.
    let res = li.patch(&sessions_uri(id), json!({"notes": "mine"})).await;
    assert_eq!(res.status, 200);
    assert_eq!(li.delete(&sessions_uri(other)).await.status, 204);
    let mei_first = mei.get(&sessions_uri(id)).await.json();
    assert_eq!(mei_first["started_at"], "2026-11-20T21:00:00Z");
    assert!(mei_first["notes"].is_null());
    let mei_other = mei.get(&sessions_uri(other)).await;
    assert_eq!(mei_other.status, 200, "mei's record survives li's delete");
    assert!(mei_other.json()["notes"].is_null());
    let li_first = li.get(&sessions_uri(id)).await.json();
    assert_eq!(li_first["started_at"], "2026-11-19T07:00:00Z");
    assert_eq!(li_first["notes"], "mine");
    // Each pull sees its own records only.
    let mei_pull = mei.sync_pull(None).await.json();
    assert_eq!(mei_pull["changes"].as_array().unwrap().len(), 2);
    assert!(
        mei_pull["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["op"] == "upsert" && c["session"]["notes"].is_null())
    );
    let li_pull = li.sync_pull(None).await.json();
    let ops: Vec<&str> = li_pull["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["upsert", "delete"]);
}

#[actix_web::test]
async fn a_guest_that_registers_a_new_account_pushes_its_offline_queue() {
    let app = TestApp::new().await;
    let guest = app.guest().await;
    let id = Uuid::new_v4();
    let queue = json!([{"op": "upsert", "session": with_id(session("2026-11-20T21:00:00Z"), id)}]);
    assert_eq!(
        guest.sync_push(batch(None, queue.clone())).await.status,
        200
    );
    // The person registers a new account instead of upgrading the guest; the phone
    // pushes its queue again, then deletes the record.
    let mei = app.register("mei@example.com").await;
    let res = mei.sync_push(batch(None, queue)).await.assert_status(200);
    let cursor = res.json()["cursor"].as_str().unwrap().to_owned();
    mei.sync_push(batch(Some(&cursor), json!([{"op": "delete", "id": id}])))
        .await
        .assert_status(200);
    mei.get(&sessions_uri(id)).await.problem(404, "not_found");
    // The guest's record is untouched.
    assert_eq!(guest.get(&sessions_uri(id)).await.status, 200);
}

fn push_req(cursor: Option<&str>, changes: Value) -> TestRequest {
    TestRequest::post()
        .uri("/v1/me/sync")
        .set_json(batch(cursor, changes))
}

/// The requests of a second device on every route that writes or reads the history
/// counter, each against `id` (an existing session) and `cursor`.
fn second_device_requests(id: Uuid, cursor: &str) -> Vec<(&'static str, TestRequest)> {
    vec![
        (
            "PATCH /v1/me",
            TestRequest::patch()
                .uri("/v1/me")
                .set_json(json!({"display_name": "Mei"})),
        ),
        (
            "PATCH session",
            TestRequest::patch()
                .uri(&sessions_uri(id))
                .set_json(json!({"pain_after": 1})),
        ),
        (
            "DELETE session",
            TestRequest::delete().uri(&sessions_uri(id)),
        ),
        (
            "sync push",
            push_req(
                Some(cursor),
                json!([{"op": "upsert", "session": with_id(session("2026-11-02T08:00:00Z"), Uuid::new_v4())}]),
            ),
        ),
        (
            "sync pull",
            TestRequest::get().uri(&format!("/v1/me/sync?cursor={cursor}")),
        ),
        (
            "keyed create",
            keyed(session("2026-11-03T08:00:00Z"), Uuid::new_v4()),
        ),
        (
            "create",
            TestRequest::post()
                .uri("/v1/me/sessions")
                .set_json(session("2026-11-04T08:00:00Z")),
        ),
    ]
}

/// Sends every request at once from `device`.
async fn send_all(
    device: &Account<'_>,
    requests: Vec<(&'static str, TestRequest)>,
) -> Vec<(&'static str, Response)> {
    futures_util::future::join_all(
        requests
            .into_iter()
            .map(|(route, req)| async move { (route, device.send(req).await) }),
    )
    .await
}

#[actix_web::test]
async fn requests_waiting_while_the_account_is_deleted_get_401() {
    let app = local_app!("holds locks in the database", |c| c.db_pool_size = 16);
    let mei = app.register("mei@example.com").await;
    let tablet = mei.second_device().await;
    let id = Uuid::new_v4();
    mei.create_session(with_id(session("2026-11-01T08:00:00Z"), id))
        .await;
    let cursor = tablet.sync_cursor().await;
    // The test holds the account's row and the history table, as a deletion does while
    // it runs; every request waits on it, then the deletion commits.
    let mut deletion = connect(&app).await;
    deletion
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM users WHERE id = '{}' FOR UPDATE;
             LOCK TABLE massage_sessions IN ACCESS EXCLUSIVE MODE;",
            mei.id
        ))
        .await
        .unwrap();
    let requests = second_device_requests(id, &cursor);
    let n = requests.len();
    let delete = async {
        lock_waiters(app.db_url(), n).await;
        deletion
            .batch_execute(&format!(
                "DELETE FROM users WHERE id = '{}'; COMMIT",
                mei.id
            ))
            .await
            .unwrap();
    };
    let (responses, ()) = futures_util::future::join(send_all(&tablet, requests), delete).await;
    for (route, res) in responses {
        assert_eq!(res.status, 401, "{route}: {}", res.text());
        res.problem(401, "session_revoked");
    }
}

#[actix_web::test]
async fn deleting_the_account_while_another_device_writes_never_gives_500() {
    let app = local_app!("sets its own pool size", |c| c.db_pool_size = 16);
    let mut answered = std::collections::BTreeMap::<(&str, u16), usize>::new();
    for round in 0..4 {
        let mei = app.register(&format!("mei{round}@example.com")).await;
        let tablet = mei.second_device().await;
        let id = Uuid::new_v4();
        mei.create_session(with_id(session("2026-11-01T08:00:00Z"), id))
            .await;
        let cursor = tablet.sync_cursor().await;
        let mut requests = second_device_requests(id, &cursor);
        requests.extend(second_device_requests(id, &cursor));
        let (responses, deleted) =
            futures_util::future::join(send_all(&tablet, requests), mei.delete_account(PASSWORD))
                .await;
        assert_eq!(deleted.status, 204);
        for (route, res) in responses {
            assert!(res.status < 500, "{route}: {}", res.text());
            if res.status == 401 {
                res.problem(401, "session_revoked");
            }
            *answered.entry((route, res.status)).or_default() += 1;
        }
        tablet
            .list_sessions("")
            .await
            .problem(401, "session_revoked");
    }
    println!("answers by route and status: {answered:?}");
}

#[actix_web::test]
async fn deleting_the_account_removes_its_history() {
    let app = local_app!("counts rows in the database");
    let mei = app.register("mei@example.com").await;
    let key = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let res = mei
        .create_session_keyed(session("2026-11-01T08:00:00Z"), key)
        .await;
    assert_eq!(res.status, 201);
    let export = mei.export().await.json();
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    let res = mei.delete_account(crate::support::PASSWORD).await;
    assert_eq!(res.status, 204);
    assert_eq!(count_sessions(app.db_url(), &mei.id), 0);
}

fn rows_with_id(app: &LocalApp, id: Uuid) -> i64 {
    count_rows(
        app.db_url(),
        format!("SELECT count(*) AS n FROM massage_sessions WHERE id = '{id}'"),
    )
}
