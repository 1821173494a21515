//! Idempotency-Keys: a retry replays the first answer byte for byte; a key is in flight
//! exactly while its request runs, and dies with it.

use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Integer};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use serde_json::json;
use uuid::Uuid;

use super::{connect, count_sessions, session};
use crate::support::{TestApp, count_rows, lock_waiters};

#[actix_web::test]
async fn idempotency_keys_replay_refuse_and_block() {
    let app = local_app!("counts rows in the database");
    let mei = app.register("mei@example.com").await;
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let body = session("2026-11-20T21:00:00Z");
    let first = mei.create_session_keyed(body.clone(), key).await;
    assert_eq!(first.status, 201);
    let again = mei.create_session_keyed(body.clone(), key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json(), "the first response, replayed");
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    let location = format!(
        "/v1/me/sessions/{}",
        first.json()["session"]["id"].as_str().unwrap()
    );
    assert_eq!(first.header("location"), Some(location.as_str()));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(count_sessions(app.db_url(), &mei.id), 1, "one row");
    let mut other = body.clone();
    other["duration_seconds"] = json!(999);
    mei.create_session_keyed(other, key)
        .await
        .problem(422, "idempotency_key_reused");
    // Keys are per user: another account may use the same key.
    let li = app.register("li@example.com").await;
    assert_eq!(li.create_session_keyed(body.clone(), key).await.status, 201);
    // A first request still running (409) and one whose connection was cut:
    // history::idempotency::a_key_is_in_flight_exactly_while_its_request_runs.
    mei.create_session_keyed(body.clone(), "not-a-uuid")
        .await
        .problem(400, "bad_request");
    // A failed first attempt does not burn the key.
    let fresh = "9b2f3d1e-6a2c-4c61-8f0e-3c2d1b0a9f8e";
    let mut bad = body.clone();
    bad["pain_before"] = json!(42);
    mei.create_session_keyed(bad, fresh)
        .await
        .problem(422, "validation_failed");
    assert_eq!(mei.create_session_keyed(body, fresh).await.status, 201);
}

#[actix_web::test]
async fn a_key_is_in_flight_exactly_while_its_request_runs() {
    let app = local_app!("holds an advisory lock in the database");
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
    mei.create_session_keyed(session("2026-11-01T08:00:00Z"), key)
        .await
        .problem(409, "idempotency_key_in_flight");
    // Its end (here its connection closing) frees the key at once.
    drop(running);
    mei.create_session_keyed(session("2026-11-01T08:00:00Z"), key)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_retry_after_the_connection_was_cut_succeeds_at_once() {
    let app = local_app!("cuts a connection in the database");
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
        let pids = lock_waiters(app.db_url(), 1).await;
        diesel::sql_query("SELECT pg_terminate_backend($1)")
            .bind::<Integer, _>(pids[0])
            .execute(&mut monitor)
            .await
            .unwrap();
    };
    let (first, ()) =
        futures_util::future::join(mei.create_session_keyed(body.clone(), key), cut).await;
    first.problem(503, "service_unavailable");
    holder.batch_execute("ROLLBACK").await.unwrap();
    let started = Instant::now();
    let retry = mei
        .create_session_keyed(body.clone(), key)
        .await
        .assert_status(201);
    assert!(retry.header("idempotency-replayed").is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
    let replay = mei.create_session_keyed(body, key).await;
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        count_rows(
            app.db_url(),
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
    let first = mei.create_session_keyed(body.clone(), key).await;
    assert_eq!(first.status, 201);
    let again = mei.create_session_keyed(body, key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.text(), first.text(), "byte for byte");
    for name in ["content-type", "location"] {
        assert_eq!(again.header(name), first.header(name), "{name}");
    }
}
