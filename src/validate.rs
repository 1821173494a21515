//! Checks on user-supplied text shared by the account and history features. Each
//! returns the cleaned value or a 422 naming the field.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_NAME_CHARS: usize = 80;
const MAX_LOCALE_CHARS: usize = 35;
const MAX_USER_AGENT_CHARS: usize = 256;

/// Bounded, single-line text without control characters; trimmed.
pub fn text(field: &str, raw: &str, max_chars: usize) -> Result<String, ApiError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Invisible formatting characters (zero-width spaces and joiners, direction marks, the
/// soft hyphen, the byte-order mark): two addresses that differ only by them would look
/// the same.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Trimmed, Unicode-normalised (NFKC: `é` typed as one or two code points, full-width
/// letters) and case-folded; one `@`, a dotted domain, no spaces or invisible characters.
pub fn email(raw: &str) -> Result<String, ApiError> {
    let value = text("email", raw, MAX_EMAIL_CHARS)?;
    if value.chars().any(is_invisible) {
        return Err(ApiError::invalid(
            "email",
            "must not contain invisible characters",
        ));
    }
    let value: String = value.nfkc().collect::<String>().to_lowercase();
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(char::is_whitespace)
    });
    if valid {
        Ok(value)
    } else {
        Err(ApiError::invalid("email", "is not an email address"))
    }
}

pub fn display_name(raw: &str) -> Result<String, ApiError> {
    text("display_name", raw, MAX_NAME_CHARS)
}

pub fn device_name(raw: Option<&str>, user_agent: Option<&str>) -> Result<String, ApiError> {
    match raw {
        Some(name) => text("device_name", name, MAX_NAME_CHARS),
        None => Ok(user_agent
            .map(|ua| ua.chars().take(MAX_NAME_CHARS).collect::<String>())
            .filter(|ua| !ua.trim().is_empty() && !ua.chars().any(char::is_control))
            .unwrap_or_else(|| "Unnamed device".to_owned())),
    }
}

/// The User-Agent header, kept only when it is printable and short enough.
pub fn user_agent(raw: Option<&str>) -> Option<String> {
    raw.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect::<String>())
        .filter(|ua| !ua.is_empty() && !ua.chars().any(char::is_control))
}

/// A BCP 47-shaped language tag such as `en`, `en-GB`, `zh-Hans`.
pub fn locale(raw: &str) -> Result<String, ApiError> {
    let value = text("locale", raw, MAX_LOCALE_CHARS)?;
    let mut parts = value.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if language_ok && rest_ok {
        Ok(value)
    } else {
        Err(ApiError::invalid(
            "locale",
            "is not a language tag such as en or zh-Hans",
        ))
    }
}

/// Zones of the server's tz database that PostgreSQL's does not know (the two can be of
/// different ages): noted at start-up and refused, so that local days can always be
/// computed in SQL.
static MISSING_IN_DATABASE: OnceLock<BTreeSet<&'static str>> = OnceLock::new();

/// Notes the zone names the database knows; returns the server's zones it lacks.
pub fn note_database_time_zones(known: &HashSet<String>) -> Vec<&'static str> {
    let missing: BTreeSet<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| !known.contains(*name))
        .collect();
    let list = missing.iter().copied().collect();
    let _ = MISSING_IN_DATABASE.set(missing);
    list
}

/// An IANA time zone name known to the tz database (`Europe/Berlin`).
pub fn time_zone(raw: &str) -> Result<String, ApiError> {
    let value = text("time_zone", raw, 64)?;
    let tz = value.parse::<chrono_tz::Tz>().map_err(|_| {
        ApiError::invalid("time_zone", format!("`{value}` is not an IANA time zone"))
    })?;
    if MISSING_IN_DATABASE
        .get()
        .is_some_and(|missing| missing.contains(tz.name()))
    {
        return Err(ApiError::invalid(
            "time_zone",
            format!(
                "`{value}` is not supported by this server's database; choose another name for the same zone"
            ),
        ));
    }
    Ok(tz.name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(email("  Mei@Example.COM ").unwrap(), "mei@example.com");
        // é as one code point or as e + combining accent; full-width letters
        assert_eq!(
            email("Ren\u{e9}@example.com").unwrap(),
            "ren\u{e9}@example.com"
        );
        assert_eq!(
            email("Rene\u{301}@example.com").unwrap(),
            "ren\u{e9}@example.com"
        );
        assert_eq!(email("\u{ff2d}ei@example.com").unwrap(), "mei@example.com");
        assert!(
            email("m\u{200b}ei@example.com").is_err(),
            "zero-width space"
        );
        assert!(email("mei@example.com\u{feff}").is_err(), "byte-order mark");
        for bad in [
            "",
            "mei",
            "mei@",
            "@example.com",
            "mei@example",
            "m ei@example.com",
            "a@b@c.d",
            "mei@\u{0}x.com",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn zones_and_locales() {
        assert_eq!(time_zone("Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(time_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn zones_the_database_lacks_are_refused() {
        let mut known: HashSet<String> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().to_owned())
            .collect();
        known.remove("Antarctica/Troll");
        assert_eq!(note_database_time_zones(&known), ["Antarctica/Troll"]);
        assert!(time_zone("Antarctica/Troll").is_err());
        assert!(time_zone("Antarctica/Casey").is_ok());
        assert!(locale("zh-Hans").is_ok() && locale("en-GB").is_ok());
        assert!(locale("english please").is_err());
        assert!(text("x", "ok\u{7}", 10).is_err());
        assert!(text("x", &"a".repeat(11), 10).is_err());
    }
}
