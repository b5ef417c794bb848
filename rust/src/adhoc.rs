//! Ad-hoc dimensions: a request may group by an expression over dimensions, facts and columns
//! (`date_trunc('month', order_date)`, `upper(c.region)`) as Snowflake's SEMANTIC_VIEW clause
//! and plain SQL's GROUP BY allow. It becomes a dimension of the finest table it reads, for
//! this request only.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::model::{MemberDef, MemberKind};
use crate::sql::check_single_expression;
use crate::view::{Member, MemberId, View};

impl View {
    /// The request's dimension for an expression (created once per text).
    pub(crate) fn adhoc_dimension(&mut self, text: &str) -> Result<MemberId> {
        if let Some(id) = self.adhoc.get(text) {
            return Ok(*id);
        }
        let what = format!("dimension expression '{text}'");
        check_single_expression(text, &what)?;
        if let Some(call) = crate::sql::scope::aggregate_calls(text).first() {
            return Err(Error::binder(format!("{what}: a dimension cannot aggregate ({call}); request a metric instead")));
        }
        // Names resolve as in a where clause: dimensions, facts, columns of `alias.column`.
        let parts = self.resolve(text, None, None).map_err(|e| e.context(&what))?;
        let ids: Vec<MemberId> = parts
            .iter()
            .filter_map(|p| match p {
                crate::view::Part::Member(id) => Some(*id),
                _ => None,
            })
            .collect();
        self.resolve_members(ids)?;
        let mut tables = BTreeSet::new();
        self.tables_of_parts(&parts, &mut tables);
        let table = tables
            .iter()
            .copied()
            .find(|&a| tables.iter().all(|&t| t == a || !self.paths(a, t, true).is_empty()))
            .ok_or_else(|| {
                if tables.is_empty() {
                    Error::binder(format!("{what} reads no dimension, fact or column of the semantic view"))
                } else {
                    Error::binder(format!("{what} reads tables that no single one of them reaches through many-to-one relationships"))
                }
            })?;
        let def = MemberDef {
            table: Some(self.tables[table].alias.clone()),
            name: text.to_string(),
            expr: text.to_string(),
            comment: None,
            synonyms: vec![],
            private: false,
            using: vec![],
            clauses: vec![],
        };
        let id = MemberId { kind: MemberKind::Dimension, index: self.dimensions.len() };
        self.dimensions.push(Member {
            kind: MemberKind::Dimension,
            name: text.to_string(),
            table: Some(table),
            parts,
            resolved: true,
            private: false,
            using: vec![],
            def,
            rollup: None,
        });
        self.adhoc.insert(text.to_string(), id);
        Ok(id)
    }
}
