//! Account values typed once (`crate::users`): a stored time zone the server cannot
//! compute local days in is an error, never a silent UTC.

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
    mei.get("/v1/me/stats").await.problem(500, "internal_error");
    mei.list_sessions("?from=2026-11-01")
        .await
        .problem(500, "internal_error");

    // The owner still signs in, sees what is stored and can set a zone that works.
    let me = mei.me().await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["time_zone"], "UTC+3");
    mei.set_profile(json!({"time_zone": "Europe/Berlin"})).await;
    let stats = mei.get("/v1/me/stats").await.assert_status(200);
    assert_eq!(stats.json()["time_zone"], "Europe/Berlin");
}
