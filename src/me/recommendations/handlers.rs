//! `GET /v1/me/recommendations`.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::model::{Recommendations, RecommendationsQuery};
use crate::auth::SignedReader;
use crate::catalog::store::CatalogStore;
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::http::Lang;
use crate::problems::ProblemCode;
use crate::users::answers::{self, Answers};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(recommendations);
}

/// Recommend routines and points for one or more conditions.
///
/// Curated routines, the account's own routines and points, ranked by how many of the
/// conditions they serve, the evidence behind them and what has helped this user before
/// (their own before/after ratings, from 3 rated sessions on). Each item says why it
/// ranks where it does. Nothing contraindicated for the account's safety profile is
/// included (`left_out` names it); cautioned items carry their warnings. The conditions'
/// red flags come with the answer: when to see a doctor instead.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed]))),
    tag = "me",
    security(("bearer" = [])),
    params(RecommendationsQuery),
    responses(
        (status = 200, description = "Ranked recommendations", body = Recommendations),
    )
)]
#[get("/me/recommendations")]
pub async fn recommendations(
    req: HttpRequest,
    reader: SignedReader,
    query: web::Query<RecommendationsQuery>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
    answers: web::Data<Answers>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let asked = super::conditions(&snapshot, query.condition.as_deref())?;
    let lang = Lang::negotiate(&req);
    // The canonical conditions, so `Insomnia,anxiety` and `insomnia, anxiety` share one.
    let request = asked
        .iter()
        .map(|ci| ci.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let key = answers::key(
        &snapshot.version,
        lang,
        &reader.profile,
        &format!("recommendations?{request}"),
    );
    answers
        .answer(&pool, reader.user_id, key, async |conn| {
            super::recommend(
                conn,
                &snapshot,
                lang,
                reader.user_id,
                &reader.profile,
                &asked,
            )
            .await
        })
        .await
}
