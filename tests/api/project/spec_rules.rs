//! The contract rules of docs/api-contract.md, checked over the generated document, so an
//! endpoint added later that breaks one fails here.

use std::collections::BTreeSet;

use actix_web::test::TestRequest;
use acupress::problems::ProblemCode;
use acupress::{app, openapi};
use serde_json::{Value, json};

use crate::support::TestApp;

/// Response properties the server may leave out, each with its reason. Any other
/// non-required property of a response schema fails `response_fields_are_required`.
const MAY_BE_ABSENT: &[(&str, &str, &str)] = &[
    (
        "PointSummary",
        "matches",
        "only search answers say why a point matched",
    ),
    (
        "PointDetail",
        "warnings",
        "only a signed-in read carries the reader's warnings",
    ),
    (
        "ConditionDetail",
        "warnings",
        "only a signed-in read carries the reader's warnings",
    ),
    (
        "RoutineDetail",
        "warnings",
        "only a signed-in read carries the reader's warnings",
    ),
    (
        "*",
        "translations",
        "an admin's item carries translations only where it has some",
    ),
    (
        "*Translations",
        "*",
        "a language without any translated text is left out",
    ),
    (
        "*Texts",
        "*",
        "a field not translated is left out: it is read in English",
    ),
];

/// Whether `pattern` (`*`, `*Suffix` or an exact name) matches `name`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => name.ends_with(suffix),
        None => pattern == name,
    }
}

fn spec() -> Value {
    serde_json::from_str(&openapi::render(&app::openapi())).unwrap()
}

fn operations(spec: &Value) -> Vec<(String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    ops
}

fn schema_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap()
}

/// The schemas reachable from `start` (following `$ref`), by name.
fn reachable(spec: &Value, start: &Value, into: &mut BTreeSet<String>) {
    match start {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref"
                    && let Some(r) = value.as_str().filter(|r| r.contains("/schemas/"))
                {
                    let name = schema_name(r).to_owned();
                    if into.insert(name.clone()) {
                        reachable(spec, &spec["components"]["schemas"][&name], into);
                    }
                } else {
                    reachable(spec, value, into);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| reachable(spec, v, into)),
        _ => {}
    }
}

fn response_schemas(spec: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, op) in operations(spec) {
        reachable(spec, &op["responses"], &mut names);
    }
    names
}

/// Every object schema inside `schema` (itself, allOf parts, inline properties).
fn objects<'a>(schema: &'a Value, out: &mut Vec<&'a Value>) {
    if schema.get("properties").is_some() {
        out.push(schema);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            objects(part, out);
        }
    }
    for property in schema["properties"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        objects(property, out);
        objects(&property["items"], out);
    }
}

#[test]
fn response_fields_are_required() {
    let spec = spec();
    let mut wrong = Vec::new();
    for name in response_schemas(&spec) {
        let mut parts = Vec::new();
        objects(&spec["components"]["schemas"][&name], &mut parts);
        for part in parts {
            let required: BTreeSet<&str> = part["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for property in part["properties"].as_object().unwrap().keys() {
                let allowed = MAY_BE_ABSENT
                    .iter()
                    .any(|(s, p, _)| matches(s, &name) && matches(p, property));
                if !required.contains(property.as_str()) && !allowed {
                    wrong.push(format!("{name}.{property}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "response properties the server always sends must be required (or listed in \
         MAY_BE_ABSENT with a reason): {wrong:?}"
    );
}

/// Every place a schema sits: components, properties, items, parameters.
/// Schemas reachable from every request body.
fn request_schemas(spec: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, op) in operations(spec) {
        reachable(spec, &op["requestBody"], &mut names);
    }
    names
}

/// A text a client sends in a body, or as a query parameter, is bounded in the schema as
/// the server bounds it: by a `maxLength`, a `pattern`, a `format` of fixed shape or a
/// value set. (Path segments and headers are looked up or parsed, never stored.)
#[test]
fn every_text_a_client_sends_is_bounded() {
    let spec = spec();
    let mut texts = Vec::new();
    for name in request_schemas(&spec) {
        each_schema(
            &spec["components"]["schemas"][name.as_str()],
            name.clone(),
            &mut texts,
        );
    }
    for (_, op) in operations(&spec) {
        let query = op["parameters"].as_array().into_iter().flatten();
        for param in query.filter(|p| p["in"] == "query") {
            let at = format!("parameter {}", param["name"]);
            each_schema(&param["schema"], at, &mut texts);
        }
    }
    let is_text = |schema: &Value| {
        schema["type"] == "string"
            || schema["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "string"))
    };
    let unbounded: Vec<&String> = texts
        .iter()
        .filter(|(_, schema)| is_text(schema))
        .filter(|(_, schema)| {
            ["maxLength", "pattern", "format", "enum"]
                .iter()
                .all(|k| schema.get(*k).is_none())
        })
        .map(|(at, _)| at)
        .collect();
    assert!(
        unbounded.is_empty(),
        "texts without a bound: {unbounded:#?}"
    );
}

fn each_schema<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("type") || map.contains_key("enum") {
                out.push((path.clone(), value));
            }
            for (key, child) in map {
                each_schema(child, format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                each_schema(child, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn closed_value_sets_are_named_enums() {
    let spec = spec();
    let mut places = Vec::new();
    each_schema(&spec["paths"], "paths".into(), &mut places);
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if schema.get("enum").is_none() {
            each_schema(schema, format!("schemas/{name}"), &mut places);
        }
    }
    let mut inline = Vec::new();
    let mut prose = Vec::new();
    for (path, schema) in places {
        // A one-value enum is a discriminator tag (`op: upsert`), not a value set.
        if schema["enum"].as_array().is_some_and(|v| v.len() > 1) {
            inline.push(path.clone());
        }
        // Values listed only in prose: "`a`, `b` or `c`" on a plain string.
        let description = schema["description"].as_str().unwrap_or_default();
        let listed = description.matches("`, `").count() + description.matches("` or `").count();
        if schema["type"] == "string" && schema.get("enum").is_none() && listed >= 2 {
            prose.push(path);
        }
    }
    assert!(
        inline.is_empty(),
        "value sets must be named schemas: {inline:?}"
    );
    assert!(
        prose.is_empty(),
        "these strings list their values in prose; make them a named enum: {prose:?}"
    );
    let code = &spec["components"]["schemas"]["ProblemCode"]["enum"];
    let all: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(code, &json!(all), "ProblemCode lists every code");
    assert_eq!(
        spec["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ProblemCode"
    );
}

/// An example problem document has every required member of `Problem` and no other.
fn conforms_to_problem(spec: &Value, example: &Value, at: &str) {
    let problem = &spec["components"]["schemas"]["Problem"];
    let members = example.as_object().expect("an example is an object");
    for required in problem["required"].as_array().unwrap() {
        let required = required.as_str().unwrap();
        assert!(
            members.contains_key(required),
            "{at}: example lacks {required}"
        );
    }
    for member in members.keys() {
        assert!(
            problem["properties"].get(member).is_some(),
            "{at}: example has {member}, which Problem does not"
        );
    }
}

#[test]
fn every_operation_lists_its_problem_codes_with_a_true_example_each() {
    let spec = spec();
    for (name, op) in operations(&spec) {
        let listed = op[openapi::PROBLEM_CODES]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: no {}", openapi::PROBLEM_CODES));
        assert!(listed.contains_key("500"), "{name}: internal_error");
        for (status, codes) in listed {
            let response = &op["responses"][status.as_str()];
            let content = &response["content"]["application/problem+json"];
            assert_eq!(
                content["schema"]["$ref"], "#/components/schemas/Problem",
                "{name} {status}"
            );
            for code in codes.as_array().unwrap() {
                let code = ProblemCode::parse(code.as_str().unwrap())
                    .unwrap_or_else(|| panic!("{name}: {code} is not a code"));
                assert_eq!(code.status().to_string(), *status, "{name}: {code}");
                let example = &content["examples"][code.as_str()]["value"];
                assert_eq!(example["code"], code.as_str(), "{name} {status}: example");
                assert_eq!(example["status"], code.status());
                assert_eq!(example["type"], code.type_uri());
                assert_eq!(example["title"], code.title());
                assert!(example["detail"].as_str().is_some_and(|d| !d.is_empty()));
                conforms_to_problem(&spec, example, &format!("{name} {status} {code}"));
                assert!(
                    response["description"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("`{code}`")),
                    "{name} {status}: the description names {code}"
                );
            }
        }
        // An error answered only as an HTML page (a mailed link's page) has no code.
        for (status, response) in op["responses"].as_object().unwrap() {
            let page_only = response["content"]
                .as_object()
                .is_some_and(|c| c.keys().all(|media| media.starts_with("text/html")));
            if status.starts_with(['4', '5']) && !page_only {
                assert!(
                    listed.contains_key(status),
                    "{name}: {status} without codes"
                );
            }
        }
    }
}

#[test]
fn headers_variants_parameters_and_security_follow_the_rules() {
    let spec = spec();
    let headers = spec["components"]["headers"].as_object().unwrap();
    for (name, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let listed = response["headers"].as_object().unwrap();
            for header in ["x-request-id", "x-content-type-options"] {
                assert!(listed.contains_key(header), "{name} {status}: {header}");
            }
            for (header, value) in listed {
                let target = value["$ref"].as_str().map(schema_name);
                assert!(
                    target.is_some_and(|t| headers.contains_key(t)),
                    "{name} {status}: {header} refers to a shared header"
                );
            }
            if status == "304" {
                assert!(response.get("content").is_none(), "{name}: 304 has no body");
                assert!(listed.contains_key("etag"), "{name}: 304 carries the ETag");
            }
        }
        let params = op["parameters"].as_array().into_iter().flatten();
        let mut revalidates = false;
        for param in params {
            revalidates |= param["name"] == "if-none-match";
            if param["required"] != true {
                assert!(
                    param.get("example").is_none(),
                    "{name}: {} example",
                    param["name"]
                );
                assert!(
                    !param["schema"]["type"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == "null")),
                    "{name}: optional {} is not nullable",
                    param["name"]
                );
            }
        }
        if revalidates {
            assert!(
                op["responses"].get("304").is_some(),
                "{name}: documents 304"
            );
        }
        assert!(op["security"].is_array(), "{name}: security stated");
    }
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if let Some(variants) = schema["oneOf"].as_array() {
            assert!(
                variants.iter().all(|v| v["$ref"].is_string()),
                "{name}: oneOf variants are named schemas"
            );
            let tag = schema["discriminator"]["propertyName"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: a discriminator"));
            for variant in variants {
                let variant =
                    &spec["components"]["schemas"][schema_name(variant["$ref"].as_str().unwrap())];
                assert!(
                    variant["properties"][tag]["enum"].is_array(),
                    "{name}: {tag}"
                );
            }
        }
    }
}

/// The PATCH operations and a request path for each, made for `mei`.
async fn patch_targets(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let created = app
        .authed(
            TestRequest::post().uri("/v1/me/sessions").set_json(json!({
                "started_at": "2026-11-20T07:00:00Z", "duration_seconds": 120,
                "routine": "sleep-wind-down", "condition": "insomnia",
                "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}],
                "pain_before": 4, "pain_after": 2, "stress_before": 6, "stress_after": 3,
                "mood": "calmer", "notes": "fine"
            })),
            token,
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.json()["session"]["id"].as_str().unwrap().to_owned();
    let reminder = app
        .authed(
            TestRequest::post().uri("/v1/me/reminders").set_json(json!({
                "days": ["mon"], "time": "07:30", "time_zone": "Europe/Berlin",
                "routine": "morning-energy", "label": "Before work"
            })),
            token,
        )
        .await;
    assert_eq!(reminder.status, 201, "{:?}", reminder.body);
    let reminder = reminder.json()["id"].as_str().unwrap().to_owned();
    let routine = app
        .authed(
            TestRequest::post().uri("/v1/me/routines").set_json(json!({
                "from": "back-relief", "description": "Mine"
            })),
            token,
        )
        .await;
    assert_eq!(routine.status, 201, "{:?}", routine.body);
    let routine = routine.json()["id"].as_str().unwrap().to_owned();
    vec![
        (
            "/v1/me/routines/{id}".to_owned(),
            format!("/v1/me/routines/{routine}"),
        ),
        (
            "/v1/me/reminders/{id}".to_owned(),
            format!("/v1/me/reminders/{reminder}"),
        ),
        ("/v1/me".to_owned(), "/v1/me".to_owned()),
        (
            "/v1/me/sessions/{id}".to_owned(),
            format!("/v1/me/sessions/{id}"),
        ),
    ]
}

/// The body schema of a PATCH, with `$ref` resolved.
fn patch_schema<'a>(spec: &'a Value, path: &str) -> &'a Value {
    let body =
        &spec["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"];
    let name = schema_name(body["$ref"].as_str().expect("a named patch schema"));
    &spec["components"]["schemas"][name]
}

fn nullable(schema: &Value) -> bool {
    schema["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "null"))
        || schema["oneOf"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v["type"] == "null"))
}

/// The admins' PATCH operations (catalog items), and an item for each whose nullable
/// fields may all be cleared: a point without guidance, a link with no review.
const ADMIN_PATCHES: [(&str, &str); 5] = [
    ("/v1/admin/points/{code}", "/v1/admin/points/LU1"),
    (
        "/v1/admin/conditions/{slug}",
        "/v1/admin/conditions/insomnia",
    ),
    (
        "/v1/admin/links/{slug}/{code}",
        "/v1/admin/links/tension-headache/EX-HN5",
    ),
    (
        "/v1/admin/routines/{slug}",
        "/v1/admin/routines/sleep-wind-down",
    ),
    (
        "/v1/admin/precautions/{slug}",
        "/v1/admin/precautions/open-wounds",
    ),
];

/// Holds the PATCH of `template` (at `uri`) to merge-patch rules: an empty patch
/// changes nothing, `null` clears a nullable field and is refused, naming it, for any
/// other. A catalog item's answer holds the item under `content`.
async fn check_merge_patch(
    app: &TestApp,
    token: &str,
    spec: &Value,
    (template, uri): (&str, &str),
) {
    let schema = patch_schema(spec, template);
    let before = app.authed(TestRequest::get().uri(uri), token).await.json();
    // A session's PATCH answers with its warnings beside it.
    let record = |body: Value| {
        body.get("session")
            .or_else(|| body.get("content"))
            .cloned()
            .unwrap_or(body)
    };
    let before = record(before);
    let patch = |body: Value| {
        TestRequest::patch()
            .uri(uri)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
            .set_payload(body.to_string())
    };
    let empty = app.authed(patch(json!({})), token).await;
    assert_eq!(
        empty.status,
        200,
        "{template}: an empty patch: {}",
        empty.text()
    );
    assert_eq!(
        record(empty.json()),
        before,
        "{template}: an empty patch changes nothing"
    );
    for (field, property) in schema["properties"].as_object().unwrap() {
        let res = app
            .authed(patch(json!({ field.as_str(): null })), token)
            .await;
        if nullable(property) {
            assert_eq!(
                res.status,
                200,
                "{template}: null clears {field}: {}",
                res.text()
            );
            let after = record(res.json());
            assert_eq!(
                after[field.as_str()],
                Value::Null,
                "{template}: {field} cleared"
            );
        } else {
            let problem = res.problem(422, "validation_failed");
            assert_eq!(
                problem["errors"][0]["field"],
                field.as_str(),
                "{template}: null for {field} names the field"
            );
        }
    }
}

#[actix_web::test]
async fn every_patch_is_a_merge_patch_absent_unchanged_null_clears_or_is_refused() {
    let spec = spec();
    let patches: BTreeSet<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("patch").is_some())
        .map(|(path, _)| path.as_str())
        .collect();
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let targets = patch_targets(&app, &mei.access).await;
    let covered: BTreeSet<&str> = targets
        .iter()
        .map(|(t, _)| t.as_str())
        .chain(ADMIN_PATCHES.iter().map(|(t, _)| *t))
        .collect();
    assert_eq!(patches, covered, "every PATCH operation has a target here");
    for (template, uri) in &targets {
        check_merge_patch(&app, &mei.access, &spec, (template, uri)).await;
    }
}

#[actix_web::test]
async fn every_admin_patch_is_a_merge_patch_too() {
    let app = local_app!("grants the admin role through the library");
    let spec = spec();
    let boss = app.admin("boss@example.com").await;
    for target in ADMIN_PATCHES {
        check_merge_patch(&app, &boss.access, &spec, target).await;
    }
}
