//! Password hashing (Argon2id, off the async workers) and strength checks (zxcvbn).

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ApiError, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the calling thread (use [`hash`] from async code).
pub fn hash_blocking(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters cannot fail")
        .to_string()
}

/// A real hash of a random password, verified when the account does not exist, so
/// that unknown emails take as long as wrong passwords.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&uuid::Uuid::new_v4().to_string()))
}

/// At most one hash per core at a time: Argon2 is memory-bound (19 MiB each), and
/// running more at once only makes them evict each other from the caches.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    })
}

/// Runs Argon2 work on a blocking thread once a slot is free, keeping the async
/// workers free for other requests.
async fn run_hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

/// Hashes a password off the async workers.
pub async fn hash(password: String) -> Result<String, ApiError> {
    run_hashing(move || hash_blocking(&password)).await
}

/// Verifies off the async workers. `None` (no such account) checks a dummy hash and
/// fails, taking the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    run_hashing(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        known & verify_blocking(&password, &phc)
    })
    .await
}

/// Verifies on the calling thread (use [`verify`] from async code).
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Prepares the dummy hash at start-up so the first unknown-email login is not faster.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// Length limits, then zxcvbn's estimate (score 3 of 4 or better). No composition rules.
pub fn check_strength(field: &str, password: &str, user_inputs: &[&str]) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(ApiError::invalid(
            field,
            format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if password.chars().any(|c| c == '\0') {
        return Err(ApiError::invalid(field, "must not contain NUL characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if u8::from(estimate.score()) >= 3 {
        return Ok(());
    }
    let mut reasons: Vec<FieldError> = Vec::new();
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            reasons.push(FieldError::new(field, warning.to_string()));
        }
        reasons.extend(
            feedback
                .suggestions()
                .iter()
                .map(|s| FieldError::new(field, s.to_string())),
        );
    }
    if reasons.is_empty() {
        reasons.push(FieldError::new(field, "is too easy to guess"));
    }
    Err(ApiError::Unprocessable {
        code: "weak_password",
        detail: "the password is too easy to guess; a longer phrase of unrelated words works well"
            .into(),
        errors: reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_owasp_parameters() {
        let phc = hash_blocking("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        assert!(argon2().verify_password(b"wrong", &parsed).is_err());
    }

    #[test]
    fn strength_is_estimated_not_composed() {
        assert!(check_strength("password", "quiet-otter-lantern-91", &[]).is_ok());
        assert!(
            check_strength("password", "Password1!", &[]).is_err(),
            "composition is not strength"
        );
        assert!(check_strength("password", "short", &[]).is_err());
        assert!(check_strength("password", &"x".repeat(129), &[]).is_err());
        let weak = check_strength("password", "qwertyuiop", &[]);
        assert!(matches!(
            weak,
            Err(ApiError::Unprocessable {
                code: "weak_password",
                ..
            })
        ));
    }
}
