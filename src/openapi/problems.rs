//! Each operation's error answers, generated from the problem codes it can send.
//!
//! A handler names the codes that belong to it alone in its `#[utoipa::path]`:
//! `extensions(("x-problem-codes" = json!([ProblemCode::SessionExists])))`. The codes every
//! operation of a kind can send are added here from the operation's shape: a JSON body, a
//! bearer token, query parameters, a UUID in the path. The result replaces the list with
//! `x-problem-codes: {status: [code, ...]}` and one response per status, whose description
//! lists the codes and whose examples are what the server sends for each.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::problems::ProblemCode;

/// The member an operation lists its problem codes in.
pub const EXTENSION: &str = "x-problem-codes";

/// The request id that examples carry.
const EXAMPLE_REQUEST_ID: &str = "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f";

/// What an operation is made of, as far as its errors go.
#[derive(Default)]
struct Shape {
    body: bool,
    bearer: bool,
    /// The bearer token may be left out (the operation also answers without sign-in).
    bearer_optional: bool,
    query: bool,
    uuid_path: bool,
    /// A header of a checked form (a pattern or a format).
    checked_header: bool,
}

impl Shape {
    fn of(op: &Value) -> Self {
        let params = op["parameters"].as_array().map_or(&[][..], Vec::as_slice);
        let param_in = |place: &'static str| params.iter().filter(move |p| p["in"] == place);
        Self {
            body: op.get("requestBody").is_some(),
            bearer: op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())),
            bearer_optional: op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r == &json!({}))),
            query: param_in("query").next().is_some(),
            uuid_path: param_in("path").any(|p| p["schema"]["format"] == "uuid"),
            checked_header: param_in("header").any(|p| {
                p["schema"].get("format").is_some() || p["schema"].get("pattern").is_some()
            }),
        }
    }

    /// The codes an operation of this shape can send without naming them.
    fn codes(&self) -> Vec<ProblemCode> {
        use ProblemCode as C;
        let mut codes = vec![C::InternalError];
        if self.body {
            codes.extend([
                C::MalformedJson,
                C::MalformedBody,
                C::BodyTimeout,
                C::PayloadTooLarge,
                C::UnsupportedMediaType,
                C::ValidationFailed,
                C::ServerBusy,
            ]);
        }
        if self.bearer && !self.bearer_optional {
            codes.push(C::MissingToken);
        }
        if self.bearer {
            codes.extend([C::InvalidToken, C::SessionRevoked, C::ServiceUnavailable]);
        }
        if self.query {
            codes.push(C::BadQuery);
        }
        if self.uuid_path || self.checked_header {
            codes.push(C::BadRequest);
        }
        codes
    }
}

/// A detail the server really sends with this code, and the field error if it names one.
fn sample(
    code: ProblemCode,
    shape: &Shape,
) -> (&'static str, Option<(&'static str, &'static str)>) {
    use ProblemCode as C;
    match code {
        C::BadRequest if shape.uuid_path => ("id is not a UUID", Some(("id", "is not a UUID"))),
        C::BadRequest => (
            "Idempotency-Key must be a UUID",
            Some(("Idempotency-Key", "must be a UUID")),
        ),
        C::BadQuery => ("query string: unknown field `colour`", None),
        C::MalformedJson => (
            "malformed JSON: expected `,` or `}` at line 1 column 18",
            None,
        ),
        C::MalformedBody => ("the body could not be read: connection reset", None),
        C::InvalidCursor => (
            "cursor is not a cursor issued by this API",
            Some(("cursor", "is not a cursor issued by this API")),
        ),
        C::ValidationFailed if shape.body && !shape.query => (
            "duration_seconds: must be between 1 and 14400",
            Some(("duration_seconds", "must be between 1 and 14400")),
        ),
        C::ValidationFailed => (
            "limit must be between 1 and 100",
            Some(("limit", "must be between 1 and 100")),
        ),
        C::WeakPassword => (
            "the password is too easy to guess; a longer phrase of unrelated words works well",
            Some((
                "password",
                "add another word or two; uncommon words are better",
            )),
        ),
        C::CodeInvalid => (
            crate::problems::CODE_REFUSED,
            Some(("code", "is not a code that works")),
        ),
        C::AlreadyVerified => ("the email address is verified already", None),
        C::IdempotencyKeyReused => (
            "this Idempotency-Key was used with a different request body",
            None,
        ),
        C::MissingToken => ("sign in: send Authorization: Bearer <access token>", None),
        C::InvalidToken => ("the access token has expired", None),
        C::SessionRevoked => ("this session has been signed out", None),
        C::InvalidCredentials => ("the email or password is not right", None),
        C::InvalidRefreshToken => ("the refresh token is not valid", None),
        C::RefreshTokenReused => (
            "this refresh token was already used; the session has been signed out",
            None,
        ),
        C::InvalidIdToken => ("the ID token has expired", None),
        C::MfaChallengeInvalid => (
            "this sign-in challenge is unknown, expired, used or out of tries: sign in again",
            None,
        ),
        C::ProviderNotEnabled => ("sign-in with google is not enabled on this server", None),
        C::IdentityTaken => (
            "this Apple or Google account already signs in to another account",
            None,
        ),
        C::ProviderAlreadyLinked => (
            "this account already has a google sign-in; unlink it first",
            None,
        ),
        C::LastSignInMethod => (
            "this is the account's only way to sign in: link another or set a password first",
            None,
        ),
        C::EmailNotVerified => (
            "two-factor sign-in needs a verified email address: verify it first",
            None,
        ),
        C::MfaAlreadyEnabled => ("two-factor sign-in is already on for this account", None),
        C::MfaNotEnabled => ("two-factor sign-in is not on for this account", None),
        C::MfaCodeInvalid => (
            "the code is not the one the authenticator shows now (4 tries left on this challenge)",
            None,
        ),
        C::ProviderUnavailable => (
            "the signing keys of apple cannot be fetched right now; retry shortly",
            None,
        ),
        C::AccountDisabled => ("this account is disabled", None),
        C::OwnAccount => ("an admin cannot do this to their own account", None),
        C::Forbidden => ("the current password is not right", None),
        C::GuestAccount => ("a guest account has no password; upgrade it first", None),
        C::NotFound => ("not found", None),
        C::MethodNotAllowed => ("method not allowed", None),
        C::NotAcceptable => ("none of the accepted media types can be produced", None),
        C::EmailTaken => ("an account with this email already exists", None),
        C::NotAGuest => ("this account already has an email and password", None),
        C::PasswordChanged => (
            "the password was changed while this request was handled; nothing was written",
            None,
        ),
        C::ItemExists => ("routine sleep-wind-down exists already", None),
        C::RevisionMismatch => ("point LI4 is at revision 4, not 3: read it again", None),
        C::RevisionRequired => (
            "send If-Match with the revision this change is based on",
            None,
        ),
        C::ContentInvalid => (
            "catalog: neck-relief: GB21 is pressed firm but its guidance says medium",
            None,
        ),
        C::SessionExists => ("a session with this id already exists", None),
        C::ReminderExists => ("a reminder with this id already exists", None),
        C::RoutineExists => ("a routine with this id already exists", None),
        C::WarningsNotAcknowledged => (
            "1 step(s) press a point contraindicated for your safety profile; send acknowledge_warnings: true to keep them",
            Some((
                "steps[0].point",
                "LI4 is traditionally avoided during pregnancy (8 of the teaching lists acupress follows name it); skip it until after the birth.",
            )),
        ),
        C::SyncConflict => (
            "some records changed on the server after your cursor; nothing was applied",
            Some((
                "changes[0]",
                "session 0193a5c2-0000-7000-8000-000000000001 changed at version 42",
            )),
        ),
        C::IdempotencyKeyInFlight => (
            "a request with this Idempotency-Key is still being processed; retry shortly",
            None,
        ),
        C::SyncCursorExpired => (
            "this cursor is older than the deletions kept (90 days); pull without a cursor",
            None,
        ),
        C::PayloadTooLarge => ("request body is larger than 1048576 bytes", None),
        C::UnsupportedMediaType => (
            "the body must be JSON, sent with Content-Type: application/json",
            None,
        ),
        C::RateLimited => ("too many attempts; retry in 12 s", None),
        C::BodyTimeout => ("the request body did not arrive within 10 s", None),
        C::ServerBusy => (
            "the server is receiving as much request data as it takes on at once; retry shortly",
            None,
        ),
        C::ShuttingDown => ("this instance is shutting down", None),
        C::InternalError => (
            "internal error; quote the request id when reporting it",
            None,
        ),
        C::ServiceUnavailable => (
            "The database is not reachable right now; retry shortly.",
            None,
        ),
    }
}

/// The problem document the server sends with `code` from an operation of this shape.
fn example(code: ProblemCode, shape: &Shape) -> Value {
    let (detail, field) = sample(code, shape);
    json!({
        "type": code.type_uri(),
        "title": code.title(),
        "status": code.status(),
        "detail": detail,
        "code": code,
        "errors": field.map_or_else(Vec::new, |(field, message)| {
            vec![json!({"field": field, "message": message})]
        }),
        "request_id": EXAMPLE_REQUEST_ID,
    })
}

/// Headers a problem answer with this status carries, beyond those of every answer.
fn status_headers(status: u16) -> &'static [&'static str] {
    match status {
        401 => &["www-authenticate"],
        429 | 503 => &["retry-after"],
        _ => &[],
    }
}

/// The reason phrase used at the start of a problem response's description.
fn reason(status: u16) -> &'static str {
    actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The codes an operation declares, refusing anything that is not a code.
fn declared(op: &Value, name: &str) -> Vec<ProblemCode> {
    match op.get(EXTENSION) {
        None => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|c| {
                c.as_str()
                    .and_then(ProblemCode::parse)
                    .unwrap_or_else(|| panic!("{name}: {c} is not a problem code"))
            })
            .collect(),
        Some(other) => panic!("{name}: {EXTENSION} must be a list of codes, not {other}"),
    }
}

/// Whether a response declares an HTML page (a page's error is answered as a page).
fn is_page(response: &Value) -> bool {
    response["content"]
        .as_object()
        .is_some_and(|content| content.keys().any(|media| media.starts_with("text/html")))
}

/// Replaces the operation's error responses by the generated ones; an HTML page it
/// declares for an error status is kept, beside the problem document of that status.
pub fn document(op: &mut Value, name: &str, header_ref: impl Fn(&str) -> Value) {
    let shape = Shape::of(op);
    let mut by_status: BTreeMap<u16, Vec<ProblemCode>> = BTreeMap::new();
    for code in declared(op, name).into_iter().chain(shape.codes()) {
        let codes = by_status.entry(code.status()).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let responses = op["responses"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("{name} has no responses"));
    let mut pages: Map<String, Value> = responses
        .iter()
        .filter(|(status, response)| status.starts_with(['4', '5']) && is_page(response))
        .map(|(status, response)| (status.clone(), response.clone()))
        .collect();
    responses.retain(|status, _| !status.starts_with(['4', '5']));
    let mut listed = Map::new();
    for (status, codes) in &mut by_status {
        codes.sort();
        let mut description = format!("{}: the `code` is one of these.\n", reason(*status));
        let mut examples = Map::new();
        for &code in codes.iter() {
            description.push_str(&format!("\n- `{code}`: {}", code.meaning()));
            examples.insert(
                code.as_str().to_owned(),
                json!({"summary": code.title(), "value": example(code, &shape)}),
            );
        }
        let mut headers = Map::new();
        headers.insert("cache-control".into(), header_ref("cache-control"));
        for &h in status_headers(*status) {
            headers.insert(h.into(), header_ref(h));
        }
        let mut content = json!({"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "examples": examples,
        }});
        if let Some(page) = pages.remove(&status.to_string()) {
            description.push_str(&format!(
                "\n\nFrom a browser: {}",
                page["description"].as_str().unwrap_or_default()
            ));
            for (media, body) in page["content"].as_object().into_iter().flatten() {
                content[media] = body.clone();
            }
        }
        responses.insert(
            status.to_string(),
            json!({"description": description, "headers": headers, "content": content}),
        );
        listed.insert(status.to_string(), json!(codes));
    }
    // A page answered where no problem document is: the headers of its status too.
    for (status, page) in &mut pages {
        let status: u16 = status.parse().unwrap_or_default();
        for &h in status_headers(status) {
            page["headers"][h] = header_ref(h);
        }
    }
    responses.extend(pages);
    responses.sort_keys();
    op[EXTENSION] = Value::Object(listed);
}

/// The description of the `ProblemCode` schema: every code with its status and meaning.
pub fn code_table() -> String {
    let mut text = String::from(
        "Stable, machine-readable error code of a problem document; programs branch on it. \
         Each has a page at `/problems/{code with dashes}`.\n",
    );
    for &code in ProblemCode::ALL {
        text.push_str(&format!(
            "\n- `{code}` ({}): {} {}",
            code.status(),
            code.meaning(),
            code.what_to_do()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_ref(name: &str) -> Value {
        json!({"$ref": format!("#/components/headers/{name}")})
    }

    #[test]
    fn declared_and_shape_codes_are_grouped_by_status_with_examples() {
        let mut op = json!({
            "requestBody": {"content": {}},
            "security": [{"bearer": []}],
            "parameters": [{"in": "path", "name": "id", "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"201": {"description": "made"}, "409": {"description": "old"}},
            EXTENSION: ["session_exists", "idempotency_key_in_flight"],
        });
        document(&mut op, "create", header_ref);
        let listed = &op[EXTENSION];
        assert_eq!(
            listed["409"],
            json!(["session_exists", "idempotency_key_in_flight"])
        );
        assert_eq!(
            listed["401"],
            json!(["missing_token", "invalid_token", "session_revoked"])
        );
        assert_eq!(
            listed["400"],
            json!(["bad_request", "malformed_json", "malformed_body"])
        );
        assert_eq!(listed["503"], json!(["server_busy", "service_unavailable"]));
        assert!(
            op["responses"]["201"].is_object(),
            "success answers are kept"
        );
        let conflict = &op["responses"]["409"]["content"]["application/problem+json"];
        assert_eq!(
            conflict["examples"]["session_exists"]["value"]["code"],
            "session_exists"
        );
        assert_eq!(
            conflict["examples"]["session_exists"]["value"]["status"],
            409
        );
        assert!(op["responses"]["401"]["headers"]["www-authenticate"].is_object());
        assert!(op["responses"]["503"]["headers"]["retry-after"].is_object());
    }

    #[test]
    #[should_panic(expected = "is not a problem code")]
    fn an_unknown_code_is_refused() {
        let mut op = json!({"responses": {}, EXTENSION: ["sesion_exists"]});
        document(&mut op, "typo", header_ref);
    }

    #[test]
    fn every_code_has_an_example_of_its_own_status_and_type() {
        for &code in ProblemCode::ALL {
            let value = example(code, &Shape::default());
            assert_eq!(value["status"], code.status());
            assert_eq!(value["type"], code.type_uri());
            assert_eq!(value["code"], code.as_str());
        }
    }
}
