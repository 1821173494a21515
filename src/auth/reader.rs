//! Who reads a public resource: nobody, or a signed-in user with their safety profile,
//! so that a point, a routine or a condition can carry that user's warnings.
//!
//! A reader's device session and profile are kept for [`FRESH_FOR`] per device session:
//! a personal read then costs a token check and a map lookup, not a database trip. A
//! profile changed on this instance is forgotten at once; on another instance it shows
//! within [`FRESH_FOR`], as does a signed-out device.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::{AuthService, DeviceSessionId, session_revoked, store, verified_claims};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::users::UserId;
use crate::users::model::SafetyProfile;

/// How long a reader's session and profile are believed without asking the database.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Readers kept at most; past it the stale ones go, then all (each is one query again).
const MAX_READERS: usize = 100_000;

/// A signed-in reader: whose device session, and the safety profile to warn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedReader {
    pub user_id: UserId,
    pub session_id: DeviceSessionId,
    pub profile: SafetyProfile,
}

/// The reader of a request: `None` without an `Authorization` header. A token that is
/// sent must be good (a bad one is a 401, never taken for "signed out").
pub struct Reader(pub Option<SignedReader>);

/// Recently seen readers, by device session.
#[derive(Default)]
pub struct Readers {
    seen: Mutex<HashMap<DeviceSessionId, (Instant, SignedReader)>>,
}

impl Readers {
    fn fresh(&self, sid: DeviceSessionId, now: Instant) -> Option<SignedReader> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&sid)
            .filter(|(at, _)| now.duration_since(*at) < FRESH_FOR)
            .map(|(_, reader)| *reader)
    }

    fn keep(&self, reader: SignedReader, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_READERS {
            seen.retain(|_, (at, _)| now.duration_since(*at) < FRESH_FOR);
            if seen.len() >= MAX_READERS {
                seen.clear();
            }
        }
        seen.insert(reader.session_id, (now, reader));
    }

    /// Forgets every device of `user` (their profile changed, or they signed out).
    pub fn forget_user(&self, user: UserId) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, (_, reader)| reader.user_id != user);
    }
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(std::future::ready(Ok(Self(None))));
        }
        let signed = SignedReader::from_request(req, payload);
        Box::pin(async move { Ok(Self(Some(signed.await?))) })
    }
}

/// A reader who must be signed in (401 otherwise), for the account's own resources that
/// carry warnings: the same cached session and profile as [`Reader`].
impl FromRequest for SignedReader {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = verified_claims(req);
        let auth = req.app_data::<web::Data<AuthService>>().cloned();
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            let auth = auth.ok_or_else(|| ApiError::internal("auth service not configured"))?;
            let now = Instant::now();
            if let Some(reader) = auth.readers.fresh(claims.sid, now)
                && reader.user_id == claims.sub
            {
                return Ok(reader);
            }
            let pool = pool.ok_or_else(|| ApiError::internal("database pool not configured"))?;
            let mut conn = db::conn(&pool).await?;
            let profile = store::live_session_profile(&mut conn, claims.sid, claims.sub)
                .await?
                .ok_or_else(session_revoked)?;
            let reader = SignedReader {
                user_id: claims.sub,
                session_id: claims.sid,
                profile,
            };
            auth.readers.keep(reader, now);
            Ok(reader)
        })
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn reader(user: u128, sid: u128) -> SignedReader {
        SignedReader {
            user_id: UserId::from(Uuid::from_u128(user)),
            session_id: DeviceSessionId::from(Uuid::from_u128(sid)),
            profile: SafetyProfile::default(),
        }
    }

    #[test]
    fn readers_are_fresh_for_a_second_and_forgotten_per_user() {
        let readers = Readers::default();
        let t0 = Instant::now();
        let (mei, mei_tablet, li) = (reader(1, 10), reader(1, 11), reader(2, 20));
        for r in [mei, mei_tablet, li] {
            readers.keep(r, t0);
        }
        assert_eq!(readers.fresh(mei.session_id, t0), Some(mei));
        assert_eq!(readers.fresh(mei.session_id, t0 + FRESH_FOR), None);
        readers.forget_user(mei.user_id);
        assert_eq!(readers.fresh(mei.session_id, t0), None);
        assert_eq!(readers.fresh(mei_tablet.session_id, t0), None);
        assert_eq!(readers.fresh(li.session_id, t0), Some(li));
    }
}
