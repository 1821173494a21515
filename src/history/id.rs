//! The id of a history session.

crate::db::id::uuid_id!(
    /// A logged self-massage session (`massage_sessions.id`): chosen by the client or
    /// made by the server, and unique per account only, so always used with its owner's
    /// `UserId`.
    SessionId
);
