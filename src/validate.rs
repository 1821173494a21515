//! Checks on user-supplied text shared by the account and history features. Each
//! returns the cleaned value or a 422 naming the field.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::error::{ApiError, FieldError};

/// RFC 5321's limit on a whole address, in octets of its normalised UTF-8 form.
pub const MAX_EMAIL_OCTETS: usize = 254;
pub const MAX_NAME_CHARS: usize = 80;
const MAX_USER_AGENT_CHARS: usize = 256;

/// The Unicode normalisation a kind of text gets before it is measured and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Canonical composition, for text people read: `é` typed as one or two code points
    /// is stored as one, while full-width letters, ligatures and superscripts stay as
    /// written.
    Nfc,
    /// Compatibility composition, then lower case, for values compared rather than read
    /// (emails): full-width `Ｍ` is `m`, `ﬁ` is `fi`.
    NfkcLowercase,
}

/// How long a text may be once normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Characters (Unicode scalar values), as JSON Schema's `maxLength` counts them.
    Chars(usize),
    /// Octets of the UTF-8 form, where a standard sets the limit in octets.
    Octets(usize),
}

/// What a client sent, shortened for an error message: an unknown code is named, but
/// a megabyte of it is not sent back.
pub fn echo(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}

/// How one kind of text is normalised and bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRule {
    pub form: Form,
    pub limit: Limit,
    /// Line breaks (`\n`; `\r\n` is kept as `\n`) and tabs are allowed.
    pub multiline: bool,
}

impl TextRule {
    /// Single-line text read by people, at most `max_chars` characters after NFC.
    pub const fn line(max_chars: usize) -> Self {
        Self {
            form: Form::Nfc,
            limit: Limit::Chars(max_chars),
            multiline: false,
        }
    }

    /// Like [`TextRule::line`], with line breaks and tabs allowed.
    pub const fn lines(max_chars: usize) -> Self {
        Self {
            multiline: true,
            ..Self::line(max_chars)
        }
    }
}

const EMAIL: TextRule = TextRule {
    form: Form::NfkcLowercase,
    limit: Limit::Octets(MAX_EMAIL_OCTETS),
    multiline: false,
};

/// Why a character may not appear in text a user sends, if it may not: controls (but
/// line breaks and tabs in multi-line text), invisible format characters (Cf: direction
/// overrides and isolates, zero-width spaces and joiners, the soft hyphen, the byte-order
/// mark), line and paragraph separators, private-use characters and noncharacters.
fn refused_class(c: char, multiline: bool) -> Option<&'static str> {
    let code = u32::from(c);
    if (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE {
        return Some("noncharacters");
    }
    match c.general_category() {
        GeneralCategory::Control if !(multiline && matches!(c, '\n' | '\t')) => {
            Some("control characters")
        }
        GeneralCategory::Format => Some("invisible formatting characters"),
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some("line or paragraph separators")
        }
        GeneralCategory::PrivateUse => Some("private-use characters"),
        _ => None,
    }
}

/// The one path every text a user sends takes: normalised first, then trimmed, measured
/// and searched for characters it may not hold. `None` when nothing is left once trimmed.
pub fn checked(field: &str, raw: &str, rule: TextRule) -> Result<Option<String>, FieldError> {
    let normal: String = match rule.form {
        Form::Nfc => raw.nfc().collect(),
        Form::NfkcLowercase => raw.nfkc().collect::<String>().to_lowercase(),
    };
    let normal = if rule.multiline {
        normal.replace("\r\n", "\n")
    } else {
        normal
    };
    let value = normal.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let too_long = match rule.limit {
        Limit::Chars(max) => (value.chars().count() > max).then(|| format!("{max} characters")),
        Limit::Octets(max) => (value.len() > max).then(|| format!("{max} bytes in UTF-8")),
    };
    if let Some(limit) = too_long {
        return Err(FieldError::new(field, format!("must be at most {limit}")));
    }
    if let Some((c, class)) = value
        .chars()
        .find_map(|c| refused_class(c, rule.multiline).map(|class| (c, class)))
    {
        return Err(FieldError::new(
            field,
            format!("must not contain {class} (U+{:04X})", u32::from(c)),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Collects every field problem of a request, so that one 422 lists them all.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Text through [`checked`]; a problem is noted and the value dropped. `None` also
    /// when nothing is left once trimmed.
    pub fn text(&mut self, field: &str, raw: &str, rule: TextRule) -> Option<String> {
        checked(field, raw, rule)
            .map_err(|e| self.0.push(e))
            .ok()
            .flatten()
    }

    /// Like [`Problems::text`], and an empty text is a problem too.
    pub fn required_text(&mut self, field: &str, raw: &str, rule: TextRule) -> Option<String> {
        match checked(field, raw, rule) {
            Ok(Some(text)) => Some(text),
            Ok(None) => {
                self.add(field, "must not be empty");
                None
            }
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// `value` when nothing was noted; otherwise the 422 listing every problem.
    pub fn done<T>(self, value: T) -> Result<T, ApiError> {
        ApiError::unless_invalid(self.0, value)
    }
}

/// [`checked`] text that must not be empty, as a 422.
fn required(field: &str, raw: &str, rule: TextRule) -> Result<String, ApiError> {
    checked(field, raw, rule)
        .map_err(|e| ApiError::invalid(field, e.message))?
        .ok_or_else(|| ApiError::invalid(field, "must not be empty"))
}

/// Bounded, single-line text (NFC, trimmed) without refused characters.
pub fn text(field: &str, raw: &str, max_chars: usize) -> Result<String, ApiError> {
    required(field, raw, TextRule::line(max_chars))
}

/// A machine-made string (a token, a nonce, a code) of `min` to `max` characters, as
/// sent, without control characters: 422 naming `field` otherwise.
pub fn token(field: &str, raw: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if !(min..=max).contains(&raw.chars().count()) {
        return Err(ApiError::invalid(
            field,
            format!("must be {min} to {max} characters"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// NFKC-normalised (`é` typed as one or two code points, full-width letters) and
/// lower-cased, then at most 254 octets; one `@`, a dotted domain, no spaces or
/// invisible characters. `Email::parse` (in the users module) is built on it.
pub fn email(raw: &str) -> Result<String, ApiError> {
    email_in("email", raw)
}

/// [`email`] for a field of another name.
pub fn email_in(field: &str, raw: &str) -> Result<String, ApiError> {
    let value = required(field, raw, EMAIL)?;
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
        Err(ApiError::invalid(field, "is not an email address"))
    }
}

pub fn display_name(raw: &str) -> Result<String, ApiError> {
    text("display_name", raw, MAX_NAME_CHARS)
}

/// The name sent, else the start of the User-Agent when it is acceptable as a name.
pub fn device_name(raw: Option<&str>, user_agent: Option<&str>) -> Result<String, ApiError> {
    const RULE: TextRule = TextRule::line(MAX_NAME_CHARS);
    match raw {
        Some(name) => required("device_name", name, RULE),
        None => Ok(user_agent
            .map(|ua| ua.chars().take(MAX_NAME_CHARS).collect::<String>())
            .and_then(|ua| checked("device_name", &ua, RULE).ok().flatten())
            .unwrap_or_else(|| "Unnamed device".to_owned())),
    }
}

/// The User-Agent header, kept only when it is printable and short enough.
pub fn user_agent(raw: Option<&str>) -> Option<String> {
    raw.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect::<String>())
        .filter(|ua| !ua.is_empty() && !ua.chars().any(char::is_control))
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

/// An IANA time zone name known to the tz database (`Europe/Berlin`); build a
/// `TimeZone` (in the users module) with it.
pub fn time_zone(raw: &str) -> Result<chrono_tz::Tz, ApiError> {
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
    Ok(tz)
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
    fn every_refused_class_is_named_in_every_kind_of_text() {
        let refused = [
            ('\u{202E}', "invisible formatting"),  // right-to-left override
            ('\u{2066}', "invisible formatting"),  // left-to-right isolate
            ('\u{200B}', "invisible formatting"),  // zero-width space
            ('\u{200D}', "invisible formatting"),  // zero-width joiner
            ('\u{2060}', "invisible formatting"),  // word joiner
            ('\u{FEFF}', "invisible formatting"),  // byte-order mark
            ('\u{00AD}', "invisible formatting"),  // soft hyphen
            ('\u{E0041}', "invisible formatting"), // tag letter
            ('\u{2028}', "line or paragraph"),
            ('\u{2029}', "line or paragraph"),
            ('\u{E000}', "private-use"),
            ('\u{F8FF}', "private-use"),
            ('\u{10FFFD}', "private-use"),
            ('\u{FDD0}', "noncharacters"),
            ('\u{FDEF}', "noncharacters"),
            ('\u{FFFE}', "noncharacters"),
            ('\u{FFFF}', "noncharacters"),
            ('\u{1FFFE}', "noncharacters"),
            ('\u{10FFFF}', "noncharacters"),
            ('\u{7}', "control"),
            ('\u{7F}', "control"),
            ('\u{85}', "control"),
            ('\r', "control"),
        ];
        for rule in [TextRule::line(80), TextRule::lines(2000), EMAIL] {
            for (c, class) in refused {
                let err = checked("f", &format!("me{c}i@example.com"), rule).unwrap_err();
                assert_eq!(err.field, "f");
                assert!(
                    err.message.contains(class)
                        && err.message.contains(&format!("U+{:04X}", u32::from(c))),
                    "{c:?} in {rule:?}: {}",
                    err.message
                );
            }
        }
        assert!(display_name("Mei\u{202E}gnp.exe").is_err());
        assert!(device_name(Some("Mei\u{200B}'s phone"), None).is_err());
        // a User-Agent that would not pass as a name is not used as one
        assert_eq!(
            device_name(None, Some("App\u{2028}1.0")).unwrap(),
            "Unnamed device"
        );
        assert_eq!(device_name(None, Some("App/1.0")).unwrap(), "App/1.0");
    }

    #[test]
    fn what_people_write_is_kept() {
        let line = TextRule::line(80);
        for fine in [
            "Mei \u{1F33F}",                    // emoji
            "\u{2764}\u{FE0F}",                 // with a variation selector (a mark, not Cf)
            "\u{6885}\u{6797}",                 // CJK
            "\u{FF2D}\u{FF45}\u{FF49}",         // full-width letters stay (NFC, not NFKC)
            "x\u{B2}",                          // superscript two stays
            "\u{05E9}\u{05DC}\u{05D5}\u{05DD}", // right-to-left script, no override
        ] {
            assert_eq!(checked("f", fine, line).unwrap().as_deref(), Some(fine));
        }
        let notes = TextRule::lines(2000);
        assert_eq!(
            checked("notes", " first\r\n\tsecond\n", notes)
                .unwrap()
                .as_deref(),
            Some("first\n\tsecond")
        );
        assert!(checked("mood", "first\nsecond", line).is_err());
        assert!(checked("mood", "a\tb", line).is_err());
        assert_eq!(checked("mood", "   ", line).unwrap(), None);
        assert!(display_name("   ").is_err(), "a name is required");
    }

    #[test]
    fn limits_apply_to_the_normalised_text() {
        // 80 decomposed é are 160 code points typed and 80 once composed
        let decomposed = "e\u{301}".repeat(80);
        assert_eq!(display_name(&decomposed).unwrap(), "\u{e9}".repeat(80));
        assert!(display_name(&format!("{decomposed}e")).is_err());
        // 245 characters that need 257 octets after NFKC (ⅷ is viii)
        let grows = format!("{}{}@example.com", "a".repeat(229), "\u{2177}".repeat(4));
        assert_eq!(grows.chars().count(), 245);
        let err = email(&grows).unwrap_err().to_string();
        assert!(err.contains("email") && err.contains("254 bytes"), "{err}");
        // 245 characters of which ten are é: 255 octets once normalised
        let wide = format!("{}{}@example.com", "\u{e9}".repeat(10), "a".repeat(223));
        assert_eq!(wide.chars().count(), 245);
        assert!(email(&wide).is_err());
        // 254 octets exactly is fine, one more is not
        let local = |n| format!("{}@example.com", "a".repeat(n));
        assert_eq!(email(&local(242)).unwrap().len(), 254);
        assert!(email(&local(243)).is_err());
        // the ligature ﬃ (3 octets) becomes ffi (3 octets): in, as ffi
        assert_eq!(
            email("o\u{FB03}ce@example.com").unwrap(),
            "office@example.com"
        );
    }

    #[test]
    fn zones() {
        assert_eq!(time_zone("Europe/Berlin").unwrap().name(), "Europe/Berlin");
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
        assert!(text("x", "ok\u{7}", 10).is_err());
        assert!(text("x", &"a".repeat(11), 10).is_err());
    }

    /// The field a 422 names, or `None` when the result is not a 422.
    fn refused_field<T>(result: Result<T, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Validation { errors, .. }) => Some(errors[0].field.clone()),
            _ => None,
        }
    }

    #[test]
    fn character_limits_hold_at_their_bound_after_trimming() {
        let name = "n".repeat(MAX_NAME_CHARS);
        assert_eq!(display_name(&name).unwrap(), name, "exactly the limit");
        assert_eq!(
            refused_field(display_name(&format!("{name}n"))).as_deref(),
            Some("display_name"),
            "one more"
        );
        // Surrounding spaces are trimmed before the text is measured.
        assert_eq!(display_name(&format!("  {name}\t")).unwrap(), name);
        // Characters, not octets: 80 CJK characters are 240 octets and still fit.
        let wide = "\u{6885}".repeat(MAX_NAME_CHARS);
        assert_eq!(display_name(&wide).unwrap(), wide);
        let rule = TextRule::line(3);
        let err = checked("mood", "abcd", rule).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.message.as_str()),
            ("mood", "must be at most 3 characters")
        );
    }

    #[test]
    fn octet_limits_count_utf8_bytes() {
        let rule = TextRule {
            form: Form::Nfc,
            limit: Limit::Octets(4),
            multiline: false,
        };
        assert_eq!(
            checked("f", "\u{e9}\u{e9}", rule).unwrap().as_deref(),
            Some("\u{e9}\u{e9}")
        );
        let err = checked("f", "\u{e9}\u{e9}a", rule).unwrap_err();
        assert_eq!(err.message, "must be at most 4 bytes in UTF-8");
    }

    #[test]
    fn emails_need_a_dotted_domain_without_edge_dots() {
        for bad in ["mei@.example.com", "mei@example.com.", "mei@example .com"] {
            assert_eq!(
                refused_field(email(bad)).as_deref(),
                Some("email"),
                "{bad:?}"
            );
        }
        assert_eq!(
            email("Mei+Tag@Mail.Example.COM").unwrap(),
            "mei+tag@mail.example.com"
        );
        assert_eq!(
            refused_field(email("   ")).as_deref(),
            Some("email"),
            "empty"
        );
    }

    #[test]
    fn time_zones_are_trimmed_bounded_and_named_in_errors() {
        assert_eq!(time_zone(" Asia/Tokyo ").unwrap().name(), "Asia/Tokyo");
        assert_eq!(time_zone("UTC").unwrap().name(), "UTC");
        for bad in ["", "Europe/Berlin\u{200B}", "UTC+3", &"A".repeat(65)] {
            assert_eq!(
                refused_field(time_zone(bad)).as_deref(),
                Some("time_zone"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn device_names_fall_back_to_a_short_user_agent_then_to_a_default() {
        assert_eq!(
            device_name(Some(" Mei's phone "), None).unwrap(),
            "Mei's phone"
        );
        assert_eq!(
            refused_field(device_name(Some("  "), Some("App/1.0"))).as_deref(),
            Some("device_name"),
            "a name sent must not be empty"
        );
        let long_agent = format!("App/1.0 {}", "x".repeat(200));
        let name = device_name(None, Some(&long_agent)).unwrap();
        assert_eq!(
            name.chars().count(),
            MAX_NAME_CHARS,
            "cut to a name's length"
        );
        assert!(long_agent.starts_with(&name));
        assert_eq!(device_name(None, Some("   ")).unwrap(), "Unnamed device");
        assert_eq!(device_name(None, None).unwrap(), "Unnamed device");
    }

    #[test]
    fn user_agents_are_kept_short_and_printable_or_not_at_all() {
        assert_eq!(user_agent(None), None);
        assert_eq!(user_agent(Some("")), None);
        assert_eq!(
            user_agent(Some("App\u{1}/1.0")),
            None,
            "a control character"
        );
        let long = "a".repeat(MAX_USER_AGENT_CHARS + 10);
        assert_eq!(
            user_agent(Some(&long)).map(|ua| ua.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
        assert_eq!(
            user_agent(Some("App/1.0 (iOS)")).as_deref(),
            Some("App/1.0 (iOS)")
        );
    }
}
