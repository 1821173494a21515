//! Accounts as tests use them: a registered (or guest) account is a value that sends
//! its own requests, so a test reads `mei.create_session(...)` with no token plumbing.

use std::fmt::Display;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use super::{Response, TestApp, get_with};

pub const PASSWORD: &str = "quiet otter lantern river";

impl TestApp {
    /// Registers `email` (made unique in black-box mode: [`TestApp::email`]) with
    /// [`PASSWORD`], 201 expected, and signs in as it.
    pub async fn register(&self, email: &str) -> Account<'_> {
        let email = &self.email(email);
        let res = self
            .post(
                "/v1/auth/register",
                json!({"email": email, "password": PASSWORD, "display_name": "Tester", "device_name": "phone"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        self.account(&res.json(), email)
    }

    /// A new guest account (201 expected).
    pub async fn guest(&self) -> Account<'_> {
        let res = self.send(TestRequest::post().uri("/v1/auth/guest")).await;
        assert_eq!(res.status, 201, "{}", res.text());
        self.account(&res.json(), "")
    }

    /// The account an answer with `user` and `tokens` signs in as.
    pub fn account(&self, auth: &Value, email: &str) -> Account<'_> {
        let token = |name: &str| auth["tokens"][name].as_str().unwrap().to_owned();
        Account {
            app: self,
            id: auth["user"]["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
            access: token("access_token"),
            refresh: token("refresh_token"),
            session: token("session_id"),
        }
    }

    pub async fn post(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::post().uri(uri).set_json(body)).await
    }

    /// The JSON body of `GET uri`, 200 expected.
    pub async fn get_json(&self, uri: &str) -> Value {
        let res = self.get(uri).await;
        assert_eq!(res.status, 200, "{uri}: {}", res.text());
        res.json()
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Exchanges a refresh token.
    pub async fn refresh(&self, token: &str) -> Response {
        self.post("/v1/auth/refresh", json!({"refresh_token": token}))
            .await
    }

    /// Sends a request with `Authorization: Bearer <token>`.
    pub async fn authed(&self, req: TestRequest, token: &str) -> Response {
        self.send(bearer(req, token)).await
    }
}

pub fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("authorization", format!("Bearer {token}")))
}

/// A signed-in device of an account: every request it sends carries its access token.
pub struct Account<'a> {
    pub app: &'a TestApp,
    pub id: String,
    pub email: String,
    pub access: String,
    pub refresh: String,
    pub session: String,
}

impl Account<'_> {
    pub async fn send(&self, req: TestRequest) -> Response {
        self.app.authed(req, &self.access).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::post().uri(uri).set_json(body)).await
    }

    /// `GET uri` with these request headers (and the token).
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Response {
        self.send(get_with(uri, headers)).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::put().uri(uri).set_json(body)).await
    }

    pub async fn patch(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::patch().uri(uri).set_json(body))
            .await
    }

    pub async fn delete(&self, uri: &str) -> Response {
        self.send(TestRequest::delete().uri(uri)).await
    }

    /// `GET /v1/me`.
    pub async fn me(&self) -> Response {
        self.get("/v1/me").await
    }

    /// Patches the profile (200 expected) and returns it.
    pub async fn set_profile(&self, patch: Value) -> Value {
        let res = self.patch("/v1/me", patch).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    /// Signs in again with [`PASSWORD`] (200 expected): another device of this account.
    pub async fn second_device(&self) -> Self {
        let res = self.app.login(&self.email, PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
        self.app.account(&res.json(), &self.email)
    }

    /// Exchanges this device's first refresh token.
    pub async fn refresh(&self) -> Response {
        self.app.refresh(&self.refresh).await
    }

    pub async fn logout(&self) -> Response {
        self.send(TestRequest::post().uri("/v1/auth/logout")).await
    }

    pub async fn change_password(&self, current: &str, new: &str) -> Response {
        self.put(
            "/v1/me/password",
            json!({"current_password": current, "new_password": new}),
        )
        .await
    }

    /// `DELETE /v1/me`, confirmed with `password`.
    pub async fn delete_account(&self, password: &str) -> Response {
        self.send(
            TestRequest::delete()
                .uri("/v1/me")
                .set_json(json!({ "password": password })),
        )
        .await
    }

    pub async fn export(&self) -> Response {
        self.get("/v1/me/export").await
    }

    pub async fn create_session(&self, body: Value) -> Response {
        self.post("/v1/me/sessions", body).await
    }

    /// Creates a session with an `Idempotency-Key`.
    pub async fn create_session_keyed(&self, body: Value, key: impl Display) -> Response {
        self.send(keyed(body, key)).await
    }

    /// Creates a session (201 expected) and returns its id.
    pub async fn new_session(&self, body: Value) -> String {
        let res = self.create_session(body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["session"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn session(&self, id: &str) -> Response {
        self.get(&format!("/v1/me/sessions/{id}")).await
    }

    pub async fn edit_session(&self, id: &str, patch: Value) -> Response {
        self.patch(&format!("/v1/me/sessions/{id}"), patch).await
    }

    pub async fn delete_session(&self, id: &str) -> Response {
        self.delete(&format!("/v1/me/sessions/{id}")).await
    }

    /// `GET /v1/me/sessions` with `query` (`""` or `"?limit=2"`).
    pub async fn list_sessions(&self, query: &str) -> Response {
        self.get(&format!("/v1/me/sessions{query}")).await
    }

    pub async fn sync_pull(&self, cursor: Option<&str>) -> Response {
        match cursor {
            Some(c) => self.get(&format!("/v1/me/sync?cursor={c}")).await,
            None => self.get("/v1/me/sync").await,
        }
    }

    /// The cursor of a full pull (200 expected).
    pub async fn sync_cursor(&self) -> String {
        let res = self.sync_pull(None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["cursor"].as_str().unwrap().to_owned()
    }

    pub async fn sync_push(&self, body: Value) -> Response {
        self.post("/v1/me/sync", body).await
    }

    /// Statistics for `query` (`from=...&to=...`), 200 expected.
    pub async fn stats(&self, query: &str) -> Value {
        let res = self.get(&format!("/v1/me/stats?{query}")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }
}

/// `POST /v1/me/sessions` with `body` and an `Idempotency-Key`.
pub fn keyed(body: Value, key: impl Display) -> TestRequest {
    TestRequest::post()
        .uri("/v1/me/sessions")
        .insert_header(("idempotency-key", key.to_string()))
        .set_json(body)
}
