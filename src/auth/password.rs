//! Password hashing (Argon2id) and strength checks (zxcvbn), both off the async
//! workers, on the NFKC form of the password.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use unicode_normalization::UnicodeNormalization;

use crate::error::{ApiError, FieldError};
use crate::problems::ProblemCode;

/// Limits on a password both as sent and in NFKC form (the one hashed and estimated,
/// which can be up to 18 times longer).
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 128;

/// The form a password is hashed in: NFKC (NIST SP 800-63B, 5.1.1.2), so that `é` typed
/// as one or two code points, or digits typed full-width, are the same password.
fn normalised(raw: &str) -> String {
    raw.nfkc().collect()
}

fn within_limit(password: &str) -> bool {
    password.chars().count() <= MAX_PASSWORD_CHARS
}

/// OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// This thread's Argon2 working memory (19 MiB), kept between hashes: allocating it
    /// afresh for each one costs the kernel a page fault per 4 KiB, a fifth of the CPU
    /// of a login storm.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and the raw `salt` into `out`, in this thread's memory.
fn argon2_into(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    let blocks = argon.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .is_ok()
    })
}

/// Hashes `password` exactly as given, on the calling thread (async code uses
/// [`hash_new`], which normalises and checks it first).
pub fn hash_blocking(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let argon = argon2();
    let mut out = [0u8; 32];
    assert!(
        argon2_into(&argon, password.as_bytes(), &salt, &mut out),
        "Argon2 hashing with valid parameters cannot fail"
    );
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).expect("valid Argon2 parameters"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// A real hash of a random password, verified when the account does not exist, so
/// that unknown emails take as long as wrong passwords.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&uuid::Uuid::new_v4().to_string()))
}

type HashJob = Box<dyn FnOnce() + Send>;

/// Cores available to the process, read once (the lookup reads cgroup files on Linux,
/// not something to repeat for every sign-in).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(2, usize::from))
}

/// The hashing threads: one per core, started once and kept, each with its own Argon2
/// memory. At most one hash per core runs at a time (Argon2 is memory-bound, 19 MiB
/// each; more at once only evict each other from the caches), and long-lived threads
/// keep their memory and caches warm where a blocking pool would move the work around
/// (about a tenth more logins per second in the login storm).
fn hashing_queue() -> &'static Sender<HashJob> {
    static QUEUE: OnceLock<Sender<HashJob>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (queue, jobs) = mpsc::channel::<HashJob>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..cores() {
            let jobs = Arc::clone(&jobs);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    // Ends when the queue is gone (never, in the server). A job that
                    // panicked has answered with an error; the thread carries on.
                    while let Some(job) = jobs.lock().ok().and_then(|j| j.recv().ok()) {
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .expect("a hashing thread starts");
        }
        queue
    })
}

/// Hashes waiting or running at most, per core. Beyond it a sign-in is answered 503 at
/// once: a queue without bound would make every waiting client time out instead.
const MAX_QUEUED_PER_CORE: usize = 128;

static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// One job counted in [`QUEUED`] until it has run, was skipped or was dropped.
struct Queued;

impl Drop for Queued {
    fn drop(&mut self) {
        QUEUED.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs Argon2 work on a hashing thread, keeping the async workers free for other
/// requests.
async fn run_hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    if QUEUED.fetch_add(1, Ordering::Relaxed) >= MAX_QUEUED_PER_CORE * cores() {
        QUEUED.fetch_sub(1, Ordering::Relaxed);
        return Err(ApiError::Busy(
            "too many sign-ins are waiting for a password check; retry shortly",
        ));
    }
    let queued = Queued;
    let (done, result) = tokio::sync::oneshot::channel();
    let job: HashJob = Box::new(move || {
        // A request that went away meanwhile (its client gave up) costs no hash.
        let answer = (!done.is_closed()).then(work);
        // Counted out before answering, so a caller that gets the answer sees the
        // queue without its own job.
        drop(queued);
        if let Some(answer) = answer {
            let _ = done.send(answer);
        }
    });
    hashing_queue().send(job).map_err(ApiError::internal)?;
    result.await.map_err(ApiError::internal)
}

/// Checks a new password (length, then zxcvbn's estimate) and hashes its NFKC form.
/// The estimate and the hash run on a hashing thread, behind the same bound as
/// sign-ins: zxcvbn takes milliseconds on a long password.
pub async fn hash_new(
    field: &'static str,
    raw: &str,
    user_inputs: &[&str],
) -> Result<String, ApiError> {
    let password = normalised(raw);
    check_length(field, raw, &password)?;
    let inputs: Vec<String> = user_inputs.iter().map(|&s| s.to_owned()).collect();
    run_hashing(move || {
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        check_strength(field, &password, &inputs)?;
        Ok(hash_blocking(&password))
    })
    .await?
}

/// Hashes each of `secrets` (machine-made codes, not passwords: no strength check) on
/// one hashing thread, in order.
pub async fn hash_many(secrets: Vec<String>) -> Result<Vec<String>, ApiError> {
    run_hashing(move || secrets.iter().map(|s| hash_blocking(s)).collect()).await
}

/// The forms of a typed password that may match a stored hash, in the order tried: the
/// NFKC form (every hash made since passwords are normalised), then the form as typed
/// when it differs (hashes made before). None for a password over the limit as sent
/// (no account could have set one); a form over it cannot match either.
struct Candidates(Vec<String>);

impl Candidates {
    fn of(typed: String) -> Self {
        if !within_limit(&typed) {
            return Self(Vec::new());
        }
        let normal = normalised(&typed);
        let raw = (typed != normal).then_some(typed);
        Self(
            [Some(normal), raw]
                .into_iter()
                .flatten()
                .filter(|form| within_limit(form))
                .collect(),
        )
    }

    /// Whether one of them matches, on the calling thread.
    fn match_blocking(&self, phc: &str) -> bool {
        self.0.iter().any(|form| verify_blocking(form, phc))
    }
}

/// Verifies off the async workers. `None` (no such account) checks a dummy hash and
/// fails, taking the same time as a wrong password. Both the NFKC form and the form as
/// typed are tried (see [`Candidates`]); a password too long is not hashed.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    let candidates = Candidates::of(password);
    if candidates.0.is_empty() {
        return Ok(false);
    }
    run_hashing(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        known & candidates.match_blocking(&phc)
    })
    .await
}

/// Verifies on the calling thread (use [`verify`] from async code). Any Argon2 PHC
/// string is understood, whatever its parameters; the comparison is constant-time.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let argon = Argon2::new(algorithm, version, Params::try_from(&parsed).ok()?);
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let expected = parsed.hash?;
        let mut out = vec![0u8; expected.len()];
        argon2_into(&argon, password.as_bytes(), salt, &mut out)
            .then(|| Output::new(&out).is_ok_and(|computed| computed == expected))
    };
    check().unwrap_or(false)
}

/// Prepares the dummy hash at start-up so the first unknown-email login is not faster.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// The length limits, as sent and in NFKC form, and no NUL.
fn check_length(field: &str, typed: &str, password: &str) -> Result<(), ApiError> {
    let fits = |p: &str| (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&p.chars().count());
    if !(fits(typed) && fits(password)) {
        return Err(ApiError::invalid(
            field,
            format!(
                "must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters, as sent and once normalised (NFKC)"
            ),
        ));
    }
    if password.contains('\0') {
        return Err(ApiError::invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// zxcvbn's estimate (score 3 of 4 or better). No composition rules.
fn check_strength(field: &str, password: &str, user_inputs: &[&str]) -> Result<(), ApiError> {
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
        code: ProblemCode::WeakPassword,
        detail: "the password is too easy to guess; a longer phrase of unrelated words works well"
            .into(),
        errors: reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_verify_and_use_owasp_parameters() {
        let phc = hash_blocking("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The argon2 crate's own verifier agrees (stored hashes stay portable).
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        assert!(argon2().verify_password(b"wrong", &parsed).is_err());
        assert!(verify_blocking("correct horse battery staple", &phc));
        assert!(!verify_blocking("correct horse battery stapler", &phc));
    }

    #[test]
    fn hashes_made_elsewhere_or_with_other_parameters_verify() {
        // Made by the argon2 crate itself, with other costs (a hash from before a
        // parameter change), then a thread's memory sized for it is reused.
        let params = Params::new(8 * 1024, 3, 1, None).unwrap();
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let phc = other.hash_password(b"lantern", &salt).unwrap().to_string();
        assert!(verify_blocking("lantern", &phc));
        assert!(!verify_blocking("lanterns", &phc));
        assert!(verify_blocking("quiet", &hash_blocking("quiet")));
        for broken in ["", "$argon2id$", "not a hash", &phc[..phc.len() - 4]] {
            assert!(!verify_blocking("lantern", broken), "{broken}");
        }
    }

    #[actix_web::test]
    async fn a_full_hashing_queue_answers_busy_at_once() {
        // The only unit test that uses the queue: fill it up to its bound by hand.
        let limit = MAX_QUEUED_PER_CORE * cores();
        QUEUED.fetch_add(limit, Ordering::Relaxed);
        let refused = verify("password".into(), None).await;
        QUEUED.fetch_sub(limit, Ordering::Relaxed);
        assert!(matches!(refused, Err(ApiError::Busy(_))), "{refused:?}");
        assert!(
            !verify("password".into(), None).await.unwrap(),
            "runs again"
        );
        // The strength estimate waits in the same queue: a weak password is not even
        // estimated while it is full.
        QUEUED.fetch_add(limit, Ordering::Relaxed);
        let refused = hash_new("password", "qwertyuiop", &[]).await;
        QUEUED.fetch_sub(limit, Ordering::Relaxed);
        assert!(matches!(refused, Err(ApiError::Busy(_))), "{refused:?}");
        let weak = hash_new("password", "qwertyuiop", &[]).await;
        assert!(
            matches!(
                weak,
                Err(ApiError::Unprocessable {
                    code: ProblemCode::WeakPassword,
                    ..
                })
            ),
            "{weak:?}"
        );
        assert_eq!(QUEUED.load(Ordering::Relaxed), 0, "every job counted out");
    }

    #[test]
    fn passwords_are_hashed_and_verified_in_nfkc_form() {
        // é precomposed or decomposed, digits full-width or not: one password
        let typed = "Ame\u{301}lie otter lantern 42";
        let phc = hash_blocking(&normalised(typed));
        assert!(
            verify_blocking("Am\u{e9}lie otter lantern 42", &phc),
            "stored in NFKC"
        );
        let matches = |typed: &str, phc: &str| Candidates::of(typed.into()).match_blocking(phc);
        assert!(matches(typed, &phc));
        assert!(matches("Am\u{e9}lie otter lantern \u{ff14}\u{ff12}", &phc));
        assert!(!matches("Amelie otter lantern 42", &phc));
        // A hash from before normalisation, of the decomposed form as typed, still
        // verifies with that form; the NFKC form alone does not match it.
        let old = hash_blocking(typed);
        assert!(matches(typed, &old));
        assert!(!matches("Am\u{e9}lie otter lantern 42", &old));
        // The limits hold as sent and in NFKC form: 100 decomposed é are 200
        // characters sent (100 hashed); 8 U+FDFA are 8 sent and 144 hashed.
        let check = |p: &str| check_length("password", p, &normalised(p));
        let long = "e\u{301}".repeat(100);
        assert!(check(&long).is_err());
        assert!(
            Candidates::of(long).0.is_empty(),
            "not hashed at sign-in either"
        );
        let grows = "\u{fdfa}".repeat(8);
        assert!(check(&grows).is_err());
        assert!(
            check(&format!("{}ab", "\u{fdfa}".repeat(6))).is_ok(),
            "8 characters sent, 110 hashed"
        );
        assert_eq!(
            Candidates::of(grows).0,
            ["\u{fdfa}".repeat(8)],
            "only the sent form fits"
        );
    }

    #[test]
    fn strength_is_estimated_not_composed() {
        assert!(check_strength("password", "quiet-otter-lantern-91", &[]).is_ok());
        assert!(
            check_strength("password", "Password1!", &[]).is_err(),
            "composition is not strength"
        );
        let check = |p: &str| check_length("password", p, p);
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(128)).is_ok());
        assert!(check(&"x".repeat(129)).is_err());
        assert!(check("quiet\0otter-lantern").is_err());
        let weak = check_strength("password", "qwertyuiop", &[]);
        assert!(matches!(
            weak,
            Err(ApiError::Unprocessable {
                code: ProblemCode::WeakPassword,
                ..
            })
        ));
    }
}
