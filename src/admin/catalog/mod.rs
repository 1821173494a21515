//! The content studio: admins edit the catalog's items (points, conditions, links,
//! routines, precautions) under `/v1/admin/...`.
//!
//! Every write runs in one transaction under the catalog's lock: it reads the item and
//! checks `If-Match` against its revision (412 when someone changed it first, 428 when
//! it is missing), applies the change (a JSON merge patch, a retirement or a restore),
//! checks the whole catalog with the loader's rules, writes the item's new revision,
//! the audit entry (the changed fields before and after) and a new catalog version. The
//! version's change notifies every instance (`catalog_meta_notify`); this one reloads at
//! once. `handlers` declares the routes of each kind; `Editable` says what differs.

mod export;
mod handlers;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::admin::audit::{self, AuditAction, Change};
use crate::auth::AuthUser;
use crate::catalog::content::{
    self, ConditionContent, Contents, ItemKind, LinkContent, StoredItem, store,
};
use crate::catalog::data::{ConditionRecord, PointRecord, PrecautionRecord, RoutineRecord};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

pub use export::export;
pub use handlers::routes;

/// An item created with another: its kind, key, position and document.
pub type Companion = (ItemKind, String, i32, Value);

/// What differs between the kinds of items.
pub trait Editable {
    const KIND: ItemKind;
    /// The item's content as an admin reads and writes it (the stored document).
    type Content: Serialize + DeserializeOwned + ToSchema;
    /// The fields a patch may not change: the key, and facts that are not ours to edit.
    const FIXED: &'static [&'static str];

    /// The items a new item brings with it, taken out of its create body: a new
    /// condition's links (a condition needs points, and a link its condition).
    fn companions(_doc: &mut Value) -> ApiResult<Vec<Companion>> {
        Ok(Vec::new())
    }

    /// Where the item goes among its kind: where it was (a new one after the last),
    /// or (links) at its rank.
    fn position(_content: &Self::Content, default: i32) -> i32 {
        default
    }
}

pub struct Points;
pub struct Conditions;
pub struct Links;
pub struct Routines;
pub struct Precautions;

impl Editable for Points {
    const KIND: ItemKind = ItemKind::Point;
    type Content = PointRecord;
    const FIXED: &'static [&'static str] = &[
        "code",
        "kind",
        "meridian",
        "number",
        "pinyin",
        "pinyin_ascii",
        "hanzi",
        "hanzi_traditional",
        "body_region",
        "pregnancy_sources",
        "pregnancy_listed",
    ];
}

impl Editable for Conditions {
    const KIND: ItemKind = ItemKind::Condition;
    type Content = ConditionContent;
    const FIXED: &'static [&'static str] = &["slug"];

    fn companions(doc: &mut Value) -> ApiResult<Vec<Companion>> {
        let record: ConditionRecord = typed(doc)?;
        let content = ConditionContent::from(&record);
        *doc = serde_json::to_value(&content).map_err(ApiError::internal)?;
        record
            .points
            .into_iter()
            .enumerate()
            .map(|(i, link)| {
                let link = LinkContent::of(&record.slug, i as u32 + 1, link);
                let key = LinkContent::key(&link.condition, &link.code);
                let position = link.rank as i32;
                let doc = serde_json::to_value(link).map_err(ApiError::internal)?;
                Ok((ItemKind::Link, key, position, doc))
            })
            .collect()
    }
}

impl Editable for Links {
    const KIND: ItemKind = ItemKind::Link;
    type Content = LinkContent;
    const FIXED: &'static [&'static str] = &["condition", "code"];

    fn position(content: &LinkContent, _default: i32) -> i32 {
        content.rank as i32
    }
}

impl Editable for Routines {
    const KIND: ItemKind = ItemKind::Routine;
    type Content = RoutineRecord;
    const FIXED: &'static [&'static str] = &["slug"];
}

impl Editable for Precautions {
    const KIND: ItemKind = ItemKind::Precaution;
    type Content = PrecautionRecord;
    const FIXED: &'static [&'static str] = &["slug"];
}

/// A catalog item as an admin sees it. Its `ETag` is its revision, to send back in
/// `If-Match` with a change. Documented per kind by `handlers::documented!`.
#[derive(Debug, Serialize)]
pub struct AdminItem<T> {
    pub kind: ItemKind,
    /// The code (points), slug, or `<condition>/<code>` (links).
    pub key: String,
    /// 1 for the first; every change adds one.
    pub revision: i32,
    /// Hidden from public lists; still resolves for history, favorites and own routines.
    pub retired: bool,
    /// An admin's content, which the start-up loader leaves alone (false: the data
    /// files' baseline, or back to it).
    pub edited: bool,
    /// What a newer release's data files say about this edited item, when that
    /// differs from the edit; patch it in to take it.
    pub newer_baseline: Option<T>,
    pub content: T,
}

/// The longest text an admin may send in any field of an item, in characters.
pub const MAX_TEXT: usize = 2000;
/// The most entries of any list of an item.
pub const MAX_LIST: usize = 100;

/// The schemas of items' content (and their patches), which [`document_bounds`] marks.
const CONTENT_SCHEMAS: [&str; 26] = [
    "PointRecord",
    "SelfCare",
    "ConditionRecord",
    "ConditionPointRecord",
    "ConditionContent",
    "LinkContent",
    "RoutineRecord",
    "StepRecord",
    "PrecautionRecord",
    "PointPatch",
    "ConditionPatch",
    "LinkPatch",
    "RoutinePatch",
    "PrecautionPatch",
    "PointTranslations",
    "PointTexts",
    "ConditionTranslations",
    "ConditionTexts",
    "LinkTranslations",
    "LinkTexts",
    "RoutineTranslations",
    "RoutineTexts",
    "StepTranslations",
    "StepTexts",
    "PrecautionTranslations",
    "PrecautionTexts",
];

/// 422 naming the first text longer than [`MAX_TEXT`] or list longer than [`MAX_LIST`].
fn bounded(value: &Value, at: &str) -> ApiResult<()> {
    let too_long = |message: String| {
        Err(ApiError::invalid(
            if at.is_empty() { "body" } else { at },
            message,
        ))
    };
    match value {
        Value::String(text) if text.chars().count() > MAX_TEXT => {
            too_long(format!("must be at most {MAX_TEXT} characters"))
        }
        Value::Array(items) if items.len() > MAX_LIST => {
            too_long(format!("must have at most {MAX_LIST} entries"))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| bounded(item, &format!("{at}[{i}]"))),
        Value::Object(members) => members.iter().try_for_each(|(name, member)| {
            let path = if at.is_empty() {
                name.clone()
            } else {
                format!("{at}.{name}")
            };
            bounded(member, &path)
        }),
        _ => Ok(()),
    }
}

/// Finishes the studio's part of the document: the bounds [`bounded`] enforces in the
/// content schemas (every text without a bound of its own gets `maxLength`, every list
/// `maxItems`), and the examples of each kind's item and revisions (`AdminPoint`,
/// `PointRevisions`, ...) and patch, made from its content's example.
pub fn document_content(doc: &mut Value) {
    document_bounds(doc);
    let schemas = &mut doc["components"]["schemas"];
    for (kind, content, name) in [
        (ItemKind::Point, "PointRecord", "Point"),
        (ItemKind::Condition, "ConditionContent", "Condition"),
        (ItemKind::Link, "LinkContent", "Link"),
        (ItemKind::Routine, "RoutineRecord", "Routine"),
        (ItemKind::Precaution, "PrecautionRecord", "Precaution"),
    ] {
        let example = schemas[content]["example"].clone();
        let key = content::key_of(kind, &example).unwrap_or_default();
        // A patch's example: the content's, less the fields it may not send.
        let patch = &mut schemas[format!("{name}Patch")];
        let allowed: Vec<String> = patch["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(example) = patch.get_mut("example").and_then(Value::as_object_mut) {
            example.retain(|field, _| allowed.contains(field));
        }
        schemas[format!("Admin{name}")]["example"] = serde_json::json!({
            "kind": kind.as_str(), "key": key, "revision": 2, "retired": false,
            "edited": true, "newer_baseline": null, "content": example,
        });
        schemas[format!("{name}Revisions")]["example"] = serde_json::json!({
            "items": [{"revision": 1, "at": "2026-12-02T09:00:00Z", "actor": null,
                "retired": false, "content": example}],
            "next_cursor": null,
        });
    }
}

fn document_bounds(doc: &mut Value) {
    fn mark(schema: &mut Value) {
        let types: Vec<String> = match &schema["type"] {
            Value::String(t) => vec![t.clone()],
            Value::Array(t) => t
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        let bounded = ["maxLength", "pattern", "format", "enum"]
            .iter()
            .any(|k| object.contains_key(*k));
        if types.iter().any(|t| t == "string") && !bounded {
            object.insert("maxLength".into(), MAX_TEXT.into());
        }
        if types.iter().any(|t| t == "array") && !object.contains_key("maxItems") {
            object.insert("maxItems".into(), MAX_LIST.into());
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = object.get_mut(key) {
                mark(inner);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for inner in object
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                mark(inner);
            }
        }
        for property in object
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            mark(property);
        }
    }
    for name in CONTENT_SCHEMAS {
        if let Some(schema) = doc["components"]["schemas"].get_mut(name) {
            mark(schema);
        }
    }
}

/// `If-Match` as a revision: `None` for `*`.
fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(raw) = req.headers().get(header::IF_MATCH) else {
        return Err(ApiError::Status {
            code: ProblemCode::RevisionRequired,
            detail: "send If-Match with the revision this change is based on".into(),
        });
    };
    let raw = raw.to_str().unwrap_or_default().trim();
    if raw == "*" {
        return Ok(None);
    }
    // A compressed answer's ETag carries its coding (`"3-gzip"`): the same revision.
    crate::http::strip_coding(raw)
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .and_then(|r| r.parse::<i32>().ok())
        .filter(|r| *r > 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                ProblemCode::BadRequest,
                "If-Match must be the item's ETag, such as \"3\", or *",
            )
        })
}

fn etag(revision: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{revision}\"")).expect("a number is a header value")
}

/// `doc` as a `T`; a 422 names the field that does not fit (a missing one too).
fn typed<T: DeserializeOwned>(doc: &Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name.to_owned(),
            (".", None) => "body".to_owned(),
            (path, Some(name)) => format!("{path}.{name}"),
            (path, None) => path.to_owned(),
        };
        ApiError::invalid(&field, message)
    })
}

/// The answer with an item: its `ETag` and body.
fn answer<K: Editable>(
    status: actix_web::http::StatusCode,
    key: String,
    row: &store::ItemRow,
) -> ApiResult<HttpResponse> {
    let content: K::Content = typed(&row.doc)?;
    let newer_baseline = row.newer_baseline.as_ref().map(typed).transpose()?;
    let item = AdminItem {
        kind: K::KIND,
        key,
        revision: row.revision,
        retired: row.retired_at.is_some(),
        edited: row.edited_at.is_some(),
        newer_baseline,
        content,
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::ETAG, etag(row.revision)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(item))
}

/// `GET`: one item.
pub async fn read<K: Editable>(
    admin: AuthUser,
    pool: &DbPool,
    key: String,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let mut conn = db::conn(pool).await?;
    let row = store::item(&mut conn, K::KIND, &key)
        .await?
        .ok_or_else(|| missing(K::KIND, &key))?;
    answer::<K>(actix_web::http::StatusCode::OK, key, &row)
}

fn missing(kind: ItemKind, key: &str) -> ApiError {
    ApiError::not_found(format!("no {} {key}", kind.as_str()))
}

/// A change an admin asks for.
pub enum Edit {
    Create(Value),
    Patch(Map<String, Value>),
    Retire,
    Restore(i32),
}

impl Edit {
    fn action(&self) -> AuditAction {
        match self {
            Self::Create(_) => AuditAction::Create,
            Self::Patch(_) => AuditAction::Update,
            Self::Retire => AuditAction::Retire,
            Self::Restore(_) => AuditAction::Restore,
        }
    }
}

/// RFC 7396: `patch` merged into `target`; `null` removes a member.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let object = target.as_object_mut().expect("made an object above");
    for (name, value) in members {
        if value.is_null() {
            object.remove(name);
        } else {
            merge_patch(object.entry(name.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The top-level fields that differ, before and after.
fn difference(before: &Value, after: &Value) -> (Value, Value) {
    let empty = Map::new();
    let old = before.as_object().unwrap_or(&empty);
    let new = after.as_object().unwrap_or(&empty);
    let mut was = Map::new();
    let mut now = Map::new();
    for name in old.keys().chain(new.keys()) {
        if old.get(name) != new.get(name) && !was.contains_key(name) {
            was.insert(name.clone(), old.get(name).cloned().unwrap_or(Value::Null));
            now.insert(name.clone(), new.get(name).cloned().unwrap_or(Value::Null));
        }
    }
    (Value::Object(was), Value::Object(now))
}

/// An item's new revision, before it is written.
struct Pending {
    kind: ItemKind,
    key: String,
    position: i32,
    doc: Value,
    retired: bool,
    current: Option<store::ItemRow>,
}

/// The item's new document and retired state, or why the edit is refused.
async fn apply<K: Editable>(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &str,
    current: Option<&store::ItemRow>,
    edit: &Edit,
) -> ApiResult<(Value, bool)> {
    match (edit, current) {
        (Edit::Create(doc), None) => {
            bounded(doc, "")?;
            let content: K::Content = typed(doc)?;
            Ok((
                serde_json::to_value(content).map_err(ApiError::internal)?,
                false,
            ))
        }
        (Edit::Create(_), Some(_)) => Err(exists(K::KIND, key)),
        (_, None) => Err(missing(K::KIND, key)),
        (Edit::Patch(patch), Some(row)) => {
            if let Some(name) = K::FIXED.iter().find(|f| patch.contains_key(**f)) {
                return Err(ApiError::invalid(name, "cannot be changed"));
            }
            bounded(&Value::Object(patch.clone()), "")?;
            let mut doc = row.doc.clone();
            merge_patch(&mut doc, &Value::Object(patch.clone()));
            let content: K::Content = typed(&doc)?;
            let doc = serde_json::to_value(content).map_err(ApiError::internal)?;
            Ok((doc, row.retired_at.is_some()))
        }
        (Edit::Retire, Some(row)) => Ok((row.doc.clone(), true)),
        (Edit::Restore(revision), Some(_)) => {
            let old = store::revision(conn, (K::KIND, key), *revision)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "{} {key} has no revision {revision}",
                        K::KIND.as_str()
                    ))
                })?;
            Ok((old.doc, old.retired))
        }
    }
}

fn exists(kind: ItemKind, key: &str) -> ApiError {
    ApiError::conflict(
        ProblemCode::ItemExists,
        format!("{} {key} exists already", kind.as_str()),
    )
}

/// 412 unless `current` is at the `expected` revision (`None`: any).
fn check_revision(
    kind: ItemKind,
    key: &str,
    current: Option<&store::ItemRow>,
    expected: Option<i32>,
) -> ApiResult<()> {
    match (current, expected) {
        (Some(row), Some(expected)) if row.revision != expected => Err(ApiError::Status {
            code: ProblemCode::RevisionMismatch,
            detail: format!(
                "{} {key} is at revision {}, not {expected}: read it again",
                kind.as_str(),
                row.revision
            ),
        }),
        _ => Ok(()),
    }
}

/// The item and the items it brings, as they will be written; `None` when the edit
/// changes nothing.
async fn pending<K: Editable>(
    conn: &mut diesel_async::AsyncPgConnection,
    (key, edit, expected): (&str, Edit, Option<i32>),
    items: &[StoredItem],
) -> ApiResult<Option<Vec<Pending>>> {
    let current = store::item(conn, K::KIND, key).await?;
    check_revision(K::KIND, key, current.as_ref(), expected)?;
    let mut companions = Vec::new();
    let edit = match edit {
        Edit::Create(mut doc) if current.is_none() => {
            bounded(&doc, "")?;
            companions = K::companions(&mut doc)?;
            Edit::Create(doc)
        }
        other => other,
    };
    let (doc, retired) = apply::<K>(conn, key, current.as_ref(), &edit).await?;
    if content::key_of(K::KIND, &doc).as_deref() != Some(key) {
        return Err(ApiError::invalid("body", format!("must describe {key}")));
    }
    if let Some(row) = &current
        && row.doc == doc
        && row.retired_at.is_some() == retired
    {
        return Ok(None);
    }
    let after_last = items
        .iter()
        .filter(|i| i.kind == K::KIND)
        .map(|i| i.position)
        .max()
        .unwrap_or(0)
        + 1;
    let default = current.as_ref().map_or(after_last, |r| r.position);
    let position = K::position(&typed::<K::Content>(&doc)?, default);
    let mut writes = vec![Pending {
        kind: K::KIND,
        key: key.to_owned(),
        position,
        doc,
        retired,
        current,
    }];
    for (kind, key, position, doc) in companions {
        if store::item(conn, kind, &key).await?.is_some() {
            return Err(exists(kind, &key));
        }
        writes.push(Pending {
            kind,
            key,
            position,
            doc,
            retired: false,
            current: None,
        });
    }
    Ok(Some(writes))
}

/// Writes one pending revision with its audit entry.
async fn save(
    conn: &mut diesel_async::AsyncPgConnection,
    admin: &AuthUser,
    action: AuditAction,
    w: &Pending,
) -> ApiResult<()> {
    let baseline = w.current.as_ref().and_then(|r| r.baseline.clone());
    let newer = w.current.as_ref().and_then(|r| r.newer_baseline.clone());
    // Taking the newer baseline makes it the item's baseline.
    let (baseline, newer) = match newer {
        Some(n) if n == w.doc => (Some(n), None),
        other => (baseline, other),
    };
    let edited = baseline.as_ref() != Some(&w.doc) || w.retired;
    let write = store::Write {
        kind: w.kind,
        key: &w.key,
        position: w.position,
        doc: &w.doc,
        retired: w.retired,
        baseline: baseline.as_ref(),
        edited,
        newer_baseline: if edited { newer.as_ref() } else { None },
        actor: Some(admin.user_id.into()),
    };
    diesel_async::RunQueryDsl::get_result::<store::Revision>(store::write_query(&write), conn)
        .await?;
    let (before, after) = match &w.current {
        None => (Value::Null, w.doc.clone()),
        Some(row) => {
            let mut was = row.doc.clone();
            let mut now = w.doc.clone();
            if let (Some(was), Some(now)) = (was.as_object_mut(), now.as_object_mut()) {
                was.insert("retired".into(), Value::Bool(row.retired_at.is_some()));
                now.insert("retired".into(), Value::Bool(w.retired));
            }
            difference(&was, &now)
        }
    };
    let action = if w.current.is_none() {
        AuditAction::Create
    } else {
        action
    };
    let change = Change {
        actor: admin.user_id,
        subject: (w.kind.into(), &w.key),
        action,
        before,
        after,
    };
    audit::record(conn, change).await?;
    Ok(())
}

/// Makes `edit` to the item `key` of kind `K` for `admin` (see the module's summary).
pub async fn write<K: Editable>(
    req: &HttpRequest,
    admin: AuthUser,
    (pool, catalog): (&DbPool, &CatalogStore),
    key: String,
    edit: Edit,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let created = matches!(edit, Edit::Create(_));
    let expected = if created { None } else { if_match(req)? };
    let action = edit.action();
    let mut conn = db::conn(pool).await?;
    let changed = conn
        .transaction::<_, ApiError, _>(async |conn| {
            store::lock(conn).await?;
            let mut items = store::items(conn).await?;
            let Some(writes) = pending::<K>(conn, (&key, edit, expected), &items).await? else {
                return Ok(false);
            };
            for w in &writes {
                place(&mut items, w);
            }
            check(&items, conn).await?;
            for w in &writes {
                save(conn, &admin, action, w).await?;
            }
            store::bump_version(conn).await?;
            Ok(true)
        })
        .await?;
    if changed {
        // The other instances hear of it from PostgreSQL; this one reloads now.
        catalog.refresh(pool).await?;
    }
    let row = store::item(&mut conn, K::KIND, &key)
        .await?
        .ok_or_else(|| missing(K::KIND, &key))?;
    let status = if created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    answer::<K>(status, key, &row)
}

/// `items` with `w` in its place.
fn place(items: &mut Vec<StoredItem>, w: &Pending) {
    let item = StoredItem {
        kind: w.kind,
        key: w.key.clone(),
        position: w.position,
        doc: w.doc.clone(),
        retired: w.retired,
    };
    match items
        .iter_mut()
        .find(|i| i.kind == w.kind && i.key == w.key)
    {
        Some(existing) => *existing = item,
        None => items.push(item),
    }
}

/// Checks the catalog as `items` would make it: 422 `content_invalid` naming the rule
/// it breaks.
async fn check(items: &[StoredItem], conn: &mut diesel_async::AsyncPgConnection) -> ApiResult<()> {
    let mut items = items.to_vec();
    let (_, safety) = store::meta(conn).await?;
    // Typing and checking a thousand items is CPU work: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        items.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
        let contents = Contents::from_items(&items, safety)?;
        contents.check().map_err(|e| e.to_string())
    })
    .await
    .map_err(ApiError::internal)?;
    outcome.map_err(|detail| ApiError::Unprocessable {
        code: ProblemCode::ContentInvalid,
        detail,
        errors: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merge_patch_sets_replaces_and_removes_members() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        merge_patch(
            &mut doc,
            &json!({"a": null, "b": {"c": 5}, "e": [3], "f": "new"}),
        );
        assert_eq!(doc, json!({"b": {"c": 5, "d": 3}, "e": [3], "f": "new"}));
    }

    #[test]
    fn the_difference_names_only_changed_fields() {
        let (before, after) =
            difference(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3, "c": 4}));
        assert_eq!(before, json!({"b": 2, "c": null}));
        assert_eq!(after, json!({"b": 3, "c": 4}));
    }
}
