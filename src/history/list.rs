//! The session list: filters checked (dates in the user's time zone, catalog references
//! in canonical form), a keyset cursor bound to those filters, one page newest first.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::catalog::store::Snapshot;
use crate::error::ApiResult;
use crate::history::model::{SessionList, SessionsQuery};
use crate::history::{cursor, dates, store};
use crate::pagination;
use crate::users::UserId;
use crate::users::store as user_store;

/// The hash of the filters as sent, which a cursor must match.
fn filter_hash(q: &SessionsQuery) -> u64 {
    pagination::filter_hash(&[
        ("from", q.from.as_deref()),
        ("to", q.to.as_deref()),
        ("condition", q.condition.as_deref()),
        ("routine", q.routine.as_deref()),
        ("point", q.point.as_deref()),
    ])
}

/// The `from` and `to` bounds as instants; the user's time zone is read only when there
/// is a bound to place in it.
async fn bounds(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    q: &SessionsQuery,
) -> ApiResult<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
    if q.from.is_none() && q.to.is_none() {
        return Ok((None, None));
    }
    let zone = user_store::time_zone_of(conn, user_id).await?;
    let from = q
        .from
        .as_deref()
        .map(|r| dates::bound("from", r, zone, false));
    let to = q.to.as_deref().map(|r| dates::bound("to", r, zone, true));
    Ok((from.transpose()?, to.transpose()?))
}

/// One page of the user's sessions that match the query, and the cursor of the next.
pub async fn page(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user_id: UserId,
    q: &SessionsQuery,
) -> ApiResult<SessionList> {
    let limit = pagination::parse_limit(q.limit.as_deref())?;
    let (from, to) = bounds(conn, user_id, q).await?;
    let filters = filter_hash(q);
    let filter = store::ListFilter {
        from,
        to,
        condition: pagination::known("condition", q.condition.as_deref(), |s| {
            snapshot.condition_slug(s)
        })?,
        // A curated slug, or the id of an own routine (any: one deleted since still
        // names its sessions).
        routine: match q.routine.as_deref().map(Uuid::parse_str) {
            Some(Ok(id)) => Some(id.to_string()),
            _ => pagination::known("routine", q.routine.as_deref(), |s| {
                snapshot.routine_slug(s)
            })?,
        },
        point: pagination::known("point", q.point.as_deref(), |s| snapshot.point_code(s))?,
        before: cursor::decode_list(q.cursor.as_deref(), filters)?,
    };
    let mut items = store::list(conn, user_id, &filter, limit as i64 + 1).await?;
    let next_cursor = (items.len() > limit).then(|| {
        items.truncate(limit);
        let last = items.last().expect("a full page");
        cursor::encode_list(last.started_at, last.id, filters)
    });
    Ok(SessionList { items, next_cursor })
}
