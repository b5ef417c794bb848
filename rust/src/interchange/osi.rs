//! Open Semantic Interchange (OSI) core spec 1.0: `semantic_model[]` of datasets (tables),
//! fields (facts, or dimensions when they carry `dimension`), relationships and metrics.
//!
//! A metric is one expression over the whole model. An aggregate reads one dataset's rows, so a
//! metric whose aggregates all read one dataset becomes a metric of that table; one that
//! combines aggregates of several datasets becomes private per-dataset metrics and a derived
//! metric combining them (each computed at its own grain, so nothing fans out).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_norway::Value;

use super::split::{self, Aggregate};
use super::{entry_error, parse_yaml, to_yaml, Format, Imported, SourceFile};
use crate::error::{Error, Result};
use crate::model::{Clause, Definition, MemberDef, RelationshipDef, TableDef};
use crate::sql::quote_literal;
use crate::sql::scope::analyze;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    semantic_model: Vec<Model>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Model {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ai_context: Option<Value>,
    datasets: Vec<Dataset>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relationships: Vec<Relationship>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_extensions: Vec<Extension>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Dataset {
    name: String,
    source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unique_keys: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_extensions: Vec<Extension>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Field {
    name: String,
    expression: Expression,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dimension: Option<DimensionInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_extensions: Vec<Extension>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct DimensionInfo {
    #[serde(default)]
    is_time: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Expression {
    dialects: Vec<DialectExpression>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct DialectExpression {
    #[serde(default = "ansi")]
    dialect: String,
    expression: String,
}

fn ansi() -> String {
    "ANSI_SQL".to_string()
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Relationship {
    name: String,
    from: String,
    to: String,
    from_columns: Vec<String>,
    to_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_extensions: Vec<Extension>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Metric {
    name: String,
    expression: Expression,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    custom_extensions: Vec<Extension>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Extension {
    vendor_name: String,
    data: String,
}

const VENDORS: &[&str] = &["COMMON", "SNOWFLAKE", "SALESFORCE", "DBT", "DATABRICKS"];

/// Reads every semantic model of an OSI file.
pub fn import(file: &SourceFile) -> Result<Vec<Imported>> {
    let parsed: File = parse_yaml(file, &file.text)?;
    parsed.semantic_model.into_iter().enumerate().map(|(i, m)| import_model(file, i, m)).collect()
}

/// What an `ai_context` holds: instructions, synonyms, and anything else (reported).
#[derive(Default)]
struct AiContext {
    instructions: Option<String>,
    synonyms: Vec<String>,
    other: Vec<String>,
}

fn ai_context(file: &SourceFile, key: &str, value: &Option<Value>) -> Result<AiContext> {
    let mut out = AiContext::default();
    match value {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.instructions = Some(s.clone()),
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                let k = k.as_str().unwrap_or_default();
                match (k, v) {
                    ("instructions", Value::String(s)) => out.instructions = Some(s.clone()),
                    ("synonyms", Value::Sequence(items)) => {
                        for item in items {
                            match item.as_str() {
                                Some(s) => out.synonyms.push(s.to_string()),
                                None => return Err(entry_error(file, &format!("{key}.ai_context.synonyms"), "synonyms must be strings")),
                            }
                        }
                    }
                    _ => out.other.push(k.to_string()),
                }
            }
        }
        Some(_) => return Err(entry_error(file, &format!("{key}.ai_context"), "expected a string or a mapping")),
    }
    Ok(out)
}

fn extensions(file: &SourceFile, key: &str, list: &[Extension], skipped: &mut Vec<String>) -> Result<()> {
    for e in list {
        if !VENDORS.contains(&e.vendor_name.as_str()) {
            return Err(entry_error(
                file,
                &format!("{key}.custom_extensions"),
                format!("unknown vendor_name '{}' (expected one of {})", e.vendor_name, VENDORS.join(", ")),
            ));
        }
        skipped.push(format!("{key}: custom_extensions of vendor {} (vendor data has no meaning here)", e.vendor_name));
    }
    Ok(())
}

/// The expression to use: ANSI SQL, else Snowflake's (DuckDB reads most of it); never MDX or
/// Tableau formulas.
fn sql_expression(file: &SourceFile, key: &str, e: &Expression) -> Result<String> {
    let pick = |d: &str| e.dialects.iter().find(|x| x.dialect.eq_ignore_ascii_case(d));
    pick("ANSI_SQL").or_else(|| pick("SNOWFLAKE")).or_else(|| pick("DATABRICKS")).map(|x| x.expression.clone()).ok_or_else(|| {
        let have: Vec<&str> = e.dialects.iter().map(|x| x.dialect.as_str()).collect();
        entry_error(file, key, format!("no ANSI_SQL expression (dialects given: {})", have.join(", ")))
    })
}

fn import_model(file: &SourceFile, index: usize, m: Model) -> Result<Imported> {
    let key = format!("semantic_model[{index}] ({})", m.name);
    let mut skipped = Vec::new();
    let mut def = Definition { comment: m.description.clone(), ..Default::default() };
    let context = ai_context(file, &key, &m.ai_context)?;
    if let Some(text) = context.instructions {
        def.clauses.push(Clause { keyword: "AI_SQL_GENERATION".into(), text: quote_literal(&text) });
    }
    if !context.synonyms.is_empty() {
        skipped.push(format!("{key}: ai_context.synonyms (a semantic view has no synonyms)"));
    }
    for k in context.other {
        skipped.push(format!("{key}: ai_context.{k}"));
    }
    extensions(file, &key, &m.custom_extensions, &mut skipped)?;
    for (i, d) in m.datasets.iter().enumerate() {
        let dkey = format!("{key}.datasets[{i}] ({})", d.name);
        if crate::sql::parse_qualified_name(&d.source).is_err() {
            return Err(entry_error(
                file,
                &dkey,
                format!(
                    "source {} is not a table name (database.schema.table); queries as sources are not supported, create a view for it",
                    quote_literal(&d.source)
                ),
            ));
        }
        let context = ai_context(file, &dkey, &d.ai_context)?;
        if context.instructions.is_some() {
            skipped.push(format!("{dkey}: ai_context instructions (a table has only a comment and synonyms)"));
        }
        extensions(file, &dkey, &d.custom_extensions, &mut skipped)?;
        def.tables.push(TableDef {
            alias: d.name.clone(),
            table: d.source.clone(),
            primary_key: d.primary_key.clone(),
            unique: d.unique_keys.iter().filter(|u| **u != d.primary_key).cloned().collect(),
            distinct_range: None,
            comment: d.description.clone(),
            synonyms: context.synonyms,
        });
        for (j, f) in d.fields.iter().enumerate() {
            let fkey = format!("{dkey}.fields[{j}] ({})", f.name);
            let context = ai_context(file, &fkey, &f.ai_context)?;
            if context.instructions.is_some() {
                skipped.push(format!("{fkey}: ai_context instructions"));
            }
            if let Some(label) = &f.label {
                skipped.push(format!("{fkey}: label '{label}'"));
            }
            extensions(file, &fkey, &f.custom_extensions, &mut skipped)?;
            let member = MemberDef {
                table: Some(d.name.clone()),
                name: f.name.clone(),
                expr: sql_expression(file, &fkey, &f.expression)?,
                comment: f.description.clone(),
                synonyms: context.synonyms,
                ..member()
            };
            if f.dimension.is_some() {
                def.dimensions.push(member);
            } else {
                def.facts.push(member);
            }
        }
    }
    for (i, r) in m.relationships.iter().enumerate() {
        let rkey = format!("{key}.relationships[{i}] ({})", r.name);
        let context = ai_context(file, &rkey, &r.ai_context)?;
        if !context.synonyms.is_empty() || context.instructions.is_some() {
            skipped.push(format!("{rkey}: ai_context (a relationship has no synonyms)"));
        }
        extensions(file, &rkey, &r.custom_extensions, &mut skipped)?;
        def.relationships.push(RelationshipDef {
            name: Some(r.name.clone()),
            from: r.from.clone(),
            from_columns: r.from_columns.clone(),
            to: r.to.clone(),
            to_columns: r.to_columns.clone(),
            asof: None,
            between: None,
        });
    }
    for (i, metric) in m.metrics.iter().enumerate() {
        let mkey = format!("{key}.metrics[{i}] ({})", metric.name);
        let context = ai_context(file, &mkey, &metric.ai_context)?;
        if context.instructions.is_some() {
            skipped.push(format!("{mkey}: ai_context instructions"));
        }
        extensions(file, &mkey, &metric.custom_extensions, &mut skipped)?;
        let expr = sql_expression(file, &mkey, &metric.expression)?;
        let split = split_metric(&def, &metric.name, &expr).map_err(|e| entry_error(file, &mkey, e.message))?;
        let last = split.len() - 1;
        for (j, mut part) in split.into_iter().enumerate() {
            if j == last {
                part.comment = metric.description.clone();
                part.synonyms = context.synonyms.clone();
            }
            def.metrics.push(part);
        }
    }
    Ok(Imported { name: m.name, format: Format::Osi, files: vec![file.path.clone()], definition: def, skipped })
}

fn member() -> MemberDef {
    MemberDef {
        table: None,
        name: String::new(),
        expr: String::new(),
        comment: None,
        synonyms: Vec::new(),
        private: false,
        using: Vec::new(),
        clauses: Vec::new(),
        non_additive_by: Vec::new(),
    }
}

/// The metrics an OSI metric becomes: one metric of a table when its aggregates all read one
/// dataset's rows; otherwise private per-dataset metrics `name__1`, ... and a derived metric
/// `name` combining them (last).
fn split_metric(def: &Definition, name: &str, expr: &str) -> Result<Vec<MemberDef>> {
    let aggregates = split::aggregates(expr)?;
    if aggregates.is_empty() {
        // Combines other metrics by name.
        return Ok(vec![MemberDef { name: name.into(), expr: expr.into(), ..member() }]);
    }
    let grains: Vec<String> = aggregates.iter().map(|a| grain(def, a)).collect::<Result<_>>()?;
    if grains.iter().all(|g| g.eq_ignore_ascii_case(&grains[0])) {
        return Ok(vec![MemberDef { table: Some(grains[0].clone()), name: name.into(), expr: expr.into(), ..member() }]);
    }
    let names: Vec<String> = (1..=aggregates.len()).map(|i| format!("{name}__{i}")).collect();
    let mut out: Vec<MemberDef> = aggregates
        .iter()
        .zip(&grains)
        .zip(&names)
        .map(|((a, g), n)| MemberDef { table: Some(g.clone()), name: n.clone(), expr: a.text.clone(), private: true, ..member() })
        .collect();
    out.push(MemberDef { name: name.into(), expr: split::replace(expr, &aggregates, &names), ..member() });
    Ok(out)
}

/// The dataset whose rows an aggregate reads: the one it names, or, when it names several,
/// the one from which all others are reached many-to-one.
fn grain(def: &Definition, a: &Aggregate) -> Result<String> {
    let only = || (def.tables.len() == 1).then(|| def.tables[0].alias.clone());
    if let Some(column) = a.unqualified.first() {
        return only().ok_or_else(|| {
            Error::invalid(format!("in {}, '{column}' is not qualified with its dataset (write dataset.{column})", a.text))
        });
    }
    for d in &a.datasets {
        if !def.tables.iter().any(|t| t.alias.eq_ignore_ascii_case(d)) {
            let names: Vec<&str> = def.tables.iter().map(|t| t.alias.as_str()).collect();
            return Err(Error::invalid(format!("in {}, '{d}' is not a dataset of the model (datasets: {})", a.text, names.join(", "))));
        }
    }
    match a.datasets.len() {
        0 => only().ok_or_else(|| Error::invalid(format!("{} names no dataset; name one (e.g. COUNT(dataset.key))", a.text))),
        1 => Ok(a.datasets[0].clone()),
        _ => a.datasets.iter().find(|d| a.datasets.iter().all(|o| reaches(def, d, o))).cloned().ok_or_else(|| {
            Error::invalid(format!("{} reads datasets {} that no relationship path joins many-to-one", a.text, a.datasets.join(", ")))
        }),
    }
}

/// Whether `to` is reached from `from` along relationships (each many-to-one).
fn reaches(def: &Definition, from: &str, to: &str) -> bool {
    let mut seen = vec![from.to_lowercase()];
    let mut at = 0;
    while at < seen.len() {
        let here = seen[at].clone();
        if here == to.to_lowercase() {
            return true;
        }
        for r in &def.relationships {
            if r.from.to_lowercase() == here && !seen.contains(&r.to.to_lowercase()) {
                seen.push(r.to.to_lowercase());
            }
        }
        at += 1;
    }
    false
}

/// Writes one semantic view as an OSI file. What OSI cannot express is listed in a comment at
/// the top rather than silently left out.
pub fn export(name: &str, def: &Definition, types: &BTreeMap<String, String>) -> Result<String> {
    let mut left_out: Vec<String> = Vec::new();
    let mut ai = None;
    for c in &def.clauses {
        if c.keyword == "AI_SQL_GENERATION" {
            let text = super::snowflake::unquote(&c.text)?;
            let mut map = serde_norway::Mapping::new();
            map.insert(Value::String("instructions".into()), Value::String(text));
            ai = Some(Value::Mapping(map));
        } else {
            left_out.push(format!("clause {}", c.keyword));
        }
    }
    let synonyms_context = |synonyms: &[String]| {
        (!synonyms.is_empty()).then(|| {
            let mut map = serde_norway::Mapping::new();
            map.insert(Value::String("synonyms".into()), Value::Sequence(synonyms.iter().cloned().map(Value::String).collect()));
            Value::Mapping(map)
        })
    };
    let expression = |e: &str| Expression { dialects: vec![DialectExpression { dialect: ansi(), expression: e.to_string() }] };
    let mut datasets = Vec::new();
    for t in &def.tables {
        if t.distinct_range.is_some() {
            left_out.push(format!("table {}: DISTINCT RANGE constraint", t.alias));
        }
        let mut fields = Vec::new();
        for (members, is_dimension) in [(&def.facts, false), (&def.dimensions, true)] {
            for m in members.iter().filter(|m| m.table.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&t.alias))) {
                if m.private {
                    left_out.push(format!("{}.{}: PRIVATE (exported as a public field)", t.alias, m.name));
                }
                let is_time = super::is_time_dimension(types, &t.alias, &m.name);
                fields.push(Field {
                    name: m.name.clone(),
                    expression: expression(&m.expr),
                    dimension: is_dimension.then_some(DimensionInfo { is_time }),
                    label: None,
                    description: m.comment.clone(),
                    ai_context: synonyms_context(&m.synonyms),
                    custom_extensions: Vec::new(),
                });
            }
        }
        datasets.push(Dataset {
            name: t.alias.clone(),
            source: t.table.clone(),
            primary_key: t.primary_key.clone(),
            unique_keys: t.unique.clone(),
            description: t.comment.clone(),
            ai_context: synonyms_context(&t.synonyms),
            fields,
            custom_extensions: Vec::new(),
        });
    }
    let mut relationships = Vec::new();
    for r in &def.relationships {
        let Some((label, to_columns)) = super::exported_relationship(def, r, &mut left_out) else { continue };
        relationships.push(Relationship {
            name: label,
            from: r.from.clone(),
            to: r.to.clone(),
            from_columns: r.from_columns.clone(),
            to_columns,
            ai_context: None,
            custom_extensions: Vec::new(),
        });
    }
    let mut metrics = Vec::new();
    for m in def.metrics.iter().filter(|m| !m.private) {
        let what = format!("metric {}", m.name);
        if !m.non_additive_by.is_empty() || !m.using.is_empty() || matches!(crate::window::WindowText::parse(&m.expr), Ok(Some(_))) {
            left_out.push(format!(
                "{what}: {} (OSI 1.0 cannot express it)",
                if !m.non_additive_by.is_empty() {
                    "NON ADDITIVE BY"
                } else if !m.using.is_empty() {
                    "USING"
                } else {
                    "window function"
                }
            ));
            continue;
        }
        match metric_expression(def, m, 0) {
            Ok(expr) => metrics.push(Metric {
                name: m.name.clone(),
                expression: expression(&expr),
                description: m.comment.clone(),
                ai_context: synonyms_context(&m.synonyms),
                custom_extensions: Vec::new(),
            }),
            Err(e) => left_out.push(format!("{what}: {}", e.message)),
        }
    }
    let file = File {
        semantic_model: vec![Model {
            name: name.to_string(),
            description: def.comment.clone(),
            ai_context: ai,
            datasets,
            relationships,
            metrics,
            custom_extensions: Vec::new(),
        }],
    };
    let mut out = String::from("# Open Semantic Interchange (OSI) 1.0, written by the semantic_views DuckDB extension\n");
    for l in &left_out {
        out.push_str(&format!("# not exported: {l}\n"));
    }
    out.push_str(&to_yaml(&file)?);
    Ok(out)
}

/// A metric as one model-level expression: a table's metric with its unqualified names
/// qualified by the table; a derived metric with the metrics it reads written in place.
fn metric_expression(def: &Definition, m: &MemberDef, depth: usize) -> Result<String> {
    if depth > 32 {
        return Err(Error::invalid("metrics refer to each other in a cycle"));
    }
    let refs = analyze(&m.expr, &|_| None)?.references;
    let mut out = String::new();
    let mut at = 0;
    for r in refs {
        let replacement = match (&m.table, r.parts.len()) {
            (Some(t), 1) => Some(format!("{}.{}", crate::ddl::ident_sql(t), &m.expr[r.start..r.end])),
            (None, _) => {
                let last = &r.parts[r.parts.len() - 1].value;
                let qualifier = (r.parts.len() == 2).then(|| r.parts[0].value.as_str());
                match def.metrics.iter().find(|x| {
                    x.name.eq_ignore_ascii_case(last)
                        && match qualifier {
                            Some(q) => x.table.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(q)),
                            None => true,
                        }
                }) {
                    Some(x) => {
                        let inner = metric_expression(def, x, depth + 1)?;
                        let single = split::aggregates(&inner).is_ok_and(|a| a.len() == 1 && a[0].start == 0 && a[0].end == inner.len());
                        Some(if single { inner } else { format!("({inner})") })
                    }
                    None => None,
                }
            }
            _ => None,
        };
        if let Some(text) = replacement {
            out.push_str(&m.expr[at..r.start]);
            out.push_str(&text);
            at = r.end;
        }
    }
    out.push_str(&m.expr[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
semantic_model:
  - name: retail
    description: Retail model
    ai_context:
      instructions: Use fiscal years
    datasets:
      - name: sales
        source: main.store_sales
        primary_key: [ticket, item]
        unique_keys:
          - [ticket, item]
        description: Line items
        ai_context:
          synonyms: [transactions]
        fields:
          - name: customer_id
            expression:
              dialects:
                - dialect: ANSI_SQL
                  expression: customer_id
          - name: amount
            expression:
              dialects:
                - expression: price * quantity
      - name: customer
        source: customers
        primary_key: [id]
        fields:
          - name: region
            expression:
              dialects:
                - dialect: ANSI_SQL
                  expression: upper(region)
            dimension:
              is_time: false
            description: Sales region
    relationships:
      - name: sales_customer
        from: sales
        to: customer
        from_columns: [customer_id]
        to_columns: [id]
    metrics:
      - name: revenue
        expression:
          dialects:
            - dialect: ANSI_SQL
              expression: SUM(sales.amount)
        ai_context:
          synonyms: [sales]
      - name: per_customer
        expression:
          dialects:
            - dialect: ANSI_SQL
              expression: SUM(sales.amount) / COUNT(DISTINCT customer.id)
"#;

    fn file(text: &str) -> SourceFile {
        SourceFile { path: "retail.yml".into(), text: text.into() }
    }

    #[test]
    fn imports_datasets_fields_relationships_and_splits_cross_dataset_metrics() {
        let views = import(&file(MODEL)).unwrap();
        let v = &views[0];
        assert_eq!(v.name, "retail");
        let d = &v.definition;
        assert_eq!(d.clauses[0].text, "'Use fiscal years'");
        assert_eq!(d.tables[0].unique, Vec::<Vec<String>>::new(), "the primary key repeated as a unique key is dropped");
        assert_eq!(d.tables[0].synonyms, vec!["transactions"]);
        assert_eq!(d.facts.len(), 2);
        assert_eq!(d.dimensions[0].name, "region");
        let metrics: Vec<(Option<&str>, &str, &str, bool)> =
            d.metrics.iter().map(|m| (m.table.as_deref(), m.name.as_str(), m.expr.as_str(), m.private)).collect();
        assert_eq!(
            metrics,
            vec![
                (Some("sales"), "revenue", "SUM(sales.amount)", false),
                (Some("sales"), "per_customer__1", "SUM(sales.amount)", true),
                (Some("customer"), "per_customer__2", "COUNT(DISTINCT customer.id)", true),
                (None, "per_customer", "per_customer__1 / per_customer__2", false),
            ]
        );
    }

    #[test]
    fn export_then_import_gives_the_same_definition() {
        let first = import(&file(MODEL)).unwrap().remove(0);
        let mut types = BTreeMap::new();
        types.insert("dimension customer.region".to_string(), "VARCHAR".to_string());
        let text = export("retail", &first.definition, &types).unwrap();
        let again = import(&file(&text)).unwrap().remove(0);
        assert_eq!(again.definition, first.definition, "{text}");
    }

    #[test]
    fn errors_name_the_entry() {
        let bad = MODEL.replace("SUM(sales.amount) / COUNT", "SUM(amount) / COUNT");
        let e = import(&file(&bad)).unwrap_err();
        assert!(e.message.contains("metrics[1] (per_customer)") && e.message.contains("'amount' is not qualified"), "{}", e.message);
        let e = import(&file(&MODEL.replace("source: customers", "source: SELECT 1"))).unwrap_err();
        assert!(e.message.contains("datasets[1] (customer)") && e.message.contains("not a table name"), "{}", e.message);
        let e = import(&file(&MODEL.replace("from_columns", "from_column"))).unwrap_err();
        assert!(e.message.contains("retail.yml: line") && e.message.contains("unknown field `from_column`"), "{}", e.message);
    }
}
