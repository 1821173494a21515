//! Builds the actix application: middleware, routes, OpenAPI and Swagger UI.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::AuthService;
use crate::catalog::store::CatalogStore;
use crate::config::Config;
use crate::db::DbPool;
use crate::http::{self, BodyLimits, RouteTable};
use crate::mail::Mailer;
use crate::ops::Drain;
use crate::users::answers::{self, Answers};
use crate::{admin, auth, catalog, history, me, openapi, ops, personal, telemetry};

/// Everything a request handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub catalog: Arc<CatalogStore>,
    pub auth: Arc<AuthService>,
    /// Request body deadline and memory budget, shared by the workers.
    pub bodies: Arc<BodyLimits>,
    /// Set on SIGTERM: readiness 503, connections closed after each response.
    pub drain: Arc<Drain>,
    /// Costly answers of an account's own reads, by its history version.
    pub answers: Arc<Answers>,
    /// Outbound mail: the sender's transport and its wake-up bell.
    pub mailer: Arc<Mailer>,
}

/// Routes outside the OpenAPI document (served by Swagger UI).
const UNDOCUMENTED_ROUTES: &[(&str, &str)] = &[("GET", "/openapi.json"), ("GET", "/docs")];

fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(ops::routes)
        .configure(me::delete_page::routes)
        .service(
            scope::scope("/v1")
                .configure(catalog::handlers::routes)
                .configure(auth::handlers::routes)
                .configure(me::handlers::routes)
                .configure(me::sign_in::routes)
                .configure(history::handlers::routes)
                .configure(personal::reminders::handlers::routes)
                .configure(personal::favorites::handlers::routes)
                .configure(personal::routines::handlers::routes)
                .configure(personal::safety_check::routes)
                .configure(me::recommendations::handlers::routes)
                .configure(admin::routes),
        );
}

/// The OpenAPI document generated from the registered handlers.
pub fn openapi() -> serde_json::Value {
    let mut doc = openapi::finish(
        App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi())
            .configure(routes)
            .split_for_parts()
            .1,
    );
    admin::catalog::document_content(&mut doc);
    doc
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "accept-language",
            "if-none-match",
            "if-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers([
            "etag",
            "x-request-id",
            "retry-after",
            "content-language",
            "allow",
            "location",
            "idempotency-replayed",
            "content-disposition",
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The policy of the HTML pages of the problem types: no script, style, image or frame.
const PAGE_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of the server's own forms (a mailed link's page): no script at all, its
/// inline style, and forms posted back to this server only.
const FORM_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The policy of Swagger UI: its scripts, styles and the spec come from this server
/// (the page has no inline script); styles may be inline (the UI sets style attributes
/// on rendered descriptions), images may be `data:` URIs (its icons).
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Middleware: no response is sniffed as another content type; the HTML pages
/// (`/docs`, `/problems/*`, the forms) also get a content security policy and may not be framed.
async fn security_headers(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::http::header::{self, HeaderValue};
    let path = req.path();
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        Some(DOCS_CSP)
    } else if path.starts_with("/problems/") {
        Some(PAGE_CSP)
    } else if openapi::is_form_page(path) {
        Some(FORM_CSP)
    } else {
        None
    };
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(csp) = csp {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    Ok(res)
}

/// The complete application, as served by `HttpServer` and driven by the tests.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (path, query) = http::extractor_configs();
    let cors_origins = state.config.cors_origins.clone();
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let api = openapi::finish(api);
    let route_table = RouteTable::from_openapi(&api, UNDOCUMENTED_ROUTES);
    app.app_data(path)
        .app_data(query)
        .app_data(web::Data::new(state.pool))
        .app_data(web::Data::from(state.catalog))
        .app_data(web::Data::from(state.auth))
        .app_data(web::Data::from(state.config))
        .app_data(web::Data::new(route_table))
        .app_data(web::Data::from(state.bodies))
        .app_data(web::Data::from(state.drain))
        .app_data(web::Data::from(state.answers))
        .app_data(web::Data::from(state.mailer))
        .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/openapi.json", api))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(http::unmatched))
        .wrap(from_fn(answers::forget_writers))
        .wrap(cors(&cors_origins))
        .wrap(Compress::default())
        .wrap(from_fn(http::etag_per_coding))
        .wrap(from_fn(http::head_as_get))
        .wrap(from_fn(http::private_no_store))
        .wrap(from_fn(ops::close_connections_when_draining))
        .wrap(from_fn(security_headers))
        .wrap(from_fn(telemetry::request_context))
}
