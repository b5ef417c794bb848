//! Entry points shared by the cargo-fuzz targets (`rust/fuzz`, nightly) and the stable property
//! tests below, so both exercise exactly the same code. Each asserts the invariants a fuzzer
//! should check: no panic, and generated SQL that cannot escape its statement.

use std::collections::BTreeMap;

use crate::api;
use crate::catalog::{Found, PhysicalTable, Pinned};
use crate::plan::Request;
use crate::sql::{check_single_expression, tokenize};
use crate::store::Stored;

const VIEW: &str = r#"{
  "tables": [
    {"alias": "l", "table": "lineitem", "primary_key": ["k", "n"]},
    {"alias": "o", "table": "orders", "primary_key": ["k"]},
    {"alias": "c", "table": "customer", "primary_key": ["k"]}
  ],
  "relationships": [
    {"name": "l_o", "from": "l", "from_columns": ["k"], "to": "o"},
    {"name": "o_c", "from": "o", "from_columns": ["ck"], "to": "c"}
  ],
  "facts": [{"table": "l", "name": "net", "expr": "price * (1 - disc)"}],
  "dimensions": [
    {"table": "c", "name": "seg", "expr": "seg"},
    {"table": "o", "name": "status", "expr": "status"},
    {"table": "l", "name": "mode", "expr": "mode"}
  ],
  "metrics": [
    {"table": "l", "name": "rev", "expr": "sum(net)"},
    {"table": "o", "name": "orders", "expr": "count(*)"},
    {"name": "per", "expr": "rev / orders"}
  ]
}"#;

fn columns() -> BTreeMap<String, Vec<String>> {
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    BTreeMap::from([
        ("l".to_string(), cols(&["k", "n", "price", "disc", "mode"])),
        ("o".to_string(), cols(&["k", "ck", "status"])),
        ("c".to_string(), cols(&["k", "seg"])),
    ])
}

/// Generated SQL must tokenize, contain no statement terminator and balance its parentheses.
pub fn assert_contained(sql: &str) {
    assert!(tokenize(sql).is_ok(), "generated SQL does not tokenize: {sql}");
    check_single_expression(sql, "generated SQL").unwrap_or_else(|e| panic!("{e}: {sql}"));
}

pub fn definition(text: &str) {
    let cols = ["a", "b", "id", "x"].iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut found = Vec::new();
    if let Ok(def) = crate::parse::definition_json(text) {
        for t in &def.tables {
            let table = PhysicalTable { catalog: None, schema: "main".into(), name: t.alias.clone() };
            found.push((false, Found { key: t.alias.clone(), table, columns: cols.clone() }));
        }
    }
    if let Ok(defined) = api::define("db", "main", "v", text, found, false, false, crate::store::Layout::Missing, &[]) {
        for i in 0..defined.probes.list.len() {
            assert_contained(&defined.probes.sql(i));
        }
        for batch in &defined.probes.batches {
            assert_contained(&batch.sql);
        }
        let types: Vec<String> = defined.probes.list.iter().map(|_| "INTEGER".to_string()).collect();
        defined.finish(&types).expect("a checked definition stores");
    }
}

pub fn expand(text: &str) {
    let stored = Stored::new("main", columns(), Pinned::default(), crate::parse::definition_json(VIEW).expect("fixture")).to_json();
    // Split the input into request parts: dims|metrics|facts|where, names separated by ','.
    let mut parts = text.splitn(4, '|');
    let names = |s: Option<&str>| -> Vec<String> {
        s.map(|s| s.split(',').filter(|n| !n.is_empty()).map(str::to_string).collect()).unwrap_or_default()
    };
    let request = Request {
        dimensions: names(parts.next()),
        metrics: names(parts.next()),
        facts: names(parts.next()),
        where_clause: parts.next().map(str::to_string),
        verify_keys: false,
    };
    if let Ok(sql) = api::expand("v", &stored, "db", request) {
        assert_contained(&sql);
    }
}

pub fn expression(text: &str) {
    let _ = crate::sql::scan_expression(text, &|_| None);
    let json = serde_json::json!({
        "tables": [{"alias": "t", "table": "t"}],
        "dimensions": [{"table": "t", "name": "d", "expr": text}],
    })
    .to_string();
    definition(&json);
    // As a metric: window metrics (`f(m) OVER (...)`) and semi-additive ones parse it too.
    let _ = crate::window::WindowText::parse(text);
    let json = serde_json::json!({
        "tables": [{"alias": "t", "table": "t"}],
        "dimensions": [{"table": "t", "name": "d", "expr": "a"}],
        "metrics": [
            {"table": "t", "name": "m", "expr": "sum(a)", "non_additive_by": [{"dimension": "d"}]},
            {"table": "t", "name": "w", "expr": text},
        ],
    })
    .to_string();
    definition(&json);
    expand(&format!("seg|||{text}"));
}

pub fn plain_sql(text: &str) {
    let definition = Stored::new("main", columns(), Pinned::default(), crate::parse::definition_json(VIEW).expect("fixture")).to_json();
    let compiled = std::sync::Arc::new(crate::cache::Compiled::new(&definition).expect("fixture"));
    let view = crate::plain_sql::PlainView { name: "v".into(), compiled, home_catalog: "db".into(), verify_keys: false };
    for sql in [
        text.to_string(),
        format!("SELECT {text} FROM v"),
        format!("SELECT seg, AGG(rev) FROM v WHERE {text} GROUP BY seg"),
        format!("SELECT * FROM (DESCRIBE {text}) d"),
        format!("SELECT seg, status, AGG(rev), GROUPING(seg) FROM v GROUP BY {text}"),
    ] {
        let _ = crate::plain_sql::candidates(&sql);
        if let Ok(out) = crate::plain_sql::rewrite(&sql, std::slice::from_ref(&view)) {
            assert!(tokenize(&out).is_ok(), "rewrite does not tokenize: {out}");
        }
    }
}

pub fn ddl(text: &str) {
    if let Ok(crate::ddl::Parsed::Ours(crate::ddl::Command::Define { definition, .. })) = crate::ddl::parse_statement(text) {
        // Whatever parsed must render back to DDL that parses to the same definition.
        let again = crate::ddl::parse_statement(&crate::get_ddl::render("v", &definition));
        assert!(
            matches!(&again, Ok(crate::ddl::Parsed::Ours(crate::ddl::Command::Define { definition: d, .. })) if *d == definition),
            "GET_DDL round trip failed for {text:?}: {again:?}"
        );
    }
}

/// Any text as a semantic model file in each format, and whatever it imports exported back
/// out: never a panic.
pub fn interchange(text: &str) {
    use crate::interchange::{export, import, Format, Options, SourceFile};
    let file = SourceFile { path: "fuzz.yaml".into(), text: text.to_string() };
    for format in [None, Some(Format::Osi), Some(Format::Snowflake), Some(Format::Dbt)] {
        let options = Options { format, dbt_view_name: Some("v".into()), ..Default::default() };
        for view in import(std::slice::from_ref(&file), &options).unwrap_or_default() {
            for out in [Format::Osi, Format::Snowflake] {
                if let Ok(yaml) = export(&view.name, &view.definition, &BTreeMap::new(), out) {
                    let again = SourceFile { path: "again.yaml".into(), text: yaml };
                    let _ = import(&[again], &Options { format: Some(out), ..Default::default() });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sqlish() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "seg",
            "status",
            "l.mode",
            "net",
            "rev",
            "(",
            ")",
            "'",
            "''",
            "\"",
            ";",
            "--",
            "/*",
            "*/",
            "$$",
            " ",
            ",",
            "=",
            "1",
            "sum(",
            "o.*",
            "x",
            "CASE",
            "END",
            "|",
            "\n",
            "ü",
            "\\",
            "E'",
            "[",
            "]",
            "{",
            "}",
            "AGG(",
            "MEASURE(",
            "GROUP BY ",
            "ALL",
            "HAVING ",
            "ORDER BY ",
            "UNION ",
            "SELECT ",
            "FROM v",
            "WHERE ",
            "ROLLUP (",
            "CUBE (",
            "GROUPING SETS (",
            "()",
            "GROUPING(",
            "?",
        ]);
        prop::collection::vec(atoms, 0..24).prop_map(|v| v.concat())
    }

    fn yamlish() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "semantic_model:\n",
            "- name: m\n",
            "  datasets:\n",
            "  - name: d\n",
            "    source: t\n",
            "    fields: []\n",
            "  metrics:\n",
            "  - name: x\n",
            "    expression: {dialects: [{expression: 'SUM(d.a) / COUNT(e.b)'}]}\n",
            "name: v\n",
            "tables:\n",
            "- name: t\n",
            "  base_table: {table: t}\n",
            "  metrics: [{name: m, expr: 'sum(a)'}]\n",
            "semantic_models:\n",
            "- name: s\n",
            "  model: ref('x')\n",
            "  entities: [{name: e, type: primary}]\n",
            "  measures: [{name: q, agg: sum}]\n",
            "metrics:\n",
            "- {name: n, type: simple, type_params: {measure: q}, filter: \"{{ Dimension('e__d') }}\"}\n",
            "- {name: r, type: ratio, type_params: {numerator: n, denominator: n}}\n",
            "  ",
            "{",
            "}",
            "[",
            "]",
            "'",
            "\"",
            ":",
            "\n",
            "\t",
            "&a",
            "*a",
            "!!str ",
            "---\n",
        ]);
        prop::collection::vec(atoms, 0..20).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

        #[test]
        fn expand_never_panics_and_stays_contained(text in sqlish()) {
            expand(&text);
        }

        #[test]
        fn expressions_never_panic(text in sqlish()) {
            expression(&text);
        }

        #[test]
        fn ddl_never_panics(text in sqlish()) {
            ddl(&format!("CREATE SEMANTIC VIEW v TABLES (o AS t) DIMENSIONS (o.d AS {text})"));
            ddl(&text);
        }

        #[test]
        fn plain_sql_never_panics(text in sqlish()) {
            plain_sql(&text);
        }

        #[test]
        fn interchange_never_panics(text in yamlish()) {
            interchange(&text);
        }

        #[test]
        fn definitions_never_panic(text in "\\PC{0,200}") {
            definition(&text);
        }

        #[test]
        fn quoted_identifiers_round_trip(name in "\\PC{1,20}") {
            let parsed = crate::sql::parse_qualified_name(&crate::sql::quote_ident(&name)).unwrap();
            prop_assert_eq!(parsed.len(), 1);
            prop_assert_eq!(&parsed[0].value, &name);
        }

        #[test]
        fn quoted_literals_stay_one_token(text in "\\PC{0,30}") {
            let toks = tokenize(&crate::sql::quote_literal(&text)).unwrap();
            prop_assert_eq!(toks.len(), 1);
        }
    }

    #[test]
    fn fixture_requests_expand() {
        expand("seg,status|rev,orders,per||status = 'x'");
        expand("|per|");
        expand("mode||net|");
    }
}
