//! The OpenAPI document: metadata here, operations collected from the handlers, and a
//! last pass (`finish`) that writes what every operation shares.

mod contract;
mod problems;

use utoipa::OpenApi;

use crate::error;
use crate::problems::ProblemCode;

pub use problems::EXTENSION as PROBLEM_CODES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "acupress",
        description = "Backend for acupressure apps: the point catalog, user accounts and \
            session history. Errors are RFC 9457 problem documents (`application/problem+json`) \
            with a stable `code`. Catalog responses carry strong ETags; send `If-None-Match` \
            to revalidate.",
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
/// operations marked, optional parameters without examples).
pub fn finish(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = serde_json::to_value(&api).expect("the OpenAPI document serializes");
    contract::apply(&mut doc);
    serde_json::from_value(doc).expect("the finished document is still an OpenAPI document")
}

/// The spec as committed in `openapi/openapi.json` (pretty JSON, trailing newline).
pub fn render(api: &utoipa::openapi::OpenApi) -> String {
    let mut json = api
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
