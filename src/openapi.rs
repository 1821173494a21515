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
        (name = "operations", description = "Liveness and readiness probes, and metrics."),
    ),
    components(
        schemas(error::Problem, error::FieldError),
        responses(
            error::BadRequest, error::Unauthorized, error::Forbidden, error::NotFound, error::Conflict,
            error::PayloadTooLarge, error::UnsupportedMediaType, error::Unprocessable,
            error::TooManyRequests, error::Gone, error::Unavailable, error::Internal,
            error::RequestTimeout, error::ServerBusy,
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

/// Every operation that reads a JSON body answers a malformed body with 400, a body that
/// arrives too slowly with 408, an oversized one with 413, another content type with 415,
/// unknown or invalid fields with 422, and 503 when the bodies in flight fill the memory
/// budget (the extractor configuration in `http`, shared by all handlers); the
/// operations list these without repeating them one by one.
pub fn document_body_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.request_body.is_none() {
                continue;
            }
            for (status, name) in [
                ("400", "BadRequest"),
                ("408", "RequestTimeout"),
                ("413", "PayloadTooLarge"),
                ("415", "UnsupportedMediaType"),
                ("422", "Unprocessable"),
                ("503", "ServerBusy"),
            ] {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            }
        }
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
