//! Administration (admins only): the catalog's reload, accounts (`users`) and the audit
//! log of admins' changes (`audit`), and the `acupress admin` command.

pub mod audit;
pub mod catalog;
pub mod users;

use actix_web::{HttpResponse, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::catalog::store::CatalogStore;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::problems::ProblemCode;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(reload_catalog)
        .configure(users::routes)
        .configure(catalog::routes);
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"version": "0e0ef016da8787c4", "reloaded": false}))]
pub struct ReloadOutcome {
    /// The catalog version now served.
    pub version: String,
    /// Whether the stored content differed from what was in memory.
    pub reloaded: bool,
}

/// Reload the catalog now (admins only).
///
/// Instances pick up new content by themselves within `ACUPRESS_CATALOG_REFRESH_MS`;
/// this makes the instance that answers do it at once.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden]))),
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalog version now served", body = ReloadOutcome),
    )
)]
#[post("/admin/catalog/reload")]
pub async fn reload_catalog(
    user: AuthUser,
    catalog: web::Data<CatalogStore>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let reloaded = catalog.refresh(&pool).await?;
    Ok(HttpResponse::Ok().json(ReloadOutcome {
        version: catalog.get().version.clone(),
        reloaded,
    }))
}

/// `acupress admin grant EMAIL`: gives an existing account the admin role.
pub async fn grant(config: &crate::config::Config, email: &str) -> Result<String, String> {
    use diesel_async::AsyncConnection;
    let email = crate::users::Email::parse(email).map_err(|e| e.to_string())?;
    let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url)
        .await
        .map_err(|e| format!("cannot reach {}: {e}", config.database_url_redacted()))?;
    match crate::users::store::grant_admin(&mut conn, &email).await {
        Ok(true) => Ok(format!("{email} is now an admin")),
        Ok(false) => Err(format!("no account with email {email}")),
        Err(e) => Err(e.to_string()),
    }
}
