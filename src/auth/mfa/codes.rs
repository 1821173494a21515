//! The codes of two-factor sign-in: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, one step either side accepted, each step at most once) and recovery codes
//! (`XXXX-XXXX-XXXX` in Crockford's base 32: a lookup part and 40 secret bits).

use totp_rs::{Algorithm, TOTP};

pub const DIGITS: usize = 6;
pub const PERIOD: u64 = 30;
/// Steps accepted either side of the current one.
pub const SKEW_STEPS: u64 = 1;
/// Bytes of a new shared secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Crockford's base 32: no I, L, O or U, so that a code read aloud is not mistyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A TOTP generator over `secret`, labelled for authenticator apps.
pub fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<TOTP> {
    let account = account.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW_STEPS as u8,
        PERIOD,
        secret.to_vec(),
        Some(issuer.to_owned()),
        account,
    )
    .ok()
}

/// What a typed code is against the secret at `unix_time`, given the last step used.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// It is the code of this step, which has not been used.
    Fresh(u64),
    /// It is the code of a step already used (or older than it): a replay.
    Replayed,
    Wrong,
}

/// Checks `typed` (six digits; spaces are ignored) against the steps around `unix_time`.
pub fn check(totp: &TOTP, typed: &str, unix_time: u64, last_step: u64) -> Checked {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return Checked::Wrong;
    }
    let now = unix_time / PERIOD;
    let mut replayed = false;
    for step in now.saturating_sub(SKEW_STEPS)..=now + SKEW_STEPS {
        let code = totp.generate(step * PERIOD);
        if same(code.as_bytes(), typed.as_bytes()) {
            if step > last_step {
                return Checked::Fresh(step);
            }
            replayed = true;
        }
    }
    if replayed {
        Checked::Replayed
    } else {
        Checked::Wrong
    }
}

/// Constant-time equality of two equally long byte strings.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::fill(&mut secret[..]);
    secret
}

/// A new recovery code: its lookup part (the first group) and the whole, both in the
/// normal form (upper case, no dashes).
pub fn new_recovery_code() -> (String, String) {
    let mut bytes = [0u8; 12];
    rand::fill(&mut bytes);
    let code: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    (code[..4].to_owned(), code)
}

/// A code as shown to the person: `XXXX-XXXX-XXXX`.
pub fn display(normal: &str) -> String {
    format!("{}-{}-{}", &normal[..4], &normal[4..8], &normal[8..])
}

/// The normal form of a typed recovery code (case, dashes and spaces forgiven, and the
/// letters Crockford reads as digits), or `None` when it cannot be one.
pub fn normal_recovery_code(typed: &str) -> Option<String> {
    let normal: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (normal.len() == 12 && normal.bytes().all(|b| ALPHABET.contains(&b))).then_some(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_totp() -> TOTP {
        // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
        TOTP::new(
            Algorithm::SHA1,
            8,
            1,
            30,
            b"12345678901234567890".to_vec(),
            None,
            String::new(),
        )
        .unwrap()
    }

    #[test]
    fn the_rfc_test_vectors_hold() {
        let totp = rfc_totp();
        assert_eq!(totp.generate(59), "94287082");
        assert_eq!(totp.generate(1_111_111_109), "07081804");
        assert_eq!(totp.generate(20_000_000_000), "65353130");
    }

    #[test]
    fn one_step_either_side_works_once() {
        let totp = super::totp(b"12345678901234567890", "acupress", "mei@example.com").unwrap();
        let now = 1_800_000_000;
        let step = now / PERIOD;
        let previous = totp.generate(now - PERIOD);
        let next = totp.generate(now + PERIOD);
        let too_old = totp.generate(now - 2 * PERIOD);
        assert_eq!(check(&totp, &previous, now, 0), Checked::Fresh(step - 1));
        assert_eq!(check(&totp, &next, now, 0), Checked::Fresh(step + 1));
        assert_eq!(check(&totp, &too_old, now, 0), Checked::Wrong);
        assert_eq!(check(&totp, &previous, now, step), Checked::Replayed);
        assert_eq!(check(&totp, "12345", now, 0), Checked::Wrong);
        assert_eq!(check(&totp, "abcdef", now, 0), Checked::Wrong);
        let spaced = format!("{} {}", &next[..3], &next[3..]);
        assert_eq!(check(&totp, &spaced, now, 0), Checked::Fresh(step + 1));
    }

    #[test]
    fn the_uri_names_the_issuer_and_account() {
        let totp = super::totp(&new_secret(), "acupress", "mei@example.com").unwrap();
        let uri = totp.get_url();
        assert!(uri.starts_with("otpauth://totp/acupress:mei%40example.com?secret="));
        assert!(uri.contains("issuer=acupress"));
    }

    #[test]
    fn recovery_codes_read_back_forgivingly() {
        let (lookup, code) = new_recovery_code();
        assert_eq!(code.len(), 12);
        assert_eq!(&code[..4], lookup);
        let shown = display(&code);
        assert_eq!(normal_recovery_code(&shown).as_deref(), Some(code.as_str()));
        assert_eq!(
            normal_recovery_code(&shown.to_lowercase()).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(
            normal_recovery_code("o1il-0000-0000").as_deref(),
            Some("0111".to_owned() + "00000000").as_deref()
        );
        assert_eq!(normal_recovery_code("too-short"), None);
        assert_eq!(normal_recovery_code("UUUU-0000-0000"), None);
    }
}
