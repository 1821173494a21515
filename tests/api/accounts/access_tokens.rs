//! Tokens: security checklist lines 12–14.

use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{InProcess, TEST_KID, TEST_SECRET, TestApp, bearer};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn sign(header: Header, claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn hs256(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".to_owned());
    h.kid = Some(kid.to_owned());
    h
}

#[actix_web::test]
async fn missing_malformed_or_non_bearer_authorization_is_401() {
    let app = TestApp::new().await;
    let res = app.get("/v1/me").await;
    res.problem(401, "missing_token");
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    for value in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token abc",
        "bearer not.a.jwt",
        "Bearerabc",
    ] {
        let res = app.get_with("/v1/me", &[("authorization", value)]).await;
        res.problem(401, "invalid_token");
        assert!(
            res.header("www-authenticate")
                .unwrap()
                .contains("invalid_token"),
            "{value}"
        );
    }
}

#[actix_web::test]
async fn forged_and_expired_tokens_are_401() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let claims = |iss: &str, aud: &str, exp: u64| {
        json!({"iss": iss, "aud": aud, "sub": account.id, "sid": account.session, "iat": now() - 10, "exp": exp,
            "jti": uuid::Uuid::new_v4()})
    };
    let good = claims("acupress", "acupress-app", now() + 600);
    // The same claims, correctly signed, are accepted: the cases below fail for their one flaw.
    let valid = sign(hs256(TEST_KID), good.clone(), TEST_SECRET);
    assert_eq!(
        app.authed(TestRequest::get().uri("/v1/me"), &valid)
            .await
            .status,
        200
    );

    let header_none =
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": TEST_KID}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    let mut hs384 = hs256(TEST_KID);
    hs384.alg = Algorithm::HS384;
    let mut no_kid = hs256(TEST_KID);
    no_kid.kid = None;
    // a plain JWT (typ "JWT"), or no typ at all, is not an access token
    let mut plain_jwt = Header::new(Algorithm::HS256);
    plain_jwt.kid = Some(TEST_KID.into());
    let mut no_typ = hs256(TEST_KID);
    no_typ.typ = None;
    let without = |claim: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(claim);
        sign(hs256(TEST_KID), c, TEST_SECRET)
    };
    let mut future = good.clone();
    future["iat"] = json!(now() + 600);
    let tampered = {
        let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
        let mut forged = good.clone();
        forged["sub"] = json!(uuid::Uuid::new_v4());
        parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
        parts.join(".")
    };
    let cases = [
        ("alg none", format!("{header_none}.{payload}.")),
        ("another algorithm", sign(hs384, good.clone(), TEST_SECRET)),
        (
            "bad signature",
            sign(
                hs256(TEST_KID),
                good.clone(),
                b"another-secret-of-thirty-two-byt",
            ),
        ),
        ("tampered payload", tampered),
        (
            "unknown kid",
            sign(hs256("someone-else"), good.clone(), TEST_SECRET),
        ),
        ("no kid", sign(no_kid, good.clone(), TEST_SECRET)),
        (
            "wrong issuer",
            sign(
                hs256(TEST_KID),
                claims("evil", "acupress-app", now() + 600),
                TEST_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(
                hs256(TEST_KID),
                claims("acupress", "other-app", now() + 600),
                TEST_SECRET,
            ),
        ),
        (
            "expired",
            sign(
                hs256(TEST_KID),
                claims("acupress", "acupress-app", now() - 30),
                TEST_SECRET,
            ),
        ),
        ("refresh token instead", account.refresh.clone()),
        ("typ JWT", sign(plain_jwt, good.clone(), TEST_SECRET)),
        ("no typ", sign(no_typ, good.clone(), TEST_SECRET)),
        ("no exp", without("exp")),
        ("no iat", without("iat")),
        ("no sid", without("sid")),
        ("no sub", without("sub")),
        (
            "issued in the future",
            sign(hs256(TEST_KID), future, TEST_SECRET),
        ),
    ];
    for (case, token) in cases {
        let res = app.authed(TestRequest::get().uri("/v1/me"), &token).await;
        assert_eq!(res.status, 401, "{case}");
        assert_eq!(
            res.header("www-authenticate")
                .map(|h| h.starts_with("Bearer")),
            Some(true),
            "{case}"
        );
        res.problem(401, "invalid_token");
    }
    // a well-signed token naming another user's device session
    let other = app.register("li@example.com").await;
    let mut borrowed = good.clone();
    borrowed["sid"] = json!(other.session);
    let res = app
        .authed(
            TestRequest::get().uri("/v1/me"),
            &sign(hs256(TEST_KID), borrowed, TEST_SECRET),
        )
        .await;
    assert_eq!(res.status, 401, "{:?}", res.body);
}

#[actix_web::test]
async fn signing_keys_rotate_without_signing_anyone_out() {
    let app = local_app!("builds instances from a changed state");
    let account = app.register("mei@example.com").await;
    // Deploy a new key first in the list; the old one stays for verification.
    let new_secret = b"the-next-signing-secret-32-bytes".to_vec();
    let mut state = app.state.clone();
    let mut config = state.config.as_ref().clone();
    config.jwt_keys.keys.insert(
        0,
        ("next".into(), acupress::config::Secret(new_secret.clone())),
    );
    state.auth = std::sync::Arc::new(acupress::auth::AuthService::from_config(&config));
    let rotated = InProcess::build(state).await;
    let send = |token: String| rotated.send(bearer(TestRequest::get().uri("/v1/me"), &token));
    assert_eq!(
        send(account.access.clone()).await.status,
        200,
        "old-key token still valid"
    );
    let fresh = rotated
        .send(
            TestRequest::post()
                .uri("/v1/auth/refresh")
                .set_json(json!({"refresh_token": account.refresh})),
        )
        .await
        .json();
    let token = fresh["access_token"].as_str().unwrap().to_owned();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(
        header.kid.as_deref(),
        Some("next"),
        "new tokens use the new key"
    );
    assert_eq!(send(token).await.status, 200);
}
