//! Favorites: catalog points, curated routines and own routines an account keeps, in its
//! own order, at most [`MAX_FAVORITES`]. Every change moves the account's history counter
//! and records it as the favorites' version, so sync sends the list when it changed. Adding and removing are idempotent; an item that leaves the
//! catalog stays listed as retired; the favorite points run as one routine.

pub mod handlers;
pub mod model;
mod store;
pub mod sync;

use std::collections::HashMap;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::catalog::model::Localizer;
use crate::catalog::safety::{Press, warnings};
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult};
use crate::http::Lang;
use crate::personal::routines;
use crate::users::model::SafetyProfile;
use crate::users::{UserId, counter};
use model::{Favorite, FavoriteKind, FavoriteRef, FavoritesRoutine};
use store::FavoriteRow;

pub const MAX_FAVORITES: usize = 100;

/// The 422 for an item the catalog (or the account) does not have.
fn unknown(kind: FavoriteKind, id: &str) -> ApiError {
    ApiError::invalid("id", format!("unknown {} `{id}`", kind.as_str()))
}

/// The canonical code or slug of a catalog item, if the catalog has it.
fn canonical(snapshot: &Snapshot, kind: FavoriteKind, id: &str) -> Option<String> {
    match kind {
        FavoriteKind::Point => snapshot
            .point_index(id)
            .map(|pi| snapshot.points[pi].code.clone()),
        FavoriteKind::Routine => snapshot
            .routine_index(id)
            .map(|ri| snapshot.routines[ri].slug.clone()),
        FavoriteKind::OwnRoutine => Uuid::parse_str(id).ok().map(|id| id.to_string()),
    }
}

/// The names of the account's live own routines, by id, when `rows` name any.
async fn own_names(
    conn: &mut AsyncPgConnection,
    user: UserId,
    rows: &[FavoriteRow],
) -> ApiResult<HashMap<String, String>> {
    if !rows
        .iter()
        .any(|r| r.kind == FavoriteKind::OwnRoutine.as_str())
    {
        return Ok(HashMap::new());
    }
    Ok(routines::store::all_live(conn, user)
        .await?
        .into_iter()
        .map(|r| (r.id.to_string(), r.name))
        .collect())
}

fn view(
    snapshot: &Snapshot,
    lang: Lang,
    own: &HashMap<String, String>,
    row: FavoriteRow,
) -> Favorite {
    let kind = FavoriteKind::parse(&row.kind).unwrap_or(FavoriteKind::Point);
    let (name, retired) = match kind {
        FavoriteKind::Point => snapshot.point_index(&row.item).map(|pi| {
            let name = snapshot.point_name(&row.item, &Localizer::new(lang)).0;
            (name, snapshot.retired.point(pi))
        }),
        FavoriteKind::Routine => snapshot.routine_index(&row.item).map(|ri| {
            (
                snapshot.routine_ref(ri, &Localizer::new(lang)).name,
                snapshot.retired.routine(ri),
            )
        }),
        FavoriteKind::OwnRoutine => own.get(&row.item).map(|name| (name.clone(), false)),
    }
    .map_or((None, true), |(name, retired)| (Some(name), retired));
    Favorite {
        kind,
        retired,
        name,
        id: row.item,
        added_at: row.created_at,
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
) -> ApiResult<Vec<Favorite>> {
    let rows = store::list(conn, user).await?;
    let own = own_names(conn, user, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|row| view(snapshot, lang, &own, row))
        .collect())
}

/// Adds a favorite (a repeat changes nothing) and answers with it.
pub async fn add(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    kind: FavoriteKind,
    id: &str,
) -> ApiResult<Favorite> {
    let item = canonical(snapshot, kind, id).ok_or_else(|| unknown(kind, id))?;
    let retired = match kind {
        FavoriteKind::Point => snapshot
            .point_index(&item)
            .is_some_and(|i| snapshot.retired.point(i)),
        FavoriteKind::Routine => snapshot
            .routine_index(&item)
            .is_some_and(|i| snapshot.retired.routine(i)),
        FavoriteKind::OwnRoutine => false,
    };
    if retired {
        return Err(ApiError::invalid(
            "id",
            format!("{} `{id}` is retired", kind.as_str()),
        ));
    }
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let lock = counter::lock_history(conn, user).await?;
            if kind == FavoriteKind::OwnRoutine
                && routines::store::find(conn, user, item.parse().expect("a canonical id"))
                    .await?
                    .is_none()
            {
                return Err(unknown(kind, id));
            }
            let rows = store::list(conn, user).await?;
            if let Some(kept) = rows
                .iter()
                .find(|r| r.kind == kind.as_str() && r.item == item)
            {
                return Ok(kept.clone());
            }
            if rows.len() >= MAX_FAVORITES {
                return Err(ApiError::invalid(
                    "id",
                    format!("an account keeps at most {MAX_FAVORITES} favorites"),
                ));
            }
            let next = rows.iter().map(|r| r.position).max().unwrap_or(0) + 1;
            let row = store::add(conn, user, kind.as_str(), &item, next).await?;
            counter::set_favorites_version(conn, user, lock.version + 1).await?;
            Ok(row)
        })
        .await?;
    let own = own_names(conn, user, std::slice::from_ref(&row)).await?;
    Ok(view(snapshot, lang, &own, row))
}

/// Removes a favorite; removing one that is not there is fine. A retired item is named
/// as it was stored.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user: UserId,
    kind: FavoriteKind,
    id: &str,
) -> ApiResult<()> {
    let item = canonical(snapshot, kind, id).unwrap_or_else(|| id.to_owned());
    conn.transaction::<_, ApiError, _>(async |conn| {
        let lock = counter::lock_history(conn, user).await?;
        if store::remove(conn, user, kind.as_str(), &item).await? {
            counter::set_favorites_version(conn, user, lock.version + 1).await?;
        }
        Ok(())
    })
    .await
}

/// Puts the favorites in the order given, which must name each of them once (422 else).
pub async fn reorder(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    order: Vec<FavoriteRef>,
) -> ApiResult<Vec<Favorite>> {
    let wanted: Vec<(FavoriteKind, String)> = order
        .into_iter()
        .map(|r| {
            let item = canonical(snapshot, r.kind, &r.id).unwrap_or(r.id);
            (r.kind, item)
        })
        .collect();
    conn.transaction::<_, ApiError, _>(async |conn| {
        let lock = counter::lock_history(conn, user).await?;
        let rows = store::list(conn, user).await?;
        let mut have: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.kind.as_str(), r.item.as_str()))
            .collect();
        let mut named: Vec<(&str, &str)> = wanted
            .iter()
            .map(|(k, i)| (k.as_str(), i.as_str()))
            .collect();
        have.sort_unstable();
        named.sort_unstable();
        if have != named {
            return Err(ApiError::invalid(
                "items",
                "must name every favorite of the account exactly once",
            ));
        }
        for (position, (kind, item)) in wanted.iter().enumerate() {
            store::set_position(conn, user, kind.as_str(), item, position as i32 + 1).await?;
        }
        counter::set_favorites_version(conn, user, lock.version + 1).await?;
        Ok(())
    })
    .await?;
    list(conn, snapshot, lang, user).await
}

/// The favorite points, in the account's order, as one routine timed by their self-care
/// guidance, with the warnings of `profile`.
pub async fn routine(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    profile: &SafetyProfile,
) -> ApiResult<FavoritesRoutine> {
    let mut steps = Vec::new();
    let mut left_out = Vec::new();
    let mut presses = Vec::new();
    for row in store::list(conn, user).await? {
        if row.kind != FavoriteKind::Point.as_str() {
            continue;
        }
        let step = snapshot
            .point_index(&row.item)
            .filter(|&pi| !snapshot.retired.point(pi))
            .and_then(|pi| {
                snapshot
                    .selfcare_step(pi, steps.len() + 1, &Localizer::new(lang))
                    .map(|s| (pi, s))
            });
        match step {
            Some((pi, step)) => {
                presses.push(Press {
                    point: &snapshot.points[pi],
                    pressure: Some(step.pressure),
                });
                steps.push(step);
            }
            None => left_out.push(row.item),
        }
    }
    Ok(FavoritesRoutine {
        step_count: steps.len(),
        total_seconds: steps.iter().map(|s| s.seconds).sum(),
        warnings: warnings(profile, presses),
        steps,
        left_out,
    })
}
