//! The OpenAPI document: metadata here, operations collected from the handlers.

use utoipa::OpenApi;

use crate::error;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "acupress",
        description = "Backend for acupressure apps: the point catalog, user accounts and \
            session history. Errors are RFC 9457 problem documents (`application/problem+json`) \
            with a stable `code`. Catalog responses carry strong ETags; send `If-None-Match` \
            to revalidate.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "catalog", description = "Points, meridians, conditions, routines and safety data. Public, cacheable."),
        (name = "auth", description = "Accounts and tokens: register, log in, refresh, log out, guest accounts."),
        (name = "me", description = "The signed-in user's profile, safety profile, devices, export and deletion."),
        (name = "history", description = "The signed-in user's self-massage sessions, offline sync and statistics."),
        (name = "admin", description = "Content administration; admins only."),
        (name = "operations", description = "Liveness and readiness probes."),
    ),
    components(
        schemas(error::Problem, error::FieldError),
        responses(
            error::BadRequest, error::Unauthorized, error::Forbidden, error::NotFound, error::Conflict,
            error::PayloadTooLarge, error::UnsupportedMediaType, error::Unprocessable,
            error::TooManyRequests, error::Gone, error::Unavailable, error::Internal,
        ),
    ),
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

/// The spec as committed in `openapi/openapi.json` (pretty JSON, trailing newline).
pub fn render(api: &utoipa::openapi::OpenApi) -> String {
    let mut json = api
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
