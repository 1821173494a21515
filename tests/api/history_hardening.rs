//! History hardening: ids per account, account deletion racing other devices,
//! Idempotency-Keys that die with their request and replay exact bytes, and timestamps
//! compared as stored (checklist 15, 22–25, 30–34).

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Account, PASSWORD, Response, TestApp, count_rows};

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

fn create_req(body: Value, key: Option<Uuid>) -> TestRequest {
    let req = TestRequest::post().uri("/v1/me/sessions").set_json(body);
    match key {
        Some(key) => req.insert_header(("idempotency-key", key.to_string())),
        None => req,
    }
}

fn push_req(cursor: Option<&str>, changes: Value) -> TestRequest {
    TestRequest::post()
        .uri("/v1/me/sync")
        .set_json(json!({"cursor": cursor, "changes": changes}))
}

fn pull_req(cursor: &str) -> TestRequest {
    TestRequest::get().uri(&format!("/v1/me/sync?cursor={cursor}"))
}

async fn cursor_of(app: &TestApp, who: &Account) -> String {
    let res = app
        .authed(TestRequest::get().uri("/v1/me/sync"), &who.access)
        .await;
    assert_eq!(res.status, 200);
    res.json()["cursor"].as_str().unwrap().to_owned()
}

async fn second_device(app: &TestApp, who: &Account) -> Account {
    let res = app
        .send(
            TestRequest::post().uri("/v1/auth/login").set_json(
                json!({"email": who.email, "password": PASSWORD, "device_name": "tablet"}),
            ),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    Account::from_auth(&res.json(), &who.email)
}

fn rows_with_id(app: &TestApp, id: Uuid) -> i64 {
    count_rows(
        &app.state.config.database_url,
        format!("SELECT count(*) AS n FROM massage_sessions WHERE id = '{id}'"),
    )
}

async fn connect(app: &TestApp) -> AsyncPgConnection {
    AsyncPgConnection::establish(&app.state.config.database_url)
        .await
        .expect("test connection")
}

#[derive(diesel::QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

/// Waits (at most 10 s) until `n` other backends of this database wait on a lock, and
/// returns their process ids.
async fn lock_waiters(monitor: &mut AsyncPgConnection, n: usize) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: Vec<Pid> = diesel::sql_query(
            "SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type IN ('Lock', 'advisory')
                AND pid <> pg_backend_pid()",
        )
        .load(monitor)
        .await
        .unwrap();
        if waiting.len() >= n {
            return waiting.into_iter().map(|p| p.pid).collect();
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} requests wait",
            waiting.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn two_accounts_store_the_same_client_uuid() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = Uuid::new_v4();
    let res = app
        .authed(
            create_req(with_id(session("2026-11-20T21:00:00Z"), id), None),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 201);
    // The same id from another account is a new record of that account, by create...
    let res = app
        .authed(
            create_req(with_id(session("2026-11-19T07:00:00Z"), id), None),
            &li.access,
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["session"]["id"], json!(id));
    // ...and by push; li's own record again conflicts with li only.
    let other = Uuid::new_v4();
    app.authed(
        create_req(with_id(session("2026-11-18T07:00:00Z"), other), None),
        &mei.access,
    )
    .await;
    let mut pushed = with_id(session("2026-11-17T07:00:00Z"), other);
    pushed["notes"] = json!("li's");
    let res = app
        .authed(
            push_req(None, json!([{"op": "upsert", "session": pushed}])),
            &li.access,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    app.authed(
        create_req(with_id(session("2026-11-19T07:00:00Z"), id), None),
        &li.access,
    )
    .await
    .problem(409, "session_exists");
    assert_eq!(rows_with_id(&app, id), 2);
    assert_eq!(rows_with_id(&app, other), 2);

    // A change or deletion by li touches li's record only.
    let res = app
        .authed(
            TestRequest::patch()
                .uri(&sessions_uri(id))
                .set_json(json!({"notes": "mine"})),
            &li.access,
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        app.authed(TestRequest::delete().uri(&sessions_uri(other)), &li.access)
            .await
            .status,
        204
    );
    let mei_first = app
        .authed(TestRequest::get().uri(&sessions_uri(id)), &mei.access)
        .await
        .json();
    assert_eq!(mei_first["started_at"], "2026-11-20T21:00:00Z");
    assert!(mei_first["notes"].is_null());
    let mei_other = app
        .authed(TestRequest::get().uri(&sessions_uri(other)), &mei.access)
        .await;
    assert_eq!(mei_other.status, 200, "mei's record survives li's delete");
    assert!(mei_other.json()["notes"].is_null());
    let li_first = app
        .authed(TestRequest::get().uri(&sessions_uri(id)), &li.access)
        .await
        .json();
    assert_eq!(li_first["started_at"], "2026-11-19T07:00:00Z");
    assert_eq!(li_first["notes"], "mine");
    // Each pull sees its own records only.
    let mei_pull = app
        .authed(TestRequest::get().uri("/v1/me/sync"), &mei.access)
        .await
        .json();
    assert_eq!(mei_pull["changes"].as_array().unwrap().len(), 2);
    assert!(
        mei_pull["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["op"] == "upsert" && c["session"]["notes"].is_null())
    );
    let li_pull = app
        .authed(TestRequest::get().uri("/v1/me/sync"), &li.access)
        .await
        .json();
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
    let res = app.send(TestRequest::post().uri("/v1/auth/guest")).await;
    assert_eq!(res.status, 201);
    let guest = Account::from_auth(&res.json(), "");
    let id = Uuid::new_v4();
    let queue = json!([{"op": "upsert", "session": with_id(session("2026-11-20T21:00:00Z"), id)}]);
    assert_eq!(
        app.authed(push_req(None, queue.clone()), &guest.access)
            .await
            .status,
        200
    );
    // The person registers a new account instead of upgrading the guest; the phone
    // pushes its queue again, then deletes the record.
    let mei = app.register("mei@example.com").await;
    let res = app.authed(push_req(None, queue), &mei.access).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let cursor = res.json()["cursor"].as_str().unwrap().to_owned();
    let res = app
        .authed(
            push_req(Some(&cursor), json!([{"op": "delete", "id": id}])),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    app.authed(TestRequest::get().uri(&sessions_uri(id)), &mei.access)
        .await
        .problem(404, "not_found");
    // The guest's record is untouched.
    assert_eq!(
        app.authed(TestRequest::get().uri(&sessions_uri(id)), &guest.access)
            .await
            .status,
        200
    );
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
        ("sync pull", pull_req(cursor)),
        (
            "keyed create",
            create_req(session("2026-11-03T08:00:00Z"), Some(Uuid::new_v4())),
        ),
        ("create", create_req(session("2026-11-04T08:00:00Z"), None)),
    ]
}

async fn send_all(
    app: &TestApp,
    token: &str,
    requests: Vec<(&'static str, TestRequest)>,
) -> Vec<(&'static str, Response)> {
    futures_util::future::join_all(
        requests
            .into_iter()
            .map(|(route, req)| async move { (route, app.authed(req, token).await) }),
    )
    .await
}

#[actix_web::test]
async fn requests_waiting_while_the_account_is_deleted_get_401() {
    let app = TestApp::with_config(|c| c.db_pool_size = 16).await;
    let mei = app.register("mei@example.com").await;
    let tablet = second_device(&app, &mei).await;
    let id = Uuid::new_v4();
    app.authed(
        create_req(with_id(session("2026-11-01T08:00:00Z"), id), None),
        &mei.access,
    )
    .await;
    let cursor = cursor_of(&app, &tablet).await;
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
    let mut monitor = connect(&app).await;
    let requests = second_device_requests(id, &cursor);
    let n = requests.len();
    let delete = async {
        lock_waiters(&mut monitor, n).await;
        deletion
            .batch_execute(&format!(
                "DELETE FROM users WHERE id = '{}'; COMMIT",
                mei.id
            ))
            .await
            .unwrap();
    };
    let (responses, ()) =
        futures_util::future::join(send_all(&app, &tablet.access, requests), delete).await;
    for (route, res) in responses {
        assert_eq!(
            res.status,
            401,
            "{route}: {}",
            String::from_utf8_lossy(&res.body)
        );
        res.problem(401, "session_revoked");
    }
}

#[actix_web::test]
async fn deleting_the_account_while_another_device_writes_never_gives_500() {
    let app = TestApp::with_config(|c| c.db_pool_size = 16).await;
    let mut answered = std::collections::BTreeMap::<(&str, u16), usize>::new();
    for round in 0..4 {
        let mei = app.register(&format!("mei{round}@example.com")).await;
        let tablet = second_device(&app, &mei).await;
        let id = Uuid::new_v4();
        app.authed(
            create_req(with_id(session("2026-11-01T08:00:00Z"), id), None),
            &mei.access,
        )
        .await;
        let cursor = cursor_of(&app, &tablet).await;
        let mut requests = second_device_requests(id, &cursor);
        requests.extend(second_device_requests(id, &cursor));
        let delete = app.authed(
            TestRequest::delete()
                .uri("/v1/me")
                .set_json(json!({"password": PASSWORD})),
            &mei.access,
        );
        let (responses, deleted) =
            futures_util::future::join(send_all(&app, &tablet.access, requests), delete).await;
        assert_eq!(deleted.status, 204);
        for (route, res) in responses {
            assert!(
                res.status < 500,
                "{route}: {}",
                String::from_utf8_lossy(&res.body)
            );
            if res.status == 401 {
                res.problem(401, "session_revoked");
            }
            *answered.entry((route, res.status)).or_default() += 1;
        }
        app.authed(TestRequest::get().uri("/v1/me/sessions"), &tablet.access)
            .await
            .problem(401, "session_revoked");
    }
    println!("answers by route and status: {answered:?}");
}

#[actix_web::test]
async fn a_key_is_in_flight_exactly_while_its_request_runs() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let user: Uuid = mei.id.parse().unwrap();
    let key = Uuid::new_v4();
    // Another request holds the claim: 409, and nothing is stored.
    let mut running = connect(&app).await;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(acupress::idempotency::lock_id(user.into(), key))
        .execute(&mut running)
        .await
        .unwrap();
    app.authed(
        create_req(session("2026-11-01T08:00:00Z"), Some(key)),
        &mei.access,
    )
    .await
    .problem(409, "idempotency_key_in_flight");
    // Its end (here its connection closing) frees the key at once.
    drop(running);
    let res = app
        .authed(
            create_req(session("2026-11-01T08:00:00Z"), Some(key)),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn a_retry_after_the_connection_was_cut_succeeds_at_once() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = Uuid::new_v4();
    let body = session("2026-11-01T08:00:00Z");
    // The write waits on the account's row, which the test holds (a lock that still
    // lets rows referring to the account be inserted, so the claim is not what waits);
    // then the test cuts the request's database connection, so neither the write nor
    // any clean-up runs.
    let mut holder = connect(&app).await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM users WHERE id = '{}' FOR NO KEY UPDATE",
            mei.id
        ))
        .await
        .unwrap();
    let mut monitor = connect(&app).await;
    let cut = async {
        let pids = lock_waiters(&mut monitor, 1).await;
        diesel::sql_query("SELECT pg_terminate_backend($1)")
            .bind::<Integer, _>(pids[0])
            .execute(&mut monitor)
            .await
            .unwrap();
    };
    let (first, ()) = futures_util::future::join(
        app.authed(create_req(body.clone(), Some(key)), &mei.access),
        cut,
    )
    .await;
    first.problem(503, "service_unavailable");
    holder.batch_execute("ROLLBACK").await.unwrap();
    let started = Instant::now();
    let retry = app
        .authed(create_req(body.clone(), Some(key)), &mei.access)
        .await;
    assert_eq!(
        retry.status,
        201,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    assert!(retry.header("idempotency-replayed").is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
    let replay = app.authed(create_req(body, Some(key)), &mei.access).await;
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        count_rows(
            &app.state.config.database_url,
            format!(
                "SELECT count(*) AS n FROM massage_sessions WHERE user_id = '{}'",
                mei.id
            ),
        ),
        1
    );
}

#[actix_web::test]
async fn a_replay_sends_the_first_response_bytes() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = Uuid::new_v4();
    let mut body = session("2026-11-01T08:00:00.5Z");
    body["notes"] = json!("Ü \u{1F33F} \"quoted\"");
    body["pain_before"] = json!(6);
    let first = app
        .authed(create_req(body.clone(), Some(key)), &mei.access)
        .await;
    assert_eq!(first.status, 201);
    let again = app.authed(create_req(body, Some(key)), &mei.access).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        String::from_utf8_lossy(&again.body),
        String::from_utf8_lossy(&first.body),
        "byte for byte"
    );
    for name in ["content-type", "location"] {
        assert_eq!(again.header(name), first.header(name), "{name}");
    }
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
        let cursor = cursor_of(&app, &phone).await;
        let id = Uuid::new_v4();
        let batch = json!([{"op": "upsert", "session": with_id(session(started_at), id)}]);
        // The response is lost; the phone sends the same batch with the same cursor.
        for attempt in 0..2 {
            let res = app
                .authed(push_req(Some(&cursor), batch.clone()), &phone.access)
                .await;
            assert_eq!(
                res.status,
                200,
                "{started_at}, attempt {attempt}: {}",
                String::from_utf8_lossy(&res.body)
            );
        }
        let got = app
            .authed(TestRequest::get().uri(&sessions_uri(id)), &phone.access)
            .await
            .json();
        assert_eq!(got["started_at"], stored, "{started_at}");
    }
}
