//! Hand-written SQL that every connection prepares once and then reuses.
//!
//! diesel's `sql_query` is never cached: each call parses and plans its statement again
//! (and costs an extra round trip to prepare it). [`PreparedSql`] is the same kind of
//! raw statement, with `$1`, `$2`, ... placeholders and typed binds, but marked safe to
//! cache, so the connection's statement cache keeps it prepared by its text.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// One bind value with its SQL type.
trait Bind: Send {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

struct Typed<ST, T>(T, PhantomData<fn() -> ST>);

impl<ST, T> Bind for Typed<ST, T>
where
    Pg: HasSqlType<ST>,
    T: ToSql<ST, Pg> + Send,
{
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, T>(&self.0)
    }
}

/// A raw statement, kept prepared per connection. Its text is a `'static` string whose
/// `$n` placeholders name the n-th bind (a placeholder may repeat); load its rows into
/// a `QueryableByName` type as with `sql_query`.
pub struct PreparedSql<'a> {
    sql: &'static str,
    binds: Vec<Box<dyn Bind + 'a>>,
}

impl<'a> PreparedSql<'a> {
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql,
            binds: Vec::new(),
        }
    }

    /// The next bind (`$1` first).
    pub fn bind<ST: 'static, T>(mut self, value: T) -> Self
    where
        Pg: HasSqlType<ST>,
        T: ToSql<ST, Pg> + Send + 'a,
    {
        self.binds.push(Box::new(Typed(value, PhantomData)));
        self
    }
}

impl QueryFragment<Pg> for PreparedSql<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Every `$n` becomes a bind of its own, so a repeated placeholder binds its value
        // again; diesel numbers the binds in order.
        let mut rest = self.sql;
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let index: usize = rest[at + 1..at + 1 + digits].parse().map_err(|_| {
                diesel::result::Error::QueryBuilderError(
                    format!("`$` without a placeholder number in: {}", self.sql).into(),
                )
            })?;
            let bind = index
                .checked_sub(1)
                .and_then(|i| self.binds.get(i))
                .ok_or_else(|| {
                    diesel::result::Error::QueryBuilderError(
                        format!("no bind for ${index} in: {}", self.sql).into(),
                    )
                })?;
            bind.push(&mut out)?;
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl QueryId for PreparedSql<'_> {
    // Cached by its SQL text and bind types, not by a Rust type.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for PreparedSql<'_> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::debug_query;
    use diesel::sql_types::{Integer, Text};

    #[test]
    fn placeholders_become_binds_in_order_and_may_repeat() {
        let q = PreparedSql::new("SELECT $2, $1 WHERE $2 = 'x'")
            .bind::<Integer, _>(7)
            .bind::<Text, _>("x");
        let shown = debug_query::<Pg, _>(&q).to_string();
        assert_eq!(
            shown,
            r#"SELECT $1, $2 WHERE $3 = 'x' -- binds: ["x", 7, "x"]"#
        );
    }

    #[test]
    fn a_missing_bind_is_an_error_not_a_panic() {
        let q = PreparedSql::new("SELECT $3").bind::<Integer, _>(1);
        let mut sql = diesel::pg::PgQueryBuilder::default();
        assert!(q.to_sql(&mut sql, &Pg).is_err());
    }
}
