//! The rows of identities: reading, adding (with its log entry and the notice to a
//! verified address) and touching them, and the records of removed ones. Nothing here
//! signs anyone in, so the two-factor step can add an identity too.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::events::{self, Client, Event, SecurityEventKind, SignInMethod};
use crate::auth::id_token::VerifiedIdentity;
use crate::auth::store;
use crate::config::IdProvider;
use crate::db::schema::identities;
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, Outgoing, Template};
use crate::problems::ProblemCode;
use crate::users::store::UserRow;
use crate::users::{Email, UserId};

/// A linked Apple or Google sign-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a9f2-5c1e-7d3a-9b4e-2f6c8d0a1b2c", "provider": "apple",
    "email": "x7k2p9@privaterelay.appleid.com", "email_verified": true, "private_email": true,
    "linked_at": "2026-12-01T08:30:00Z", "last_used_at": "2026-12-02T07:10:00Z"}))]
pub struct Identity {
    pub id: Uuid,
    pub provider: IdProvider,
    /// The address the provider last gave (Apple gives it on the first sign-in only).
    #[schema(required = true, format = "email")]
    pub email: Option<String>,
    pub email_verified: bool,
    /// An Apple relay address (Hide My Email).
    pub private_email: bool,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = identities, check_for_backend(diesel::pg::Pg))]
pub(crate) struct IdentityRow {
    pub(crate) id: Uuid,
    pub(crate) user_id: UserId,
    provider: String,
    email: Option<String>,
    email_verified: bool,
    private_email: bool,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
}

impl IdentityRow {
    pub(crate) fn into_identity(self) -> Option<Identity> {
        Some(Identity {
            id: self.id,
            provider: IdProvider::parse(&self.provider)?,
            email: self.email,
            email_verified: self.email_verified,
            private_email: self.private_email,
            linked_at: self.created_at,
            last_used_at: self.last_used_at,
        })
    }
}

pub(crate) async fn find(
    conn: &mut AsyncPgConnection,
    provider: IdProvider,
    subject: &str,
) -> QueryResult<Option<IdentityRow>> {
    identities::table
        .filter(identities::provider.eq(provider.as_str()))
        .filter(identities::subject.eq(subject))
        .select(IdentityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The account's identities, oldest first.
pub async fn of_user(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<Identity>> {
    let rows: Vec<IdentityRow> = identities::table
        .filter(identities::user_id.eq(user))
        .order((identities::created_at.asc(), identities::id.asc()))
        .select(IdentityRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(IdentityRow::into_identity)
        .collect())
}

/// 409 `identity_taken`; also what a lost race over a new identity looks like inside
/// the transaction (see [`sign_in`]).
pub(crate) fn identity_taken() -> ApiError {
    ApiError::conflict(
        ProblemCode::IdentityTaken,
        "this Apple or Google account already signs in to another account",
    )
}

pub(crate) fn provider_already_linked(provider: IdProvider) -> ApiError {
    ApiError::conflict(
        ProblemCode::ProviderAlreadyLinked,
        format!(
            "this account already has a {} sign-in; unlink it first",
            provider.as_str()
        ),
    )
}

pub(crate) async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    verified: &VerifiedIdentity,
) -> ApiResult<Identity> {
    let row: Vec<IdentityRow> = diesel::insert_into(identities::table)
        .values((
            identities::id.eq(Uuid::now_v7()),
            identities::user_id.eq(user),
            identities::provider.eq(verified.provider.as_str()),
            identities::subject.eq(&verified.subject),
            identities::email.eq(verified.email.as_ref().map(|e| e.as_str())),
            identities::email_verified.eq(verified.email_verified),
            identities::private_email.eq(verified.private_email),
        ))
        .returning(IdentityRow::as_returning())
        .load(conn)
        .await
        .map_err(|e| match store::unique_constraint(&e) {
            Some("identities_user_id_provider_key") => provider_already_linked(verified.provider),
            Some(_) => identity_taken(),
            None => e.into(),
        })?;
    row.into_iter()
        .next()
        .and_then(IdentityRow::into_identity)
        .ok_or_else(|| ApiError::internal("an inserted identity was not returned"))
}

/// Notes a sign-in with an identity: the address the provider gives now (Apple gives
/// one only the first time, so an absent one keeps the old) and the time.
pub(crate) async fn touch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    verified: &VerifiedIdentity,
) -> QueryResult<()> {
    let target = identities::table.find(id);
    match &verified.email {
        Some(email) => {
            diesel::update(target)
                .set((
                    identities::email.eq(email.as_str()),
                    identities::email_verified.eq(verified.email_verified),
                    identities::private_email.eq(verified.private_email),
                    identities::last_used_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?
        }
        None => {
            diesel::update(target)
                .set(identities::last_used_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

pub(crate) async fn has_provider(
    conn: &mut AsyncPgConnection,
    user: UserId,
    provider: IdProvider,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        identities::table
            .filter(identities::user_id.eq(user))
            .filter(identities::provider.eq(provider.as_str())),
    ))
    .get_result(conn)
    .await
}

/// Mails the account's verified address that `provider` can sign in to it now.
pub(crate) async fn notify_added(
    conn: &mut AsyncPgConnection,
    row: &UserRow,
    provider: IdProvider,
) -> ApiResult<()> {
    if row.email_verified_at.is_none() {
        return Ok(());
    }
    let method = match provider {
        IdProvider::Apple => "Sign in with Apple",
        IdProvider::Google => "Sign in with Google",
    };
    let time = Utc::now().format("%Y-%m-%d %H:%M").to_string();
    let params = [
        ("name", row.display_name.as_str()),
        ("method", method),
        ("time", &time),
    ];
    if let Some(to) = row.email.as_deref() {
        let message = Outgoing {
            user: Some(Uuid::from(row.id)),
            to,
            lang: row.locale,
            template: Template::SignInAdded,
            params: &params,
        };
        mail::enqueue(conn, message).await?;
    }
    Ok(())
}

/// Removes records of retired identities older than [`events::KEPT_DAYS`].
pub async fn purge_retired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    use crate::db::schema::retired_identities;
    diesel::delete(
        retired_identities::table.filter(
            retired_identities::at.lt(Utc::now() - chrono::Duration::days(events::KEPT_DAYS)),
        ),
    )
    .execute(conn)
    .await
}

/// Links `verified` to the account `row` (held by the caller): the identity row, the
/// `identity_linked` event and the notice to a verified address.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    row: &UserRow,
    verified: &VerifiedIdentity,
    client: &Client,
) -> ApiResult<Identity> {
    let identity = insert(conn, row.id, verified).await?;
    let mut event =
        Event::new(SecurityEventKind::IdentityLinked).method(SignInMethod::from(verified.provider));
    if let Some(email) = identity.email.as_deref() {
        event = event.email(email);
    }
    events::record(conn, row.id, client, event).await?;
    notify_added(conn, row, verified.provider).await?;
    Ok(identity)
}

/// An identity waiting on a two-factor challenge to be linked (a first sign-in whose
/// verified address is a two-factor account's): what a challenge keeps of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingIdentity {
    pub provider: IdProvider,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub private_email: bool,
}

impl PendingIdentity {
    pub fn of(verified: &VerifiedIdentity) -> Self {
        Self {
            provider: verified.provider,
            subject: verified.subject.clone(),
            email: verified.email.as_ref().map(|e| e.as_str().to_owned()),
            email_verified: verified.email_verified,
            private_email: verified.private_email,
        }
    }

    pub fn verified(&self) -> VerifiedIdentity {
        let email = self.email.as_deref().and_then(|e| Email::parse(e).ok());
        VerifiedIdentity {
            provider: self.provider,
            subject: self.subject.clone(),
            email_verified: self.email_verified && email.is_some(),
            private_email: self.private_email,
            email,
            name: None,
        }
    }
}
