//! Guest accounts: made without an email, upgraded keeping everything they own.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn guests_start_without_an_account_and_upgrade_keeping_everything() {
    let app = TestApp::new().await;
    let res = app.send(TestRequest::post().uri("/v1/auth/guest")).await;
    assert_eq!(res.status, 201);
    let body = res.json();
    assert_eq!(body["user"]["is_guest"], true);
    assert!(body["user"]["email"].is_null());
    let guest = app.account(&body, "");
    guest
        .patch(
            "/v1/me",
            json!({"safety_profile": {"varicose_veins": true}}),
        )
        .await;
    // every email named here is made unique in black-box mode
    let upgrade = |email: &str, password: &str| json!({"email": app.email(email), "password": password, "display_name": "Mei"});
    guest
        .post("/v1/auth/upgrade", upgrade("mei@example.com", "password"))
        .await
        .problem(422, "weak_password");
    let taken = app.register("taken@example.com").await;
    guest
        .post("/v1/auth/upgrade", upgrade("taken@example.com", PASSWORD))
        .await
        .problem(409, "email_taken");
    let res = guest
        .post("/v1/auth/upgrade", upgrade(" Mei@Example.com", PASSWORD))
        .await;
    assert_eq!(res.status, 200);
    let user = res.json();
    assert_eq!(user["id"], guest.id.as_str(), "same account");
    assert_eq!(user["is_guest"], false);
    assert_eq!(user["email"], app.email("mei@example.com"));
    assert_eq!(
        user["safety_profile"]["varicose_veins"], true,
        "kept what it owned"
    );
    assert_eq!(guest.me().await.status, 200, "still signed in");
    assert_eq!(
        app.login(&app.email("mei@example.com"), PASSWORD)
            .await
            .status,
        200
    );
    guest
        .post("/v1/auth/upgrade", upgrade("again@example.com", PASSWORD))
        .await
        .problem(409, "not_a_guest");
    taken
        .post("/v1/auth/upgrade", upgrade("x@example.com", PASSWORD))
        .await
        .problem(409, "not_a_guest");
    // A guest deletes itself without a password.
    let other_guest = app.guest().await;
    let res = other_guest
        .send(TestRequest::delete().uri("/v1/me").set_json(json!({})))
        .await;
    assert_eq!(res.status, 204);
}
