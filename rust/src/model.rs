//! The definition of a semantic view: the one source of truth behind the definition JSON (and,
//! later, the DDL). Unknown keys are errors so that typos are never silently ignored.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub tables: Vec<TableDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<RelationshipDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<MemberDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MemberDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MemberDef>,
    /// Snowflake clauses kept as written (see `Clause`), in definition order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<Clause>,
}

/// A Snowflake clause that has no effect here — Cortex Analyst instructions and verified
/// queries, tags, grants, extensions, staleness, Cortex Search services — kept as written so
/// that a definition ported from Snowflake comes back unchanged from GET_DDL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// `AI_SQL_GENERATION`, `TAG`, `COPY GRANTS`, `WITH CORTEX SEARCH SERVICE`, ...
    pub keyword: String,
    /// What follows the keyword, as written (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub alias: String,
    /// `table`, `schema.table` or `db.schema.table`.
    pub table: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Vec<String>>,
    /// Snowflake's `CONSTRAINT [name] DISTINCT RANGE BETWEEN start AND end EXCLUSIVE`: the
    /// table's rows are non-overlapping half-open ranges, so a range relationship to it finds
    /// at most one row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_range: Option<DistinctRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

/// Columns bounding a half-open range `[start, end)`; a NULL bound is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistinctRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub start: String,
    pub end: String,
}

/// The referenced side of a range relationship: `REFERENCES t (BETWEEN start AND end EXCLUSIVE)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeRef {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub from: String,
    pub from_columns: Vec<String>,
    pub to: String,
    /// Defaults to the primary key of `to`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to_columns: Vec<String>,
    /// Snowflake's `REFERENCES t (k, ASOF ts)`: the one column of `to_columns` matched to the
    /// latest row of `to` at or before the `from` row's value (DuckDB's ASOF JOIN), the others
    /// by equality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asof: Option<String>,
    /// A range relationship: the one `from` column lies in `[start, end)` of a row of `to`
    /// (which must declare that range DISTINCT); `to_columns` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<RangeRef>,
}

/// A fact, dimension or metric. Metrics without `table` are derived metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub name: String,
    pub expr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub private: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub using: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<Clause>,
    /// Snowflake's `NON ADDITIVE BY (d [ASC|DESC] [NULLS FIRST|LAST], ...)` on a table-level
    /// metric: a semi-additive metric (a balance, a stock level) that is not summed across
    /// these dimensions; see `plan::Snapshot`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_additive_by: Vec<NonAdditiveDim>,
}

/// One dimension of `NON ADDITIVE BY`, with its declared order: when a request does not group
/// by it, the metric reads only the rows at its last value in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonAdditiveDim {
    /// The dimension as written: `name` or `alias.name`.
    pub dimension: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST` as declared; unset means SQL's default for the direction
    /// (last for ASC, first for DESC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls_first: Option<bool>,
}

impl NonAdditiveDim {
    /// Whether NULLs sort first in the declared order.
    pub fn nulls_sort_first(&self) -> bool {
        self.nulls_first.unwrap_or(self.descending)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberKind {
    Fact,
    Dimension,
    Metric,
}

impl MemberKind {
    pub fn noun(self) -> &'static str {
        match self {
            MemberKind::Fact => "fact",
            MemberKind::Dimension => "dimension",
            MemberKind::Metric => "metric",
        }
    }
    pub fn plural(self) -> &'static str {
        match self {
            MemberKind::Fact => "facts",
            MemberKind::Dimension => "dimensions",
            MemberKind::Metric => "metrics",
        }
    }
}
