//! Prints plans as one DuckDB SELECT: quoted, catalog-qualified names everywhere. Makes no
//! semantic decisions; see `plan`.

use std::fmt::Write;

use crate::model::MemberKind;
use crate::plan::{Grain, Plan, Source};
use crate::sql::quote_ident;
use crate::view::{MemberId, Part, View};
use crate::window::Partition;

pub struct Renderer<'a> {
    pub view: &'a View,
    /// The current name of the database holding the definition; tables without an explicit
    /// database live there.
    pub home_catalog: &'a str,
}

/// The last value of a snapshot dimension's column in its declared order, as an aggregate:
/// NULLs sorting last make NULL the last value wherever one is present.
fn last_value(n: &crate::view::NonAdditive, column: &str) -> String {
    let extreme = format!("{}({column})", if n.descending { "min" } else { "max" });
    if n.nulls_first {
        extreme
    } else {
        format!("CASE WHEN count(*) > count({column}) THEN NULL ELSE {extreme} END")
    }
}

/// Where a window metric's inputs are: the aggregated result's alias and column order.
struct WindowContext<'a> {
    source: &'a str,
    dimensions: &'a [MemberId],
    aggregated: &'a [usize],
}

impl WindowContext<'_> {
    /// A requested dimension's column (the plan checked that windows name only those).
    fn dimension(&self, id: &MemberId) -> String {
        // Never a silent fallback to another column: that would be a wrong number.
        let i = self.dimensions.iter().position(|d| d == id).expect("plan_windowed checks windows name requested dimensions");
        format!("{}.{}", self.source, quote_ident(&format!("d{i}")))
    }
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
                let dims: Vec<(String, String)> =
                    dimensions.iter().map(|id| (self.member_expr(*id), quote_ident(&self.view.member(*id).name))).collect();
                let metrics: Vec<(usize, String)> = metrics.iter().map(|&m| (m, quote_ident(&self.view.metrics[m].name))).collect();
                self.grain_select(&dims, &metrics, &[], &grains[0], filter.as_deref())
            }
            Plan::Aggregate { dimensions, metrics, grains, filter } => {
                self.render_multi_grain(dimensions, metrics, grains, filter.as_deref())
            }
            Plan::Window { inner, dimensions, metrics, aggregated } => self.render_window(inner, dimensions, metrics, aggregated),
        }
    }

    /// One grain's aggregating SELECT: `dims` and `metrics` with their output aliases, then
    /// `extra` columns.
    fn grain_select(
        &self,
        dims: &[(String, String)],
        metrics: &[(usize, String)],
        extra: &[String],
        grain: &Grain,
        filter: Option<&[Part]>,
    ) -> String {
        if grain.snapshot.is_empty() {
            let mut columns: Vec<String> = dims.iter().map(|(e, a)| format!("{e} AS {a}")).collect();
            columns.extend(metrics.iter().map(|(m, a)| format!("{} AS {a}", self.metric_expr(*m, &MetricRefs::Inline))));
            columns.extend(extra.iter().cloned());
            return self.select(columns, &grain.source, filter, dims.len());
        }
        self.snapshot_select(dims, metrics, extra, grain, filter)
    }

    /// A semi-additive grain: the rows at the last value of the snapshot dimensions within
    /// each group of the requested dimensions (ties included), then the metrics aggregated
    /// over those rows. The rows (`__sv_j`) carry the dimensions, the columns and facts the
    /// metrics read ("leaves") and the snapshot values; each snapshot dimension in turn keeps
    /// the rows at its last value per group (an aggregate and a join: no sort).
    fn snapshot_select(
        &self,
        dims: &[(String, String)],
        metrics: &[(usize, String)],
        extra: &[String],
        grain: &Grain,
        filter: Option<&[Part]>,
    ) -> String {
        let col = |prefix: &str, i: usize| quote_ident(&format!("__sv_{prefix}{i}"));
        let last_rows = col("s", grain.snapshot.len() - 1);
        let mut leaves: Vec<Part> = Vec::new();
        let outer_metrics: Vec<String> = metrics
            .iter()
            .map(|(m, a)| format!("({}) AS {a}", self.leaf_expr(&self.view.metrics[*m].parts, &mut leaves, &last_rows)))
            .collect();
        let mut columns: Vec<String> = dims.iter().enumerate().map(|(i, (e, _))| format!("{e} AS {}", col("d", i))).collect();
        for (k, leaf) in leaves.iter().enumerate() {
            columns.push(format!("{} AS {}", self.expr(std::slice::from_ref(leaf), &MetricRefs::Inline), col("l", k)));
        }
        for (t, n) in grain.snapshot.iter().enumerate() {
            columns.push(format!("{} AS {}", self.member_expr(n.dimension), col("n", t)));
        }
        let mut rows = quote_ident("__sv_j");
        let mut ctes = vec![format!("{rows} AS (SELECT {} FROM {}", columns.join(", "), self.from_clause(&grain.source))];
        if let Some(f) = filter {
            let _ = write!(ctes[0], " WHERE ({})", self.expr(f, &MetricRefs::Inline));
        }
        ctes[0].push(')');
        let group_by = |n: usize| -> String {
            if n == 0 {
                return String::new();
            }
            format!(" GROUP BY {}", (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
        };
        for (t, n) in grain.snapshot.iter().enumerate() {
            let (x, value) = (col("x", t), col("n", t));
            let keys: Vec<String> = (0..dims.len()).map(|i| col("d", i)).collect();
            let mut select: Vec<String> = keys.clone();
            select.push(format!("{} AS {value}", last_value(n, &value)));
            let mut on: Vec<String> = keys.iter().map(|k| format!("{rows}.{k} IS NOT DISTINCT FROM {x}.{k}")).collect();
            on.push(format!("{rows}.{value} IS NOT DISTINCT FROM {x}.{value}"));
            let next = col("s", t);
            ctes.push(format!(
                "{next} AS (SELECT {rows}.* FROM {rows} JOIN (SELECT {} FROM {rows}{}) AS {x} ON {})",
                select.join(", "),
                group_by(dims.len()),
                on.join(" AND ")
            ));
            rows = next;
        }
        let mut outer: Vec<String> = dims.iter().enumerate().map(|(i, (_, a))| format!("{rows}.{} AS {a}", col("d", i))).collect();
        outer.extend(outer_metrics);
        outer.extend(extra.iter().cloned());
        format!("WITH {} SELECT {} FROM {rows}{}", ctes.join(", "), outer.join(", "), group_by(dims.len()))
    }

    /// A table-level metric's expression over the leaf columns of a snapshot subquery
    /// (`__sv_l<k>`), registering each column or fact it reads in `leaves`.
    fn leaf_expr(&self, parts: &[Part], leaves: &mut Vec<Part>, subquery: &str) -> String {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Member(id) if id.kind == MemberKind::Metric => {
                    let _ = write!(out, "({})", self.leaf_expr(&self.view.metrics[id.index].parts, leaves, subquery));
                }
                Part::Column { .. } | Part::Member(_) => {
                    let k = leaves.iter().position(|l| l == p).unwrap_or_else(|| {
                        leaves.push(p.clone());
                        leaves.len() - 1
                    });
                    let _ = write!(out, "{subquery}.{}", quote_ident(&format!("__sv_l{k}")));
                }
                other => out.push_str(&self.expr(std::slice::from_ref(other), &MetricRefs::Inline)),
            }
        }
        out
    }

    /// Window metrics over the aggregated result: the inner plan's columns are renamed
    /// `d<i>` (dimensions) and `m<k>` (aggregated metrics).
    fn render_window(&self, inner: &Plan, dimensions: &[MemberId], metrics: &[usize], aggregated: &[usize]) -> String {
        let w = quote_ident("__sv_w");
        let mut columns: Vec<String> = (0..dimensions.len()).map(|i| quote_ident(&format!("d{i}"))).collect();
        columns.extend((0..aggregated.len()).map(|k| quote_ident(&format!("m{k}"))));
        let mut select: Vec<String> = dimensions
            .iter()
            .enumerate()
            .map(|(i, id)| self.aliased(&format!("{w}.{}", quote_ident(&format!("d{i}"))), &self.view.member(*id).name))
            .collect();
        let cx = WindowContext { source: &w, dimensions, aggregated };
        for &m in metrics {
            select.push(self.aliased(&self.windowed_expr(m, &cx), &self.view.metrics[m].name));
        }
        format!("SELECT {} FROM ({}) AS {w}({})", select.join(", "), self.render(inner), columns.join(", "))
    }

    /// A metric evaluated over the aggregated result.
    fn windowed_expr(&self, metric: usize, cx: &WindowContext) -> String {
        if let Some(k) = cx.aggregated.iter().position(|&a| a == metric) {
            return format!("{}.{}", cx.source, quote_ident(&format!("m{k}")));
        }
        let m = &self.view.metrics[metric];
        let Some(window) = &m.window else {
            return format!("({})", self.windowed_parts(&m.parts, cx));
        };
        let item = |id: &MemberId| match id.kind {
            MemberKind::Metric => self.windowed_expr(id.index, cx),
            _ => cx.dimension(id),
        };
        let mut over: Vec<String> = Vec::new();
        let partition: Vec<String> = match &window.partition {
            Partition::Whole => vec![],
            Partition::By(ids) => ids.iter().map(item).collect(),
            Partition::Excluding(ids) => cx.dimensions.iter().filter(|d| !ids.contains(d)).map(|d| cx.dimension(d)).collect(),
        };
        if !partition.is_empty() {
            over.push(format!("PARTITION BY {}", partition.join(", ")));
        }
        if !window.order.is_empty() {
            let order: Vec<String> =
                window.order.iter().map(|(id, direction)| format!("{} {direction}", item(id)).trim_end().to_string()).collect();
            over.push(format!("ORDER BY {}", order.join(", ")));
        }
        if !window.frame.is_empty() {
            over.push(window.frame.clone());
        }
        format!("({} OVER ({}))", self.windowed_parts(&window.call, cx), over.join(" "))
    }

    fn windowed_parts(&self, parts: &[Part], cx: &WindowContext) -> String {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Member(id) if id.kind == MemberKind::Metric => out.push_str(&self.windowed_expr(id.index, cx)),
                other => out.push_str(&self.expr(std::slice::from_ref(other), &MetricRefs::Inline)),
            }
        }
        out
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
            let dims: Vec<(String, String)> = dimensions.iter().enumerate().map(|(i, id)| (self.member_expr(*id), d(i))).collect();
            let grain_metrics: Vec<(usize, String)> = grain.metrics.iter().map(|&metric| (metric, m(metric))).collect();
            let extra: Vec<String> = if grouped { vec![format!("true AS {present}")] } else { vec![] };
            let sub = self.grain_select(&dims, &grain_metrics, &extra, grain, filter);
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
