//! Rendered answers of an account's own reads that are costly to build (a page of own
//! routines, recommendations), kept while the account's history version stands. Every
//! write of what those reads show moves the version on (`counter`), on any instance, so
//! an answer is served only for the version it was built at or after: reading the
//! version costs one indexed row, building the answer costs far more.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;
use diesel_async::AsyncPgConnection;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::lang::Lang;
use crate::users::UserId;
use crate::users::counter;
use crate::users::model::SafetyProfile;

/// Most bytes of answers kept; past it every answer is dropped (each is built again).
const MAX_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Kept {
    /// By account and request: the history version built at, and the body.
    answers: HashMap<(UserId, String), (i64, Bytes)>,
    bytes: usize,
}

#[derive(Default)]
pub struct Answers {
    kept: Mutex<Kept>,
}

/// What an answer depends on besides the account's history: the catalog version, the
/// language, the reader's safety profile and the request itself.
pub fn key(catalog_version: &str, lang: Lang, profile: &SafetyProfile, request: &str) -> String {
    format!("{catalog_version}|{lang:?}|{profile:?}|{request}")
}

impl Answers {
    fn get(&self, user: UserId, key: &str, version: i64) -> Option<Bytes> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.answers
            .get(&(user, key.to_owned()))
            .filter(|(built_at, _)| *built_at == version)
            .map(|(_, body)| body.clone())
    }

    fn put(&self, user: UserId, key: String, version: i64, body: Bytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.bytes + body.len() > MAX_BYTES {
            kept.answers.clear();
            kept.bytes = 0;
        }
        kept.bytes += body.len();
        if let Some((_, old)) = kept.answers.insert((user, key), (version, body)) {
            kept.bytes -= old.len();
        }
    }

    /// The JSON body for `key`: kept, or built by `build` and kept. The version is read
    /// before building, so a write that lands meanwhile makes the answer newer than its
    /// version, never older.
    pub async fn answer<T: Serialize>(
        &self,
        conn: &mut AsyncPgConnection,
        user: UserId,
        key: String,
        build: impl AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<T>,
    ) -> ApiResult<Bytes> {
        let version = counter::history_marks(conn, user).await?.version;
        if let Some(body) = self.get(user, &key, version) {
            return Ok(body);
        }
        let value = build(conn).await?;
        let body = Bytes::from(serde_json::to_vec(&value).map_err(ApiError::internal)?);
        self.put(user, key, version, body.clone());
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn an_answer_is_served_for_its_version_only_and_memory_is_bounded() {
        let answers = Answers::default();
        let mei = UserId::from(Uuid::from_u128(1));
        answers.put(mei, "a".into(), 7, Bytes::from_static(b"[1]"));
        assert_eq!(answers.get(mei, "a", 7).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(
            answers.get(mei, "a", 8),
            None,
            "a newer version builds again"
        );
        assert_eq!(answers.get(UserId::from(Uuid::from_u128(2)), "a", 7), None);
        answers.put(mei, "a".into(), 8, Bytes::from_static(b"[1, 2]"));
        assert_eq!(
            answers.kept.lock().unwrap().bytes,
            6,
            "a replaced answer frees its bytes"
        );
        answers.put(mei, "big".into(), 8, Bytes::from(vec![b' '; MAX_BYTES]));
        assert_eq!(
            answers.get(mei, "a", 8),
            None,
            "past the budget the rest is dropped"
        );
        assert_eq!(answers.kept.lock().unwrap().bytes, MAX_BYTES);
    }
}
