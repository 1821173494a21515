//! Account values that are checked once, when they enter, and typed from then on
//! ("parse, don't validate"): a role, a normalised email, a known time zone.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::validate;

/// `user` or `admin` (admins may change catalog content).
#[derive(
    Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq, AsExpression, FromSqlRow,
)]
#[serde(rename_all = "lowercase")]
#[diesel(sql_type = Text)]
pub enum Role {
    User,
    Admin,
}

impl Role {
    /// The value stored in `users.role` (and sent in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }
}

impl ToSql<Text, Pg> for Role {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for Role {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        // The column's CHECK constraint allows only these two.
        match <String as FromSql<Text, Pg>>::from_sql(bytes)?.as_str() {
            "user" => Ok(Self::User),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown role `{other}` stored").into()),
        }
    }
}

/// An email address as [`validate::email`] normalises it (NFKC, lower case, trimmed);
/// the only way to make one is [`Email::parse`], so lookups and writes cannot be handed
/// text that skipped the normalisation.
#[derive(Clone, Debug, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Text)]
pub struct Email(String);

impl Email {
    /// The normalised address, or a 422 naming `email`.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        validate::email(raw).map(Self)
    }

    /// [`Self::parse`] for a field of another name (422s name it).
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, ApiError> {
        validate::email_in(field, raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToSql<Text, Pg> for Email {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(&self.0, out)
    }
}

/// An IANA time zone that this server's tz database (chrono-tz) knows, in its canonical
/// spelling; local days (streaks, date filters) are computed in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct TimeZone(chrono_tz::Tz);

/// A stored time zone this server does not know: written around the application, or
/// dropped by a newer tz database. Reading it is an error, never a silent UTC.
#[derive(Debug, thiserror::Error)]
#[error("the stored time zone `{0}` is not one this server knows")]
pub struct UnknownTimeZone(pub String);

impl TimeZone {
    /// The default of a new account.
    pub const UTC: Self = Self(chrono_tz::UTC);

    /// A zone a user sent: known to the server and to the database, or a 422 naming
    /// `time_zone` (see [`validate::time_zone`]).
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        validate::time_zone(raw).map(Self)
    }

    /// A zone read back from the database.
    pub fn from_stored(name: &str) -> Result<Self, UnknownTimeZone> {
        name.parse()
            .map(Self)
            .map_err(|_| UnknownTimeZone(name.to_owned()))
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl ToSql<Text, Pg> for TimeZone {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.name(), out)
    }
}

impl FromSql<Text, Pg> for TimeZone {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let name = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(Self::from_stored(&name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_lower_case_both_ways() {
        for (role, text) in [(Role::User, "user"), (Role::Admin, "admin")] {
            assert_eq!(role.as_str(), text);
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        assert!(serde_json::from_str::<Role>("\"Admin\"").is_err());
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }

    #[test]
    fn emails_exist_only_normalised() {
        let email = Email::parse("  Mei@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "mei@example.com");
        assert_eq!(email.to_string(), "mei@example.com");
        assert_eq!(Email::parse("\u{ff2d}ei@example.com").unwrap(), email);
        for bad in ["", "mei", "mei@example", "m\u{200b}ei@example.com"] {
            let err = Email::parse(bad).unwrap_err().to_string();
            assert!(err.contains("email"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn time_zones_are_known_ones() {
        let berlin = TimeZone::parse(" Europe/Berlin ").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        assert_eq!(berlin.tz(), chrono_tz::Europe::Berlin);
        assert_eq!(TimeZone::UTC.name(), "UTC");
        for bad in ["Mars/Olympus", "", "UTC+3", "europe/berlin/x"] {
            let err = TimeZone::parse(bad).unwrap_err().to_string();
            assert!(err.contains("time_zone"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn unknown_stored_zones_are_an_error_not_utc() {
        assert_eq!(
            TimeZone::from_stored("Asia/Shanghai").unwrap().tz(),
            chrono_tz::Asia::Shanghai
        );
        // PostgreSQL accepts POSIX zones such as `UTC+3`; this server cannot compute
        // local days in them, so reading one fails instead of falling back to UTC.
        for stored in ["UTC+3", "Mars/Olympus", ""] {
            let err = TimeZone::from_stored(stored).unwrap_err();
            assert_eq!(err.0, stored);
            assert!(err.to_string().contains("not one this server knows"));
        }
    }
}
