//! Reading one variable: trimmed text, parsed values, bounded numbers and durations,
//! and the error that names the variable when its value is malformed.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A setting that could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The variables, looked up by name (the process environment, or a map in tests).
pub(super) struct Env<'a>(pub(super) &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// The trimmed value, or `default` when the variable is unset or blank.
    pub(super) fn string(&self, name: &str, default: &str) -> String {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    }

    /// The comma-separated items of a value, trimmed, blanks left out.
    pub(super) fn list(&self, name: &str) -> Vec<String> {
        self.string(name, "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub(super) fn parse<T: FromStr>(
        &self,
        name: &'static str,
        default: &str,
    ) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let raw = self.string(name, default);
        raw.parse().map_err(|e: T::Err| ConfigError {
            variable: name,
            message: format!("`{raw}`: {e}"),
        })
    }

    pub(super) fn parse_bounded(
        &self,
        name: &'static str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ConfigError> {
        let value: usize = self.parse(name, &default.to_string())?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError {
                variable: name,
                message: format!("{value} is outside {min}..={max}"),
            })
        }
    }

    /// A duration in milliseconds, 1 ms to one hour.
    pub(super) fn millis(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        let ms = self.parse_bounded(name, default as usize, 1, 3_600_000)?;
        Ok(Duration::from_millis(ms as u64))
    }
}
