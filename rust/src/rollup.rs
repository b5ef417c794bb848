//! Facts (and dimensions) that aggregate related rows, as Snowflake allows:
//! `orders.count_line_items AS COUNT(line_items.line_item_id)` reads line_items, which has many
//! rows per order. Such a member is a row-level value of its own table — for each row, the
//! aggregate over its related rows (COUNT 0 and SUM NULL where there are none) — printed as a
//! correlated scalar subquery that DuckDB decorrelates into a join.

use std::collections::BTreeSet;

use crate::error::{name_list, Error, Result};
use crate::model::MemberKind;
use crate::plan::Source;
use crate::view::{MemberId, Step, View};

/// How a member that aggregates related rows is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    /// The related rows: a join tree from the finest related table, inside the subquery.
    pub source: Source,
    /// The relationship step from the subquery's tables into the member's table.
    pub correlate: Step,
    /// Tables the expression reads outside the subquery (the member's table's parents).
    pub outer: BTreeSet<usize>,
}

impl View {
    /// Decides whether a resolved member aggregates rows of tables that have many rows per row
    /// of its table. Its dependencies' rollups must be decided already.
    pub(crate) fn find_rollup(&self, id: MemberId) -> Result<Option<Rollup>> {
        let m = self.member(id);
        let (Some(own), MemberKind::Fact | MemberKind::Dimension) = (m.table, id.kind) else {
            return Ok(None);
        };
        let mut read = BTreeSet::new();
        self.tables_of_parts(&m.parts, &mut read);
        let related: BTreeSet<usize> = read
            .iter()
            .copied()
            .filter(|&t| t != own && self.paths(own, t, true).is_empty() && !self.paths(t, own, true).is_empty())
            .collect();
        if related.is_empty() {
            return Ok(None);
        }
        let what = format!("{} '{}'", id.kind.noun(), self.qualified_name(id));
        let names = |ts: &BTreeSet<usize>| name_list(&ts.iter().map(|&t| self.tables[t].alias.as_str()).collect::<Vec<_>>());
        if crate::sql::scope::aggregate_calls(&m.def.expr).is_empty() {
            return Err(Error::invalid(format!(
                "{what} reads {} with many rows per row of '{}'; aggregate them (e.g. COUNT(...), SUM(...)) \
                 to give each row of '{}' one value",
                names(&related),
                self.tables[own].alias,
                self.tables[own].alias
            )));
        }
        let finest =
            related.iter().copied().find(|&a| related.iter().all(|&t| t == a || !self.paths(a, t, true).is_empty())).ok_or_else(|| {
                Error::invalid(format!(
                    "{what} aggregates tables {} that no single one of them reaches through many-to-one relationships",
                    names(&related)
                ))
            })?;
        let path = self.route(finest, own, &m.using).map_err(|e| e.into_error(self, finest).context(&what))?;
        if path.iter().any(|s| self.relationships[s.rel].asof.is_some()) {
            return Err(Error::invalid(format!("{what} aggregates rows related through an ASOF relationship, which is not supported")));
        }
        let Some((&correlate, inner_path)) = path.split_last() else {
            return Err(Error::internal(format!("{what}: empty path")));
        };
        let mut inner: BTreeSet<usize> = related.clone();
        inner.extend(inner_path.iter().map(|s| self.step_target(*s)));
        let source = self.join_tree(finest, &inner, &m.using).map_err(|e| e.into_error(self, finest).context(&what))?;
        inner.insert(finest);
        let outer = read.into_iter().filter(|t| *t != own && !inner.contains(t)).collect();
        Ok(Some(Rollup { source, correlate, outer }))
    }
}
