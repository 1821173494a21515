//! The `users` row and the queries on it that several features share. No HTTP types here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::DbError;
use crate::db::schema::users;
use crate::lang::Lang;
use crate::users::model::{SafetyProfile, User};
use crate::users::{Email, Role, TimeZone, UserId};

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: UserId,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub locale: Lang,
    /// As stored, so that the owner sees (and can change) even a zone this server no
    /// longer knows; local days are computed through [`time_zone_of`].
    pub time_zone: String,
    pub role: Role,
    pub is_guest: bool,
    pub pregnant: bool,
    pub bleeding_risk: bool,
    pub varicose_veins: bool,
    pub recent_surgery_or_fracture: bool,
    pub skin_condition: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn to_user(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            locale: self.locale,
            time_zone: self.time_zone.clone(),
            role: self.role,
            is_guest: self.is_guest,
            email_verified_at: self.email_verified_at,
            safety_profile: SafetyProfile {
                pregnant: self.pregnant,
                bleeding_risk: self.bleeding_risk,
                varicose_veins: self.varicose_veins,
                recent_surgery_or_fracture: self.recent_surgery_or_fracture,
                skin_condition: self.skin_condition,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The safety answers of a user, as stored.
#[derive(Queryable, QueryableByName)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct SafetyRow {
    pub pregnant: bool,
    pub bleeding_risk: bool,
    pub varicose_veins: bool,
    pub recent_surgery_or_fracture: bool,
    pub skin_condition: bool,
}

impl From<SafetyRow> for SafetyProfile {
    fn from(r: SafetyRow) -> Self {
        Self {
            pregnant: r.pregnant,
            bleeding_risk: r.bleeding_risk,
            varicose_veins: r.varicose_veins,
            recent_surgery_or_fracture: r.recent_surgery_or_fracture,
            skin_condition: r.skin_condition,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: Option<&'a Email>,
    pub password_hash: Option<&'a str>,
    pub display_name: &'a str,
    pub locale: Lang,
    pub time_zone: TimeZone,
    pub is_guest: bool,
}

impl<'a> NewUser<'a> {
    /// An account with an email and password, under a new id.
    pub fn with_password(
        email: &'a Email,
        password_hash: &'a str,
        display_name: &'a str,
        locale: Lang,
        time_zone: TimeZone,
    ) -> Self {
        Self {
            id: UserId::new_v7(),
            email: Some(email),
            password_hash: Some(password_hash),
            display_name,
            locale,
            time_zone,
            is_guest: false,
        }
    }

    /// A guest account (no email, no password), under a new id.
    pub fn guest(locale: Lang, time_zone: TimeZone) -> Self {
        Self {
            id: UserId::new_v7(),
            email: None,
            password_hash: None,
            display_name: "Guest",
            locale,
            time_zone,
            is_guest: true,
        }
    }
}

pub async fn insert_user(conn: &mut AsyncPgConnection, user: NewUser<'_>) -> QueryResult<UserRow> {
    let insert = diesel::insert_into(users::table)
        .values(user)
        .returning(UserRow::as_returning());
    insert
        .load(conn)
        .await?
        .into_iter()
        .next()
        .ok_or(DieselError::NotFound)
}

pub async fn user_by_email(
    conn: &mut AsyncPgConnection,
    email: &Email,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn user_by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The zone the user's local days are computed in; `AccountGone` when the account was
/// deleted, and an error (a 500, logged) when the stored zone is not one this server
/// knows, rather than days computed in UTC while the database computes them otherwise.
/// Locks the account's row until the transaction ends, so that changes to what the
/// account owns (its favorites, its reminders) queue up; `false` when the account is gone.
pub async fn lock(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
    Ok(users::table
        .find(id)
        .select(users::id)
        .for_update()
        .first::<UserId>(conn)
        .await
        .optional()?
        .is_some())
}

pub async fn time_zone_of(conn: &mut AsyncPgConnection, id: UserId) -> Result<TimeZone, DbError> {
    users::table
        .find(id)
        .select(users::time_zone)
        .first::<TimeZone>(conn)
        .await
        .optional()?
        .ok_or(DbError::AccountGone)
}

/// Attaches credentials to a guest; `None` when the account is not a guest.
pub async fn upgrade_guest(
    conn: &mut AsyncPgConnection,
    id: UserId,
    email: &Email,
    password_hash: &str,
    display_name: Option<&str>,
) -> QueryResult<Option<UserRow>> {
    let target = users::table
        .filter(users::id.eq(id))
        .filter(users::is_guest.eq(true));
    let changes = (
        users::email.eq(email),
        users::password_hash.eq(password_hash),
        users::is_guest.eq(false),
        users::updated_at.eq(diesel::dsl::now),
    );
    match display_name {
        Some(name) => {
            let update = diesel::update(target)
                .set((changes, users::display_name.eq(name)))
                .returning(UserRow::as_returning());
            // `load`, not `get_result`: read to the end, so a commit that fails is an error.
            Ok(update.load(conn).await?.into_iter().next())
        }
        None => {
            let update = diesel::update(target)
                .set(changes)
                .returning(UserRow::as_returning());
            // `load`, not `get_result`: read to the end, so a commit that fails is an error.
            Ok(update.load(conn).await?.into_iter().next())
        }
    }
}

/// Makes the account a full one (no longer a guest) and, when `email` is given, gives
/// it that address as verified: an address an identity provider vouched for, on an
/// account made or upgraded by an ID token. `None` when the account is gone.
pub async fn adopt_identity(
    conn: &mut AsyncPgConnection,
    id: UserId,
    email: Option<&Email>,
) -> QueryResult<Option<UserRow>> {
    let target = users::table.find(id);
    let full = (
        users::is_guest.eq(false),
        users::updated_at.eq(diesel::dsl::now),
    );
    // `load`, not `get_result`: read to the end, so a commit that fails is an error.
    let rows = match email {
        Some(email) => {
            diesel::update(target)
                .set((
                    full,
                    users::email.eq(email),
                    users::email_verified_at.eq(diesel::dsl::now),
                ))
                .returning(UserRow::as_returning())
                .load(conn)
                .await?
        }
        None => {
            diesel::update(target)
                .set(full)
                .returning(UserRow::as_returning())
                .load(conn)
                .await?
        }
    };
    Ok(rows.into_iter().next())
}

/// Whether an admin disabled the account (`false` when it is gone).
pub async fn is_disabled(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
    Ok(users::table
        .find(id)
        .select(users::disabled_at.is_not_null())
        .first::<bool>(conn)
        .await
        .optional()?
        .unwrap_or(false))
}

/// Grants the admin role (the `acupress admin grant` command). Returns whether an
/// account with that email exists.
pub async fn grant_admin(conn: &mut AsyncPgConnection, email: &Email) -> QueryResult<bool> {
    Ok(diesel::update(users::table.filter(users::email.eq(email)))
        .set((
            users::role.eq(Role::Admin),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?
        > 0)
}

pub async fn set_password(
    conn: &mut AsyncPgConnection,
    id: UserId,
    password_hash: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
