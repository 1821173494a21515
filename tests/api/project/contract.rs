//! The contract check of `support::contract`, shown on a small spec of our own: each
//! rule fires on what it should, and stays quiet on what it allows.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use serde_json::{Value, json};

use crate::support::{Contract, Response};

/// A thing by id that lists its problem codes, a literal path beside it, and an
/// operation that lists none.
fn spec() -> Contract {
    Contract::new(json!({
        "openapi": "3.1.0",
        "paths": {
            "/v1/things/{id}": {"get": {
                "x-problem-codes": {"404": ["not_found"], "422": ["validation_failed"]},
                "responses": {
                    "200": {"description": "The thing", "headers": {
                        "ETag": {"$ref": "#/components/headers/ETag"},
                        "X-Request-Id": {"$ref": "#/components/headers/RequestId"}
                    }},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "4XX": {"$ref": "#/components/responses/NotFound"}
                }
            }},
            "/v1/things/mine": {"get": {
                "x-problem-codes": {},
                "responses": {"200": {"description": "Mine", "headers": {
                    "Location": {"$ref": "#/components/headers/Missing"}
                }}}
            }},
            "/v1/plain": {"get": {"responses": {"200": {"description": "Unchecked"}}}}
        },
        "components": {
            "headers": {
                "ETag": {"schema": {"type": "string"}},
                "RequestId": {"schema": {"type": "string"}}
            },
            "responses": {"NotFound": {"$ref": "#/components/responses/Problem"},
                "Problem": {"description": "A problem", "headers": {
                    "x-request-id": {"$ref": "#/components/headers/RequestId"}
                }}}
        }
    }))
}

/// No violation.
const NONE: [&str; 0] = [];

fn response(status: u16, headers: &[(&str, &str)], body: Value) -> Response {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    Response {
        status,
        headers: map,
        body: Bytes::from(body.to_string()),
    }
}

fn problem(status: u16, code: &str) -> Response {
    response(
        status,
        &[
            ("content-type", "application/problem+json"),
            ("x-request-id", "r1"),
        ],
        json!({"status": status, "code": code}),
    )
}

#[test]
fn documented_answers_pass() {
    let contract = spec();
    let ok = response(
        200,
        &[
            ("content-type", "application/json"),
            ("content-length", "2"),
            ("date", "Tue, 01 Dec 2026 10:00:00 GMT"),
            ("vary", "accept-encoding"),
            ("etag", "\"v1\""),
            ("x-request-id", "r1"),
        ],
        json!({}),
    );
    assert_eq!(contract.violations("GET", "/v1/things/7", &ok), NONE);
    // a reference followed through components/responses twice, then components/headers
    let missing = problem(404, "not_found");
    assert_eq!(contract.violations("GET", "/v1/things/7", &missing), NONE);
    // a range covers the statuses it names
    let invalid = problem(422, "validation_failed");
    assert_eq!(contract.violations("GET", "/v1/things/7", &invalid), NONE);
}

#[test]
fn an_undocumented_status_is_named() {
    let contract = spec();
    assert_eq!(
        contract.violations("GET", "/v1/things/7", &problem(500, "internal_error")),
        ["status 500 is not documented"]
    );
}

#[test]
fn a_problem_code_not_listed_for_its_status_is_named() {
    let contract = spec();
    assert_eq!(
        contract.violations("GET", "/v1/things/7", &problem(404, "gone")),
        ["problem code `gone` is not listed for 404 in x-problem-codes"]
    );
    // listed, but for another status
    assert_eq!(
        contract.violations("GET", "/v1/things/7", &problem(422, "not_found")),
        ["problem code `not_found` is not listed for 422 in x-problem-codes"]
    );
}

#[test]
fn an_undocumented_header_is_named_whatever_its_case() {
    let contract = spec();
    let res = response(
        200,
        &[
            ("ETag", "\"v1\""),
            ("cache-control", "no-store"),
            ("x-request-id", "r1"),
        ],
        json!({}),
    );
    assert_eq!(
        contract.violations("GET", "/v1/things/7", &res),
        ["header `cache-control` is not documented for 200"]
    );
    let problem_with_extra = response(
        404,
        &[
            ("content-type", "application/problem+json"),
            ("x-request-id", "r1"),
            ("retry-after", "2"),
        ],
        json!({"code": "not_found"}),
    );
    assert_eq!(
        contract.violations("GET", "/v1/things/7", &problem_with_extra),
        ["header `retry-after` is not documented for 404"]
    );
}

#[test]
fn a_literal_path_is_matched_before_a_template_and_its_references_must_resolve() {
    let contract = spec();
    // `/v1/things/mine` is its own operation: its 200 documents Location only, through a
    // reference that leads nowhere, and no 404 at all.
    let mine = response(200, &[("location", "/v1/things/7")], json!({}));
    assert_eq!(
        contract.violations("GET", "/v1/things/mine", &mine),
        [r##"header `Location` refers to nothing: {"$ref":"#/components/headers/Missing"}"##]
    );
    assert_eq!(
        contract.violations("GET", "/v1/things/mine", &problem(404, "not_found")),
        ["status 404 is not documented"]
    );
    // an empty segment is no id
    assert_eq!(
        contract.violations("GET", "/v1/things/", &problem(500, "internal_error")),
        NONE
    );
}

#[test]
fn operations_without_problem_codes_and_unknown_ones_are_not_checked() {
    let contract = spec();
    let anything = response(418, &[("x-anything", "1")], json!({}));
    for (method, path) in [
        ("GET", "/v1/plain"),
        ("POST", "/v1/things/7"),
        ("HEAD", "/v1/things/7"),
        ("get", "/v1/things/7"),
        ("GET", "/v1/nothing/here"),
    ] {
        assert_eq!(
            contract.violations(method, path, &anything),
            NONE,
            "{method} {path}"
        );
    }
}
