//! The OpenAPI document: metadata here, operations collected from the handlers, and a
//! last pass (`finish`) that writes what every operation shares.

mod contract;
mod problems;

use utoipa::OpenApi;

use crate::error;
use crate::problems::ProblemCode;

pub use contract::is_form_page;
pub use problems::EXTENSION as PROBLEM_CODES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "acupress",
        description = "Backend for acupressure apps: the point catalog, user accounts and \
            session history. Errors are RFC 9457 problem documents (`application/problem+json`) \
            with a stable `code`; each operation lists the codes it can answer with, by status, \
            in `x-problem-codes`, and the `ProblemCode` schema explains every code. Two answers \
            belong to no operation: a path the API does not have is 404 `not_found`, and a \
            method a path does not take is 405 `method_not_allowed` with an `Allow` header \
            naming the methods it does take. Catalog responses carry strong ETags; send \
            `If-None-Match` to revalidate.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
        contact(name = "acupress maintainers"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "catalog", description = "Points, meridians, conditions, routines and safety data. Public, cacheable."),
        (name = "auth", description = "Accounts and tokens: register, log in, refresh, log out, guest accounts."),
        (name = "me", description = "The signed-in user's profile, safety profile, devices, export and deletion."),
        (name = "history", description = "The signed-in user's self-massage sessions, offline sync and statistics."),
        (name = "admin", description = "Content administration; admins only."),
        (name = "operations", description = "Liveness and readiness probes, and metrics."),
    ),
    components(schemas(error::Problem, error::FieldError, ProblemCode)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme (JWT access tokens) used by protected operations.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from /v1/auth/login, /register, /refresh or /guest",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as served and committed: the operations collected from the handlers, with
/// the shared parts written by `contract` (error answers from problem codes, headers, open
/// operations marked, optional parameters without examples). It stays JSON: read back
/// into utoipa's types, a schema with both `type` and `oneOf` would lose its `oneOf`.
pub fn finish(api: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(&api).expect("the OpenAPI document serializes");
    contract::apply(&mut doc);
    doc
}

/// The spec as committed in `openapi/openapi.json` (pretty JSON, trailing newline).
pub fn render(api: &serde_json::Value) -> String {
    let mut json = serde_json::to_string_pretty(api).expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
