//! Rendered answers of an account's own reads that are costly to build (a page of own
//! routines, the favorites, recommendations), kept while the account's history version
//! stands. Every write of what those reads show moves the version on (`counter`), on any
//! instance, so an answer is served only for the version it was built at.
//!
//! The version itself is known without asking the database when it can be: the commit
//! that moves it on notifies every instance (`LISTEN acupress_history`, see
//! [`listen`]), and a write through this instance forgets it as soon as it has
//! committed ([`forget_writers`]). A version is believed for [`FRESH_FOR`] after it was
//! learnt, and only while this instance is listening; otherwise it costs one indexed
//! row, and building the answer far more.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::ContentType;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::Serialize;

use crate::db::notify::{Channel, Heard};
use crate::db::{self, DbPool, SessionSettings};
use crate::error::{ApiError, ApiResult};
use crate::lang::Lang;
use crate::users::UserId;
use crate::users::counter;
use crate::users::model::SafetyProfile;

/// Most bytes of answers kept; past it every answer is dropped (each is built again).
const MAX_BYTES: usize = 64 << 20;
/// How long a learnt history version is believed; the bound on how late a change made
/// on another instance shows here should a notification go missing.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Accounts whose version is kept at most; past it the stale ones go, then all.
const MAX_VERSIONS: usize = 100_000;
/// The channel the `users` trigger notifies on (migration `history_notify`).
const CHANNEL: Channel = Channel {
    name: "acupress_history",
    about: "history changes",
};

/// What this instance knows of an account's history version.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Known {
    /// The version was current at `since` (a read begun then, or a notification).
    Version { version: i64, since: Instant },
    /// A write through this instance committed at this instant: what was learnt before
    /// it is not believed.
    Forgotten(Instant),
}

#[derive(Default)]
struct Kept {
    /// By account and request: the history version built at, and the body.
    answers: HashMap<(UserId, String), (i64, Bytes)>,
    bytes: usize,
    versions: HashMap<UserId, Known>,
    /// Since when notifications have been received without a break (none: not now).
    listening_since: Option<Instant>,
}

#[derive(Default)]
pub struct Answers {
    kept: Mutex<Kept>,
}

/// Set on a request by the `AuthUser` extractor when a signed-in user sends a write:
/// once it is answered, what this instance knows of their version is forgotten.
#[derive(Clone, Copy, Debug)]
pub struct Writer(pub UserId);

/// What an answer depends on besides the account's history: the catalog version, the
/// language, the reader's safety profile and the request itself.
pub fn key(catalog_version: &str, lang: Lang, profile: &SafetyProfile, request: &str) -> String {
    format!("{catalog_version}|{lang:?}|{profile:?}|{request}")
}

impl Kept {
    /// The version believed now, if any.
    fn current(&self, user: UserId, now: Instant) -> Option<i64> {
        let listening = self.listening_since?;
        match self.versions.get(&user)? {
            Known::Version { version, since }
                if *since >= listening && now.duration_since(*since) < FRESH_FOR =>
            {
                Some(*version)
            }
            _ => None,
        }
    }

    /// `version` was current at `since`. Versions only grow, so an older one never
    /// replaces a newer, and nothing learnt before a forgetting counts.
    fn learnt(&mut self, user: UserId, version: i64, since: Instant) {
        let next = match self.versions.get(&user) {
            Some(Known::Forgotten(at)) if since <= *at => return,
            Some(Known::Version { version: had, .. }) if *had > version => return,
            Some(Known::Version {
                version: had,
                since: was,
            }) if *had == version => Known::Version {
                version,
                since: since.max(*was),
            },
            _ => Known::Version { version, since },
        };
        self.bound_versions(since);
        self.versions.insert(user, next);
    }

    fn forget(&mut self, user: UserId, now: Instant) {
        self.bound_versions(now);
        self.versions.insert(user, Known::Forgotten(now));
    }

    fn bound_versions(&mut self, now: Instant) {
        if self.versions.len() < MAX_VERSIONS {
            return;
        }
        self.versions.retain(|_, known| match known {
            Known::Version { since: at, .. } | Known::Forgotten(at) => {
                now.saturating_duration_since(*at) < FRESH_FOR
            }
        });
        if self.versions.len() >= MAX_VERSIONS {
            self.versions.clear();
        }
    }

    fn get(&self, user: UserId, key: &str, version: i64) -> Option<Bytes> {
        self.answers
            .get(&(user, key.to_owned()))
            .filter(|(built_at, _)| *built_at == version)
            .map(|(_, body)| body.clone())
    }

    fn put(&mut self, user: UserId, key: String, version: i64, body: Bytes) {
        if self.bytes + body.len() > MAX_BYTES {
            self.answers.clear();
            self.bytes = 0;
        }
        self.bytes += body.len();
        if let Some((_, old)) = self.answers.insert((user, key), (version, body)) {
            self.bytes -= old.len();
        }
    }
}

/// Reads `"<user id> <version>"`, the payload of a notification.
fn parse_notification(payload: &str) -> Option<(UserId, i64)> {
    let (user, version) = payload.split_once(' ')?;
    Some((
        UserId::from(user.parse::<uuid::Uuid>().ok()?),
        version.parse().ok()?,
    ))
}

impl Answers {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets what this instance knows of `user`'s version (they just wrote).
    pub fn forget(&self, user: UserId) {
        self.kept().forget(user, Instant::now());
    }

    /// A 200 with the JSON body for `key`: kept, or built by `build` and kept.
    pub async fn answer<T: Serialize>(
        &self,
        pool: &DbPool,
        user: UserId,
        key: String,
        build: impl AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<T>,
    ) -> ApiResult<HttpResponse> {
        let body = self.body(pool, user, key, build).await?;
        Ok(HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(body))
    }

    /// The body for `key`. Without a believed version the version is read first, so a
    /// write that lands while the answer is built makes the answer newer than its
    /// version, never older.
    async fn body<T: Serialize>(
        &self,
        pool: &DbPool,
        user: UserId,
        key: String,
        build: impl AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<T>,
    ) -> ApiResult<Bytes> {
        {
            let kept = self.kept();
            if let Some(body) = kept
                .current(user, Instant::now())
                .and_then(|version| kept.get(user, &key, version))
            {
                return Ok(body);
            }
        }
        let mut conn = db::conn(pool).await?;
        let asked = Instant::now();
        let version = counter::history_marks(&mut conn, user).await?.version;
        {
            let mut kept = self.kept();
            kept.learnt(user, version, asked);
            if let Some(body) = kept.get(user, &key, version) {
                return Ok(body);
            }
        }
        let value = build(&mut conn).await?;
        let body = Bytes::from(serde_json::to_vec(&value).map_err(ApiError::internal)?);
        self.kept().put(user, key, version, body.clone());
        Ok(body)
    }
}

/// Middleware: once a signed-in user's write is answered (and so committed), this
/// instance no longer believes the version it knew for them.
pub async fn forget_writers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = next.call(req).await?;
    let writer = res.request().extensions().get::<Writer>().copied();
    if let Some(Writer(user)) = writer
        && let Some(answers) = res.request().app_data::<web::Data<Answers>>()
    {
        answers.forget(user);
    }
    Ok(res)
}

/// Listens for history-version notifications for as long as the process runs, on a
/// connection of its own, connecting again after a failure. While it is not listening
/// every kept answer costs a version read.
pub async fn listen(answers: std::sync::Arc<Answers>, url: String, settings: SessionSettings) {
    db::notify::listen(&url, settings, CHANNEL, async |heard| match heard {
        Heard::Listening => answers.kept().listening_since = Some(Instant::now()),
        Heard::Note(payload) => {
            if let Some((user, version)) = parse_notification(payload) {
                answers.kept().learnt(user, version, Instant::now());
            }
        }
        Heard::Lost => answers.kept().listening_since = None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn user(n: u128) -> UserId {
        UserId::from(Uuid::from_u128(n))
    }

    #[test]
    fn an_answer_is_served_for_its_version_only_and_memory_is_bounded() {
        let mut kept = Kept::default();
        let mei = user(1);
        kept.put(mei, "a".into(), 7, Bytes::from_static(b"[1]"));
        assert_eq!(kept.get(mei, "a", 7).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(kept.get(mei, "a", 8), None, "a newer version builds again");
        assert_eq!(kept.get(user(2), "a", 7), None);
        kept.put(mei, "a".into(), 8, Bytes::from_static(b"[1, 2]"));
        assert_eq!(kept.bytes, 6, "a replaced answer frees its bytes");
        kept.put(mei, "big".into(), 8, Bytes::from(vec![b' '; MAX_BYTES]));
        assert_eq!(
            kept.get(mei, "a", 8),
            None,
            "past the budget the rest is dropped"
        );
        assert_eq!(kept.bytes, MAX_BYTES);
    }

    #[test]
    fn a_version_is_believed_only_while_listening_and_for_a_second() {
        let mut kept = Kept::default();
        let (mei, t0) = (user(1), Instant::now());
        kept.learnt(mei, 7, t0);
        assert_eq!(
            kept.current(mei, t0),
            None,
            "not listening: ask the database"
        );
        kept.listening_since = Some(t0);
        assert_eq!(kept.current(mei, t0), Some(7));
        assert_eq!(kept.current(mei, t0 + FRESH_FOR), None);
        kept.listening_since = Some(t0 + Duration::from_millis(1));
        assert_eq!(
            kept.current(mei, t0 + Duration::from_millis(2)),
            None,
            "learnt before listening again: notifications may have been missed"
        );
    }

    #[test]
    fn versions_only_grow_and_a_write_here_outdates_what_was_read_before_it() {
        let mut kept = Kept::default();
        let (mei, t0) = (user(1), Instant::now());
        kept.listening_since = Some(t0);
        let at = |ms| t0 + Duration::from_millis(ms);
        kept.learnt(mei, 8, at(2));
        kept.learnt(mei, 7, at(3));
        assert_eq!(
            kept.current(mei, at(4)),
            Some(8),
            "a late older version is ignored"
        );
        // A read began at 5 ms; the user's write committed and was forgotten at 6 ms; the
        // read's (old) version lands at 7 ms and must not be believed.
        kept.forget(mei, at(6));
        kept.learnt(mei, 8, at(5));
        assert_eq!(kept.current(mei, at(7)), None);
        // The write's notification, or a read begun after the forgetting, is believed.
        kept.learnt(mei, 9, at(8));
        assert_eq!(kept.current(mei, at(9)), Some(9));
    }

    #[test]
    fn notifications_name_an_account_and_a_version() {
        let id = Uuid::from_u128(5);
        assert_eq!(
            parse_notification(&format!("{id} 42")),
            Some((UserId::from(id), 42))
        );
        for bad in ["", "42", "not-a-uuid 1", &format!("{id} x")] {
            assert_eq!(parse_notification(bad), None, "{bad:?}");
        }
    }
}
