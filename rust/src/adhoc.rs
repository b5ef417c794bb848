//! Ad-hoc members: a request may group by an expression over dimensions, facts and columns
//! (`date_trunc('month', order_date)`, `upper(c.region)`) as Snowflake's SEMANTIC_VIEW clause
//! and plain SQL's GROUP BY allow — a dimension of the finest table it reads — and ask for a
//! metric expression: over metrics (`revenue / orders`, a derived metric) or aggregating
//! dimensions and facts (`COUNT(DISTINCT c.region)`, a metric at the grain of the finest table
//! it reads). They exist for this request only.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::model::{MemberDef, MemberKind};
use crate::sql::check_single_expression;
use crate::view::{Member, MemberId, View};

impl View {
    /// The request's dimension for an expression (created once per text).
    pub(crate) fn adhoc_dimension(&mut self, text: &str) -> Result<MemberId> {
        if let Some(id) = self.adhoc.get(&(MemberKind::Dimension, text.to_string())) {
            return Ok(*id);
        }
        let what = format!("dimension expression '{text}'");
        check_single_expression(text, &what)?;
        if let Some(call) = crate::sql::scope::aggregate_calls(text).first() {
            return Err(Error::binder(format!("{what}: a dimension cannot aggregate ({call}); request a metric instead")));
        }
        // Names resolve as in a where clause: dimensions, facts, columns of `alias.column`.
        let parts = self.resolve(text, None, None).map_err(|e| e.context(&what))?;
        self.resolve_members(member_ids(&parts))?;
        let table = self.finest_table(&parts, &what)?;
        Ok(self.push_adhoc(MemberKind::Dimension, text, Some(table), parts))
    }

    /// The request's metric for an expression (created once per text).
    pub(crate) fn adhoc_metric(&mut self, text: &str) -> Result<MemberId> {
        if let Some(id) = self.adhoc.get(&(MemberKind::Metric, text.to_string())) {
            return Ok(*id);
        }
        let what = format!("metric expression '{text}'");
        check_single_expression(text, &what)?;
        let id = MemberId { kind: MemberKind::Metric, index: self.metrics.len() };
        let aggregates = !crate::sql::scope::aggregate_calls(text).is_empty();
        // Aggregating dimensions and facts: names resolve as in a where clause (no metrics);
        // otherwise a derived metric over metrics.
        let (parts, table) = if aggregates {
            let parts = self.resolve(text, None, None).map_err(|e| e.context(&what))?;
            self.resolve_members(member_ids(&parts))?;
            let table = self.finest_table(&parts, &what)?;
            (parts, Some(table))
        } else {
            let parts = self.resolve(text, None, Some(id)).map_err(|e| e.context(&what))?;
            if !parts.iter().any(|p| matches!(p, crate::view::Part::Member(m) if m.kind == MemberKind::Metric)) {
                return Err(Error::binder(format!(
                    "{what}: combine metrics (revenue / orders) or aggregate dimensions and facts (COUNT(DISTINCT region))"
                )));
            }
            self.resolve_members(member_ids(&parts))?;
            (parts, None)
        };
        Ok(self.push_adhoc(MemberKind::Metric, text, table, parts))
    }

    /// Adds a resolved request-only member named by its expression text.
    fn push_adhoc(&mut self, kind: MemberKind, text: &str, table: Option<usize>, parts: Vec<crate::view::Part>) -> MemberId {
        let def = MemberDef {
            table: table.map(|t| self.tables[t].alias.clone()),
            name: text.to_string(),
            expr: text.to_string(),
            comment: None,
            synonyms: vec![],
            private: false,
            using: vec![],
            clauses: vec![],
            non_additive_by: vec![],
        };
        let member = Member {
            kind,
            name: text.to_string(),
            table,
            parts,
            resolved: true,
            private: false,
            using: vec![],
            def,
            rollup: None,
            window: None,
            non_additive: Vec::new(),
        };
        let list = if kind == MemberKind::Metric { &mut self.metrics } else { &mut self.dimensions };
        let id = MemberId { kind, index: list.len() };
        list.push(member);
        self.adhoc.insert((kind, text.to_string()), id);
        id
    }

    /// The table an expression's row-level value belongs to: the finest of those it reads.
    fn finest_table(&self, parts: &[crate::view::Part], what: &str) -> Result<usize> {
        let mut tables = BTreeSet::new();
        self.tables_of_parts(parts, &mut tables);
        tables.iter().copied().find(|&a| tables.iter().all(|&t| t == a || !self.paths(a, t, true).is_empty())).ok_or_else(|| {
            if tables.is_empty() {
                Error::binder(format!("{what} reads no dimension, fact or column of the semantic view"))
            } else {
                Error::binder(format!("{what} reads tables that no single one of them reaches through many-to-one relationships"))
            }
        })
    }
}

fn member_ids(parts: &[crate::view::Part]) -> Vec<MemberId> {
    parts
        .iter()
        .filter_map(|p| match p {
            crate::view::Part::Member(id) => Some(*id),
            _ => None,
        })
        .collect()
}
