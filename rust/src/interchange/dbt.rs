//! dbt MetricFlow: the `semantic_models:` and `metrics:` of a dbt project's YAML files become
//! one semantic view. Semantic models are tables (`ref('model')` names the table), entities
//! keys and relationships (a foreign entity joins the model where it is primary or unique),
//! dimensions dimensions; simple metrics become metrics of the measure's table (its
//! aggregation written out, a metric filter as `FILTER (WHERE ...)`), ratio and derived
//! metrics derived metrics. Cumulative and conversion metrics, offsets and the like are
//! reported as not imported, with the reason; nothing is approximated.

use serde::Deserialize;
use serde_norway::Value;
use sqlparser::tokenizer::Token;

use super::{entry_error, parse_yaml, Format, Imported, SourceFile};
use crate::ddl::ident_sql;
use crate::error::{Error, Result};
use crate::model::{Definition, MemberDef, NonAdditiveDim, RelationshipDef, TableDef};
use crate::sql::scope::analyze;
use crate::sql::{parse_qualified_name, quote_literal, tokenize, Tok};

/// A dbt properties file: only the semantic parts are read; the rest of dbt's keys are
/// allowed and ignored, anything else is an error.
// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    semantic_models: Vec<SemanticModel>,
    #[serde(default)]
    metrics: Vec<Metric>,
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    models: Option<Value>,
    #[serde(default)]
    sources: Option<Value>,
    #[serde(default)]
    seeds: Option<Value>,
    #[serde(default)]
    snapshots: Option<Value>,
    #[serde(default)]
    macros: Option<Value>,
    #[serde(default)]
    exposures: Option<Value>,
    #[serde(default)]
    analyses: Option<Value>,
    #[serde(default)]
    saved_queries: Option<Value>,
    #[serde(default)]
    unit_tests: Option<Value>,
    #[serde(default)]
    data_tests: Option<Value>,
    #[serde(default)]
    groups: Option<Value>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SemanticModel {
    name: String,
    model: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    defaults: Option<Value>,
    #[serde(default)]
    primary_entity: Option<String>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    entities: Vec<Entity>,
    #[serde(default)]
    dimensions: Vec<Dimension>,
    #[serde(default)]
    measures: Vec<Measure>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entity {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    expr: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    config: Option<Value>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dimension {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    expr: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    type_params: Option<Value>,
    #[serde(default)]
    is_partition: Option<bool>,
    #[serde(default)]
    config: Option<Value>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Measure {
    name: String,
    agg: String,
    #[serde(default)]
    expr: Option<Value>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    create_metric: bool,
    #[serde(default)]
    agg_time_dimension: Option<String>,
    #[serde(default)]
    agg_params: Option<AggParams>,
    #[serde(default)]
    non_additive_dimension: Option<NonAdditive>,
    #[serde(default)]
    config: Option<Value>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggParams {
    #[serde(default)]
    percentile: Option<f64>,
    #[serde(default)]
    use_discrete_percentile: bool,
    #[serde(default)]
    use_approximate_percentile: bool,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NonAdditive {
    name: String,
    #[serde(default)]
    window_choice: Option<String>,
    #[serde(default)]
    window_groupings: Vec<String>,
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metric {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    type_params: TypeParams,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    filter: Option<Filter>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    meta: Option<Value>,
    #[serde(default)]
    time_granularity: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeParams {
    #[serde(default)]
    measure: Option<Input>,
    #[serde(default)]
    numerator: Option<Input>,
    #[serde(default)]
    denominator: Option<Input>,
    #[serde(default)]
    expr: Option<String>,
    #[serde(default)]
    metrics: Vec<Input>,
    #[serde(default)]
    window: Option<Value>,
    #[serde(default)]
    grain_to_date: Option<Value>,
    #[serde(default)]
    cumulative_type_params: Option<Value>,
    #[serde(default)]
    conversion_type_params: Option<Value>,
}

/// A simple metric to import: a measure (with an optional filter) under a metric's name; `at`
/// says where it was declared, for messages.
struct SimpleMetric<'a> {
    name: String,
    description: Option<String>,
    measure: String,
    filter: Option<&'a Filter>,
    at: String,
}

/// A metric or measure input: a name, or a mapping with options.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Input {
    Name(String),
    Detailed(Box<DetailedInput>),
}

// Keys dbt allows but that carry nothing for a semantic view are read and left unused.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailedInput {
    name: String,
    #[serde(default)]
    filter: Option<Filter>,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    offset_window: Option<Value>,
    #[serde(default)]
    offset_to_grain: Option<Value>,
    #[serde(default)]
    join_to_timespine: Option<bool>,
    #[serde(default)]
    fill_nulls_with: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Filter {
    One(String),
    All(Vec<String>),
}

impl Filter {
    fn conditions(&self) -> Vec<&str> {
        match self {
            Filter::One(s) => vec![s.trim()],
            Filter::All(v) => v.iter().map(|s| s.trim()).collect(),
        }
    }
}

impl Input {
    fn name(&self) -> &str {
        match self {
            Input::Name(n) => n,
            Input::Detailed(d) => &d.name,
        }
    }
    fn detail(&self) -> Option<&DetailedInput> {
        match self {
            Input::Name(_) => None,
            Input::Detailed(d) => Some(d.as_ref()),
        }
    }
}

/// Where a semantic model came from.
struct Located<'a, T> {
    file: &'a SourceFile,
    key: String,
    item: T,
}

/// Reads the dbt files of one import into one view named `name` (None: they hold no
/// semantic models or metrics).
pub fn import(files: &[&SourceFile], name: &str, ref_schema: Option<&str>) -> Result<Option<Imported>> {
    let mut models: Vec<Located<SemanticModel>> = Vec::new();
    let mut metrics: Vec<Located<Metric>> = Vec::new();
    for file in files {
        let parsed: File = parse_yaml(file, &file.text)?;
        for (i, m) in parsed.semantic_models.into_iter().enumerate() {
            models.push(Located { file, key: format!("semantic_models[{i}] ({})", m.name), item: m });
        }
        for (i, m) in parsed.metrics.into_iter().enumerate() {
            metrics.push(Located { file, key: format!("metrics[{i}] ({})", m.name), item: m });
        }
    }
    if models.is_empty() && metrics.is_empty() {
        return Ok(None);
    }
    let mut b = Builder { models: &models, def: Definition::default(), skipped: Vec::new(), ref_schema };
    b.tables()?;
    b.relationships()?;
    b.metrics(&metrics)?;
    Ok(Some(Imported {
        name: name.to_string(),
        format: Format::Dbt,
        files: files.iter().map(|f| f.path.clone()).collect(),
        definition: b.def,
        skipped: b.skipped,
    }))
}

struct Builder<'a> {
    models: &'a [Located<'a, SemanticModel>],
    def: Definition,
    skipped: Vec<String>,
    ref_schema: Option<&'a str>,
}

fn member(table: Option<&str>, name: &str, expr: String, comment: Option<String>) -> MemberDef {
    MemberDef {
        table: table.map(str::to_string),
        name: name.to_string(),
        expr,
        comment,
        synonyms: Vec::new(),
        private: false,
        using: Vec::new(),
        clauses: Vec::new(),
        non_additive_by: Vec::new(),
    }
}

/// A key column: an entity's expression must name one column.
fn column(l: &Located<SemanticModel>, key: &str, expr: &str) -> Result<String> {
    match parse_qualified_name(expr) {
        Ok(parts) if parts.len() == 1 => Ok(parts[0].value.clone()),
        _ => Err(entry_error(l.file, key, format!("entity expression {} is not a column; keys must be columns", quote_literal(expr)))),
    }
}

impl Builder<'_> {
    fn tables(&mut self) -> Result<()> {
        for l in self.models {
            let m = &l.item;
            let table = self.table_name(l)?;
            let mut t = TableDef {
                alias: m.name.clone(),
                table,
                primary_key: Vec::new(),
                unique: Vec::new(),
                distinct_range: None,
                comment: m.description.clone(),
                synonyms: Vec::new(),
            };
            for (i, e) in m.entities.iter().enumerate() {
                let key = format!("{}.entities[{i}] ({})", l.key, e.name);
                let col = column(l, &key, e.expr.as_deref().unwrap_or(&e.name))?;
                match e.kind.to_lowercase().as_str() {
                    "primary" if t.primary_key.is_empty() => t.primary_key = vec![col],
                    "primary" => return Err(entry_error(l.file, &key, "a semantic model has one primary entity")),
                    "unique" => t.unique.push(vec![col]),
                    "foreign" => {}
                    "natural" => self
                        .skipped
                        .push(format!("{}: {key}: natural entity (slowly changing dimension joins are not supported)", l.file.path)),
                    other => {
                        return Err(entry_error(
                            l.file,
                            &key,
                            format!("unknown entity type '{other}' (primary, unique, foreign or natural)"),
                        ))
                    }
                }
            }
            self.def.tables.push(t);
            for (i, d) in m.dimensions.iter().enumerate() {
                let key = format!("{}.dimensions[{i}] ({})", l.key, d.name);
                if !matches!(d.kind.to_lowercase().as_str(), "categorical" | "time") {
                    return Err(entry_error(l.file, &key, format!("unknown dimension type '{}' (categorical or time)", d.kind)));
                }
                if d.type_params.as_ref().and_then(|p| p.get("validity_params")).is_some() {
                    self.skipped.push(format!("{}: {key}: validity_params (slowly changing dimensions are not supported)", l.file.path));
                }
                let expr = d.expr.clone().unwrap_or_else(|| ident_sql(&d.name));
                self.def.dimensions.push(member(Some(&m.name), &d.name, expr, d.description.clone()));
            }
        }
        Ok(())
    }

    /// `ref('orders')` (or `{{ ref('orders') }}`) names the table `orders`, in the chosen
    /// schema; `source('raw', 'orders')` names `raw.orders`.
    fn table_name(&self, l: &Located<SemanticModel>) -> Result<String> {
        let bad = || {
            entry_error(
                l.file,
                &format!("{}.model", l.key),
                format!("expected ref('model') or source('source', 'table'), found {}", quote_literal(&l.item.model)),
            )
        };
        let toks: Vec<Tok> = tokenize(&l.item.model).map_err(|_| bad())?.into_iter().filter(|t| !t.is_trivia()).collect();
        let inner: Vec<&Token> = toks.iter().map(|t| &t.token).filter(|t| !matches!(t, Token::LBrace | Token::RBrace)).collect();
        let strings: Vec<String> = inner
            .iter()
            .filter_map(|t| match t {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        match inner.first() {
            Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("ref") && !strings.is_empty() => {
                // ref('package', 'model') names the model last.
                let model = strings.last().cloned().unwrap_or_default();
                Ok(match self.ref_schema {
                    Some(s) if !s.is_empty() => format!("{}.{}", ident_sql(s), ident_sql(&model)),
                    _ => ident_sql(&model),
                })
            }
            Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("source") && strings.len() == 2 => {
                Ok(format!("{}.{}", ident_sql(&strings[0]), ident_sql(&strings[1])))
            }
            _ => Err(bad()),
        }
    }

    /// The semantic model where an entity is primary or unique.
    fn entity_home(&self, entity: &str) -> Option<(&Located<'_, SemanticModel>, &Entity)> {
        self.models.iter().find_map(|l| {
            l.item
                .entities
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(entity) && matches!(e.kind.to_lowercase().as_str(), "primary" | "unique"))
                .map(|e| (l, e))
        })
    }

    fn relationships(&mut self) -> Result<()> {
        for l in self.models {
            for (i, e) in l.item.entities.iter().enumerate() {
                if !e.kind.eq_ignore_ascii_case("foreign") {
                    continue;
                }
                let key = format!("{}.entities[{i}] ({})", l.key, e.name);
                let Some((home, target)) = self.entity_home(&e.name) else {
                    self.skipped
                        .push(format!("{}: {key}: foreign entity that no semantic model has as its primary or unique entity", l.file.path));
                    continue;
                };
                let from = column(l, &key, e.expr.as_deref().unwrap_or(&e.name))?;
                let to = column(home, &key, target.expr.as_deref().unwrap_or(&target.name))?;
                self.def.relationships.push(RelationshipDef {
                    name: Some(format!("{}_{}", l.item.name, e.name)),
                    from: l.item.name.clone(),
                    from_columns: vec![from],
                    to: home.item.name.clone(),
                    to_columns: vec![to],
                    asof: None,
                    between: None,
                });
            }
        }
        Ok(())
    }

    fn measure(&self, name: &str) -> Option<(&Located<'_, SemanticModel>, &Measure)> {
        self.models.iter().find_map(|l| l.item.measures.iter().find(|m| m.name.eq_ignore_ascii_case(name)).map(|m| (l, m)))
    }

    fn metrics(&mut self, metrics: &[Located<Metric>]) -> Result<()> {
        // Measures with create_metric are simple metrics of the same name.
        let mut simple: Vec<SimpleMetric> = Vec::new();
        for l in self.models {
            for m in l.item.measures.iter().filter(|m| m.create_metric) {
                simple.push(SimpleMetric {
                    name: m.name.clone(),
                    description: m.description.clone(),
                    measure: m.name.clone(),
                    filter: None,
                    at: format!("{}: {}", l.file.path, l.key),
                });
            }
        }
        let mut imported: Vec<String> = Vec::new();
        let mut not_imported: Vec<(String, String)> = Vec::new();
        let mut derived: Vec<&Located<Metric>> = Vec::new();
        for l in metrics {
            let m = &l.item;
            let why = |what: &str| format!("{what} metrics are not supported");
            match m.kind.to_lowercase().as_str() {
                "simple" => {
                    let Some(input) = &m.type_params.measure else {
                        return Err(entry_error(l.file, &l.key, "a simple metric needs type_params.measure"));
                    };
                    if let Some(d) = input.detail() {
                        if d.join_to_timespine.is_some() || d.fill_nulls_with.is_some() {
                            not_imported.push((m.name.clone(), "join_to_timespine / fill_nulls_with (no time spine here)".into()));
                            continue;
                        }
                    }
                    let filter = input.detail().and_then(|d| d.filter.as_ref()).or(m.filter.as_ref());
                    if input.detail().is_some_and(|d| d.filter.is_some()) && m.filter.is_some() {
                        not_imported.push((m.name.clone(), "filters on both the metric and its measure".into()));
                        continue;
                    }
                    simple.push(SimpleMetric {
                        name: m.name.clone(),
                        description: m.description.clone(),
                        measure: input.name().to_string(),
                        filter,
                        at: format!("{}: {}", l.file.path, l.key),
                    });
                }
                "ratio" | "derived" => derived.push(l),
                "cumulative" => not_imported.push((m.name.clone(), why("cumulative"))),
                "conversion" => not_imported.push((m.name.clone(), why("conversion"))),
                other => {
                    return Err(entry_error(
                        l.file,
                        &l.key,
                        format!("unknown metric type '{other}' (simple, ratio, derived, cumulative or conversion)"),
                    ))
                }
            }
        }
        for SimpleMetric { name, description, measure, filter, at } in simple {
            match self.simple_metric(&name, description, &measure, filter) {
                Ok(Some(member)) => {
                    imported.push(name.to_lowercase());
                    self.def.metrics.push(member);
                }
                Ok(None) => {}
                Err(e) if e.kind == crate::error::ErrorKind::Internal => return Err(e),
                Err(e) => return Err(Error::invalid(format!("{at}: {}", e.message))),
            }
        }
        // Ratio and derived metrics, once every metric they read is imported.
        let mut pending = derived;
        loop {
            let before = pending.len();
            let mut later = Vec::new();
            for l in pending {
                let inputs = inputs(&l.item);
                if let Some(missing) = inputs.iter().find(|i| not_imported.iter().any(|(n, _)| n.eq_ignore_ascii_case(i.name()))) {
                    not_imported.push((l.item.name.clone(), format!("it reads metric {}, which is not imported", missing.name())));
                    continue;
                }
                if inputs.iter().all(|i| imported.contains(&i.name().to_lowercase())) {
                    match self.derived_metric(&l.item) {
                        Ok(member) => {
                            imported.push(l.item.name.to_lowercase());
                            self.def.metrics.push(member);
                        }
                        Err(reason) => not_imported.push((l.item.name.clone(), reason)),
                    }
                } else {
                    later.push(l);
                }
            }
            if later.is_empty() || later.len() == before {
                // No progress: the first metric left names one that is nowhere defined.
                if let Some(l) = later.first() {
                    let unknown: Vec<&str> =
                        inputs(&l.item).iter().map(|i| i.name()).filter(|n| !imported.contains(&n.to_lowercase())).collect();
                    return Err(entry_error(l.file, &l.key, format!("unknown metric {}", unknown.join(", "))));
                }
                break;
            }
            pending = later;
        }
        for (name, reason) in not_imported {
            self.skipped.push(format!("metric {name}: {reason}"));
        }
        Ok(())
    }

    /// A measure's aggregation as a metric of its table, with a filter as `FILTER (WHERE ...)`.
    fn simple_metric(
        &mut self,
        name: &str,
        description: Option<String>,
        measure: &str,
        filter: Option<&Filter>,
    ) -> Result<Option<MemberDef>> {
        let Some((l, m)) = self.measure(measure) else {
            return Err(Error::invalid(format!("metric {name}: unknown measure '{measure}'")));
        };
        let table = l.item.name.clone();
        let expr = match &m.expr {
            None => ident_sql(&m.name),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(_) => return Err(Error::invalid(format!("measure {measure}: expr must be SQL text"))),
        };
        let call = match m.agg.to_lowercase().as_str() {
            "sum" => format!("SUM({expr})"),
            "max" => format!("MAX({expr})"),
            "min" => format!("MIN({expr})"),
            "average" | "avg" => format!("AVG({expr})"),
            "count" => format!("COUNT({expr})"),
            "count_distinct" => format!("COUNT(DISTINCT {expr})"),
            "sum_boolean" => format!("SUM(CAST({expr} AS INTEGER))"),
            "median" => format!("MEDIAN({expr})"),
            "percentile" => {
                let p = m.agg_params.as_ref();
                let Some(q) = p.and_then(|p| p.percentile) else {
                    return Err(Error::invalid(format!("measure {measure}: agg percentile needs agg_params.percentile")));
                };
                let f = match p {
                    Some(p) if p.use_approximate_percentile => "APPROX_QUANTILE",
                    Some(p) if p.use_discrete_percentile => "QUANTILE_DISC",
                    _ => "QUANTILE_CONT",
                };
                format!("{f}({expr}, {q})")
            }
            other => return Err(Error::invalid(format!("measure {measure}: unknown agg '{other}'"))),
        };
        let call = match filter {
            Some(f) => {
                let conditions: Vec<String> =
                    f.conditions().iter().map(|c| self.condition(&table, c).map(|s| format!("({s})"))).collect::<Result<_>>()?;
                format!("{call} FILTER (WHERE {})", conditions.join(" AND "))
            }
            None => call,
        };
        let mut metric = member(Some(&table), name, call, description);
        if let Some(na) = &m.non_additive_dimension {
            if !na.window_groupings.is_empty() {
                self.skipped.push(format!("metric {name}: non_additive_dimension with window_groupings (not imported)"));
                return Ok(None);
            }
            let descending = match na.window_choice.as_deref().map(str::to_lowercase).as_deref() {
                None | Some("max") => false,
                Some("min") => true,
                Some(other) => return Err(Error::invalid(format!("measure {measure}: window_choice '{other}' (min or max)"))),
            };
            metric.non_additive_by.push(NonAdditiveDim { dimension: format!("{table}.{}", na.name), descending, nulls_first: None });
        }
        Ok(Some(metric))
    }

    /// A MetricFlow filter with its `{{ Dimension('entity__name') }}` and
    /// `{{ TimeDimension('entity__name', 'grain') }}` templates written as member references.
    fn condition(&self, table: &str, text: &str) -> Result<String> {
        let toks = tokenize(text)?;
        let mut out = String::new();
        let mut i = 0;
        while i < toks.len() {
            let is_open = matches!(toks[i].token, Token::LBrace) && toks.get(i + 1).is_some_and(|t| matches!(t.token, Token::LBrace));
            if !is_open {
                out.push_str(&toks[i].text);
                i += 1;
                continue;
            }
            let end = (i + 2..toks.len().saturating_sub(1))
                .find(|&j| matches!(toks[j].token, Token::RBrace) && matches!(toks[j + 1].token, Token::RBrace))
                .ok_or_else(|| Error::invalid(format!("filter {}: unclosed '{{{{'", quote_literal(text))))?;
            let inner: Vec<&Tok> = toks[i + 2..end].iter().filter(|t| !t.is_trivia()).collect();
            out.push_str(&self.template(table, text, &inner)?);
            i = end + 2;
        }
        Ok(out)
    }

    fn template(&self, table: &str, text: &str, inner: &[&Tok]) -> Result<String> {
        let unsupported = || {
            Error::invalid(format!(
                "filter {}: only {{{{ Dimension('entity__name') }}}} and {{{{ TimeDimension('entity__name', 'grain') }}}} are supported",
                quote_literal(text)
            ))
        };
        let (Some(Token::Word(kind)), Some(Token::LParen)) = (inner.first().map(|t| &t.token), inner.get(1).map(|t| &t.token)) else {
            return Err(unsupported());
        };
        let args: Vec<String> = inner[2..]
            .iter()
            .filter_map(|t| match &t.token {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        // A metric reads the dimension's expression (qualified by its table), not its name.
        let reference = |path: &str| -> Result<String> {
            let (entity, name) = match path.rsplit_once("__") {
                Some((e, n)) => (Some(e), n),
                None => (None, path),
            };
            let home = match entity {
                Some(e) => self.entity_home(e.rsplit("__").next().unwrap_or(e)).map(|(l, _)| &l.item),
                None => self.models.iter().map(|l| &l.item).find(|m| m.name.eq_ignore_ascii_case(table)),
            };
            let home = home.ok_or_else(|| {
                Error::invalid(format!("filter {}: no semantic model has entity '{}'", quote_literal(text), entity.unwrap_or_default()))
            })?;
            let dimension = home.dimensions.iter().find(|d| d.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
                Error::invalid(format!("filter {}: semantic model {} has no dimension '{name}'", quote_literal(text), home.name))
            })?;
            let expr = dimension.expr.clone().unwrap_or_else(|| ident_sql(&dimension.name));
            Ok(format!("({})", qualify(&expr, &home.name)?))
        };
        match (kind.value.to_lowercase().as_str(), args.as_slice()) {
            ("dimension", [path]) => reference(path),
            ("timedimension", [path]) => reference(path),
            ("timedimension", [path, grain]) => Ok(format!("date_trunc({}, {})", quote_literal(grain), reference(path)?)),
            _ => Err(unsupported()),
        }
    }

    /// A ratio (`numerator / denominator`) or derived metric, or why it cannot be imported.
    fn derived_metric(&self, m: &Metric) -> std::result::Result<MemberDef, String> {
        if m.filter.is_some() {
            return Err("a filter on a ratio or derived metric is not supported".into());
        }
        for i in inputs(m) {
            if let Some(d) = i.detail() {
                if d.filter.is_some() {
                    return Err(format!("a filter on its input {} is not supported", d.name));
                }
                if d.offset_window.is_some() || d.offset_to_grain.is_some() {
                    return Err(format!(
                        "offset_window / offset_to_grain on its input {} (period-over-period offsets are not supported)",
                        d.name
                    ));
                }
            }
        }
        let p = &m.type_params;
        let expr = if m.kind.eq_ignore_ascii_case("ratio") {
            let (Some(n), Some(d)) = (&p.numerator, &p.denominator) else {
                return Err("a ratio metric needs type_params.numerator and denominator".into());
            };
            format!("{} / {}", ident_sql(n.name()), ident_sql(d.name()))
        } else {
            let Some(expr) = &p.expr else {
                return Err("a derived metric needs type_params.expr".into());
            };
            // Aliases name inputs in the expression: write the metric names instead.
            let refs = analyze(expr, &|_| None).map_err(|e| e.message)?.references;
            let mut out = String::new();
            let mut at = 0;
            for r in refs.iter().filter(|r| r.parts.len() == 1) {
                let alias = &r.parts[0].value;
                if let Some(input) =
                    p.metrics.iter().find(|i| i.detail().and_then(|d| d.alias.as_deref()).is_some_and(|a| a.eq_ignore_ascii_case(alias)))
                {
                    out.push_str(&expr[at..r.start]);
                    out.push_str(&ident_sql(input.name()));
                    at = r.end;
                }
            }
            out.push_str(&expr[at..]);
            out
        };
        Ok(member(None, &m.name, expr, m.description.clone()))
    }
}

/// `expr` with its unqualified names qualified by `table`.
fn qualify(expr: &str, table: &str) -> Result<String> {
    let mut out = String::new();
    let mut at = 0;
    for r in analyze(expr, &|_| None)?.references.iter().filter(|r| r.parts.len() == 1) {
        out.push_str(&expr[at..r.start]);
        out.push_str(&format!("{}.{}", ident_sql(table), &expr[r.start..r.end]));
        at = r.end;
    }
    out.push_str(&expr[at..]);
    Ok(out)
}

fn inputs(m: &Metric) -> Vec<&Input> {
    let p = &m.type_params;
    p.numerator.iter().chain(p.denominator.iter()).chain(p.metrics.iter()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: &str = r#"
version: 2
models:
  - name: orders
    description: one row per order
semantic_models:
  - name: orders
    model: ref('orders')
    defaults:
      agg_time_dimension: ordered_at
    entities:
      - name: order_id
        type: primary
      - name: customer
        type: foreign
        expr: customer_id
    dimensions:
      - name: ordered_at
        type: time
        type_params:
          time_granularity: day
      - name: is_large
        type: categorical
        expr: order_total > 100
    measures:
      - name: order_total
        agg: sum
      - name: order_count
        agg: count
        expr: 1
        create_metric: true
      - name: customers_with_orders
        agg: count_distinct
        expr: customer_id
  - name: customers
    model: "{{ ref('customers') }}"
    entities:
      - name: customer
        type: primary
        expr: customer_id
    dimensions:
      - name: segment
        type: categorical
metrics:
  - name: revenue
    type: simple
    type_params:
      measure: order_total
  - name: large_order_revenue
    type: simple
    type_params:
      measure: order_total
    filter: "{{ Dimension('order_id__is_large') }} = true"
  - name: revenue_per_customer
    type: ratio
    type_params:
      numerator: revenue
      denominator: active_customers
  - name: active_customers
    type: simple
    type_params:
      measure: customers_with_orders
  - name: large_share
    type: derived
    type_params:
      expr: large / total
      metrics:
        - name: large_order_revenue
          alias: large
        - name: revenue
          alias: total
  - name: cumulative_revenue
    type: cumulative
    type_params:
      measure: order_total
  - name: growth
    type: derived
    type_params:
      expr: cumulative_revenue * 2
      metrics:
        - cumulative_revenue
"#;

    #[test]
    fn imports_a_dbt_project_as_one_view() {
        let file = SourceFile { path: "models/shop/orders.yml".into(), text: ORDERS.into() };
        let v = import(&[&file], "shop", Some("analytics")).unwrap().unwrap();
        let d = &v.definition;
        assert_eq!(d.tables[0].table, "analytics.orders");
        assert_eq!(d.tables[0].primary_key, vec!["order_id"]);
        assert_eq!(d.tables[1].primary_key, vec!["customer_id"]);
        assert_eq!(d.relationships[0].from_columns, vec!["customer_id"]);
        assert_eq!(d.relationships[0].to, "customers");
        let metrics: Vec<(Option<&str>, &str, &str)> =
            d.metrics.iter().map(|m| (m.table.as_deref(), m.name.as_str(), m.expr.as_str())).collect();
        assert_eq!(
            metrics,
            vec![
                (Some("orders"), "order_count", "COUNT(1)"),
                (Some("orders"), "revenue", "SUM(order_total)"),
                (Some("orders"), "large_order_revenue", "SUM(order_total) FILTER (WHERE ((orders.order_total > 100) = true))"),
                (Some("orders"), "active_customers", "COUNT(DISTINCT customer_id)"),
                (None, "revenue_per_customer", "revenue / active_customers"),
                (None, "large_share", "large_order_revenue / revenue"),
            ]
        );
        assert!(v.skipped.iter().any(|s| s == "metric cumulative_revenue: cumulative metrics are not supported"), "{:?}", v.skipped);
        assert!(v.skipped.iter().any(|s| s.contains("metric growth: it reads metric cumulative_revenue")), "{:?}", v.skipped);
    }

    #[test]
    fn non_additive_dimensions_become_non_additive_by() {
        let text = r#"
semantic_models:
  - name: balances
    model: ref('balances')
    entities: [{name: account, type: primary, expr: account_id}]
    dimensions: [{name: as_of, type: time, type_params: {time_granularity: day}}]
    measures:
      - {name: balance, agg: sum, non_additive_dimension: {name: as_of, window_choice: max}}
      - {name: opening, agg: sum, expr: balance, non_additive_dimension: {name: as_of, window_choice: min}}
      - {name: per_user, agg: sum, expr: balance, non_additive_dimension: {name: as_of, window_groupings: [account]}}
metrics:
  - {name: balance, type: simple, type_params: {measure: balance}}
  - {name: opening_balance, type: simple, type_params: {measure: opening}}
  - {name: per_user_balance, type: simple, type_params: {measure: per_user}}
"#;
        let file = SourceFile { path: "b.yml".into(), text: text.into() };
        let v = import(&[&file], "bank", None).unwrap().unwrap();
        let m = &v.definition.metrics;
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].non_additive_by, vec![NonAdditiveDim { dimension: "balances.as_of".into(), descending: false, nulls_first: None }]);
        assert!(m[1].non_additive_by[0].descending);
        assert!(v.skipped.iter().any(|s| s.contains("per_user_balance") && s.contains("window_groupings")), "{:?}", v.skipped);
    }

    #[test]
    fn errors_name_file_and_entry() {
        let file = SourceFile { path: "m.yml".into(), text: ORDERS.replace("agg: count_distinct", "agg: mode") };
        let e = import(&[&file], "shop", None).unwrap_err();
        assert!(
            e.message.contains("m.yml: metrics[3] (active_customers): measure customers_with_orders: unknown agg 'mode'"),
            "{}",
            e.message
        );
        let file = SourceFile { path: "m.yml".into(), text: ORDERS.replace("type: foreign", "type: sideways") };
        let e = import(&[&file], "shop", None).unwrap_err();
        assert!(e.message.contains("semantic_models[0] (orders).entities[1] (customer): unknown entity type 'sideways'"), "{}", e.message);
    }
}
