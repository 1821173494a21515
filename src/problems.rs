//! The problem types: every `code` an error answer can carry, with its status, title, what
//! it means and what to do. One enum, so a typo in a code is a compile error; the problem
//! pages (`/problems/{code with dashes}`) and the spec's `ProblemCode` schema are generated
//! from it. This module imports nothing of the crate, so every other module may use it.

use serde::Serialize;
use utoipa::ToSchema;

/// Declares the enum and its table in one place: variant, code, status, title, meaning and
/// what a client should do.
macro_rules! problem_codes {
    ($($variant:ident = $code:literal, $status:literal, $title:literal, $meaning:literal, $todo:literal;)*) => {
        /// Stable, machine-readable error code of a problem document. Programs branch on it;
        /// each value has a page at `/problems/{code with dashes}`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $(#[doc = $meaning] $variant,)*
        }

        impl ProblemCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The stable string sent as `code`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)* }
            }

            /// The HTTP status this code is sent with.
            pub const fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status,)* }
            }

            /// The problem type's title (the same for every answer with this code).
            pub const fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)* }
            }

            /// What the code means.
            pub const fn meaning(self) -> &'static str {
                match self { $(ProblemCode::$variant => $meaning,)* }
            }

            /// What a client should do about it.
            pub const fn what_to_do(self) -> &'static str {
                match self { $(ProblemCode::$variant => $todo,)* }
            }
        }
    };
}

problem_codes! {
    BadRequest = "bad_request", 400, "Malformed request",
        "The request could not be read: a path segment or a header has the wrong form (an id that is not a UUID, say).",
        "Fix the request as the detail says; sending it again unchanged will fail the same way.";
    BadQuery = "bad_query", 400, "Unknown or malformed query parameter",
        "The query string names a parameter this endpoint does not take, or gives one a value of the wrong form.",
        "Send only the parameters the endpoint documents.";
    MalformedJson = "malformed_json", 400, "Malformed JSON body",
        "The body is not valid JSON, or it is missing where a JSON object is required.",
        "Send one JSON object, UTF-8 encoded, with Content-Type: application/json.";
    MalformedBody = "malformed_body", 400, "Unreadable request body",
        "The body could not be read to the end.",
        "Send the body again, complete.";
    InvalidCursor = "invalid_cursor", 400, "Invalid cursor",
        "The pagination or sync cursor was not made by this server for this list, or was changed.",
        "Pass back the cursor exactly as received, with the same filters; start again without one if in doubt.";
    ValidationFailed = "validation_failed", 422, "Request is invalid",
        "The body or a parameter is well-formed but not acceptable: out of range, too long, unknown to the catalog, of the wrong type, or a field that may not be set.",
        "Each entry of `errors` names a field and what is wrong with it.";
    CodeInvalid = "code_invalid", 422, "Code does not work",
        "The code is not one that works now: mistyped, not six digits, expired (codes last 15 minutes), used already, replaced by a newer one, or dead after 5 wrong tries. The answer is the same in every case, so that it tells a guesser nothing.",
        "Let the user check the code in the newest message and type it again; if it keeps failing, ask for a new one.";
    AlreadyVerified = "already_verified", 409, "Email address already verified",
        "The account's address is verified already; there is nothing to confirm.",
        "Nothing to do: `email_verified_at` on the account says when it was verified.";
    MfaCodeInvalid = "mfa_code_invalid", 422, "Authenticator code does not work",
        "The authenticator or recovery code is wrong, from too far off the current time, or was used already (each works once).",
        "Let the person type the code now shown in the authenticator app; on a challenge, 5 wrong codes end it.";
    WeakPassword = "weak_password", 422, "Password too weak",
        "The password is too easy to guess (judged by a strength estimator, not by character rules), or is outside 8 to 128 characters.",
        "Ask for a longer or less predictable password; `errors` carries the estimator's hints.";
    IdempotencyKeyReused = "idempotency_key_reused", 422, "Idempotency key reused",
        "This Idempotency-Key was already used with a different request body.",
        "Use a new key for a new request; reuse a key only to retry the very same request.";
    MissingToken = "missing_token", 401, "Authentication required",
        "The request needs a signed-in user and carries no `Authorization: Bearer` header.",
        "Sign in (or create a guest account) and send the access token.";
    InvalidToken = "invalid_token", 401, "Invalid access token",
        "The access token is malformed, expired, signed with an unknown key, or not an access token.",
        "Refresh the token pair with the refresh token; sign in again if that fails too.";
    SessionRevoked = "session_revoked", 401, "Session signed out",
        "The device session behind this token was signed out: a logout, a password change, a revoked device or a deleted account.",
        "Sign in again.";
    InvalidCredentials = "invalid_credentials", 401, "Wrong email or password",
        "The email and password do not match an account. Which of the two is wrong is not said.",
        "Let the person try again; after repeated failures the answer becomes 429.";
    InvalidRefreshToken = "invalid_refresh_token", 401, "Invalid refresh token",
        "The refresh token is unknown, expired, or belongs to a session that was signed out.",
        "Sign in again.";
    RefreshTokenReused = "refresh_token_reused", 401, "Refresh token reused",
        "A refresh token that was already exchanged came back after the grace period, so it may have been stolen: the whole device session was signed out.",
        "Sign in again. Store the newest refresh token as soon as it arrives.";
    InvalidIdToken = "invalid_id_token", 401, "ID token refused",
        "The Apple or Google ID token does not verify: a bad signature, a key the provider does not publish, an algorithm not accepted, another issuer or app (`aud`), expired, issued in the future, or made for another nonce. The detail says which.",
        "Run the system sign-in dialog again for a fresh token, with a new nonce; an expired token cannot be reused.";
    MfaChallengeInvalid = "mfa_challenge_invalid", 401, "Sign-in challenge no longer valid",
        "The two-factor challenge is unknown, expired (challenges last 5 minutes), already used, or dead after 5 wrong codes.",
        "Sign in again with the first factor to get a new challenge.";
    Forbidden = "forbidden", 403, "Forbidden",
        "Signed in, but not allowed: an admin-only operation, or a wrong current password for an account change.",
        "Check the password, or the account's role.";
    AccountDisabled = "account_disabled", 403, "Account disabled",
        "An admin disabled this account: it cannot sign in, and its tokens stopped working when it was disabled.",
        "Tell the person to contact the app's support; nothing the app can do signs it in.";
    GuestAccount = "guest_account", 409, "Guest account",
        "A guest account has no password, so this password operation does not apply.",
        "Upgrade the guest account with an email and password first.";
    NotFound = "not_found", 404, "Not found",
        "Nothing is here: an unknown route, catalog code or slug, or a record that does not exist for this user (another user's records are not found either).",
        "Check the path; for catalog codes any spelling works (`LI4`, `li-4`).";
    ProviderNotEnabled = "provider_not_enabled", 404, "Sign-in provider not enabled",
        "This server has no client id configured for the provider, so it accepts no tokens from it.",
        "Offer only the sign-in buttons of enabled providers; the operator enables one with `ACUPRESS_APPLE_CLIENT_IDS` or `ACUPRESS_GOOGLE_CLIENT_IDS`.";
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed",
        "The path exists but does not take this HTTP method.",
        "Use one of the methods in the `Allow` header.";
    NotAcceptable = "not_acceptable", 406, "Not acceptable",
        "None of the media types in `Accept` can be produced.",
        "Accept application/json (and application/problem+json for errors).";
    EmailTaken = "email_taken", 409, "Email already registered",
        "An account with this email already exists (emails are compared trimmed, normalised and case-folded).",
        "Sign in instead, or use another email.";
    NotAGuest = "not_a_guest", 409, "Not a guest account",
        "Only a guest account can be upgraded; this one already has an email and password.",
        "Nothing to do: the account is already complete.";
    PasswordChanged = "password_changed", 409, "Password changed meanwhile",
        "The password was changed (by another request) after this one checked it, so nothing was written.",
        "Use the current password: sign in again with it, then retry if the change is still wanted.";
    IdentityTaken = "identity_taken", 409, "Sign-in already belongs to another account",
        "This Apple or Google account already signs in to another acupress account, and one provider account can sign in to one acupress account only.",
        "Sign in with it instead; to move it, unlink it from the other account first.";
    ProviderAlreadyLinked = "provider_already_linked", 409, "Provider already linked",
        "The account already has a sign-in with this provider (one per provider).",
        "Unlink the one it has first, if another one is wanted.";
    LastSignInMethod = "last_sign_in_method", 409, "Last way to sign in",
        "Removing this sign-in would leave the account with no way to sign in.",
        "Link another provider, or set a password, before unlinking this one.";
    EmailNotVerified = "email_not_verified", 409, "Email address not verified",
        "The operation needs an account whose address is confirmed (two-factor enrolment does: it is how the account is recovered).",
        "Verify the address with the mailed code first (POST /v1/auth/verify-email).";
    MfaAlreadyEnabled = "mfa_already_enabled", 409, "Two-factor sign-in already on",
        "The account already signs in with an authenticator code.",
        "Nothing to do; to start over with a new secret, turn it off first.";
    MfaNotEnabled = "mfa_not_enabled", 409, "Two-factor sign-in is off",
        "There is no confirmed authenticator for this account (or no enrolment to confirm).",
        "Enrol first with POST /v1/me/mfa/totp.";
    OwnAccount = "own_account", 409, "Not on your own account",
        "An admin cannot disable, sign out or take the admin role from their own account here (it would lock them out mid-task).",
        "Ask another admin to do it.";
    ItemExists = "item_exists", 409, "Catalog item exists",
        "A catalog item of this kind with this key (code or slug) exists already, perhaps retired.",
        "Edit the existing item with PATCH, or restore it; pick another slug for a new one.";
    RevisionMismatch = "revision_mismatch", 412, "Item changed since it was read",
        "The item's revision is no longer the one sent in `If-Match`: someone changed it first. Nothing was written.",
        "Read the item again (its `ETag` is the new revision), apply the change to what is there now, and send it with the new `If-Match`.";
    RevisionRequired = "revision_required", 428, "If-Match needed",
        "A change to a catalog item must say which revision it changes, so that it cannot overwrite someone else's edit unseen.",
        "Send `If-Match` with the `ETag` of the item as last read.";
    ContentInvalid = "content_invalid", 422, "Content breaks a catalog rule",
        "The change would leave the catalog breaking a rule the data files must also meet (a routine step on a point without guidance, `reviewed` evidence without a named review, a pregnancy level laxer than the teaching lists, a live item using a retired one, ...). Nothing was written.",
        "Fix what the detail names; where another item is in the way, change that one first.";
    SessionExists = "session_exists", 409, "Session id already used",
        "This account already has a session with this client-chosen id (ids are per account).",
        "Use a new UUID for a new session, or PATCH the existing one.";
    ReminderExists = "reminder_exists", 409, "Reminder id already used",
        "This account already has a reminder with this client-chosen id (ids are per account).",
        "Use a new UUID for a new reminder, or PATCH the existing one.";
    RoutineExists = "routine_exists", 409, "Routine id already used",
        "This account already has an own routine with this client-chosen id (ids are per account).",
        "Use a new UUID for a new routine, or PATCH the existing one.";
    WarningsNotAcknowledged = "warnings_not_acknowledged", 409, "Warnings not acknowledged",
        "The routine presses a point that is contraindicated for the account's safety profile (pregnancy, for example), so nothing was stored; `errors` names each such step with the warning.",
        "Show the warnings to the user; remove those steps, or send the request again with `acknowledge_warnings: true` if they still want them.";
    SyncConflict = "sync_conflict", 409, "Sync conflict",
        "Records in the push changed on the server after the client's cursor, so nothing from the push was applied; `errors` lists them.",
        "Pull from your cursor, merge, and push again with the new cursor.";
    IdempotencyKeyInFlight = "idempotency_key_in_flight", 409, "Request still in progress",
        "A request with this Idempotency-Key is still being processed.",
        "Retry after a moment: the first response will then be replayed.";
    SyncCursorExpired = "sync_cursor_expired", 410, "Sync cursor expired",
        "The sync cursor is older than the kept tombstones (90 days), so deletions could be missed.",
        "Drop the local copy and pull everything again without a cursor.";
    PayloadTooLarge = "payload_too_large", 413, "Request body too large",
        "The body is larger than the server accepts.",
        "Send less at once: split a sync push into smaller batches.";
    UnsupportedMediaType = "unsupported_media_type", 415, "Unsupported media type",
        "The body is not sent as JSON.",
        "Send Content-Type: application/json.";
    RateLimited = "rate_limited", 429, "Too many requests",
        "Too many attempts on sign-in endpoints, for this account or from this address.",
        "Wait the seconds given in `Retry-After`.";
    BodyTimeout = "body_timeout", 408, "Request body too slow",
        "The request body did not arrive in time: the client sent its headers, then the body too slowly or not at all. The connection is closed.",
        "Send the whole body promptly on a new connection; on a slow network, send smaller requests.";
    ServerBusy = "server_busy", 503, "Server busy",
        "The server has more work in hand than it takes on at once: password hashing, or request bodies being received (`ACUPRESS_BODY_MEMORY_MB`). Nothing was changed.",
        "Retry after the seconds in `Retry-After`.";
    ProviderUnavailable = "provider_unavailable", 503, "Sign-in provider unreachable",
        "The signing keys of Apple or Google could not be fetched in time, so the ID token cannot be checked. Nobody is signed in on an unchecked token.",
        "Retry after the seconds in `Retry-After`; offer the other ways to sign in meanwhile.";
    ShuttingDown = "shutting_down", 503, "Shutting down",
        "This server instance is stopping (readiness only): it still answers requests for a few seconds while load balancers take it out.",
        "Send traffic to another instance; a load balancer does this by itself.";
    InternalError = "internal_error", 500, "Internal error",
        "Something failed on the server. No internals are shown.",
        "Retry later; when reporting it, quote the `request_id`, which is also in the server log.";
    ServiceUnavailable = "service_unavailable", 503, "Service temporarily unavailable",
        "The database could not be reached in time, or is restarting.",
        "Retry after the seconds in `Retry-After`; nothing was changed.";
}

/// The detail of every refused mailed code: one answer whatever the reason, so that it
/// tells a guesser nothing.
pub const CODE_REFUSED: &str =
    "this code does not work: check it in the newest message, or ask for a new one";

impl ProblemCode {
    /// The code named by a string (`email_taken`), if it is one.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }

    /// The problem's `type` URI: `/problems/{code with dashes}`.
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.as_str().replace('_', "-"))
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for &c in ProblemCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!((400..600).contains(&c.status()), "{c}");
            assert!(!c.title().is_empty() && !c.meaning().is_empty() && !c.what_to_do().is_empty());
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
        }
    }

    #[test]
    fn the_wire_form_is_the_table_code() {
        for &c in ProblemCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(ProblemCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(ProblemCode::parse("no_such_code"), None);
        assert_eq!(ProblemCode::EmailTaken.type_uri(), "/problems/email-taken");
    }
}
