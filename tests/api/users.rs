//! Account values typed once (`crate::users`): a stored time zone the server cannot
//! compute local days in is an error, never a silent UTC.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{TestApp, execute};

#[actix_web::test]
async fn a_stored_zone_the_server_does_not_know_is_an_error_not_utc() {
    let app = TestApp::new().await;
    let mei = app.register("zone@example.com").await;
    // Written around the application: PostgreSQL takes the POSIX zone `UTC+3` (and
    // would compute days in it), chrono-tz does not know it.
    execute(
        &app._db.url,
        format!(
            "UPDATE users SET time_zone = 'UTC+3' WHERE id = '{}'",
            mei.id
        ),
    );
    let stats = TestRequest::get().uri("/v1/me/stats");
    app.authed(stats, &mei.access)
        .await
        .problem(500, "internal_error");
    let dated = TestRequest::get().uri("/v1/me/sessions?from=2026-11-01");
    app.authed(dated, &mei.access)
        .await
        .problem(500, "internal_error");

    // The owner still signs in, sees what is stored and can set a zone that works.
    let me = app
        .authed(TestRequest::get().uri("/v1/me"), &mei.access)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["time_zone"], "UTC+3");
    let fix = TestRequest::patch()
        .uri("/v1/me")
        .set_json(json!({"time_zone": "Europe/Berlin"}));
    assert_eq!(app.authed(fix, &mei.access).await.status, 200);
    let stats = app
        .authed(TestRequest::get().uri("/v1/me/stats"), &mei.access)
        .await;
    assert_eq!(
        stats.status,
        200,
        "{}",
        String::from_utf8_lossy(&stats.body)
    );
    assert_eq!(stats.json()["time_zone"], "Europe/Berlin");
}
