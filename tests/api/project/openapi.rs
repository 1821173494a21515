//! The committed spec must be exactly what the code generates.

use acupress::{app, openapi};

const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

#[test]
fn committed_spec_matches_the_code() {
    let generated = openapi::render(&app::openapi());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date with the code; regenerate it with:\n\n    {REGENERATE}\n"
    );
}

#[test]
fn every_operation_is_documented() {
    let spec: serde_json::Value = serde_json::from_str(&openapi::render(&app::openapi())).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: tags"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: summary"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{id}: a success response"
            );
            for (status, response) in responses {
                if let Some(reference) = response["$ref"].as_str() {
                    let name = reference.rsplit('/').next().unwrap();
                    let component = &spec["components"]["responses"][name];
                    assert!(
                        component["content"]["application/problem+json"]["example"].is_object(),
                        "{id} {status}: problem response {name} has an example"
                    );
                } else if let Some(text) = ["text/plain; version=0.0.4", "text/html; charset=utf-8"]
                    .iter()
                    .find_map(|t| response["content"].get(*t))
                {
                    assert!(text["example"].is_string(), "{id} {status}: an example");
                } else if status.starts_with('2') && response.get("content").is_some() {
                    let content = &response["content"]["application/json"];
                    let schema = &content["schema"]["$ref"];
                    let has_example = content["example"].is_object()
                        || schema.as_str().is_some_and(|r| {
                            spec["components"]["schemas"][r.rsplit('/').next().unwrap()]["example"]
                                .is_object()
                        });
                    assert!(has_example, "{id} {status}: an example");
                }
            }
        }
    }
    assert!(!ids.is_empty());
}

#[test]
fn protected_operations_declare_the_bearer_scheme() {
    let spec: serde_json::Value = serde_json::from_str(&openapi::render(&app::openapi())).unwrap();
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public = [
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/guest",
        "/v1/auth/password-reset",
        "/v1/auth/password-reset/confirm",
        "/v1/auth/verify-email/page",
        "/v1/auth/password-reset/page",
        "/v1/auth/email-change/undo/page",
        "/v1/auth/id-token",
        "/v1/auth/mfa",
    ];
    // Answered signed in or not: `security` lists both no requirement and the bearer.
    let either = [
        "/v1/safety/check",
        "/v1/points/{code}",
        "/v1/conditions/{slug}",
        "/v1/routines/{slug}",
    ];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let requirements = op["security"].as_array().unwrap();
            let optional = requirements.iter().any(|r| r == &serde_json::json!({}));
            assert_eq!(optional, either.contains(&path.as_str()), "{method} {path}");
            let secured = !optional && requirements.iter().any(|r| r.get("bearer").is_some());
            let protected = path == "/v1/me"
                || path.starts_with("/v1/me/")
                || path.starts_with("/v1/admin")
                || (path.starts_with("/v1/auth/") && !public.contains(&path.as_str()));
            assert_eq!(secured, protected, "{method} {path}");
            if protected || optional {
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} documents 401"
                );
            }
        }
    }
}
