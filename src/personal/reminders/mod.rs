//! Reminders: weekdays and a local time in the account's (or the reminder's own) IANA
//! time zone, optionally for a curated or own routine, at most [`MAX_REMINDERS`] per account.
//! The phone schedules the notification; the server keeps the copy every device agrees
//! on and says when it fires next (`schedule`).

pub mod handlers;
pub mod model;
mod schedule;
pub(crate) mod store;
pub mod sync;

use chrono::{NaiveTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult};
use crate::personal::routines;
use crate::problems::ProblemCode;
use crate::users::{TimeZone, UserId, counter, store as users};
use crate::validate::{Problems, TextRule};
use model::{Reminder, ReminderInput, ReminderPatch, Weekday};
use schedule::{Days, next_fire};
use store::{ReminderRow, ReminderValues};

pub const MAX_REMINDERS: i64 = 20;
const MAX_LABEL_CHARS: usize = 80;

fn no_reminder(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no reminder {id}"))
}

fn days(p: &mut Problems, days: &[Weekday]) -> Option<i16> {
    if days.is_empty() {
        p.add("days", "choose one to seven days");
        return None;
    }
    Some(days.iter().fold(0, |bits, day| bits | day.bit()))
}

fn time(p: &mut Problems, raw: &str) -> Option<NaiveTime> {
    let valid = raw.len() == 5 && raw.as_bytes()[2] == b':';
    let time = valid
        .then(|| NaiveTime::parse_from_str(raw, "%H:%M").ok())
        .flatten();
    if time.is_none() {
        p.add("time", "must be a local time HH:MM, 00:00 to 23:59");
    }
    time
}

fn zone(p: &mut Problems, raw: &str) -> Option<TimeZone> {
    let zone = TimeZone::parse(raw).ok();
    if zone.is_none() {
        p.add(
            "time_zone",
            "is not an IANA time zone this server knows, such as Europe/Berlin",
        );
    }
    zone
}

fn routine(p: &mut Problems, snapshot: &Snapshot, own: &[Uuid], slug: &str) -> Option<String> {
    let found = routines::routine_name(snapshot, own, slug);
    if found.is_none() {
        p.add("routine", format!("unknown routine `{slug}`"));
    }
    found
}

fn label(p: &mut Problems, raw: &str) -> Option<String> {
    p.required_text("label", raw, TextRule::line(MAX_LABEL_CHARS))
}

pub(crate) fn new_values(
    snapshot: &Snapshot,
    own: &[Uuid],
    input: &ReminderInput,
) -> ApiResult<ReminderValues> {
    let mut p = Problems::default();
    let values = ReminderValues {
        days: days(&mut p, &input.days),
        local_time: time(&mut p, &input.time),
        time_zone: Some(input.time_zone.as_deref().and_then(|z| zone(&mut p, z))),
        routine_slug: Some(
            input
                .routine
                .as_deref()
                .and_then(|r| routine(&mut p, snapshot, own, r)),
        ),
        label: Some(input.label.as_deref().and_then(|l| label(&mut p, l))),
        enabled: Some(input.enabled.unwrap_or(true)),
    };
    p.done(values)
}

fn changed_values(
    snapshot: &Snapshot,
    own: &[Uuid],
    patch: &ReminderPatch,
) -> ApiResult<ReminderValues> {
    let mut p = Problems::default();
    let values = ReminderValues {
        days: patch.days.as_deref().and_then(|d| days(&mut p, d)),
        local_time: patch.time.as_deref().and_then(|t| time(&mut p, t)),
        time_zone: patch
            .time_zone
            .as_ref()
            .map(|z| z.as_deref().and_then(|z| zone(&mut p, z))),
        routine_slug: patch
            .routine
            .as_ref()
            .map(|r| r.as_deref().and_then(|r| routine(&mut p, snapshot, own, r))),
        label: patch
            .label
            .as_ref()
            .map(|l| l.as_deref().and_then(|l| label(&mut p, l))),
        enabled: patch.enabled,
    };
    p.done(values)
}

/// The reminder as its owner sees it, firing in its own zone or `account_zone`.
pub(crate) fn view(row: ReminderRow, account_zone: TimeZone) -> Reminder {
    let zone = row.time_zone.unwrap_or(account_zone);
    let days = Days(row.days as u8);
    Reminder {
        id: row.id,
        days: Weekday::ALL
            .into_iter()
            .filter(|d| row.days & d.bit() != 0)
            .collect(),
        time: row.local_time.format("%H:%M").to_string(),
        time_zone: row.time_zone.map(|z| z.name().to_owned()),
        effective_time_zone: zone.name().to_owned(),
        routine: row.routine_slug,
        label: row.label,
        enabled: row.enabled,
        next_fire_at: row
            .enabled
            .then(|| next_fire(days, row.local_time, zone.tz(), Utc::now()))
            .flatten(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub(crate) async fn account_zone(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> ApiResult<TimeZone> {
    Ok(users::time_zone_of(conn, user).await?)
}

pub async fn list(conn: &mut AsyncPgConnection, user: UserId) -> ApiResult<Vec<Reminder>> {
    let zone = account_zone(conn, user).await?;
    Ok(store::list(conn, user)
        .await?
        .into_iter()
        .map(|row| view(row, zone))
        .collect())
}

pub async fn get(conn: &mut AsyncPgConnection, user: UserId, id: Uuid) -> ApiResult<Reminder> {
    let zone = account_zone(conn, user).await?;
    let row = store::find(conn, user, id)
        .await?
        .ok_or_else(|| no_reminder(id))?;
    Ok(view(row, zone))
}

/// Stores a new reminder: 409 when the account has one with this id, 422 past the limit.
pub async fn create(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user: UserId,
    input: ReminderInput,
) -> ApiResult<Reminder> {
    let own = routines::known_among(conn, user, [input.routine.as_deref()]).await?;
    let values = new_values(snapshot, &own, &input)?;
    let id = input.id.unwrap_or_else(Uuid::now_v7);
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let lock = counter::lock_history(conn, user).await?;
            if store::find(conn, user, id).await?.is_some() {
                return Err(ApiError::conflict(
                    ProblemCode::ReminderExists,
                    "a reminder with this id already exists",
                ));
            }
            if store::count_live(conn, user).await? >= MAX_REMINDERS {
                return Err(limit_reached());
            }
            let version = lock.version + 1;
            let row = store::insert(conn, user, id, &values, version).await?;
            counter::set_history_version(conn, user, version).await?;
            Ok(row)
        })
        .await?;
    let zone = account_zone(conn, user).await?;
    Ok(view(row, zone))
}

/// The 422 of a reminder past [`MAX_REMINDERS`].
pub(crate) fn limit_reached() -> ApiError {
    ApiError::invalid(
        "id",
        format!("an account has at most {MAX_REMINDERS} reminders; delete one first"),
    )
}

/// Applies a merge patch; an empty one writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user: UserId,
    id: Uuid,
    patch: ReminderPatch,
) -> ApiResult<Reminder> {
    let named = patch.routine.as_ref().and_then(|r| r.as_deref());
    let own = routines::known_among(conn, user, [named]).await?;
    let values = changed_values(snapshot, &own, &patch)?;
    if values == ReminderValues::default() {
        return get(conn, user, id).await;
    }
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let lock = counter::lock_history(conn, user).await?;
            let version = lock.version + 1;
            let row = store::update(conn, user, id, &values, version)
                .await?
                .ok_or_else(|| no_reminder(id))?;
            counter::set_history_version(conn, user, version).await?;
            Ok(row)
        })
        .await?;
    let zone = account_zone(conn, user).await?;
    Ok(view(row, zone))
}

/// Deletes a reminder, leaving a tombstone for sync.
pub async fn delete(conn: &mut AsyncPgConnection, user: UserId, id: Uuid) -> ApiResult<()> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = counter::lock_history(conn, user).await?;
        if !store::tombstone(conn, user, id, lock.version + 1).await? {
            return Err(no_reminder(id));
        }
        counter::set_history_version(conn, user, lock.version + 1).await?;
        Ok(())
    })
    .await
}
