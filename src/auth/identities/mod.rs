//! Sign-in methods beyond the password: Apple and Google identities, each found by
//! (provider, subject) and never by its email alone.
//!
//! A first sign-in with a provider account links it to the acupress account with the
//! same address only when both sides have verified it (the provider says so, and the
//! account confirmed a mailed code); otherwise it makes a new account, so that an
//! address somebody registered without proving it is never taken over. Unlinking is
//! refused when it would leave no way to sign in. Every removal, unlinking or the
//! account's deletion, is kept in `retired_identities` for the operator (a trigger).
//! A verified address is mailed when a provider is added to its account.

mod rows;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::accounts::email_taken_or;
use crate::auth::events::{self, Client, Event, SecurityEventKind, SignInMethod};
use crate::auth::id_token::VerifiedIdentity;
use crate::auth::sessions::{self, SignIn};
use crate::auth::{AuthService, mfa, recovery, store};
use crate::config::IdProvider;
use crate::db::schema::identities;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::lang::Lang;
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::users::model::User;
use crate::users::store::{self as user_store, NewUser, UserRow};
use crate::users::{TimeZone, UserId};
pub use rows::{Identity, PendingIdentity, attach, of_user, purge_retired};
use rows::{find, has_provider, identity_taken, insert, provider_already_linked, touch};

/// What a new account made by an ID token starts with.
pub struct NewAccount<'a> {
    pub display_name: Option<&'a str>,
    pub locale: Lang,
    pub time_zone: TimeZone,
}

/// A sign-in with a verified ID token: who, what a new account would start with, and
/// the device and client asking.
pub struct IdSignInRequest<'a> {
    pub verified: &'a VerifiedIdentity,
    pub new: NewAccount<'a>,
    pub device: &'a str,
    pub client: &'a Client,
}

/// How a sign-in with an ID token went.
pub struct IdSignIn {
    pub user: User,
    pub outcome: SignIn,
    /// A new account was made.
    pub created: bool,
}

/// The address the provider vouched for, when no other account has it (or holds it
/// by a live undo link): what a new or upgraded account may take.
async fn free_verified_email<'a>(
    conn: &mut AsyncPgConnection,
    verified: &'a VerifiedIdentity,
    owner: Option<UserId>,
) -> ApiResult<Option<&'a crate::users::Email>> {
    let Some(email) = verified.email.as_ref().filter(|_| verified.email_verified) else {
        return Ok(None);
    };
    let taken = user_store::user_by_email(conn, email)
        .await?
        .is_some_and(|u| Some(u.id) != owner);
    if taken || recovery::address_held(conn, email.as_str(), owner).await? {
        return Ok(None);
    }
    Ok(Some(email))
}

/// Signs a device in with a verified ID token: the account of this identity; else the
/// account whose verified address the provider also verified (linked now); else a new
/// account. Then as [`sessions::after_first_factor`]: a two-factor account gets a
/// challenge. Two first sign-ins of one identity at once both end in its one account.
pub async fn sign_in(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    asked: &IdSignInRequest<'_>,
) -> ApiResult<IdSignIn> {
    let mut conn = db::conn(pool).await?;
    let mut tries = 0;
    loop {
        tries += 1;
        let attempt = conn
            .transaction::<_, ApiError, _>(async |conn| sign_in_once(conn, auth, asked).await)
            .await;
        match attempt {
            // The identity (or the address) was taken meanwhile by a sign-in like this
            // one: the second pass finds it.
            Err(e) if tries == 1 && e.code() == ProblemCode::IdentityTaken => continue,
            Err(e) if tries == 1 && e.code() == ProblemCode::EmailTaken => continue,
            other => {
                let signed = other?;
                mailer.wake();
                return Ok(signed);
            }
        }
    }
}

async fn sign_in_once(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    asked: &IdSignInRequest<'_>,
) -> ApiResult<IdSignIn> {
    let IdSignInRequest {
        verified,
        new,
        device,
        client,
    } = asked;
    let (verified, device, client) = (*verified, *device, *client);
    let method = SignInMethod::from(verified.provider);
    // The account's row is shared from here on, so that an enrolment in two-factor
    // sign-in or an unlinking (which lock it for change) comes wholly before or after.
    if let Some(found) = find(conn, verified.provider, &verified.subject).await?
        && store::share_user(conn, found.user_id).await?
        && let Some(identity) = find(conn, verified.provider, &verified.subject).await?
        && identity.user_id == found.user_id
        && let Some(row) = user_store::user_by_id(conn, identity.user_id).await?
    {
        touch(conn, identity.id, verified).await?;
        let outcome =
            sessions::after_first_factor(conn, auth, &row, device, client, method).await?;
        return Ok(IdSignIn {
            user: row.to_user(),
            outcome,
            created: false,
        });
    }
    if let Some(row) = verified_match(conn, verified).await? {
        let outcome = if mfa::enabled(conn, row.id).await? {
            // The link waits for the second factor: an unanswered challenge adds nothing.
            let pending = PendingIdentity::of(verified);
            let agent = client.agent.as_deref();
            let challenge =
                mfa::challenge(conn, row.id, (method, device, agent), Some(&pending)).await?;
            SignIn::Challenge(challenge)
        } else {
            rows::attach(conn, &row, verified, client).await?;
            sessions::after_first_factor(conn, auth, &row, device, client, method).await?
        };
        return Ok(IdSignIn {
            user: row.to_user(),
            outcome,
            created: false,
        });
    }
    let row = open_account(conn, verified, new).await?;
    insert(conn, row.id, verified).await?;
    events::record(
        conn,
        row.id,
        client,
        Event::new(SecurityEventKind::SignedUp).method(method),
    )
    .await?;
    let outcome = sessions::after_first_factor(conn, auth, &row, device, client, method).await?;
    Ok(IdSignIn {
        user: row.to_user(),
        outcome,
        created: true,
    })
}

/// The full account whose address is verified and is the one the provider verified,
/// held; `None` otherwise. An account that already has another identity of this
/// provider cannot take a second: 409.
async fn verified_match(
    conn: &mut AsyncPgConnection,
    verified: &VerifiedIdentity,
) -> ApiResult<Option<UserRow>> {
    let Some(email) = verified.email.as_ref().filter(|_| verified.email_verified) else {
        return Ok(None);
    };
    let Some(row) = user_store::user_by_email(conn, email).await? else {
        return Ok(None);
    };
    if row.is_guest || row.email_verified_at.is_none() || !store::share_user(conn, row.id).await? {
        return Ok(None);
    }
    if has_provider(conn, row.id, verified.provider).await? {
        return Err(provider_already_linked(verified.provider));
    }
    Ok(Some(row))
}

/// A new account for an identity: no password; the provider's verified address when no
/// other account has it (an address left unverified elsewhere is not taken from that
/// account either: the new one then has none).
async fn open_account(
    conn: &mut AsyncPgConnection,
    verified: &VerifiedIdentity,
    new: &NewAccount<'_>,
) -> ApiResult<UserRow> {
    let email = free_verified_email(conn, verified, None).await?;
    let fallback = match verified.provider {
        IdProvider::Apple => "Apple user",
        IdProvider::Google => "Google user",
    };
    let display_name = new
        .display_name
        .or(verified.name.as_deref())
        .unwrap_or(fallback);
    let row = user_store::insert_user(
        conn,
        NewUser {
            id: UserId::new_v7(),
            email: None,
            password_hash: None,
            display_name,
            locale: new.locale,
            time_zone: new.time_zone,
            is_guest: false,
        },
    )
    .await?;
    user_store::adopt_identity(conn, row.id, email)
        .await
        .map_err(email_taken_or)?
        .ok_or_else(|| ApiError::internal("a new account was not found"))
}

/// Links a verified identity to the signed-in account `user`. A guest becomes a full
/// account, keeping everything it has, and takes the provider's verified address when
/// it is free. 409 `identity_taken` when the identity signs in to another account,
/// `provider_already_linked` when this one has that provider already; linking the
/// identity it has is a no-op.
pub async fn link(
    pool: &DbPool,
    mailer: &Mailer,
    user: UserId,
    verified: &VerifiedIdentity,
    client: &Client,
) -> ApiResult<(Identity, bool)> {
    let mut conn = db::conn(pool).await?;
    let linked = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if !user_store::lock(conn, user).await? {
                return Err(ApiError::account_gone());
            }
            if let Some(existing) = find(conn, verified.provider, &verified.subject).await? {
                if existing.user_id != user {
                    return Err(identity_taken());
                }
                let identity = existing
                    .into_identity()
                    .ok_or_else(|| ApiError::internal("an identity of an unknown provider"))?;
                return Ok((identity, false));
            }
            if has_provider(conn, user, verified.provider).await? {
                return Err(provider_already_linked(verified.provider));
            }
            let row = user_store::user_by_id(conn, user)
                .await?
                .ok_or_else(ApiError::account_gone)?;
            if row.is_guest {
                let email = free_verified_email(conn, verified, Some(user)).await?;
                user_store::adopt_identity(conn, user, email)
                    .await
                    .map_err(email_taken_or)?;
                let method = SignInMethod::from(verified.provider);
                let mut event = Event::new(SecurityEventKind::GuestUpgraded).method(method);
                if let Some(email) = email {
                    event = event.email(email.as_str());
                }
                events::record(conn, user, client, event).await?;
            }
            // A guest has no verified address of its own yet: no notice goes to it.
            Ok((rows::attach(conn, &row, verified, client).await?, true))
        })
        .await?;
    mailer.wake();
    Ok(linked)
}

/// Removes identity `id` from the account: 404 when it is not the account's, 409
/// `last_sign_in_method` when it is the only way left to sign in (no password and no
/// other identity).
pub async fn unlink(pool: &DbPool, user: UserId, id: Uuid, client: &Client) -> ApiResult<()> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if !user_store::lock(conn, user).await? {
            return Err(ApiError::account_gone());
        }
        let row = user_store::user_by_id(conn, user)
            .await?
            .ok_or_else(ApiError::account_gone)?;
        let all = of_user(conn, user).await?;
        let target = all
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| ApiError::not_found("no such sign-in on this account"))?;
        if row.password_hash.is_none() && all.len() == 1 {
            return Err(ApiError::conflict(
                ProblemCode::LastSignInMethod,
                "this is the account's only way to sign in: link another or set a password first",
            ));
        }
        diesel::delete(identities::table.find(id))
            .execute(conn)
            .await?;
        let event = Event::new(SecurityEventKind::IdentityUnlinked).method(target.provider.into());
        events::record(conn, user, client, event).await?;
        Ok(())
    })
    .await
}
