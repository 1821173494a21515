//! Roles: only an admin (made with `acupress admin grant`) changes catalog content.

use actix_web::test::TestRequest;

#[actix_web::test]
async fn only_admins_change_catalog_content() {
    let app = local_app!("grants the admin role through the library");
    let user = app.register("mei@example.com").await;
    let reload = || TestRequest::post().uri("/v1/admin/catalog/reload");
    user.send(reload()).await.problem(403, "forbidden");
    app.send(reload()).await.problem(401, "missing_token");

    let mut config = app.state.config.as_ref().clone();
    config.database_url = app.db_url().to_owned();
    let message = acupress::admin::grant(&config, "MEI@example.com")
        .await
        .unwrap();
    assert!(message.contains("mei@example.com"));
    assert!(
        acupress::admin::grant(&config, "nobody@example.com")
            .await
            .is_err()
    );
    let res = user.send(reload()).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["version"],
        app.state.catalog.get().version.as_str()
    );
    assert_eq!(user.me().await.json()["role"], "admin");
}
