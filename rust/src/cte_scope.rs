//! Which CTE names are in scope at each query a visitor enters, by SQL's rules: a query's WITH
//! names are visible in its body and its subqueries; a CTE's own definition sees only the CTEs
//! written before it (and itself, under WITH RECURSIVE). A table reference by such an
//! unqualified name reads the CTE, not a relation of the catalog.

use sqlparser::ast::Query;

/// The WITH of one query being visited.
struct Frame {
    names: Vec<String>,
    /// Each CTE's definition, to recognise it when the visitor enters it (the AST is not moved
    /// while it is visited).
    bodies: Vec<*const Query>,
    recursive: bool,
    /// How many of `names` are visible where the visitor is.
    visible: usize,
}

#[derive(Default)]
pub struct CteScopes {
    frames: Vec<Frame>,
}

impl CteScopes {
    /// To be called as the visitor enters `query` (before its CTE definitions and body).
    pub fn enter(&mut self, query: &Query) {
        self.entering_definition(query as *const Query);
        if let Some(with) = &query.with {
            self.frames.push(Frame {
                names: with.cte_tables.iter().map(|cte| cte.alias.name.value.clone()).collect(),
                bodies: with.cte_tables.iter().map(|cte| &*cte.query as *const Query).collect(),
                recursive: with.recursive,
                visible: 0,
            });
        }
    }

    /// To be called as the visitor leaves `query`, after reading the scope of its own body.
    pub fn leave(&mut self, query: &Query) {
        if query.with.is_some() {
            self.frames.pop();
        }
        // After a CTE's definition, the query's later definitions and body follow.
        if let Some(frame) = self.frames.last_mut() {
            if frame.bodies.contains(&(query as *const Query)) {
                frame.visible = frame.names.len();
            }
        }
    }

    fn entering_definition(&mut self, query: *const Query) {
        if let Some(frame) = self.frames.last_mut() {
            if let Some(i) = frame.bodies.iter().position(|b| *b == query) {
                frame.visible = if frame.recursive { frame.names.len() } else { i };
            }
        }
    }

    /// Whether an unqualified table name reads a CTE here.
    pub fn names_cte(&self, name: &str) -> bool {
        self.frames.iter().any(|f| f.names[..f.visible].iter().any(|n| n.eq_ignore_ascii_case(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::{ObjectNamePart, Query, TableFactor, Visit, Visitor};
    use sqlparser::dialect::DuckDbDialect;
    use sqlparser::parser::Parser;
    use std::ops::ControlFlow;

    /// Each table name of `sql`, in order, with whether it reads a CTE where it stands.
    fn reads(sql: &str) -> Vec<(String, bool)> {
        struct Walk {
            scopes: CteScopes,
            seen: Vec<(String, bool)>,
        }
        impl Visitor for Walk {
            type Break = ();
            fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
                self.scopes.enter(q);
                ControlFlow::Continue(())
            }
            fn post_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
                self.scopes.leave(q);
                ControlFlow::Continue(())
            }
            fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
                if let TableFactor::Table { name, .. } = t {
                    let cte = match name.0.as_slice() {
                        [ObjectNamePart::Identifier(only)] => self.scopes.names_cte(&only.value),
                        _ => false,
                    };
                    self.seen.push((name.to_string(), cte));
                }
                ControlFlow::Continue(())
            }
        }
        let statements = Parser::parse_sql(&DuckDbDialect {}, sql).unwrap();
        let mut walk = Walk { scopes: CteScopes::default(), seen: Vec::new() };
        let _ = statements.visit(&mut walk);
        walk.seen
    }

    fn pairs(expected: &[(&str, bool)]) -> Vec<(String, bool)> {
        expected.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn a_with_names_ctes_for_its_body_and_later_definitions() {
        assert_eq!(reads("WITH s AS (SELECT * FROM s) SELECT * FROM s"), pairs(&[("s", false), ("s", true)]));
        assert_eq!(
            reads("WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT * FROM a, b, c"),
            pairs(&[("b", false), ("a", true), ("a", true), ("b", true), ("c", false)])
        );
        assert_eq!(reads("WITH RECURSIVE r AS (SELECT * FROM r) SELECT * FROM r"), pairs(&[("r", true), ("r", true)]));
        assert_eq!(reads("WITH S AS (SELECT 1) SELECT * FROM (SELECT * FROM s) x, main.s"), pairs(&[("s", true), ("main.s", false)]));
    }

    #[test]
    fn a_with_ends_with_its_query() {
        assert_eq!(reads("SELECT (WITH s AS (SELECT 1) SELECT * FROM s), (SELECT * FROM s)"), pairs(&[("s", true), ("s", false)]));
        assert_eq!(
            reads("SELECT * FROM (WITH s AS (SELECT 1) SELECT * FROM s) UNION ALL SELECT * FROM s"),
            pairs(&[("s", true), ("s", false)])
        );
    }
}
