//! The id of an account.

crate::db::id::uuid_id!(
    /// An account's id (`users.id`, `sub` in access tokens).
    UserId
);
