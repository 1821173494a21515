//! JSON merge patch (RFC 7396) field readers, one meaning for every PATCH of the API: an
//! absent field is left unchanged, `null` clears a field that may be cleared, and `null`
//! for a field that may not be cleared is refused (a type error, answered 422 naming the
//! field). Use them with `#[serde(default, deserialize_with = "...")]`.

use serde::{Deserialize, Deserializer};

/// A field that may be cleared: `Some(None)` for `null` (clear it), `None` when absent.
pub fn clearable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A field that may not be cleared: `None` when absent, and `null` is a type error.
pub fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Patch {
        #[serde(default, deserialize_with = "clearable")]
        note: Option<Option<String>>,
        #[serde(default, deserialize_with = "not_null")]
        name: Option<String>,
    }

    fn patch(json: &str) -> Result<Patch, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn absent_is_unchanged_null_clears_and_a_value_sets() {
        let p = patch("{}").unwrap();
        assert_eq!((p.note, p.name), (None, None));
        let p = patch(r#"{"note": null, "name": "Mei"}"#).unwrap();
        assert_eq!((p.note, p.name), (Some(None), Some("Mei".into())));
        let p = patch(r#"{"note": "calm"}"#).unwrap();
        assert_eq!(p.note, Some(Some("calm".into())));
    }

    #[test]
    fn null_for_a_field_that_cannot_be_cleared_is_refused() {
        let err = patch(r#"{"name": null}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type: null"), "{err}");
    }
}
