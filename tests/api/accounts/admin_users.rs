//! `/v1/admin/users` and `/v1/admin/audit`: admins find accounts by the start of their
//! address, read their devices and security log (never their history), sign them out,
//! disable and enable them (a disabled account's tokens stop at once and it cannot sign
//! in) and grant or revoke the admin role; every change is in the audit log.

use serde_json::{Value, json};

use crate::support::PASSWORD;

fn ok(res: crate::support::Response) -> Value {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

#[actix_web::test]
async fn only_admins_reach_the_account_endpoints() {
    let app = local_app!("grants the admin role through the library");
    let mei = app.register("mei@example.com").await;
    let guest = app.guest().await;
    let paths = [
        "/v1/admin/users",
        &format!("/v1/admin/users/{}", mei.id),
        &format!("/v1/admin/users/{}/security-events", mei.id),
        "/v1/admin/audit",
    ];
    for path in paths {
        mei.get(path).await.problem(403, "forbidden");
        guest.get(path).await.problem(403, "forbidden");
        app.get(path).await.problem(401, "missing_token");
    }
    for action in ["sign-out", "disable", "enable"] {
        let path = format!("/v1/admin/users/{}/{action}", guest.id);
        mei.post(&path, json!({})).await.problem(403, "forbidden");
    }
    mei.put(
        &format!("/v1/admin/users/{}/role", mei.id),
        json!({"role": "admin"}),
    )
    .await
    .problem(403, "forbidden");
}

#[actix_web::test]
async fn admins_search_accounts_by_address_in_pages_and_read_one() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    for name in ["mei", "mei.li", "meike", "li", "me_i", "me%x"] {
        app.register(&format!("{name}@example.com")).await;
    }
    let mut found = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let page = ok(boss
            .get(&format!("/v1/admin/users?q=MEI&limit=2&cursor={cursor}"))
            .await);
        for user in page["items"].as_array().unwrap() {
            found.push(user["email"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        found,
        ["meike@example.com", "mei.li@example.com", "mei@example.com"],
        "newest first, prefix only, case-insensitive"
    );
    // `_` and `%` are letters here, not patterns.
    let literal = ok(boss.get("/v1/admin/users?q=me_").await);
    assert_eq!(literal["items"].as_array().unwrap().len(), 1);
    let all = ok(boss.get("/v1/admin/users?limit=100").await);
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    boss.get("/v1/admin/users?limit=0")
        .await
        .problem(422, "validation_failed");
    boss.get("/v1/admin/users?cursor=forged")
        .await
        .problem(400, "invalid_cursor");

    let mei_id = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "mei@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail = ok(boss.get(&format!("/v1/admin/users/{mei_id}")).await);
    assert_eq!(detail["user"]["email"], "mei@example.com");
    assert_eq!(detail["has_password"], true);
    assert_eq!(detail["devices"].as_array().unwrap().len(), 1);
    assert_eq!(detail["mfa"]["totp_enabled"], false);
    let events = ok(boss
        .get(&format!("/v1/admin/users/{mei_id}/security-events"))
        .await);
    assert_eq!(events["items"][0]["kind"], "signed_up");
    boss.get(&format!("/v1/admin/users/{}", uuid::Uuid::now_v7()))
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn a_disabled_account_is_refused_at_once_and_every_change_is_audited() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let mei = app.register("mei@example.com").await;
    let note = "slept badly after the argument with my sister";
    mei.new_session(
        json!({"started_at": "2026-11-30T08:00:00Z", "duration_seconds": 300,
                           "notes": note}),
    )
    .await;

    let disabled = ok(boss
        .post(&format!("/v1/admin/users/{}/disable", mei.id), json!({}))
        .await);
    assert!(disabled["disabled_at"].is_string());
    mei.me().await.problem(401, "session_revoked");
    mei.refresh().await.problem(401, "invalid_refresh_token");
    app.login("mei@example.com", "not the password")
        .await
        .problem(401, "invalid_credentials");
    app.login("mei@example.com", PASSWORD)
        .await
        .problem(403, "account_disabled");

    let enabled = ok(boss
        .post(&format!("/v1/admin/users/{}/enable", mei.id), json!({}))
        .await);
    assert!(enabled["disabled_at"].is_null());
    let phone = app.login("mei@example.com", PASSWORD).await;
    assert_eq!(phone.status, 200, "{}", phone.text());
    let phone = app.account(&phone.json(), "mei@example.com");
    assert_eq!(
        ok(boss
            .post(&format!("/v1/admin/users/{}/sign-out", mei.id), json!({}))
            .await)["email"],
        "mei@example.com"
    );
    phone.me().await.problem(401, "session_revoked");

    let granted = ok(boss
        .put(
            &format!("/v1/admin/users/{}/role", mei.id),
            json!({"role": "admin"}),
        )
        .await);
    assert_eq!(granted["role"], "admin");
    boss.post(&format!("/v1/admin/users/{}/disable", boss.id), json!({}))
        .await
        .problem(409, "own_account");
    boss.put(
        &format!("/v1/admin/users/{}/role", boss.id),
        json!({"role": "user"}),
    )
    .await
    .problem(409, "own_account");
    boss.put(
        &format!("/v1/admin/users/{}/role", mei.id),
        json!({"role": "root"}),
    )
    .await
    .problem(422, "validation_failed");

    let audit = ok(boss
        .get(&format!("/v1/admin/audit?subject=user:{}", mei.id))
        .await);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["grant_admin", "sign_out", "enable", "disable"]);
    let disable = &audit["items"][3];
    assert_eq!(disable["actor"], boss.id.as_str());
    assert!(disable["before"]["disabled_at"].is_null());
    assert!(disable["after"]["disabled_at"].is_string());
    assert_eq!(audit["items"][0]["after"]["role"], "admin");
    for bad in ["user:nobody", "planet:mars", "point:"] {
        boss.get(&format!("/v1/admin/audit?subject={bad}"))
            .await
            .problem(400, "bad_query");
    }
    // The account's own log tells it too.
    let mine = app.account(
        &app.login("mei@example.com", PASSWORD).await.json(),
        "mei@example.com",
    );
    let kinds: Vec<String> = ok(mine.get("/v1/me/security-events?limit=10").await)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    for kind in [
        "role_changed",
        "signed_out_by_admin",
        "enabled_by_admin",
        "disabled_by_admin",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kinds:?}");
    }

    // Nothing an admin reads carries the account's history.
    for path in [
        format!("/v1/admin/users/{}", mei.id),
        format!("/v1/admin/users/{}/security-events", mei.id),
        "/v1/admin/users".to_owned(),
        "/v1/admin/audit".to_owned(),
    ] {
        let body = boss.get(&path).await.text();
        assert!(!body.contains("sister"), "{path} shows a note");
    }
}
