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
        (name = "operations", description = "Liveness and readiness probes."),
    ),
    components(
        schemas(error::Problem, error::FieldError),
        responses(error::BadRequest, error::NotFound, error::Unprocessable, error::Unavailable, error::Internal),
    )
)]
pub struct ApiDoc;

/// The spec as committed in `openapi/openapi.json` (pretty JSON, trailing newline).
pub fn render(api: &utoipa::openapi::OpenApi) -> String {
    let mut json = api
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
