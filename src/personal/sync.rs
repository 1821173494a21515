//! What the kinds a sync push carries share: each change checked before anything is
//! applied (problems named by the change's place), and one rule for conflicts.

use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// One checked change to a record kept by id: its new values, or `None` to delete it.
pub struct Planned<T> {
    pub id: Uuid,
    pub values: Option<T>,
}

/// Whether a stored record conflicts with a push made from the cursor version `since`:
/// it changed after the cursor, and the push's last change to it is neither a delete of
/// a tombstone nor the very values stored (both retries of a push whose answer was lost).
pub fn conflicts<T>(
    planned: &[Planned<T>],
    id: Uuid,
    version: i64,
    deleted: bool,
    since: i64,
    same: impl Fn(&T) -> bool,
) -> bool {
    if version <= since {
        return false;
    }
    match planned.iter().rev().find(|p| p.id == id) {
        Some(Planned { values: None, .. }) => !deleted,
        Some(Planned {
            values: Some(values),
            ..
        }) => deleted || !same(values),
        None => true,
    }
}

/// A stored row of a kind kept by id, as far as conflicts go.
pub trait Versioned {
    fn id(&self) -> Uuid;
    fn version(&self) -> i64;
    fn deleted(&self) -> bool;
}

/// The ids of the push's records among `stored` that conflict (see [`conflicts`]).
pub fn conflicting<T, R: Versioned>(
    planned: &[Planned<T>],
    stored: &[R],
    since: i64,
    same: impl Fn(&T, &R) -> bool,
) -> Vec<Uuid> {
    stored
        .iter()
        .filter(|row| {
            conflicts(
                planned,
                row.id(),
                row.version(),
                row.deleted(),
                since,
                |v| same(v, row),
            )
        })
        .map(Versioned::id)
        .collect()
}

/// The ids a push touches.
pub fn ids<T>(planned: &[Planned<T>]) -> Vec<Uuid> {
    planned.iter().map(|p| p.id).collect()
}

/// Field errors with `place` (`routines[2].routine`) put before each field name.
pub fn prefixed(errors: Vec<FieldError>, place: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError::new(format!("{place}.{}", e.field), e.message))
        .collect()
}

/// Moves the problems of change `place` (`routines[2]`) into `into`, each field prefixed
/// with the place and the record's name in the change (`routines[2].routine.name`).
pub fn collect(into: &mut Vec<FieldError>, place: &str, error: ApiError) {
    match error {
        ApiError::Validation { errors, .. } => into.extend(prefixed(errors, place)),
        other => into.push(FieldError::new(place.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn unchanged_since_the_cursor_is_clear_and_a_retry_is_not_a_conflict() {
        let put = [Planned {
            id: id(1),
            values: Some(7),
        }];
        assert!(!conflicts(&put, id(1), 5, false, 5, |v| *v == 7));
        assert!(!conflicts(&put, id(1), 6, false, 5, |v| *v == 7), "retry");
        assert!(conflicts(&put, id(1), 6, false, 5, |v| *v == 8));
        assert!(
            conflicts(&put, id(1), 6, true, 5, |_| true),
            "deleted meanwhile"
        );
        let delete: [Planned<i32>; 1] = [Planned {
            id: id(1),
            values: None,
        }];
        assert!(
            !conflicts(&delete, id(1), 6, true, 5, |_| true),
            "deleted again"
        );
        assert!(conflicts(&delete, id(1), 6, false, 5, |_| true));
        assert!(
            conflicts(&delete, id(2), 6, false, 5, |_| true),
            "not in the push"
        );
    }
}
