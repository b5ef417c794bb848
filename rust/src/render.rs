//! Prints plans as one DuckDB SELECT: quoted, catalog-qualified names everywhere. Makes no
//! semantic decisions; see `plan`.

use std::fmt::Write;

use crate::model::MemberKind;
use crate::plan::{Grain, Plan, Source};
use crate::sql::quote_ident;
use crate::view::{MemberId, Part, View};

pub struct Renderer<'a> {
    pub view: &'a View,
    /// The current name of the database holding the definition; tables without an explicit
    /// database live there.
    pub home_catalog: &'a str,
}

/// How metric references are printed in an expression.
enum MetricRefs<'a> {
    /// Inline the aggregate expression (inside a grain's SELECT).
    Inline,
    /// Refer to the columns computed per grain (outer query of a multi-grain plan).
    Outer(&'a dyn Fn(usize) -> String),
}

impl<'a> Renderer<'a> {
    pub fn render(&self, plan: &Plan) -> String {
        match plan {
            Plan::Rows { columns, source, filter } => {
                let select = columns.iter().map(|id| self.aliased(&self.member_expr(*id), &self.view.member(*id).name));
                self.select(select.collect(), source, filter.as_deref(), 0)
            }
            Plan::Distinct { dimensions, source, filter } => {
                let select = dimensions.iter().map(|id| self.aliased(&self.member_expr(*id), &self.view.member(*id).name));
                self.select(select.collect(), source, filter.as_deref(), dimensions.len())
            }
            Plan::Aggregate { dimensions, metrics, grains, filter } if grains.len() == 1 => {
                let mut select: Vec<String> =
                    dimensions.iter().map(|id| self.aliased(&self.member_expr(*id), &self.view.member(*id).name)).collect();
                for &m in metrics {
                    let expr = self.metric_expr(m, &MetricRefs::Inline);
                    select.push(self.aliased(&expr, &self.view.metrics[m].name));
                }
                self.select(select, &grains[0].source, filter.as_deref(), dimensions.len())
            }
            Plan::Aggregate { dimensions, metrics, grains, filter } => {
                self.render_multi_grain(dimensions, metrics, grains, filter.as_deref())
            }
        }
    }

    /// Each grain aggregated on its own, combined with a NULL-safe FULL OUTER JOIN on the
    /// dimensions (CROSS JOIN without dimensions). A grain without a row for a dimension
    /// combination contributes its metrics' empty-input values (count 0, sum NULL, ...).
    fn render_multi_grain(&self, dimensions: &[MemberId], metrics: &[usize], grains: &[Grain], filter: Option<&[Part]>) -> String {
        let g = |i: usize| quote_ident(&format!("__sv_g{i}"));
        let e = |i: usize| quote_ident(&format!("__sv_e{i}"));
        let d = |i: usize| quote_ident(&format!("d{i}"));
        let m = |i: usize| quote_ident(&format!("m{i}"));
        let present = quote_ident("__sv_present");
        let grouped = !dimensions.is_empty();
        let owner = |metric: usize| grains.iter().position(|gr| gr.metrics.contains(&metric)).expect("planned metric");
        let base_ref = |metric: usize| -> String {
            let k = owner(metric);
            if grouped {
                format!("CASE WHEN {}.{present} THEN {}.{} ELSE {}.{} END", g(k), g(k), m(metric), e(k), m(metric))
            } else {
                format!("{}.{}", g(k), m(metric))
            }
        };
        let mut select: Vec<String> = Vec::new();
        for (i, id) in dimensions.iter().enumerate() {
            let sides: Vec<String> = (0..grains.len()).map(|k| format!("{}.{}", g(k), d(i))).collect();
            select.push(self.aliased(&format!("COALESCE({})", sides.join(", ")), &self.view.member(*id).name));
        }
        for &metric in metrics {
            let expr = self.metric_expr(metric, &MetricRefs::Outer(&base_ref));
            select.push(self.aliased(&expr, &self.view.metrics[metric].name));
        }
        let mut sql = format!("SELECT {} FROM ", select.join(", "));
        for (k, grain) in grains.iter().enumerate() {
            let mut inner: Vec<String> = dimensions
                .iter()
                .enumerate()
                .map(|(i, id)| format!("{} AS {}", self.member_expr(*id), d(i)))
                .collect();
            for &metric in &grain.metrics {
                inner.push(format!("{} AS {}", self.metric_expr(metric, &MetricRefs::Inline), m(metric)));
            }
            if grouped {
                inner.push(format!("true AS {present}"));
            }
            let sub = self.select(inner, &grain.source, filter, dimensions.len());
            if k == 0 {
                let _ = write!(sql, "({sub}) AS {}", g(k));
            } else if grouped {
                let on: Vec<String> = (0..dimensions.len())
                    .map(|i| {
                        let left: Vec<String> = (0..k).map(|j| format!("{}.{}", g(j), d(i))).collect();
                        let left = if k == 1 { left[0].clone() } else { format!("COALESCE({})", left.join(", ")) };
                        format!("{left} IS NOT DISTINCT FROM {}.{}", g(k), d(i))
                    })
                    .collect();
                let _ = write!(sql, " FULL OUTER JOIN ({sub}) AS {} ON {}", g(k), on.join(" AND "));
            } else {
                let _ = write!(sql, " CROSS JOIN ({sub}) AS {}", g(k));
            }
        }
        if grouped {
            for (k, grain) in grains.iter().enumerate() {
                let empties: Vec<String> = grain
                    .metrics
                    .iter()
                    .map(|&metric| format!("{} AS {}", self.metric_expr(metric, &MetricRefs::Inline), m(metric)))
                    .collect();
                let _ = write!(
                    sql,
                    " CROSS JOIN (SELECT {} FROM {} WHERE false) AS {}",
                    empties.join(", "),
                    self.from_clause(&grain.source),
                    e(k)
                );
            }
        }
        sql
    }

    fn select(&self, columns: Vec<String>, source: &Source, filter: Option<&[Part]>, group_by: usize) -> String {
        let mut sql = format!("SELECT {} FROM {}", columns.join(", "), self.from_clause(source));
        if let Some(f) = filter {
            let _ = write!(sql, " WHERE ({})", self.expr(f, &MetricRefs::Inline));
        }
        if group_by > 0 {
            let positions: Vec<String> = (1..=group_by).map(|i| i.to_string()).collect();
            let _ = write!(sql, " GROUP BY {}", positions.join(", "));
        }
        sql
    }

    pub fn from_clause(&self, source: &Source) -> String {
        let mut sql = self.table(source.anchor);
        for step in &source.joins {
            let rel = &self.view.relationships[step.rel];
            let join = if rel.asof.is_some() { "ASOF LEFT JOIN" } else { "LEFT JOIN" };
            let _ = write!(sql, " {join} {} ON {}", self.table(self.view.step_target(*step)), self.join_condition(step.rel));
        }
        sql
    }

    /// How a relationship matches rows, between its tables' aliases. Symmetric for equality,
    /// so it also correlates a rollup walked the other way.
    fn join_condition(&self, rel: usize) -> String {
        let rel = &self.view.relationships[rel];
        let alias = |t: usize| quote_ident(&self.view.tables[t].alias);
        let (from, to) = (alias(rel.from), alias(rel.to));
        if let Some((start, end)) = &rel.range {
            // Half-open [start, end); a NULL bound is open (Snowflake's first and last ranges).
            let value = format!("{from}.{}", quote_ident(&rel.from_columns[0]));
            let (start, end) = (format!("{to}.{}", quote_ident(start)), format!("{to}.{}", quote_ident(end)));
            return format!("({start} IS NULL OR {value} >= {start}) AND ({end} IS NULL OR {value} < {end})");
        }
        let on: Vec<String> = rel
            .from_columns
            .iter()
            .zip(&rel.to_columns)
            .enumerate()
            .map(|(i, (f, t))| {
                // ASOF: the latest referenced row at or before the referencing one.
                let op = if rel.asof == Some(i) { ">=" } else { "=" };
                format!("{from}.{} {op} {to}.{}", quote_ident(f), quote_ident(t))
            })
            .collect();
        on.join(" AND ")
    }

    /// `"catalog"."schema"."table" AS "alias"`
    fn table(&self, t: usize) -> String {
        let table = &self.view.tables[t];
        format!("{} AS {}", table.physical.sql(self.home_catalog), quote_ident(&table.alias))
    }

    fn aliased(&self, expr: &str, name: &str) -> String {
        format!("{expr} AS {}", quote_ident(name))
    }

    /// A fact's or dimension's expression, parenthesised; one that aggregates related rows is
    /// a scalar subquery over them, correlated with its own table's row.
    pub fn member_expr(&self, id: MemberId) -> String {
        let m = self.view.member(id);
        let expr = self.expr(&m.parts, &MetricRefs::Inline);
        let (Some(rollup), Some(_)) = (&m.rollup, m.table) else {
            return format!("({expr})");
        };
        format!("(SELECT {expr} FROM {} WHERE {})", self.from_clause(&rollup.source), self.join_condition(rollup.correlate.rel))
    }

    fn metric_expr(&self, metric: usize, refs: &MetricRefs) -> String {
        let m = &self.view.metrics[metric];
        match refs {
            MetricRefs::Outer(base) if m.table.is_some() => base(metric),
            _ => format!("({})", self.expr(&m.parts, refs)),
        }
    }

    fn expr(&self, parts: &[Part], refs: &MetricRefs) -> String {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Column { table, column } => {
                    let _ = write!(out, "{}.{}", quote_ident(&self.view.tables[*table].alias), quote_ident(column));
                }
                Part::Member(id) if id.kind == MemberKind::Metric => out.push_str(&self.metric_expr(id.index, refs)),
                Part::Member(id) => out.push_str(&self.member_expr(*id)),
                Part::Table(t) => out.push_str(&t.sql(self.home_catalog)),
            }
        }
        out
    }
}
