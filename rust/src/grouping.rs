//! `GROUP BY ROLLUP / CUBE / GROUPING SETS` over a semantic view. Each grouping set is a request
//! of its own, aggregated at its own grain (a `COUNT(DISTINCT ...)` subtotal is counted, never
//! summed from the finer rows), and the query block reads their union, each row tagged with the
//! set it came from: `GROUPING(...)` is then a function of that tag.

use sqlparser::ast::Expr;

use crate::error::{Error, Result};
use crate::sql::quote_ident;

/// The union's column that says which grouping set a row belongs to.
pub const SET_COLUMN: &str = "__semantic_views_grouping_set";

/// More sets than this is a mistake (CUBE of 9 columns), and each set is a request.
const MAX_SETS: usize = 256;

/// A GROUP BY list with grouping sets: its grouping expressions, each once, and the sets as
/// indexes into them, in DuckDB's order.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingSets {
    pub exprs: Vec<Expr>,
    pub sets: Vec<Vec<usize>>,
}

/// Whether a GROUP BY item makes grouping sets: ROLLUP, CUBE, GROUPING SETS or `()`.
fn is_grouping_construct(e: &Expr) -> bool {
    matches!(e, Expr::Rollup(_) | Expr::Cube(_) | Expr::GroupingSets(_)) || matches!(e, Expr::Tuple(t) if t.is_empty())
}

impl GroupingSets {
    /// The grouping sets of a GROUP BY list; None when it groups once (no construct in it).
    /// Items combine as in DuckDB: `GROUP BY a, ROLLUP (b, c)` is the sets (a, b, c), (a, b), (a).
    pub fn of(list: &[Expr]) -> Result<Option<GroupingSets>> {
        if !list.iter().any(is_grouping_construct) {
            return Ok(None);
        }
        let mut out = GroupingSets { exprs: Vec::new(), sets: vec![Vec::new()] };
        for item in list {
            let factor = out.factor(item)?;
            let mut sets = Vec::with_capacity(out.sets.len() * factor.len());
            for set in &out.sets {
                for f in &factor {
                    let mut combined = set.clone();
                    combined.extend(f.iter().copied().filter(|i| !set.contains(i)));
                    sets.push(combined);
                }
            }
            if sets.len() > MAX_SETS {
                return Err(Self::too_many(list));
            }
            out.sets = sets;
        }
        Ok(Some(out))
    }

    fn too_many(list: &[Expr]) -> Error {
        let written = list.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ");
        Error::binder(format!(
            "GROUP BY {written}: more than {MAX_SETS} grouping sets over a semantic view (each set is a request of its own)"
        ))
    }

    /// The sets one GROUP BY item contributes.
    fn factor(&mut self, item: &Expr) -> Result<Vec<Vec<usize>>> {
        Ok(match item {
            Expr::GroupingSets(sets) => sets.iter().map(|s| self.indexes(s)).collect::<Result<_>>()?,
            Expr::Rollup(elements) => {
                let elements: Vec<Vec<usize>> = elements.iter().map(|e| self.indexes(e)).collect::<Result<_>>()?;
                (0..=elements.len()).rev().map(|k| elements[..k].concat()).collect()
            }
            Expr::Cube(elements) => {
                if elements.len() > MAX_SETS.trailing_zeros() as usize {
                    return Err(Self::too_many(std::slice::from_ref(item)));
                }
                let elements: Vec<Vec<usize>> = elements.iter().map(|e| self.indexes(e)).collect::<Result<_>>()?;
                let all = (1usize << elements.len()) - 1;
                (0..=all)
                    .rev()
                    .map(|mask| elements.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).flat_map(|(_, e)| e.clone()).collect())
                    .collect()
            }
            Expr::Tuple(t) if t.is_empty() => vec![Vec::new()],
            e => vec![vec![self.index(e)?]],
        })
    }

    fn indexes(&mut self, exprs: &[Expr]) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for e in exprs {
            let i = self.index(e)?;
            if !out.contains(&i) {
                out.push(i);
            }
        }
        Ok(out)
    }

    fn index(&mut self, e: &Expr) -> Result<usize> {
        Ok(match self.exprs.iter().position(|x| x == e) {
            Some(i) => i,
            None => {
                self.exprs.push(e.clone());
                self.exprs.len() - 1
            }
        })
    }
}

/// `GROUPING(a, b, ...)` for one set: a bit per argument, the first the most significant, set
/// where the argument is not grouped.
pub fn grouping_value(grouped: impl IntoIterator<Item = bool>) -> u64 {
    grouped.into_iter().fold(0, |bits, g| (bits << 1) | u64::from(!g))
}

/// One grouping set's rows: its expansion (None when it has neither dimensions nor metrics: one
/// row) and which of the union's dimension columns it groups.
pub struct Branch {
    pub source: Option<String>,
    pub grouped: Vec<bool>,
}

/// The union of the sets' expansions, with the same columns in each: the set's tag, every
/// dimension (NULL where the set does not group it), every metric.
pub fn union_sql(branches: &[Branch], dimensions: &[String], metrics: &[String]) -> String {
    branches
        .iter()
        .enumerate()
        .map(|(k, branch)| {
            let mut columns = vec![format!("{k} AS {}", quote_ident(SET_COLUMN))];
            for (name, grouped) in dimensions.iter().zip(&branch.grouped) {
                let name = quote_ident(name);
                columns.push(if *grouped { name } else { format!("NULL AS {name}") });
            }
            match &branch.source {
                Some(sql) => {
                    columns.extend(metrics.iter().map(|m| quote_ident(m)));
                    format!("SELECT {} FROM ({sql}) AS \"__semantic_views_set\"", columns.join(", "))
                }
                None => format!("SELECT {}", columns.join(", ")),
            }
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::{GroupByExpr, SetExpr, Statement};

    fn group_by(list: &str) -> Result<Option<GroupingSets>> {
        let sql = format!("SELECT 1 FROM t GROUP BY {list}");
        let mut statements = sqlparser::parser::Parser::parse_sql(&crate::sql::dialect::DuckDb::default(), &sql).unwrap();
        let Statement::Query(q) = statements.remove(0) else { panic!("{sql}") };
        let SetExpr::Select(s) = *q.body else { panic!("{sql}") };
        let GroupByExpr::Expressions(list, _) = s.group_by else { panic!("{sql}") };
        GroupingSets::of(&list)
    }

    fn sets(list: &str) -> Option<(Vec<String>, Vec<Vec<usize>>)> {
        group_by(list).unwrap().map(|g| (g.exprs.iter().map(|e| e.to_string()).collect(), g.sets))
    }

    #[test]
    fn constructs_expand_to_duckdbs_sets() {
        assert_eq!(sets("a, b"), None);
        assert_eq!(sets("ROLLUP (a, b)"), Some((vec!["a".into(), "b".into()], vec![vec![0, 1], vec![0], vec![]])));
        assert_eq!(sets("CUBE (a, b)").unwrap().1, vec![vec![0, 1], vec![1], vec![0], vec![]]);
        assert_eq!(sets("CUBE ((a, b))").unwrap().1, vec![vec![0, 1], vec![]]);
        assert_eq!(sets("GROUPING SETS ((a, b), a, ())").unwrap().1, vec![vec![0, 1], vec![0], vec![]]);
        // Items combine by cross product, as in DuckDB (a set may repeat).
        assert_eq!(sets("a, ROLLUP (a, b)").unwrap().1, vec![vec![0, 1], vec![0], vec![0]]);
        assert_eq!(sets("(), a").unwrap().1, vec![vec![0]]);
    }

    #[test]
    fn too_many_sets_are_refused() {
        let message = |list: &str| group_by(list).unwrap_err().message;
        assert!(message("CUBE (a, b, c, d, e, f, g, h, i)").contains("more than 256 grouping sets"));
        assert!(message("CUBE (a, b, c, d, e), CUBE (f, g, h, i)").contains("more than 256 grouping sets"));
        assert!(group_by("CUBE (a, b, c, d, e), CUBE (f, g, h)").is_ok());
    }

    #[test]
    fn grouping_bits_follow_duckdb() {
        assert_eq!(grouping_value([true]), 0);
        assert_eq!(grouping_value([false]), 1);
        assert_eq!(grouping_value([true, false]), 1);
        assert_eq!(grouping_value([false, true]), 2);
        assert_eq!(grouping_value([false, false]), 3);
    }

    #[test]
    fn the_union_has_the_same_columns_in_every_branch() {
        let branches = [
            Branch { source: Some("SELECT 1 AS \"region\", 2 AS \"revenue\"".into()), grouped: vec![true] },
            Branch { source: None, grouped: vec![false] },
        ];
        assert_eq!(
            union_sql(&branches, &["region".into()], &[]),
            "SELECT 0 AS \"__semantic_views_grouping_set\", \"region\" FROM (SELECT 1 AS \"region\", 2 AS \"revenue\") AS \"__semantic_views_set\" \
             UNION ALL SELECT 1 AS \"__semantic_views_grouping_set\", NULL AS \"region\""
        );
    }
}
