//! The last pass over the generated document: what every operation shares is written once
//! here instead of in each handler, so that a new endpoint follows the contract rules of
//! docs/api-contract.md without repeating them.

use serde_json::{Map, Value, json};

use super::problems;

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Response headers the server sends, by name, with what they carry. Every response names
/// the ones that it can carry; a response header not in this table is not sent.
const HEADERS: &[(&str, &str, &str)] = &[
    (
        "x-request-id",
        "string",
        "The request id: also in problem documents and the server log. A client may send its own (up to 64 letters, digits, `-` or `_`).",
    ),
    ("x-content-type-options", "string", "Always `nosniff`."),
    (
        "cache-control",
        "string",
        "How the answer may be cached: `no-store` for account data and errors, `public, max-age=...` with `must-revalidate` for catalog data.",
    ),
    (
        "etag",
        "string",
        "Strong validator of the representation; send it back in `If-None-Match` (catalog reads), or in `If-Match` with a change (admin edits, where it is the item's revision).",
    ),
    (
        "content-language",
        "string",
        "The language of the text fields: `en`, `zh-Hans` or `zh-Hant`.",
    ),
    ("location", "string", "The address of the record created."),
    (
        "idempotency-replayed",
        "string",
        "`true` when this is the stored answer of an earlier request with the same Idempotency-Key.",
    ),
    (
        "content-disposition",
        "string",
        "`attachment` with a file name, so browsers save the export.",
    ),
    (
        "www-authenticate",
        "string",
        "`Bearer realm=\"acupress\"`, with `error=\"invalid_token\"` when a token was sent but refused.",
    ),
    ("retry-after", "integer", "Seconds to wait before retrying."),
    (
        "content-security-policy",
        "string",
        "The policy of the HTML pages: nothing loaded from elsewhere.",
    ),
    (
        "x-frame-options",
        "string",
        "`DENY`: the HTML pages may not be framed.",
    ),
    (
        "referrer-policy",
        "string",
        "`no-referrer`: a page's address (which may hold a mailed link's token) is never sent on.",
    ),
];

/// Whether every answer of `path` is an HTML page's (or its error's) and carries the
/// page security headers (see `app::security_headers`).
fn is_page(path: &str) -> bool {
    path.starts_with("/problems/") || is_form_page(path)
}

/// The server's own forms: a mailed link's page, and account deletion.
pub fn is_form_page(path: &str) -> bool {
    (path.starts_with("/v1/auth/") && path.ends_with("/page"))
        || path == "/account/delete"
        || path.starts_with("/account/delete/")
}

/// Headers on every answer.
const EVERY_ANSWER: [&str; 3] = ["x-request-id", "x-content-type-options", "cache-control"];

/// A reference to the shared definition of a response header.
fn header_ref(name: &str) -> Value {
    assert!(
        HEADERS.iter().any(|(n, ..)| *n == name),
        "response header {name} has no entry in contract::HEADERS"
    );
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// Applies the shared parts to every operation and tidies the components.
pub fn apply(doc: &mut Value) {
    let paths = doc["paths"]
        .as_object_mut()
        .expect("the document has paths");
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                let name = format!("{} {path}", method.to_uppercase());
                problems::document(op, &name, header_ref);
                share_headers(op, is_page(path), is_form_page(path));
                open_public(op);
                quiet_optional_parameters(op);
            }
        }
    }
    let components = doc["components"]
        .as_object_mut()
        .expect("the document has components");
    components.remove("responses");
    components.insert(
        "headers".into(),
        HEADERS
            .iter()
            .map(|(name, kind, description)| {
                (
                    (*name).to_owned(),
                    json!({"description": description, "schema": {"type": kind}}),
                )
            })
            .collect::<Map<_, _>>()
            .into(),
    );
    components["schemas"]["ProblemCode"]["description"] = problems::code_table().into();
    let schemas = components["schemas"]
        .as_object_mut()
        .expect("the document has schemas");
    name_tagged_variants(schemas);
}

/// The property all variants of a `oneOf` tag themselves with, each with one value, if any.
fn tag_of(variants: &[Value]) -> Option<String> {
    let first = variants.first()?["properties"].as_object()?;
    first
        .keys()
        .find(|name| {
            variants.iter().all(|v| {
                v["properties"][name.as_str()]["enum"]
                    .as_array()
                    .is_some_and(|values| values.len() == 1)
                    && v["required"]
                        .as_array()
                        .is_some_and(|r| r.iter().any(|n| n == name.as_str()))
            })
        })
        .cloned()
}

/// Inline `oneOf` variants of a tagged enum (serde `tag = "op"`) become named schemas
/// (`PushedChangeUpsert`), referenced from the `oneOf` with a discriminator on the tag, so
/// generated clients name the variants and tell them apart by the tag.
fn name_tagged_variants(schemas: &mut Map<String, Value>) {
    let mut named = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        let Some(variants) = schema.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        if variants.iter().any(|v| v.get("$ref").is_some()) {
            continue;
        }
        let Some(tag) = tag_of(variants) else {
            continue;
        };
        let mut refs = Vec::new();
        let mut mapping = Map::new();
        for variant in variants {
            let value = variant["properties"][tag.as_str()]["enum"][0]
                .as_str()
                .expect("tags are strings");
            let pascal: String = value
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            let variant_name = format!("{name}{pascal}");
            let reference = format!("#/components/schemas/{variant_name}");
            refs.push(json!({"$ref": reference}));
            mapping.insert(value.to_owned(), reference.into());
            named.push((variant_name, variant.clone()));
        }
        schema["oneOf"] = refs.into();
        schema["type"] = "object".into();
        schema["discriminator"] = json!({"propertyName": tag, "mapping": mapping});
    }
    for (name, variant) in named {
        assert!(
            schemas.insert(name.clone(), variant).is_none(),
            "schema {name} exists already"
        );
    }
}

/// Headers of a cacheable answer (one with a 304): the validator, how long it may be kept
/// and its language; the 304 repeats them (RFC 9110, 15.4.5).
const REVALIDATION: [&str; 3] = ["etag", "cache-control", "content-language"];

/// Every answer names the headers of every answer; inline copies of shared headers become
/// references; a cacheable 200 and its 304 name the revalidation headers.
fn share_headers(op: &mut Value, page: bool, form: bool) {
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
    if responses.contains_key("304") {
        for status in ["200", "304"] {
            for name in REVALIDATION {
                responses[status]["headers"][name] = json!({});
            }
        }
    }
    for response in responses.values_mut() {
        let headers = response
            .as_object_mut()
            .expect("responses are objects")
            .entry("headers")
            .or_insert_with(|| json!({}));
        let headers = headers.as_object_mut().expect("headers are an object");
        for name in headers.keys().cloned().collect::<Vec<_>>() {
            headers.insert(name.clone(), header_ref(&name));
        }
        for name in EVERY_ANSWER {
            headers.insert(name.into(), header_ref(name));
        }
        if page {
            for name in [
                "content-security-policy",
                "x-frame-options",
                "referrer-policy",
            ] {
                headers.insert(name.into(), header_ref(name));
            }
        }
        if form {
            // The forms are written in the language the browser asks for.
            headers.insert("content-language".into(), header_ref("content-language"));
        }
    }
}

/// An operation without a security requirement says so (`security: []`), so that a
/// document-wide default could never lock it.
fn open_public(op: &mut Value) {
    if op.get("security").is_none() {
        op["security"] = json!([]);
    }
}

/// Optional parameters carry no `example`: documentation tools fill examples into "Try it
/// out", which would send them as filters. The example moves into the description. An
/// optional parameter may be left out but is never `null`.
fn quiet_optional_parameters(op: &mut Value) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for param in params.iter_mut().filter(|p| p["required"] != true) {
        let param = param.as_object_mut().expect("parameters are objects");
        if let Some(example) = param.remove("example") {
            let shown = example
                .as_str()
                .map_or_else(|| example.to_string(), str::to_owned);
            let description = param
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim_end()
                .to_owned();
            param.insert(
                "description".into(),
                format!("{description} Example: `{shown}`.")
                    .trim_start()
                    .into(),
            );
        }
        if let Some(Value::Array(types)) = param.get_mut("schema").and_then(|s| s.get_mut("type")) {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                param["schema"]["type"] = only;
            }
        }
    }
}
