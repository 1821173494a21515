//! Accounts that can be recovered by email: codes mailed to the account's address to
//! verify it or to reset the password. A code is six random digits typed into the app;
//! the same message carries a link with a long random token for a browser. Both are kept
//! only as SHA-256 hashes (the code's with a server secret and its row id, as six digits
//! alone are quickly guessed from a hash), last [`CODE_MINUTES`], work once, allow
//! [`MAX_TRIES`] wrong tries, and only the newest code of an account and purpose works.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::events::{self, Client, Event, SecurityEventKind, SignInMethod};
use crate::auth::sessions::SignIn;
use crate::auth::{AuthService, accounts, mfa, sessions, store};
use crate::db::schema::{email_codes, users};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::{self, Mailer, Outgoing, Template};
use crate::problems::{CODE_REFUSED, ProblemCode};
use crate::users::model::User;
use crate::users::store::{self as user_store, UserRow};
use crate::users::{Email, UserId};

/// Minutes a code works.
pub const CODE_MINUTES: i64 = 15;
/// Wrong tries a code allows.
pub const MAX_TRIES: i32 = 5;

/// What a code is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    PasswordReset,
    /// Deleting the account from the web page, without its password.
    AccountDelete,
}

/// The stored purpose of the code that confirms a new address, and of the link that
/// undoes a change from the old one.
pub(super) const EMAIL_CHANGE: &str = "email_change";
pub(super) const EMAIL_UNDO: &str = "email_undo";

impl Purpose {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::AccountDelete => "account_delete",
        }
    }

    fn template(self) -> Template {
        match self {
            Self::VerifyEmail => Template::VerifyEmail,
            Self::PasswordReset => Template::PasswordReset,
            Self::AccountDelete => Template::AccountDelete,
        }
    }

    /// The server page the mailed link opens.
    fn page(self) -> &'static str {
        match self {
            Self::VerifyEmail => "/v1/auth/verify-email/page",
            Self::PasswordReset => "/v1/auth/password-reset/page",
            Self::AccountDelete => "/account/delete",
        }
    }
}

fn code_hash(pepper: &[u8], id: Uuid, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(pepper);
    hasher.update(id.as_bytes());
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

fn link_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two hashes in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `email` is held for another account than `owner` by a live undo link of an
/// email change: for [`crate::auth::email_change::UNDO_DAYS`] the old address can be
/// taken back, so no other account may take it meanwhile.
pub async fn address_held(
    conn: &mut AsyncPgConnection,
    email: &str,
    owner: Option<UserId>,
) -> QueryResult<bool> {
    let mut held = email_codes::table
        .filter(email_codes::purpose.eq(EMAIL_UNDO))
        .filter(email_codes::email.eq(email))
        .filter(email_codes::used_at.is_null())
        .filter(email_codes::expires_at.gt(diesel::dsl::now))
        .select(email_codes::id)
        .into_boxed();
    if let Some(owner) = owner {
        held = held.filter(email_codes::user_id.ne(owner));
    }
    Ok(held.first::<Uuid>(conn).await.optional()?.is_some())
}

/// A code and link token just issued.
pub(super) struct Issued {
    pub code: String,
    pub token: String,
}

/// Issues a code and link token for `purpose`, sent to `email` and working for `ttl`;
/// the older ones of the account and purpose stop working, unless `replace` is false
/// (each undo link of an email change stands on its own).
pub(super) async fn issue(
    conn: &mut AsyncPgConnection,
    pepper: &[u8],
    user: UserId,
    purpose: &str,
    email: &str,
    ttl: chrono::Duration,
    replace: bool,
) -> QueryResult<Issued> {
    // The account's row first, then its codes (the order of a deletion).
    store::hold_user(conn, user).await?;
    if replace {
        diesel::delete(
            email_codes::table
                .filter(email_codes::user_id.eq(user))
                .filter(email_codes::purpose.eq(purpose)),
        )
        .execute(conn)
        .await?;
    }
    let id = Uuid::new_v4();
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let mut token = [0u8; 32];
    rand::fill(&mut token);
    let token = URL_SAFE_NO_PAD.encode(token);
    diesel::insert_into(email_codes::table)
        .values((
            email_codes::id.eq(id),
            email_codes::user_id.eq(user),
            email_codes::purpose.eq(purpose),
            email_codes::email.eq(email),
            email_codes::code_hash.eq(code_hash(pepper, id, &code)),
            email_codes::link_hash.eq(link_hash(&token)),
            email_codes::expires_at.eq(Utc::now() + ttl),
        ))
        .execute(conn)
        .await?;
    Ok(Issued { code, token })
}

/// Issues a new code for `user` (older ones of the purpose stop working) and writes the
/// message to the outbox, in the caller's transaction; wake the mailer after commit.
pub async fn send_code(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    mailer: &Mailer,
    user: &UserRow,
    purpose: Purpose,
) -> QueryResult<()> {
    let Some(email) = user.email.as_deref() else {
        return Ok(());
    };
    let ttl = chrono::Duration::minutes(CODE_MINUTES);
    let Issued { code, token } = issue(
        conn,
        &auth.code_pepper,
        user.id,
        purpose.as_str(),
        email,
        ttl,
        true,
    )
    .await?;
    let link = mailer.link(&format!("{}?token={token}", purpose.page()));
    let minutes = CODE_MINUTES.to_string();
    mail_account(
        conn,
        user,
        purpose.template(),
        &[
            ("name", &user.display_name),
            ("code", &code),
            ("link", &link),
            ("minutes", &minutes),
        ],
    )
    .await
}

/// Writes `template` with `params` to the outbox, to the account's address in its
/// language (nothing for a guest, which has none).
pub(crate) async fn mail_account(
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    template: Template,
    params: &[(&str, &str)],
) -> QueryResult<()> {
    match user.email.as_deref() {
        Some(email) => mail_to(conn, user, email, template, params).await,
        None => Ok(()),
    }
}

/// [`mail_account`] to another address of the account's (an email change's).
pub(super) async fn mail_to(
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    to: &str,
    template: Template,
    params: &[(&str, &str)],
) -> QueryResult<()> {
    mail::enqueue(
        conn,
        Outgoing {
            user: Some(uuid::Uuid::from(user.id)),
            to,
            lang: user.locale,
            template,
            params,
        },
    )
    .await?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = email_codes, check_for_backend(diesel::pg::Pg))]
pub(super) struct CodeRow {
    id: Uuid,
    pub user_id: UserId,
    pub email: String,
    code_hash: Vec<u8>,
    attempts: i32,
    expires_at: DateTime<Utc>,
}

/// 422 `code_invalid`, the one answer for any code that does not work: malformed,
/// wrong, expired, used, replaced, tried too often, or for an address with no account,
/// so that the answer tells a guesser nothing.
pub fn code_refused() -> ApiError {
    ApiError::Unprocessable {
        code: ProblemCode::CodeInvalid,
        detail: CODE_REFUSED.into(),
        errors: vec![FieldError::new("code", "is not a code that works")],
    }
}

/// A typed code: six ASCII digits (spaces around dropped), else [`code_refused`].
pub fn typed_code(raw: &str) -> ApiResult<&str> {
    let code = raw.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(code_refused())
    }
}

/// What a request presents: the code with the account it is for, or a link's token.
pub enum Proof<'a> {
    Code { user: UserId, code: &'a str },
    Link { token: &'a str },
}

/// Checks `proof` for `purpose` and, when good, marks the code used and returns its row
/// (`None` for anything else: wrong, expired, used, replaced, tried too often): call it in a
/// transaction that commits even for a wrong code, so that the try is counted.
pub(super) async fn redeem(
    conn: &mut AsyncPgConnection,
    pepper: &[u8],
    purpose: &str,
    proof: &Proof<'_>,
) -> QueryResult<Option<CodeRow>> {
    // The account's row is held first, as every write of an account's credentials and
    // its deletion take it, and only then the code's: never the other way round.
    let owner = match proof {
        Proof::Code { user, .. } => Some(*user),
        Proof::Link { token } => email_codes::table
            .filter(email_codes::link_hash.eq(link_hash(token)))
            .filter(email_codes::purpose.eq(purpose))
            .select(email_codes::user_id)
            .first::<UserId>(conn)
            .await
            .optional()?,
    };
    let Some(owner) = owner else {
        return Ok(None);
    };
    if !store::hold_user(conn, owner).await? {
        return Ok(None);
    }
    let live = email_codes::table
        .filter(email_codes::purpose.eq(purpose))
        .filter(email_codes::user_id.eq(owner))
        .filter(email_codes::used_at.is_null())
        .select(CodeRow::as_select())
        .for_update();
    let row = match proof {
        Proof::Code { .. } => live.order(email_codes::created_at.desc()).first(conn).await,
        Proof::Link { token } => {
            live.filter(email_codes::link_hash.eq(link_hash(token)))
                .first(conn)
                .await
        }
    }
    .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.expires_at <= Utc::now() || row.attempts >= MAX_TRIES {
        return Ok(None);
    }
    let target = email_codes::table.find(row.id);
    if let Proof::Code { code, .. } = proof
        && !same(&code_hash(pepper, row.id, code.trim()), &row.code_hash)
    {
        diesel::update(target)
            .set(email_codes::attempts.eq(row.attempts + 1))
            .execute(conn)
            .await?;
        return Ok(None);
    }
    diesel::update(target)
        .set(email_codes::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(Some(row))
}

/// Marks the account's address verified with a code or a link. 409 `already_verified`
/// when it was; a code sent to an address the account no longer has does not verify.
pub async fn verify_email(
    pool: &DbPool,
    auth: &AuthService,
    client: &Client,
    proof: Proof<'_>,
) -> ApiResult<User> {
    if let Proof::Code { user, .. } = proof {
        let row = user_store::user_by_id(&mut *db::conn(pool).await?, user)
            .await?
            .ok_or_else(|| ApiError::not_found("no such account"))?;
        if row.email_verified_at.is_some() {
            return Err(ApiError::conflict(
                ProblemCode::AlreadyVerified,
                "the email address is verified already",
            ));
        }
    }
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let purpose = Purpose::VerifyEmail.as_str();
            let Some(code) = redeem(conn, &auth.code_pepper, purpose, &proof).await? else {
                return Ok(None);
            };
            let row: Option<UserRow> = diesel::update(
                users::table
                    .find(code.user_id)
                    .filter(users::email.eq(&code.email)),
            )
            .set((
                users::email_verified_at.eq(diesel::dsl::now),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .returning(UserRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
            if row.is_some() {
                let event = Event::new(SecurityEventKind::EmailVerified).email(&code.email);
                events::record(conn, code.user_id, client, event).await?;
            }
            Ok(row)
        })
        .await?;
    outcome.map(|row| row.to_user()).ok_or_else(code_refused)
}

/// Sends a new verification code to the account's address (202), unless it is verified.
pub async fn resend_verification(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    user: UserId,
) -> ApiResult<String> {
    let mut conn = db::conn(pool).await?;
    let row = user_store::user_by_id(&mut conn, user)
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    let Some(email) = row.email.clone() else {
        return Err(accounts::no_address());
    };
    if row.email_verified_at.is_some() {
        return Err(ApiError::conflict(
            ProblemCode::AlreadyVerified,
            "the email address is verified already",
        ));
    }
    auth.mail_limits
        .check(&mut conn, user.to_string().as_str())
        .await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        send_code(conn, auth, mailer, &row, Purpose::VerifyEmail).await?;
        Ok(())
    })
    .await?;
    mailer.wake();
    Ok(email)
}

/// A request that mails a code to whatever account has an address is answered no
/// sooner than this after it arrived, so that the time does not tell whether one does.
pub const ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(150);

/// Waits out what is left of [`ANSWER_FLOOR`] since `arrived`.
pub async fn answer_floor(arrived: std::time::Instant) {
    tokio::time::sleep(ANSWER_FLOOR.saturating_sub(arrived.elapsed())).await;
}

/// Mails a code for `purpose` to the account with `email`, if there is one and the
/// address is verified (a reset or a deletion code gives the account away: an address
/// never confirmed may not be the owner's); otherwise nothing. The caller answers the same either way. 429 past the mail limit of the
/// address.
pub async fn request_code(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    email: &Email,
    purpose: Purpose,
) -> ApiResult<()> {
    let mut conn = db::conn(pool).await?;
    auth.mail_limits.check(&mut conn, email.as_str()).await?;
    let row = user_store::user_by_email(&mut conn, email).await?;
    let Some(row) = row.filter(|r| r.email_verified_at.is_some()) else {
        return Ok(());
    };
    conn.transaction::<_, ApiError, _>(async |conn| {
        send_code(conn, auth, mailer, &row, purpose).await?;
        Ok(())
    })
    .await?;
    mailer.wake();
    Ok(())
}

/// Redeems a deletion code or link in the caller's transaction (which then deletes):
/// the account it deletes, when it works and the account still has the address it was
/// mailed to.
pub async fn redeem_deletion(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    proof: Proof<'_>,
) -> QueryResult<Option<UserId>> {
    let purpose = Purpose::AccountDelete.as_str();
    let Some(code) = redeem(conn, &auth.code_pepper, purpose, &proof).await? else {
        return Ok(None);
    };
    users::table
        .find(code.user_id)
        .filter(users::email.eq(&code.email))
        .select(users::id)
        .first(conn)
        .await
        .optional()
}

/// The name of the device a reset signs in (its user agent is the client's). A reset
/// from the web page signs no device in.
pub type Device<'a> = Option<&'a str>;

/// Sets a new password with a reset code or link: every device session of the account
/// is signed out, open two-factor challenges end, and `device`, when given, is signed in
/// (or, with two-factor sign-in on, given a challenge). `password_hash` is the new
/// password's, already judged and hashed.
pub async fn reset_password(
    pool: &DbPool,
    auth: &AuthService,
    client: &Client,
    proof: Proof<'_>,
    password_hash: &str,
    device: Device<'_>,
) -> ApiResult<(User, Option<SignIn>)> {
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let purpose = Purpose::PasswordReset.as_str();
            let Some(code) = redeem(conn, &auth.code_pepper, purpose, &proof).await? else {
                return Ok(None);
            };
            let Some(row) = user_store::user_by_id(conn, code.user_id).await? else {
                return Ok(None);
            };
            if row.email.as_deref() != Some(code.email.as_str()) {
                return Ok(None);
            }
            user_store::set_password(conn, row.id, password_hash).await?;
            mfa::store::drop_challenges(conn, row.id).await?;
            store::revoke_other_sessions(conn, row.id, None, "password_reset").await?;
            let mut event = Event::new(SecurityEventKind::PasswordReset);
            let agent = client.agent.as_deref();
            let tokens = match device {
                Some(name) if mfa::enabled(conn, row.id).await? => {
                    let method = SignInMethod::Password;
                    let first = (method, name, agent);
                    let challenge = mfa::challenge(conn, row.id, first, None).await?;
                    Some(SignIn::Challenge(challenge))
                }
                Some(name) => {
                    let tokens = sessions::sign_in(conn, auth, row.id, name, agent).await?;
                    event = event.session(tokens.session_id).device(name);
                    Some(SignIn::Tokens(tokens))
                }
                None => None,
            };
            events::record(conn, row.id, client, event).await?;
            Ok(Some((row.to_user(), tokens)))
        })
        .await?;
    let signed = outcome.ok_or_else(code_refused)?;
    auth.readers.forget_user(signed.0.id);
    Ok(signed)
}

/// Removes codes that expired a day ago or more (used or not).
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        email_codes::table
            .filter(email_codes::expires_at.lt(Utc::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_hash_depends_on_the_secret_the_row_and_the_code() {
        let id = Uuid::from_u128(7);
        let h = code_hash(b"secret", id, "123456");
        assert!(same(&h, &code_hash(b"secret", id, "123456")));
        assert!(!same(&h, &code_hash(b"other", id, "123456")));
        assert!(!same(
            &h,
            &code_hash(b"secret", Uuid::from_u128(8), "123456")
        ));
        assert!(!same(&h, &code_hash(b"secret", id, "123457")));
        assert!(!same(&h, &h[..31]));
    }
}
