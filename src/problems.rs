//! The problem types: every `code` an error answer can carry, with what it means and
//! what to do. Each has a short page at its `type` URI (`/problems/{code with dashes}`),
//! served with the operations endpoints. This table imports nothing of the crate, so the
//! error type can check its codes against it.

/// One problem type: its code, HTTP status, and what a developer should know.
pub struct ProblemType {
    pub code: &'static str,
    pub status: u16,
    pub meaning: &'static str,
    pub what_to_do: &'static str,
}

const fn problem(
    code: &'static str,
    status: u16,
    meaning: &'static str,
    what_to_do: &'static str,
) -> ProblemType {
    ProblemType {
        code,
        status,
        meaning,
        what_to_do,
    }
}

/// Every code the API answers with. An error with a code missing here fails in debug
/// builds (see `ApiError::error_response`), so the list cannot fall behind the code.
pub const PROBLEM_TYPES: &[ProblemType] = &[
    problem(
        "bad_request",
        400,
        "The request could not be read: a path segment or a header has the wrong form (an id that is not a UUID, say).",
        "Fix the request as the detail says; sending it again unchanged will fail the same way.",
    ),
    problem(
        "bad_query",
        400,
        "The query string names a parameter this endpoint does not take, or gives one a value of the wrong form.",
        "Send only the parameters the endpoint documents.",
    ),
    problem(
        "malformed_json",
        400,
        "The body is not valid JSON, or it is missing where a JSON object is required.",
        "Send one JSON object, UTF-8 encoded, with Content-Type: application/json.",
    ),
    problem(
        "malformed_body",
        400,
        "The body could not be read to the end.",
        "Send the body again, complete.",
    ),
    problem(
        "invalid_cursor",
        400,
        "The pagination or sync cursor was not made by this server for this list, or was changed.",
        "Pass back the cursor exactly as received, with the same filters; start again without one if in doubt.",
    ),
    problem(
        "validation_failed",
        422,
        "The body or a parameter is well-formed but not acceptable: out of range, too long, unknown to the catalog, of the wrong type, or a field that may not be set.",
        "Each entry of `errors` names a field and what is wrong with it.",
    ),
    problem(
        "weak_password",
        422,
        "The password is too easy to guess (judged by a strength estimator, not by character rules), or is outside 8 to 128 characters.",
        "Ask for a longer or less predictable password; `errors` carries the estimator's hints.",
    ),
    problem(
        "idempotency_key_reused",
        422,
        "This Idempotency-Key was already used with a different request body.",
        "Use a new key for a new request; reuse a key only to retry the very same request.",
    ),
    problem(
        "missing_token",
        401,
        "The request needs a signed-in user and carries no `Authorization: Bearer` header.",
        "Sign in (or create a guest account) and send the access token.",
    ),
    problem(
        "invalid_token",
        401,
        "The access token is malformed, expired, signed with an unknown key, or not an access token.",
        "Refresh the token pair with the refresh token; sign in again if that fails too.",
    ),
    problem(
        "session_revoked",
        401,
        "The device session behind this token was signed out: a logout, a password change, a revoked device or a deleted account.",
        "Sign in again.",
    ),
    problem(
        "invalid_credentials",
        401,
        "The email and password do not match an account. Which of the two is wrong is not said.",
        "Let the person try again; after repeated failures the answer becomes 429.",
    ),
    problem(
        "invalid_refresh_token",
        401,
        "The refresh token is unknown, expired, or belongs to a session that was signed out.",
        "Sign in again.",
    ),
    problem(
        "refresh_token_reused",
        401,
        "A refresh token that was already exchanged came back after the grace period, so it may have been stolen: the whole device session was signed out.",
        "Sign in again. Store the newest refresh token as soon as it arrives.",
    ),
    problem(
        "forbidden",
        403,
        "Signed in, but not allowed: an admin-only operation, or a wrong current password for an account change.",
        "Check the password, or the account's role.",
    ),
    problem(
        "guest_account",
        409,
        "A guest account has no password, so this password operation does not apply.",
        "Upgrade the guest account with an email and password first.",
    ),
    problem(
        "not_found",
        404,
        "Nothing is here: an unknown route, catalog code or slug, or a record that does not exist for this user (another user's records are not found either).",
        "Check the path; for catalog codes any spelling works (`LI4`, `li-4`).",
    ),
    problem(
        "method_not_allowed",
        405,
        "The path exists but does not take this HTTP method.",
        "Use one of the methods in the `Allow` header.",
    ),
    problem(
        "not_acceptable",
        406,
        "None of the media types in `Accept` can be produced.",
        "Accept application/json (and application/problem+json for errors).",
    ),
    problem(
        "email_taken",
        409,
        "An account with this email already exists (emails are compared trimmed, normalised and case-folded).",
        "Sign in instead, or use another email.",
    ),
    problem(
        "not_a_guest",
        409,
        "Only a guest account can be upgraded; this one already has an email and password.",
        "Nothing to do: the account is already complete.",
    ),
    problem(
        "password_changed",
        409,
        "The password was changed (by another request) after this one checked it, so nothing was written.",
        "Use the current password: sign in again with it, then retry if the change is still wanted.",
    ),
    problem(
        "session_exists",
        409,
        "This account already has a session with this client-chosen id (ids are per account).",
        "Use a new UUID for a new session, or PATCH the existing one.",
    ),
    problem(
        "sync_conflict",
        409,
        "Records in the push changed on the server after the client's cursor, so nothing from the push was applied; `errors` lists them.",
        "Pull from your cursor, merge, and push again with the new cursor.",
    ),
    problem(
        "idempotency_key_in_flight",
        409,
        "A request with this Idempotency-Key is still being processed.",
        "Retry after a moment: the first response will then be replayed.",
    ),
    problem(
        "sync_cursor_expired",
        410,
        "The sync cursor is older than the kept tombstones (90 days), so deletions could be missed.",
        "Drop the local copy and pull everything again without a cursor.",
    ),
    problem(
        "payload_too_large",
        413,
        "The body is larger than the server accepts.",
        "Send less at once: split a sync push into smaller batches.",
    ),
    problem(
        "unsupported_media_type",
        415,
        "The body is not sent as JSON.",
        "Send Content-Type: application/json.",
    ),
    problem(
        "rate_limited",
        429,
        "Too many attempts on sign-in endpoints, for this account or from this address.",
        "Wait the seconds given in `Retry-After`.",
    ),
    problem(
        "body_timeout",
        408,
        "The request body did not arrive in time: the client sent its headers, then the body too slowly or not at all. The connection is closed.",
        "Send the whole body promptly on a new connection; on a slow network, send smaller requests.",
    ),
    problem(
        "server_busy",
        503,
        "The server has more work in hand than it takes on at once: password hashing, or request bodies being received (`ACUPRESS_BODY_MEMORY_MB`). Nothing was changed.",
        "Retry after the seconds in `Retry-After`.",
    ),
    problem(
        "shutting_down",
        503,
        "This server instance is stopping (readiness only): it still answers requests for a few seconds while load balancers take it out.",
        "Send traffic to another instance; a load balancer does this by itself.",
    ),
    problem(
        "internal_error",
        500,
        "Something failed on the server. No internals are shown.",
        "Retry later; when reporting it, quote the `request_id`, which is also in the server log.",
    ),
    problem(
        "service_unavailable",
        503,
        "The database could not be reached in time, or is restarting.",
        "Retry after the seconds in `Retry-After`; nothing was changed.",
    ),
];

/// The problem type of a code, if it is one.
pub fn find(code: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for p in PROBLEM_TYPES {
            assert!(seen.insert(p.code), "{} twice", p.code);
            assert!((400..600).contains(&p.status), "{}", p.code);
            assert!(!p.meaning.is_empty() && !p.what_to_do.is_empty());
        }
    }
}
