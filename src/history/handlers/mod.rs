//! `/v1/me/sessions`, `/v1/me/sync` and `/v1/me/stats`: HTTP in and out.

mod sessions;
mod stats;
mod sync;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sessions::create_session)
        .service(sessions::list_sessions)
        .service(sessions::get_session)
        .service(sessions::update_session)
        .service(sessions::delete_session)
        .service(sync::pull_changes)
        .service(sync::push_changes)
        .service(stats::get_stats);
}
