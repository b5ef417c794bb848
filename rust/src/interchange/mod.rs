//! Semantic models in and out: the Open Semantic Interchange (OSI 1.0), Snowflake's semantic
//! view YAML and dbt MetricFlow YAML, read into `Definition`s (which then go through the same
//! validation as CREATE SEMANTIC VIEW) and written back out. YAML is read by serde_norway with
//! unknown keys refused; every error names the file, the line and the key path.

pub mod dbt;
pub mod osi;
pub mod snowflake;
mod split;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Definition;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Osi,
    Snowflake,
    Dbt,
}

impl Format {
    pub fn parse(name: &str) -> Result<Option<Format>> {
        match name.trim().to_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "osi" => Ok(Some(Format::Osi)),
            "snowflake" => Ok(Some(Format::Snowflake)),
            "dbt" | "metricflow" => Ok(Some(Format::Dbt)),
            other => Err(Error::invalid(format!(
                "unknown semantic model format '{other}': expected 'osi', 'snowflake' or 'dbt' (or '' to detect it per file)"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Osi => "osi",
            Format::Snowflake => "snowflake",
            Format::Dbt => "dbt",
        }
    }
}

/// One file to read: where it came from (for messages) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A semantic view read from one or more files, not yet validated against the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub name: String,
    pub format: Format,
    pub files: Vec<String>,
    pub definition: Definition,
    /// What the files hold that was not imported, and why (never dropped silently).
    pub skipped: Vec<String>,
}

/// What the caller chose for an import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub format: Option<Format>,
    /// The name of the one view the dbt files of an import become (default: their folder).
    pub dbt_view_name: Option<String>,
    /// The schema `ref('model')` resolves in (default: the view's own schema).
    pub ref_schema: Option<String>,
}

/// Reads every semantic model of `files`. OSI and Snowflake files give one view per model;
/// all dbt files together give one view.
pub fn import(files: &[SourceFile], options: &Options) -> Result<Vec<Imported>> {
    // Globs list files in no fixed order: read them in path order.
    let mut files: Vec<&SourceFile> = files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out: Vec<Imported> = Vec::new();
    let mut dbt_files = Vec::new();
    for file in files {
        let format = match options.format {
            Some(f) => f,
            None => detect(file)?,
        };
        match format {
            Format::Osi => out.extend(osi::import(file)?),
            Format::Snowflake => out.push(snowflake::import(file)?),
            Format::Dbt => dbt_files.push(file),
        }
    }
    if !dbt_files.is_empty() {
        let name = match &options.dbt_view_name {
            Some(n) if !n.trim().is_empty() => n.clone(),
            _ => default_dbt_name(&dbt_files)?,
        };
        if let Some(view) = dbt::import(&dbt_files, &name, options.ref_schema.as_deref())? {
            out.push(view);
        }
    }
    check_unique_names(&out)?;
    Ok(out)
}

/// Reads one view from YAML text (format detected), for `define_semantic_view_from_yaml`.
pub fn import_text(text: &str, name: &str) -> Result<Imported> {
    let file = SourceFile { path: "<yaml>".to_string(), text: text.to_string() };
    let options = Options { dbt_view_name: Some(name.to_string()), ..Default::default() };
    let mut views = import(&[file], &options)?;
    match views.len() {
        1 => {
            let mut view = views.remove(0);
            view.name = name.to_string();
            Ok(view)
        }
        0 => Err(Error::invalid("the YAML text holds no semantic model")),
        n => Err(Error::invalid(format!(
            "the YAML text holds {n} semantic models; define_semantic_view_from_yaml takes one (use import_semantic_models for several)"
        ))),
    }
}

/// Writes a stored definition in `format`. `types` are the member types bound at define time
/// (OSI marks DATE/TIMESTAMP dimensions as time dimensions with them).
pub fn export(name: &str, definition: &Definition, types: &std::collections::BTreeMap<String, String>, format: Format) -> Result<String> {
    match format {
        Format::Osi => osi::export(name, definition, types),
        Format::Snowflake => snowflake::export(name, definition, types),
        Format::Dbt => Err(Error::invalid("exporting to dbt MetricFlow is not supported; export to 'osi' or 'snowflake'")),
    }
}

/// Whether a dimension was bound as a DATE, TIMESTAMP or TIME (a time dimension in both
/// formats).
pub(crate) fn is_time_dimension(types: &std::collections::BTreeMap<String, String>, alias: &str, name: &str) -> bool {
    types.get(&format!("dimension {alias}.{name}")).is_some_and(|ty| ty.starts_with("DATE") || ty.starts_with("TIMESTAMP") || ty == "TIME")
}

/// A relationship as both formats write it: a name (they require one) and explicit referenced
/// columns; None, with the reason in `left_out`, for ASOF and range matches neither expresses.
pub(crate) fn exported_relationship(
    def: &Definition,
    r: &crate::model::RelationshipDef,
    left_out: &mut Vec<String>,
) -> Option<(String, Vec<String>)> {
    let label = r.name.clone().unwrap_or_else(|| format!("{}_to_{}", r.from, r.to));
    if r.asof.is_some() || r.between.is_some() {
        left_out.push(format!("relationship {label}: {} match", if r.asof.is_some() { "ASOF" } else { "range (BETWEEN)" }));
        return None;
    }
    let to_columns = if r.to_columns.is_empty() {
        def.tables.iter().find(|t| t.alias.eq_ignore_ascii_case(&r.to)).map(|t| t.primary_key.clone()).unwrap_or_default()
    } else {
        r.to_columns.clone()
    };
    Some((label, to_columns))
}

fn detect(file: &SourceFile) -> Result<Format> {
    let value: serde_norway::Value = parse_yaml(file, &file.text)?;
    let keys: Vec<String> = match &value {
        serde_norway::Value::Mapping(m) => m.keys().filter_map(|k| k.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("semantic_model") {
        Ok(Format::Osi)
    } else if has("semantic_models") || (has("metrics") && !has("tables")) || has("version") || has("models") {
        Ok(Format::Dbt)
    } else if has("tables") {
        Ok(Format::Snowflake)
    } else {
        Err(Error::invalid(format!(
            "{}: line 1: cannot tell the format: expected a top-level 'semantic_model' (OSI), 'tables' (Snowflake) or 'semantic_models' (dbt) key; pass the format as the second argument",
            file.path
        )))
    }
}

/// The folder holding the dbt files (the last folder name shared by all of them).
fn default_dbt_name(files: &[&SourceFile]) -> Result<String> {
    let folders: Vec<Vec<&str>> = files
        .iter()
        .map(|f| {
            let mut parts: Vec<&str> = f.path.split(['/', '\\']).collect();
            parts.pop();
            parts
        })
        .collect();
    let mut common = folders[0].clone();
    for f in &folders[1..] {
        let n = common.iter().zip(f).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    common.iter().rev().find(|p| !p.is_empty() && **p != ".").map(|p| p.to_string()).ok_or_else(|| {
        Error::invalid("cannot name the view the dbt files become (they share no folder): pass its name as the third argument")
    })
}

fn check_unique_names(views: &[Imported]) -> Result<()> {
    for (i, v) in views.iter().enumerate() {
        if let Some(other) = views[..i].iter().find(|o| o.name.eq_ignore_ascii_case(&v.name)) {
            return Err(Error::invalid(format!(
                "semantic model '{}' is defined twice: in {} and in {}",
                v.name,
                other.files.join(", "),
                v.files.join(", ")
            )));
        }
    }
    Ok(())
}

/// Deserializes YAML text, naming the file, line and key path of any error.
pub(crate) fn parse_yaml<T: DeserializeOwned>(file: &SourceFile, text: &str) -> Result<T> {
    serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map(|l| format!("line {}: ", l.line())).unwrap_or_default();
        // serde_norway leads with the key path and appends " at line L column C"; we lead
        // with the file and line.
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Error::parser(format!("{}: {line}{message}", file.path))
    })
}

pub(crate) fn to_yaml<T: Serialize>(value: &T) -> Result<String> {
    serde_norway::to_string(value).map_err(|e| Error::internal(format!("cannot write YAML: {e}")))
}

/// An error about one entry of a file: `file: key: message`.
pub(crate) fn entry_error(file: &SourceFile, key: &str, message: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{}: {key}: {message}", file.path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Clause, MemberDef, RelationshipDef, TableDef};
    use proptest::prelude::*;

    /// Members in a fixed order: formats group them by table.
    fn normalized(mut d: Definition) -> Definition {
        for list in [&mut d.facts, &mut d.dimensions, &mut d.metrics] {
            list.sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
        }
        d
    }

    fn text() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["plain", "it's", "\"quoted\"", "ünïcode", "a: b", "- dash", "#hash", "multi\nline", " padded "])
            .prop_map(|s: &str| s.to_string())
    }

    fn member() -> impl Strategy<Value = (Option<String>, Vec<String>, bool)> {
        (prop::option::of(text()), prop::collection::vec(text(), 0..2), any::<bool>())
    }

    /// Random definitions within what OSI and Snowflake YAML both express; `snowflake` adds
    /// private members, derived metrics and instructions.
    fn definition(snowflake: bool) -> impl Strategy<Value = Definition> {
        let table = (
            any::<bool>(),
            any::<bool>(),
            prop::option::of(text()),
            prop::collection::vec(text(), 0..2),
            prop::collection::vec(member(), 0..3),
            prop::collection::vec(member(), 0..3),
            prop::collection::vec(member(), 0..3),
        );
        (prop::collection::vec(table, 1..4), prop::option::of(text()), prop::option::of(text()), any::<bool>()).prop_map(
            move |(tables, comment, instructions, derived)| {
                let mut d = Definition { comment, ..Default::default() };
                if snowflake {
                    if let Some(i) = instructions {
                        d.clauses.push(Clause { keyword: "AI_SQL_GENERATION".into(), text: crate::sql::quote_literal(&i) });
                    }
                }
                for (i, (schema, unique, comment, synonyms, facts, dims, metrics)) in tables.into_iter().enumerate() {
                    let alias = format!("t{i}");
                    d.tables.push(TableDef {
                        alias: alias.clone(),
                        table: if schema { format!("s.tbl{i}") } else { format!("tbl{i}") },
                        primary_key: vec![format!("k{i}")],
                        unique: if unique { vec![vec![format!("u{i}"), format!("v{i}")]] } else { Vec::new() },
                        distinct_range: None,
                        comment,
                        synonyms,
                    });
                    if i > 0 {
                        d.relationships.push(RelationshipDef {
                            name: Some(format!("r{i}")),
                            from: alias.clone(),
                            from_columns: vec![format!("fk{i}")],
                            to: format!("t{}", i - 1),
                            to_columns: vec![format!("k{}", i - 1)],
                            asof: None,
                            between: None,
                        });
                    }
                    let make = |kind: &str, j: usize, (comment, synonyms, private): (Option<String>, Vec<String>, bool)| MemberDef {
                        table: Some(alias.clone()),
                        name: format!("{kind}{i}_{j}"),
                        expr: match kind {
                            "f" => format!("a{j} * (1 - b{j})"),
                            "d" => format!("upper(c{j})"),
                            _ => format!("SUM({alias}.x{j})"),
                        },
                        comment,
                        synonyms,
                        private: snowflake && private,
                        using: Vec::new(),
                        clauses: Vec::new(),
                        non_additive_by: Vec::new(),
                    };
                    d.facts.extend(facts.into_iter().enumerate().map(|(j, m)| make("f", j, m)));
                    d.dimensions.extend(dims.into_iter().enumerate().map(|(j, m)| make("d", j, m)));
                    d.metrics.extend(metrics.into_iter().enumerate().map(|(j, m)| make("m", j, m)));
                }
                if snowflake && derived && !d.metrics.is_empty() {
                    let first = d.metrics[0].name.clone();
                    d.metrics.push(MemberDef { table: None, name: "derived".into(), expr: format!("{first} * 2"), ..d.metrics[0].clone() });
                }
                d
            },
        )
    }

    fn round_trip(def: &Definition, format: Format) -> Definition {
        let text = export("v", def, &std::collections::BTreeMap::new(), format).unwrap();
        let file = SourceFile { path: "v.yaml".into(), text: text.clone() };
        let back = import(&[file], &Options { format: Some(format), ..Default::default() }).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.len(), 1, "{text}");
        back.into_iter().next().unwrap().definition
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

        #[test]
        fn osi_round_trips(def in definition(false)) {
            prop_assert_eq!(normalized(round_trip(&def, Format::Osi)), normalized(def));
        }

        #[test]
        fn snowflake_round_trips(def in definition(true)) {
            prop_assert_eq!(normalized(round_trip(&def, Format::Snowflake)), normalized(def));
        }
    }

    #[test]
    fn detects_formats_and_names_dbt_views_by_folder() {
        let f = |path: &str, text: &str| SourceFile { path: path.into(), text: text.into() };
        assert_eq!(detect(&f("a.yml", "semantic_model: []")).unwrap(), Format::Osi);
        assert_eq!(detect(&f("a.yml", "name: v\ntables: []")).unwrap(), Format::Snowflake);
        assert_eq!(detect(&f("a.yml", "semantic_models: []")).unwrap(), Format::Dbt);
        assert!(detect(&f("a.yml", "foo: 1")).unwrap_err().message.contains("cannot tell the format"));
        let a = f("proj/models/shop/orders.yml", "");
        let b = f("proj/models/shop/sub/customers.yml", "");
        assert_eq!(default_dbt_name(&[&a, &b]).unwrap(), "shop");
    }

    #[test]
    fn yaml_errors_name_file_line_and_key() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct T {
            #[allow(dead_code)]
            items: Vec<Item>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Item {
            #[allow(dead_code)]
            name: String,
        }
        let file = SourceFile { path: "m.yml".into(), text: String::new() };
        let e = parse_yaml::<T>(&file, "items:\n  - name: a\n  - name: b\n    nmae: c\n").unwrap_err();
        assert!(e.message.starts_with("m.yml: line 4: items[1]: unknown field `nmae`"), "{}", e.message);
    }
}
