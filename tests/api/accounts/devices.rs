//! Devices of one account: listing and signing them out, and a password change that
//! signs the others out.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn devices_can_be_listed_and_signed_out() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    let laptop = phone.second_device().await;
    let list = phone.get("/v1/me/devices").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|d| d["current"] == true).count(), 1);
    assert!(
        items
            .iter()
            .any(|d| d["id"] == phone.session.as_str() && d["current"] == true)
    );

    let revoke = phone
        .delete(&format!("/v1/me/devices/{}", tablet.session))
        .await;
    assert_eq!(revoke.status, 204);
    tablet.me().await.problem(401, "session_revoked");
    assert_eq!(laptop.me().await.status, 200);
    // Someone else's device, an unknown one, a malformed id.
    let other = app.register("li@example.com").await;
    other
        .delete(&format!("/v1/me/devices/{}", laptop.session))
        .await
        .problem(404, "not_found");
    assert_eq!(laptop.me().await.status, 200, "nothing changed");
    phone
        .delete("/v1/me/devices/not-a-uuid")
        .await
        .problem(400, "bad_request");

    // Log out everywhere else: the current device stays.
    let all = phone
        .send(TestRequest::post().uri("/v1/auth/logout-all"))
        .await;
    assert_eq!(all.status, 204);
    laptop.me().await.problem(401, "session_revoked");
    assert_eq!(phone.me().await.status, 200);
    let everything = phone
        .post("/v1/auth/logout-all", json!({"include_current": true}))
        .await;
    assert_eq!(everything.status, 204);
    phone.me().await.problem(401, "session_revoked");
}

#[actix_web::test]
async fn password_change_needs_the_current_one_and_signs_out_others() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    phone
        .change_password("not my password", "seven copper kites at dawn")
        .await
        .problem(403, "forbidden");
    phone
        .change_password(PASSWORD, "password123")
        .await
        .problem(422, "weak_password");
    assert_eq!(
        phone
            .change_password(PASSWORD, "seven copper kites at dawn")
            .await
            .status,
        204
    );
    tablet.me().await.problem(401, "session_revoked");
    tablet.refresh().await.problem(401, "invalid_refresh_token");
    assert_eq!(phone.me().await.status, 200);
    app.login(&phone.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login(&phone.email, "seven copper kites at dawn")
            .await
            .status,
        200
    );
}
