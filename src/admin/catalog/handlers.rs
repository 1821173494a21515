//! The routes of each kind of item, declared once by `editable!`: read, patch (JSON
//! merge patch), retire, restore, the revisions, and (except points, which are WHO's
//! set and the reference data's extra points) create.

use std::borrow::Cow;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use super::{Conditions, Edit, Editable, Links, Points, Precautions, Routines, read, typed, write};
use crate::auth::AuthUser;
use crate::catalog::content::{ItemKind, LinkContent, store};
use crate::catalog::data::{ConditionRecord, PrecautionRecord, RoutineRecord};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::pagination;
use crate::problems::ProblemCode;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(points::routes)
        .configure(conditions::routes)
        .configure(links::routes)
        .configure(routines::routes)
        .configure(precautions::routes);
}

/// The schema of a merge patch of `T`: any of its fields but the `fixed` ones.
fn patch_schema<T: ToSchema>(fixed: &[&str]) -> RefOr<Schema> {
    let mut patch = T::schema();
    if let RefOr::T(Schema::Object(object)) = &mut patch {
        object.required.clear();
        for name in fixed {
            object.properties.shift_remove(*name);
        }
        object.description = Some(format!(
            "A JSON merge patch (RFC 7396) of {}: only the fields to change; `null` clears a \
             field that may be cleared, and is refused for one that may not.",
            T::name()
        ));
        // Translations merge field by field; `null` removes them all.
        if let Some(translations) = object.properties.get_mut("translations") {
            let inner = serde_json::to_value(&*translations).expect("a schema serializes");
            *translations = schema(serde_json::json!({
                "oneOf": [inner, {"type": "null"}],
                "description": "The texts in other languages, merged language by language and field by field; `null` removes them all.",
            }));
        }
    }
    patch
}

/// A schema written as JSON (the shapes below have no derive: their content varies).
fn schema(json: Value) -> RefOr<Schema> {
    serde_json::from_value(json).expect("a valid schema")
}

/// The schema of an item of `content` as an admin sees it.
fn item_schema(content: &str) -> RefOr<Schema> {
    let content_ref = format!("#/components/schemas/{content}");
    schema(serde_json::json!({
        "type": "object",
        "description": "A catalog item as an admin sees it. Its `ETag` is its revision: send it back in `If-Match` with a change.",
        "required": ["kind", "key", "revision", "retired", "edited", "newer_baseline", "content"],
        "properties": {
            "kind": {"$ref": "#/components/schemas/ItemKind"},
            "key": {"type": "string", "description": "The code (points), slug, or `<condition>/<code>` (links)."},
            "revision": {"type": "integer", "format": "int32", "minimum": 1, "description": "1 for the first; every change adds one."},
            "retired": {"type": "boolean", "description": "Hidden from public lists; still resolves for history, favorites and own routines."},
            "edited": {"type": "boolean", "description": "An admin's content, which the start-up loader leaves alone (false: the data files' baseline, or back to it)."},
            "newer_baseline": {"oneOf": [{"$ref": content_ref}, {"type": "null"}], "description": "What a newer release's data files say about this edited item, when that differs from the edit; patch it in to take it."},
            "content": {"$ref": content_ref},
        },
    }))
}

/// The schema of a page of revisions of `content`.
fn revisions_schema(content: &str) -> RefOr<Schema> {
    schema(serde_json::json!({
        "type": "object",
        "description": "The revisions of an item, newest first.",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {
                "type": "object",
                "required": ["revision", "at", "actor", "retired", "content"],
                "properties": {
                    "revision": {"type": "integer", "format": "int32", "minimum": 1},
                    "at": {"type": "string", "format": "date-time"},
                    "actor": {"type": ["string", "null"], "format": "uuid", "description": "The admin who wrote it; null for the data files' baseline."},
                    "retired": {"type": "boolean"},
                    "content": {"$ref": format!("#/components/schemas/{content}")},
                },
            }},
            "next_cursor": {"type": ["string", "null"]},
        },
    }))
}

/// Declares the documented shapes of one kind: the body of its merge patch (`$patch`),
/// an item as an admin sees it (`$item`) and a page of its revisions (`$revisions`).
macro_rules! documented {
    ($kind:ty, patch: $patch:ident, item: $item:ident, revisions: $revisions:ident) => {
        pub struct $patch;
        pub struct $item;
        pub struct $revisions;

        impl PartialSchema for $patch {
            fn schema() -> RefOr<Schema> {
                patch_schema::<<$kind as Editable>::Content>(<$kind as Editable>::FIXED)
            }
        }

        impl PartialSchema for $item {
            fn schema() -> RefOr<Schema> {
                item_schema(&<<$kind as Editable>::Content as ToSchema>::name())
            }
        }

        impl PartialSchema for $revisions {
            fn schema() -> RefOr<Schema> {
                revisions_schema(&<<$kind as Editable>::Content as ToSchema>::name())
            }
        }

        documented!(@named $kind, $patch, $item, $revisions);
    };
    (@named $kind:ty, $($name:ident),+) => {
        $(
            impl ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }

                fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                    type Content = <$kind as Editable>::Content;
                    schemas.push((Content::name().into_owned(), Content::schema()));
                    <Content as ToSchema>::schemas(schemas);
                    schemas.push(("ItemKind".into(), <ItemKind as PartialSchema>::schema()));
                }
            }
        )+
    };
}

documented!(Points, patch: PointPatch, item: AdminPoint, revisions: PointRevisions);
documented!(Conditions, patch: ConditionPatch, item: AdminCondition, revisions: ConditionRevisions);
documented!(Links, patch: LinkPatch, item: AdminLink, revisions: LinkRevisions);
documented!(Routines, patch: RoutinePatch, item: AdminRoutine, revisions: RoutineRevisions);
documented!(Precautions, patch: PrecautionPatch, item: AdminPrecaution, revisions: PrecautionRevisions);

/// Which revision to go back to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revision": 1}))]
pub struct RestoreRequest {
    #[schema(minimum = 1, maximum = 2147483647)]
    #[serde(deserialize_with = "revision_number")]
    pub revision: i32,
}

/// A revision: a whole number from 1 (JSON may write it `3.0`).
fn revision_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let n = f64::deserialize(d)?;
    if n.fract() == 0.0 && (1.0..=f64::from(i32::MAX)).contains(&n) {
        Ok(n as i32)
    } else {
        Err(serde::de::Error::custom("must be a whole number from 1"))
    }
}

/// One revision of an item (documented by `revisions_schema`).
#[derive(Debug, Serialize)]
pub struct ItemRevision<T> {
    pub revision: i32,
    pub at: DateTime<Utc>,
    pub actor: Option<Uuid>,
    pub retired: bool,
    pub content: T,
}

/// The revisions of an item, newest first (documented by `revisions_schema`).
#[derive(Debug, Serialize)]
pub struct RevisionPage<T> {
    pub items: Vec<ItemRevision<T>>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[0-9]{1,10}$")]
    pub cursor: Option<String>,
}

async fn revisions<K: Editable>(
    admin: AuthUser,
    pool: &DbPool,
    key: String,
    query: &RevisionQuery,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let limit = pagination::parse_limit(query.limit.as_deref())?;
    let before = match query.cursor.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse::<i32>().map_err(|_| {
            ApiError::bad_request(ProblemCode::InvalidCursor, "the cursor was not made here")
        })?),
    };
    let mut conn = db::conn(pool).await?;
    if store::item(&mut conn, K::KIND, &key).await?.is_none() {
        return Err(ApiError::not_found(format!(
            "no {} {key}",
            K::KIND.as_str()
        )));
    }
    let mut rows = store::revisions(&mut conn, (K::KIND, &key), before, limit as i64 + 1).await?;
    let next_cursor = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last()
            .map(|r| r.revision.to_string())
            .unwrap_or_default()
    });
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(ItemRevision {
                revision: r.revision,
                at: r.at,
                actor: r.actor,
                retired: r.retired,
                content: typed::<K::Content>(&r.doc)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RevisionPage { items, next_cursor }))
}

/// The routes of one kind: `$kind` (an [`Editable`]), its content type, the paths, the
/// path's parameters and how they make the key.
macro_rules! editable {
    (
        $module:ident, $kind:ty, $patch:ty, $item_doc:ty, $revisions_doc:ty, id: $id:tt, what: $what:tt,
        collection: $collection:tt, item: $item:tt, restore: $restore:tt, history: $history:tt,
        path: $path:ty, params: ($($param:tt),+), key: $key:expr,
        create: $create:tt, new: $new:ty
    ) => {
        pub mod $module {
            use super::*;

            pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
                cfg.service(get_item)
                    .service(patch_item)
                    .service(retire_item)
                    .service(restore_item)
                    .service(item_revisions);
                editable!(@create_route cfg, $create);
            }

            fn key(path: web::Path<$path>) -> String {
                let key: fn($path) -> String = $key;
                key(path.into_inner())
            }

            #[utoipa::path(
                operation_id = concat!("admin_read_", $id),
                summary = concat!("Read a ", $what, " as an admin edits it."),
                description = "Its `ETag` is its revision: send it back in `If-Match` with a change.",
                extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound]))),
                tag = "admin",
                security(("bearer" = [])),
                params($($param),+),
                responses(
                    (status = 200, description = "The item", body = $item_doc,
                        headers(("etag" = String))),
                )
            )]
            #[get($item)]
            pub async fn get_item(
                admin: AuthUser,
                path: web::Path<$path>,
                pool: web::Data<DbPool>,
            ) -> ApiResult<HttpResponse> {
                read::<$kind>(admin, &pool, key(path)).await
            }

            #[utoipa::path(
                operation_id = concat!("admin_patch_", $id),
                summary = concat!("Change a ", $what, "."),
                description = "A JSON merge patch of the content: only the fields to change. The change must keep the whole catalog within the data files' rules (422 `content_invalid`) and be based on the current revision (`If-Match`; 412 when someone changed it first, 428 without it). Every instance serves it within a second.",
                extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound,
                    ProblemCode::ContentInvalid, ProblemCode::RevisionMismatch, ProblemCode::RevisionRequired,
                    ProblemCode::BadRequest]))),
                tag = "admin",
                security(("bearer" = [])),
                params($($param),+, ("if-match" = String, Header, pattern = r#"^(\*|"[0-9]{1,10}(-(gzip|br|deflate|zstd))?")$"#,
                    description = "The item's `ETag` as last read (`\"3\"`), or `*` for whatever is there now: without it the change is refused (428), on another revision it is refused with 412.")),
                request_body = $patch,
                responses(
                    (status = 200, description = "The item, changed", body = $item_doc,
                        headers(("etag" = String))),
                )
            )]
            #[patch($item)]
            pub async fn patch_item(
                req: HttpRequest,
                admin: AuthUser,
                path: web::Path<$path>,
                body: Json<Map<String, Value>>,
                pool: web::Data<DbPool>,
                catalog: web::Data<CatalogStore>,
            ) -> ApiResult<HttpResponse> {
                let edit = Edit::Patch(body.into_inner());
                write::<$kind>(&req, admin, (&pool, &catalog), key(path), edit).await
            }

            #[utoipa::path(
                operation_id = concat!("admin_retire_", $id),
                summary = concat!("Retire a ", $what, "."),
                description = "It leaves the public lists, search and the offline bundle, but still resolves (marked `retired`) for history, favorites and own routines. A live item that uses it must be changed first (422 `content_invalid`). Restore an earlier revision to bring it back.",
                extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound,
                    ProblemCode::ContentInvalid, ProblemCode::RevisionMismatch, ProblemCode::RevisionRequired,
                    ProblemCode::BadRequest]))),
                tag = "admin",
                security(("bearer" = [])),
                params($($param),+, ("if-match" = String, Header, pattern = r#"^(\*|"[0-9]{1,10}(-(gzip|br|deflate|zstd))?")$"#,
                    description = "The item's `ETag` as last read (`\"3\"`), or `*` for whatever is there now: without it the change is refused (428), on another revision it is refused with 412.")),
                responses(
                    (status = 200, description = "The item, retired", body = $item_doc,
                        headers(("etag" = String))),
                )
            )]
            #[delete($item)]
            pub async fn retire_item(
                req: HttpRequest,
                admin: AuthUser,
                path: web::Path<$path>,
                pool: web::Data<DbPool>,
                catalog: web::Data<CatalogStore>,
            ) -> ApiResult<HttpResponse> {
                write::<$kind>(&req, admin, (&pool, &catalog), key(path), Edit::Retire).await
            }

            #[utoipa::path(
                operation_id = concat!("admin_restore_", $id),
                summary = concat!("Restore a ", $what, " to an earlier revision."),
                description = "The content and retired state of that revision become a new revision, checked like any change.",
                extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound,
                    ProblemCode::ContentInvalid, ProblemCode::RevisionMismatch, ProblemCode::RevisionRequired,
                    ProblemCode::BadRequest]))),
                tag = "admin",
                security(("bearer" = [])),
                params($($param),+, ("if-match" = String, Header, pattern = r#"^(\*|"[0-9]{1,10}(-(gzip|br|deflate|zstd))?")$"#,
                    description = "The item's `ETag` as last read (`\"3\"`), or `*` for whatever is there now: without it the change is refused (428), on another revision it is refused with 412.")),
                request_body = RestoreRequest,
                responses(
                    (status = 200, description = "The item, restored", body = $item_doc,
                        headers(("etag" = String))),
                )
            )]
            #[post($restore)]
            pub async fn restore_item(
                req: HttpRequest,
                admin: AuthUser,
                path: web::Path<$path>,
                body: Json<Value>,
                pool: web::Data<DbPool>,
                catalog: web::Data<CatalogStore>,
            ) -> ApiResult<HttpResponse> {
                // Admins only, whatever the body: a user learns nothing from a 422.
                admin.require_admin()?;
                let body: RestoreRequest = typed(&body)?;
                let edit = Edit::Restore(body.revision);
                write::<$kind>(&req, admin, (&pool, &catalog), key(path), edit).await
            }

            #[utoipa::path(
                operation_id = concat!("admin_revisions_", $id),
                summary = concat!("The revisions of a ", $what, ", newest first."),
                description = "Each with its content, whether it was retired, and who wrote it (null: the data files). Restore one with POST .../restore.",
                extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound,
                    ProblemCode::InvalidCursor]))),
                tag = "admin",
                security(("bearer" = [])),
                params($($param),+, RevisionQuery),
                responses(
                    (status = 200, description = "A page of revisions", body = $revisions_doc),
                )
            )]
            #[get($history)]
            pub async fn item_revisions(
                admin: AuthUser,
                path: web::Path<$path>,
                query: web::Query<RevisionQuery>,
                pool: web::Data<DbPool>,
            ) -> ApiResult<HttpResponse> {
                revisions::<$kind>(admin, &pool, key(path), &query).await
            }

            editable!(@create_handler $kind, $item_doc, $new, $id, $what, $collection, $create);
        }
    };
    (@create_route $cfg:ident, false) => {};
    (@create_route $cfg:ident, true) => {
        $cfg.service(create_item);
    };
    (@create_handler $kind:ty, $item_doc:ty, $new:ty, $id:tt, $what:tt, $collection:tt, false) => {};
    (@create_handler $kind:ty, $item_doc:ty, $new:ty, $id:tt, $what:tt, $collection:tt, true) => {
        #[utoipa::path(
            operation_id = concat!("admin_create_", $id),
            summary = concat!("Create a ", $what, "."),
            description = "Checked like any change: the whole catalog must stay within the data files' rules (422 `content_invalid`). It is an admin's item, which the start-up loader leaves alone.",
            extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::ContentInvalid,
                ProblemCode::ItemExists]))),
            tag = "admin",
            security(("bearer" = [])),
            request_body = $new,
            responses(
                (status = 201, description = "The item, created", body = $item_doc,
                    headers(("etag" = String))),
            )
        )]
        #[post($collection)]
        pub async fn create_item(
            req: HttpRequest,
            admin: AuthUser,
            body: Json<Value>,
            pool: web::Data<DbPool>,
            catalog: web::Data<CatalogStore>,
        ) -> ApiResult<HttpResponse> {
            admin.require_admin()?;
            let doc = body.into_inner();
            let key = crate::catalog::content::key_of(<$kind as Editable>::KIND, &doc)
                .ok_or_else(|| ApiError::invalid("body", "names no code or slug"))?;
            write::<$kind>(&req, admin, (&pool, &catalog), key, Edit::Create(doc)).await
        }
    };
}

editable!(
    points, Points, PointPatch, AdminPoint, PointRevisions, id: "point", what: "point",
    collection: "/admin/points", item: "/admin/points/{code}",
    restore: "/admin/points/{code}/restore", history: "/admin/points/{code}/revisions",
    path: String, params: (("code" = String, Path, description = "Point code, as in LI4", max_length = 16)),
    key: |code| code,
    create: false, new: ()
);

editable!(
    conditions, Conditions, ConditionPatch, AdminCondition, ConditionRevisions, id: "condition", what: "condition",
    collection: "/admin/conditions", item: "/admin/conditions/{slug}",
    restore: "/admin/conditions/{slug}/restore", history: "/admin/conditions/{slug}/revisions",
    path: String, params: (("slug" = String, Path, description = "Condition slug", max_length = 64)),
    key: |slug| slug,
    create: true, new: ConditionRecord
);

editable!(
    links, Links, LinkPatch, AdminLink, LinkRevisions, id: "link", what: "condition's link to a point",
    collection: "/admin/links", item: "/admin/links/{slug}/{code}",
    restore: "/admin/links/{slug}/{code}/restore", history: "/admin/links/{slug}/{code}/revisions",
    path: (String, String),
    params: (("slug" = String, Path, description = "Condition slug", max_length = 64),
        ("code" = String, Path, description = "Point code", max_length = 16)),
    key: |(slug, code)| LinkContent::key(&slug, &code),
    create: true, new: LinkContent
);

editable!(
    routines, Routines, RoutinePatch, AdminRoutine, RoutineRevisions, id: "routine", what: "curated routine",
    collection: "/admin/routines", item: "/admin/routines/{slug}",
    restore: "/admin/routines/{slug}/restore", history: "/admin/routines/{slug}/revisions",
    path: String, params: (("slug" = String, Path, description = "Routine slug", max_length = 64)),
    key: |slug| slug,
    create: true, new: RoutineRecord
);

editable!(
    precautions, Precautions, PrecautionPatch, AdminPrecaution, PrecautionRevisions, id: "precaution", what: "precaution",
    collection: "/admin/precautions", item: "/admin/precautions/{slug}",
    restore: "/admin/precautions/{slug}/restore", history: "/admin/precautions/{slug}/revisions",
    path: String, params: (("slug" = String, Path, description = "Precaution slug", max_length = 64)),
    key: |slug| slug,
    create: true, new: PrecautionRecord
);
