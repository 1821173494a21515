//! The audit log of what admins do: who, when, to which item, and the item before and
//! after, written in the transaction of the change; read newest first in keyset pages,
//! across everything or per item.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::catalog::content::ItemKind;
use crate::db::schema::admin_audit;
use crate::error::{ApiError, ApiResult};
use crate::pagination;
use crate::problems::ProblemCode;
use crate::users::UserId;

/// What an admin did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Disable,
    Enable,
    SignOut,
    GrantAdmin,
    RevokeAdmin,
    /// A catalog item was created.
    Create,
    /// A catalog item was changed.
    Update,
    /// A catalog item was retired.
    Retire,
    /// A catalog item was restored to an earlier revision.
    Restore,
    /// The data files shipped with a release say something else about an item an admin
    /// edited: the edit was kept, and `after` is what the files now say (no actor).
    NewerBaseline,
}

impl AuditAction {
    pub const ALL: [Self; 10] = [
        Self::Disable,
        Self::Enable,
        Self::SignOut,
        Self::GrantAdmin,
        Self::RevokeAdmin,
        Self::Create,
        Self::Update,
        Self::Retire,
        Self::Restore,
        Self::NewerBaseline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Enable => "enable",
            Self::SignOut => "sign_out",
            Self::GrantAdmin => "grant_admin",
            Self::RevokeAdmin => "revoke_admin",
            Self::Create => "create",
            Self::Update => "update",
            Self::Retire => "retire",
            Self::Restore => "restore",
            Self::NewerBaseline => "newer_baseline",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// The kind of item an entry is about: an account, or a kind of catalog item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditSubject {
    User,
    Point,
    Condition,
    Link,
    Routine,
    Precaution,
}

impl AuditSubject {
    const ALL: [Self; 6] = [
        Self::User,
        Self::Point,
        Self::Condition,
        Self::Link,
        Self::Routine,
        Self::Precaution,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Point => ItemKind::Point.as_str(),
            Self::Condition => ItemKind::Condition.as_str(),
            Self::Link => ItemKind::Link.as_str(),
            Self::Routine => ItemKind::Routine.as_str(),
            Self::Precaution => ItemKind::Precaution.as_str(),
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl From<ItemKind> for AuditSubject {
    fn from(kind: ItemKind) -> Self {
        match kind {
            ItemKind::Point => Self::Point,
            ItemKind::Condition => Self::Condition,
            ItemKind::Link => Self::Link,
            ItemKind::Routine => Self::Routine,
            ItemKind::Precaution => Self::Precaution,
        }
    }
}

/// One change to write.
pub struct Change<'a> {
    pub actor: UserId,
    pub subject: (AuditSubject, &'a str),
    pub action: AuditAction,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Writes `change` in the caller's transaction.
pub async fn record(conn: &mut AsyncPgConnection, change: Change<'_>) -> QueryResult<()> {
    diesel::insert_into(admin_audit::table)
        .values((
            admin_audit::id.eq(Uuid::now_v7()),
            admin_audit::actor.eq(Some(change.actor)),
            admin_audit::subject_kind.eq(change.subject.0.as_str()),
            admin_audit::subject_id.eq(change.subject.1),
            admin_audit::action.eq(change.action.as_str()),
            admin_audit::before.eq(change.before),
            admin_audit::after.eq(change.after),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// An entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a9f2-5c1e-7d3a-9b4e-2f6c8d0a1b2c",
    "actor": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f", "at": "2026-12-02T09:00:00Z",
    "subject_kind": "user", "subject_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e40",
    "action": "disable", "before": {"disabled_at": null},
    "after": {"disabled_at": "2026-12-02T09:00:00Z"}}))]
pub struct AuditEntry {
    pub id: Uuid,
    /// The admin who made the change; null for a notice of the start-up loader
    /// (`newer_baseline`).
    #[schema(value_type = Option<Uuid>, required = true)]
    pub actor: Option<UserId>,
    pub at: DateTime<Utc>,
    pub subject_kind: AuditSubject,
    pub subject_id: String,
    pub action: AuditAction,
    /// The item's changed fields before the change.
    #[schema(required = true, value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The same fields after it.
    #[schema(required = true, value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the entries about this item: `user:<id>`, or a catalog item as
    /// `point:LI4`, `condition:<slug>`, `link:<slug>/<code>`, `routine:<slug>` or
    /// `precaution:<slug>`.
    #[param(
        pattern = "^(user:[0-9a-fA-F-]{36}|(point|condition|link|routine|precaution):[A-Za-z0-9./-]{1,130})$"
    )]
    pub subject: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

type Row = (
    Uuid,
    Option<UserId>,
    DateTime<Utc>,
    String,
    String,
    String,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
);

/// `user:<id>`, or a catalog item as `point:LI4`, `condition:<slug>`,
/// `link:<slug>/<code>`, `routine:<slug>` or `precaution:<slug>`.
fn subject_filter(raw: &str) -> ApiResult<(AuditSubject, String)> {
    let bad = || {
        ApiError::bad_param(
            ProblemCode::BadQuery,
            "subject",
            "must be user:<uuid> or <point|condition|link|routine|precaution>:<key>",
        )
    };
    let (kind, key) = raw.split_once(':').ok_or_else(bad)?;
    match AuditSubject::parse(kind).ok_or_else(bad)? {
        AuditSubject::User => Uuid::parse_str(key)
            .map(|id| (AuditSubject::User, id.to_string()))
            .map_err(|_| bad()),
        subject if !key.is_empty() => Ok((subject, key.to_owned())),
        _ => Err(bad()),
    }
}

/// One page of the log, across everything or about one item.
pub async fn page(conn: &mut AsyncPgConnection, query: &AuditQuery) -> ApiResult<AuditPage> {
    let limit = pagination::parse_limit(query.limit.as_deref())?;
    let before = pagination::open_time_cursor(query.cursor.as_deref())?;
    let mut select = admin_audit::table
        .order((admin_audit::at.desc(), admin_audit::id.desc()))
        .select((
            admin_audit::id,
            admin_audit::actor,
            admin_audit::at,
            admin_audit::subject_kind,
            admin_audit::subject_id,
            admin_audit::action,
            admin_audit::before,
            admin_audit::after,
        ))
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(raw) = query.subject.as_deref() {
        let (kind, id) = subject_filter(raw)?;
        select = select
            .filter(admin_audit::subject_kind.eq(kind.as_str()))
            .filter(admin_audit::subject_id.eq(id));
    }
    if let Some((at, id)) = before {
        select = select.filter(
            admin_audit::at
                .lt(at)
                .or(admin_audit::at.eq(at).and(admin_audit::id.lt(id))),
        );
    }
    let mut rows: Vec<Row> = select.load(conn).await?;
    let next_cursor = pagination::time_page(&mut rows, limit, |r| (r.2, r.0));
    let items = rows
        .into_iter()
        .filter_map(|(id, actor, at, kind, subject_id, action, before, after)| {
            Some(AuditEntry {
                id,
                actor,
                at,
                subject_kind: AuditSubject::parse(&kind)?,
                subject_id,
                action: AuditAction::parse(&action)?,
                before,
                after,
            })
        })
        .collect();
    Ok(AuditPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_as_serde_writes_them() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
    }

    #[test]
    fn the_migration_allows_exactly_these_actions() {
        let sql = include_str!("../../migrations/2026-12-02-000140_content_studio/up.sql");
        let check = &sql[sql.find("action IN (").expect("the check")..];
        let check = &check[..check.find("))").expect("its end")];
        let listed: Vec<&str> = check.split('\'').skip(1).step_by(2).collect();
        let known: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(listed, known);
    }
}
