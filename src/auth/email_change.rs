//! Moving an account to a new email address. Asking for it (with the password, checked
//! by the caller) mails a code to the new address and a notice to the old one; the
//! address changes only when the code comes back. The notice carries a link that, for
//! [`UNDO_DAYS`] days, puts the old address back (or drops the pending change), signs
//! every device out and mails that address a code to choose a new password: whoever
//! asked knew the password.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::auth::accounts::{email_taken_or, refuse_held};
use crate::auth::events::{self, Client, Event, SecurityEventKind};
use crate::auth::recovery::{self, CODE_MINUTES, EMAIL_CHANGE, EMAIL_UNDO, Issued, Proof, Purpose};
use crate::auth::{AuthService, mfa, password, store};
use crate::db::schema::{email_codes, users};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::mail::{Mailer, Template};
use crate::users::model::User;
use crate::users::store::{self as user_store, UserRow};
use crate::users::{Email, UserId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Days the old address can undo a change.
pub const UNDO_DAYS: i64 = 7;

/// The page the undo link opens.
pub const UNDO_PAGE: &str = "/v1/auth/email-change/undo/page";

/// Writes the pending change of `user` to `new_email` and its two messages, in the
/// caller's transaction (which holds the user's row); wake the mailer after commit.
pub async fn request(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    mailer: &Mailer,
    user: &UserRow,
    new_email: &Email,
    client: &Client,
) -> ApiResult<()> {
    let Some(old_email) = user.email.as_deref() else {
        return Err(ApiError::internal(
            "an account without an address cannot change it",
        ));
    };
    let pepper = &auth.code_pepper;
    let (new, minutes, days) = (new_email.as_str(), CODE_MINUTES, UNDO_DAYS);
    let ttl = chrono::Duration::minutes(minutes);
    let Issued { code, .. } =
        recovery::issue(conn, pepper, user.id, EMAIL_CHANGE, new, ttl, true).await?;
    let name = user.display_name.as_str();
    let minutes = minutes.to_string();
    recovery::mail_to(
        conn,
        user,
        new,
        Template::EmailChangeCode,
        &[("name", name), ("code", &code), ("minutes", &minutes)],
    )
    .await?;
    let event = Event::new(SecurityEventKind::EmailChangeRequested).email(new_email.as_str());
    events::record(conn, user.id, client, event).await?;
    // Only a verified old address gets the notice and its undo link: an address never
    // confirmed may not be the owner's, and the undo hands the account to it.
    if user.email_verified_at.is_none() {
        return Ok(());
    }
    let ttl = chrono::Duration::days(days);
    let Issued { token, .. } =
        recovery::issue(conn, pepper, user.id, EMAIL_UNDO, old_email, ttl, false).await?;
    let link = mailer.link(&format!("{UNDO_PAGE}?token={token}"));
    let days = UNDO_DAYS.to_string();
    recovery::mail_to(
        conn,
        user,
        old_email,
        Template::EmailChangeNotice,
        &[
            ("name", name),
            ("new_email", new_email.as_str()),
            ("link", &link),
            ("days", &days),
        ],
    )
    .await?;
    Ok(())
}

/// Removes the account's live codes of `purposes`.
async fn drop_codes(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purposes: &[&str],
) -> QueryResult<usize> {
    diesel::delete(
        email_codes::table
            .filter(email_codes::user_id.eq(user))
            .filter(email_codes::purpose.eq_any(purposes))
            .filter(email_codes::used_at.is_null()),
    )
    .execute(conn)
    .await
}

/// Sets the account's address to `email`, verified now: 409 `email_taken` when another
/// account has it.
async fn set_address(
    conn: &mut AsyncPgConnection,
    user: UserId,
    email: &str,
) -> ApiResult<Option<UserRow>> {
    diesel::update(users::table.find(user))
        .set((
            users::email.eq(email),
            users::email_verified_at.eq(diesel::dsl::now),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_err(email_taken_or)
}

/// Moves the account to the address its newest change code was sent to. A code that
/// does not work is 422 `code_invalid`; an address another account took meanwhile 409
/// `email_taken` (the code stays live).
pub async fn confirm(
    pool: &DbPool,
    auth: &AuthService,
    client: &Client,
    user: UserId,
    code: &str,
) -> ApiResult<User> {
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let proof = Proof::Code { user, code };
            let redeemed = recovery::redeem(conn, &auth.code_pepper, EMAIL_CHANGE, &proof).await?;
            let Some(code) = redeemed else {
                return Ok(None);
            };
            refuse_held(conn, &code.email, Some(user)).await?;
            let Some(row) = set_address(conn, user, &code.email).await? else {
                return Ok(None);
            };
            // Codes mailed to the old address (verification, reset) no longer apply.
            let stale = [
                Purpose::VerifyEmail.as_str(),
                Purpose::PasswordReset.as_str(),
            ];
            drop_codes(conn, user, &stale).await?;
            let event = Event::new(SecurityEventKind::EmailChangeConfirmed).email(&code.email);
            events::record(conn, user, client, event).await?;
            Ok(Some(row))
        })
        .await?;
    let row = outcome.ok_or_else(recovery::code_refused)?;
    auth.readers.forget_user(user);
    Ok(row.to_user())
}

/// What an undo link did.
#[derive(Debug, PartialEq, Eq)]
pub enum Undone {
    /// The old address is the account's again, and a reset code is on its way to it.
    Restored,
    /// Another account has taken the old address since: every device is signed out and
    /// the pending change dropped, but the address could not be given back.
    AddressTaken,
}

/// Undoes a change from the old address's link: every device is signed out, the
/// password is replaced by one nobody knows, a pending change is dropped, and that
/// address is the account's again (verified) with a reset code mailed to it. 422
/// `code_invalid` for a link that no longer works.
pub async fn undo(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    client: &Client,
    token: &str,
) -> ApiResult<Undone> {
    // Whoever asked for the change knew the password: it is replaced by one nobody
    // knows, so that only the reset code mailed to the old address gets back in.
    let mut unknown = [0u8; 32];
    rand::fill(&mut unknown);
    let locked = password::hash_new("password", &URL_SAFE_NO_PAD.encode(unknown), &[]).await?;
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let proof = Proof::Link { token };
            let redeemed = recovery::redeem(conn, &auth.code_pepper, EMAIL_UNDO, &proof).await?;
            let Some(code) = redeemed else {
                return Ok(None);
            };
            let user = code.user_id;
            user_store::set_password(conn, user, &locked).await?;
            mfa::store::drop_challenges(conn, user).await?;
            store::revoke_other_sessions(conn, user, None, "email_change_undone").await?;
            drop_codes(conn, user, &[EMAIL_CHANGE]).await?;
            let event = Event::new(SecurityEventKind::EmailChangeUndone).email(&code.email);
            events::record(conn, user, client, event).await?;
            let taken = users::table
                .filter(users::email.eq(&code.email))
                .filter(users::id.ne(user))
                .select(users::id)
                .first::<UserId>(conn)
                .await
                .optional()?;
            if taken.is_some() {
                return Ok(Some((user, Undone::AddressTaken)));
            }
            let Some(row) = set_address(conn, user, &code.email).await? else {
                return Ok(None);
            };
            recovery::send_code(conn, auth, mailer, &row, Purpose::PasswordReset).await?;
            Ok(Some((user, Undone::Restored)))
        })
        .await?;
    let (user, undone) = outcome.ok_or_else(recovery::code_refused)?;
    mailer.wake();
    auth.readers.forget_user(user);
    Ok(undone)
}
