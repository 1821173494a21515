//! The id of a signed-in device session.

crate::db::id::uuid_id!(
    /// A signed-in device session (`auth_sessions.id`, `sid` in access tokens, the id
    /// of a device in `/v1/me/devices`); not to be confused with a history session.
    DeviceSessionId
);
