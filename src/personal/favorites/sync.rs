//! Favorites in sync: the list is sent whole when it changed after the cursor, and a
//! push may replace it whole (inside the push's transaction, under the history lock).

use diesel_async::AsyncPgConnection;

use super::model::{FavoriteKind, FavoriteRef};
use super::{MAX_FAVORITES, canonical, store};
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::personal::routines;
use crate::users::{UserId, counter};

/// A pushed list, in canonical form.
pub type PlannedFavorites = Vec<(FavoriteKind, String)>;

/// Checks a pushed list: known items, each once, at most [`MAX_FAVORITES`].
pub fn plan(
    snapshot: &Snapshot,
    list: Vec<FavoriteRef>,
    problems: &mut Vec<FieldError>,
) -> PlannedFavorites {
    if list.len() > MAX_FAVORITES {
        problems.push(FieldError::new(
            "favorites",
            format!("an account keeps at most {MAX_FAVORITES} favorites"),
        ));
    }
    let mut planned: PlannedFavorites = Vec::with_capacity(list.len());
    for (i, r) in list.into_iter().enumerate() {
        match canonical(snapshot, r.kind, &r.id) {
            Some(item) if planned.iter().any(|(k, it)| *k == r.kind && *it == item) => {
                problems.push(FieldError::new(format!("favorites[{i}]"), "is named twice"))
            }
            Some(item) => planned.push((r.kind, item)),
            None => problems.push(FieldError::new(
                format!("favorites[{i}].id"),
                format!("unknown {} `{}`", r.kind.as_str(), r.id),
            )),
        }
    }
    planned
}

/// Whether the pushed list conflicts: the list changed on the server after `since` and
/// is not already the pushed one.
pub async fn conflicts(
    conn: &mut AsyncPgConnection,
    user: UserId,
    planned: &PlannedFavorites,
    changed_at: i64,
    since: i64,
) -> ApiResult<bool> {
    if changed_at <= since {
        return Ok(false);
    }
    let stored = store::list(conn, user).await?;
    let same = stored.len() == planned.len()
        && stored
            .iter()
            .zip(planned)
            .all(|(row, (kind, item))| row.kind == kind.as_str() && &row.item == item);
    Ok(!same)
}

/// Replaces the list at `version + 1` (own routines must exist once the push's routines
/// are applied); returns the version used.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    user: UserId,
    planned: &PlannedFavorites,
    version: i64,
) -> ApiResult<i64> {
    for (i, (kind, item)) in planned.iter().enumerate() {
        if *kind == FavoriteKind::OwnRoutine
            && routines::store::find(conn, user, item.parse().expect("a canonical id"))
                .await?
                .is_none()
        {
            return Err(ApiError::invalid(
                &format!("favorites[{i}].id"),
                format!("unknown {} `{item}`", kind.as_str()),
            ));
        }
    }
    store::replace(conn, user, planned).await?;
    counter::set_favorites_version(conn, user, version + 1).await?;
    Ok(version + 1)
}
