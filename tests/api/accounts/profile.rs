//! The profile: what may be changed and what the server owns, and account values typed
//! once (`crate::users`): a stored time zone the server cannot compute local days in is
//! an error, never a silent UTC.

use serde_json::json;

use crate::support::{TestApp, execute};

#[actix_web::test]
async fn profile_updates_and_refuses_server_owned_fields() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let res = account
        .patch(
            "/v1/me",
            json!({"display_name": "Mei L.", "time_zone": "America/New_York",
            "safety_profile": {"pregnant": true, "bleeding_risk": true}}),
        )
        .await;
    assert_eq!(res.status, 200);
    let me = res.json();
    assert_eq!(me["display_name"], "Mei L.");
    assert_eq!(me["time_zone"], "America/New_York");
    assert_eq!(me["safety_profile"]["pregnant"], true);
    assert_eq!(me["safety_profile"]["varicose_veins"], false);
    // A partial safety patch leaves the other answers alone.
    let me = account
        .patch("/v1/me", json!({"safety_profile": {"pregnant": false}}))
        .await
        .json();
    assert_eq!(me["safety_profile"]["pregnant"], false);
    assert_eq!(me["safety_profile"]["bleeding_risk"], true);

    for body in [
        json!({"role": "admin"}),
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
        json!({"email": "evil@example.com"}),
        json!({"created_at": "2020-01-01T00:00:00Z"}),
        json!({"user_id": account.id}),
        json!({"favourite_colour": "green"}),
        json!({"safety_profile": {"diabetic": true}}),
        json!({"time_zone": "Nowhere/Land"}),
        json!({"display_name": "x".repeat(200)}),
        json!({"display_name": "bell\u{7}"}),
    ] {
        let res = account.patch("/v1/me", body.clone()).await;
        res.problem(422, "validation_failed");
    }
    let after = account.me().await.json();
    assert_eq!(after["role"], "user");
    assert_eq!(after["email"], account.email);
    assert_eq!(after["display_name"], "Mei L.", "nothing applied");
}

#[actix_web::test]
async fn a_stored_zone_the_server_does_not_know_is_an_error_not_utc() {
    let app = local_app!("writes a time zone into the database");
    let mei = app.register("zone@example.com").await;
    // Written around the application: PostgreSQL takes the POSIX zone `UTC+3` (and
    // would compute days in it), chrono-tz does not know it.
    execute(
        app.db_url(),
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
