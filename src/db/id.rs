//! Id newtypes over UUID columns. Each kind of id is its own type, so that a function
//! that takes one kind refuses another at compile time; in JSON and in SQL an id is
//! the plain UUID, so neither the API nor the schema sees the difference.
//!
//! ```
//! fn owner(_: acupress::users::UserId) {}
//! owner(acupress::users::UserId::new_v7());
//! ```
//!
//! A history session's id is not an account's:
//!
//! ```compile_fail
//! fn owner(_: acupress::users::UserId) {}
//! owner(acupress::history::SessionId::new_v7());
//! ```
//!
//! Nor is a device session's:
//!
//! ```compile_fail
//! fn owner(_: acupress::users::UserId) {}
//! owner(acupress::auth::DeviceSessionId::new_v7());
//! ```

/// Declares `pub struct $name(Uuid)`: serialised as the bare UUID (`serde(transparent)`),
/// bound and read as a `uuid` column, shown as the UUID, and converted to and from
/// [`uuid::Uuid`] only by name (`From`), at the edges.
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new id: a UUIDv7, so ids sort by the time they were made.
            pub fn new_v7() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <uuid::Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(
                    &self.0, out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <uuid::Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(bytes)
                    .map(Self)
            }
        }
    };
}

pub(crate) use uuid_id;
