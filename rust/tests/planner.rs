//! Planner and renderer behaviour on a TPC-H-like snowflake, a role-playing schema and error
//! cases. SQL is checked for structure here; its numbers are checked by the sqllogictests and
//! the differential tests, which run it in DuckDB.

use std::collections::BTreeMap;

use semantic_views_core::api;
use semantic_views_core::catalog::{unpinned, Found, Pinned};
use semantic_views_core::plan::Request;
use semantic_views_core::store::Stored;

fn cols(list: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    list.iter().map(|(a, c)| (a.to_string(), c.iter().map(|s| s.to_string()).collect())).collect()
}

/// What the catalog lookup would report for a definition's tables, all in schema main.
fn found(json: &str, columns: BTreeMap<String, Vec<String>>) -> Vec<(bool, Found)> {
    let Ok(def) = semantic_views_core::parse::definition_json(json) else { return Vec::new() };
    def.tables
        .iter()
        .filter_map(|t| {
            let columns = columns.get(&t.alias)?.clone();
            let table = unpinned(&t.table, "main").unwrap();
            Some((false, Found { key: t.alias.clone(), table, columns }))
        })
        .collect()
}

const TPCH: &str = r#"{
  "tables": [
    {"alias": "l", "table": "lineitem", "primary_key": ["orderkey", "linenumber"]},
    {"alias": "o", "table": "orders", "primary_key": ["orderkey"]},
    {"alias": "c", "table": "customer", "primary_key": ["custkey"]},
    {"alias": "n", "table": "nation", "primary_key": ["nationkey"]}
  ],
  "relationships": [
    {"name": "l_o", "from": "l", "from_columns": ["orderkey"], "to": "o"},
    {"name": "o_c", "from": "o", "from_columns": ["custkey"], "to": "c"},
    {"name": "c_n", "from": "c", "from_columns": ["nationkey"], "to": "n"}
  ],
  "facts": [{"table": "l", "name": "net", "expr": "price * (1 - discount)"}],
  "dimensions": [
    {"table": "n", "name": "nation", "expr": "name"},
    {"table": "o", "name": "status", "expr": "o.status"},
    {"table": "l", "name": "shipmode", "expr": "shipmode"}
  ],
  "metrics": [
    {"table": "l", "name": "revenue", "expr": "sum(net)"},
    {"table": "o", "name": "order_count", "expr": "count(*)"},
    {"name": "revenue_per_order", "expr": "revenue / order_count"}
  ]
}"#;

fn tpch() -> String {
    let c = cols(&[
        ("l", &["orderkey", "linenumber", "price", "discount", "shipmode"]),
        ("o", &["orderkey", "custkey", "status"]),
        ("c", &["custkey", "nationkey", "name"]),
        ("n", &["nationkey", "name"]),
    ]);
    Stored::new("main", c, Pinned::default(), semantic_views_core::parse::definition_json(TPCH).unwrap()).to_json()
}

fn expand(def: &str, dims: &[&str], metrics: &[&str]) -> Result<String, String> {
    let request = Request {
        dimensions: dims.iter().map(|s| s.to_string()).collect(),
        metrics: metrics.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    api::expand("v", def, "db", request).map_err(|e| e.message)
}

#[test]
fn single_grain_joins_only_what_is_needed() {
    let sql = expand(&tpch(), &["nation"], &["order_count"]).unwrap();
    assert!(sql.contains("FROM \"db\".\"main\".\"orders\" AS \"o\""), "{sql}");
    assert!(sql.contains("LEFT JOIN \"db\".\"main\".\"customer\" AS \"c\""), "{sql}");
    assert!(sql.contains("LEFT JOIN \"db\".\"main\".\"nation\" AS \"n\""), "{sql}");
    assert!(!sql.contains("lineitem"), "{sql}");
    assert!(sql.ends_with("GROUP BY 1"), "{sql}");
}

#[test]
fn facts_are_inlined_and_columns_qualified() {
    let sql = expand(&tpch(), &[], &["revenue"]).unwrap();
    assert!(sql.contains("sum((\"l\".\"price\" * (1 - \"l\".\"discount\")))"), "{sql}");
}

#[test]
fn multi_grain_uses_null_safe_full_outer_join() {
    let sql = expand(&tpch(), &["status"], &["revenue", "order_count", "revenue_per_order"]).unwrap();
    assert!(sql.contains("FULL OUTER JOIN"), "{sql}");
    assert!(sql.contains("IS NOT DISTINCT FROM"), "{sql}");
    assert!(sql.contains("WHERE false"), "{sql}");
}

#[test]
fn metrics_only_multi_grain_is_a_cross_join() {
    let sql = expand(&tpch(), &[], &["revenue", "order_count"]).unwrap();
    assert!(sql.contains("CROSS JOIN"), "{sql}");
    assert!(!sql.contains("FULL OUTER JOIN"), "{sql}");
}

#[test]
fn fan_trap_is_refused_with_the_relationship_and_valid_dimensions() {
    let e = expand(&tpch(), &["shipmode"], &["order_count"]).unwrap_err();
    assert!(e.contains("fan trap"), "{e}");
    assert!(e.contains("'l_o'"), "{e}");
    assert!(e.contains("Dimensions valid for 'o.order_count': n.nation, o.status"), "{e}");
}

#[test]
fn dimensions_only_anchor_at_the_finest_table() {
    let sql = expand(&tpch(), &["nation", "status"], &[]).unwrap();
    assert!(sql.contains("FROM \"db\".\"main\".\"orders\" AS \"o\""), "{sql}");
    assert!(sql.ends_with("GROUP BY 1, 2"), "{sql}");
}

#[test]
fn unknown_members_list_what_exists() {
    let e = expand(&tpch(), &[], &["revenu"]).unwrap_err();
    assert!(e.contains("Did you mean 'l.revenue'"), "{e}");
    assert!(e.contains("Available metrics:"), "{e}");
    let e = expand(&tpch(), &["revenue"], &[]).unwrap_err();
    assert!(e.contains("'l.revenue' is a metric"), "{e}");
    let e = expand(&tpch(), &[], &[]).unwrap_err();
    assert!(e.contains("empty request"), "{e}");
}

#[test]
fn where_clause_rejects_metrics_and_injection() {
    let mut r = Request { metrics: vec!["revenue".into()], where_clause: Some("order_count > 1".into()), ..Default::default() };
    let e = api::expand("v", &tpch(), "db", r.clone()).unwrap_err().message;
    assert!(e.contains("metric 'o.order_count' cannot be referenced by the where_clause"), "{e}");
    r.where_clause = Some("true); DROP TABLE x; --".into());
    assert!(api::expand("v", &tpch(), "db", r.clone()).is_err());
    r.where_clause = Some("status = 'F' AND n.nation <> 'X'".into());
    let sql = api::expand("v", &tpch(), "db", r).unwrap();
    assert!(sql.contains("WHERE ((\"o\".\"status\") = 'F' AND (\"n\".\"name\") <> 'X')"), "{sql}");
}

const FLIGHTS: &str = r#"{
  "tables": [
    {"alias": "f", "table": "flights", "primary_key": ["id"]},
    {"alias": "a", "table": "airports", "primary_key": ["code"]}
  ],
  "relationships": [
    {"name": "departure", "from": "f", "from_columns": ["origin"], "to": "a"},
    {"name": "arrival", "from": "f", "from_columns": ["dest"], "to": "a"}
  ],
  "dimensions": [{"table": "a", "name": "city", "expr": "city"}],
  "metrics": [
    {"table": "f", "name": "departures", "expr": "count(*)", "using": ["departure"]},
    {"table": "f", "name": "arrivals", "expr": "count(*)", "using": ["arrival"]},
    {"table": "f", "name": "flights", "expr": "count(*)"}
  ]
}"#;

fn flights() -> String {
    let c = cols(&[("f", &["id", "origin", "dest"]), ("a", &["code", "city"])]);
    Stored::new("main", c, Pinned::default(), semantic_views_core::parse::definition_json(FLIGHTS).unwrap()).to_json()
}

#[test]
fn role_playing_joins_each_metric_through_its_own_relationship() {
    let sql = expand(&flights(), &["city"], &["departures", "arrivals"]).unwrap();
    assert!(sql.contains("\"f\".\"origin\" = \"a\".\"code\""), "{sql}");
    assert!(sql.contains("\"f\".\"dest\" = \"a\".\"code\""), "{sql}");
    let e = expand(&flights(), &["city"], &["flights"]).unwrap_err();
    assert!(e.contains("ambiguous join path"), "{e}");
    assert!(e.contains("departure, arrival"), "{e}");
}

fn define_err(json: &str, c: &[(&str, &[&str])]) -> String {
    api::define("db", "main", "v", json, found(json, cols(c)), false, false, semantic_views_core::store::Layout::Missing, &[])
        .err()
        .map(|e| e.message)
        .unwrap_or_default()
}

#[test]
fn define_time_validation() {
    let two = &[("a", &["id", "b_id"][..]), ("b", &["id", "a_id"][..])];
    let cycle = r#"{"tables": [{"alias": "a", "table": "a", "primary_key": ["id"]}, {"alias": "b", "table": "b", "primary_key": ["id"]}],
      "relationships": [{"from": "a", "from_columns": ["b_id"], "to": "b"}, {"from": "b", "from_columns": ["a_id"], "to": "a"}]}"#;
    assert!(define_err(cycle, two).contains("cycle"));
    let lonely = r#"{"tables": [{"alias": "a", "table": "a"}, {"alias": "b", "table": "b"}]}"#;
    assert!(define_err(lonely, two).contains("cannot be reached"));
    let self_ref = r#"{"tables": [{"alias": "a", "table": "a", "primary_key": ["id"]}],
      "relationships": [{"from": "a", "from_columns": ["b_id"], "to": "a"}]}"#;
    assert!(define_err(self_ref, two).contains("references itself"));
    let dup = r#"{"tables": [{"alias": "a", "table": "a"}], "dimensions": [{"table": "a", "name": "x", "expr": "id"}, {"table": "a", "name": "X", "expr": "id"}]}"#;
    assert!(define_err(dup, two).contains("duplicate member name"));
    let bad_col = r#"{"tables": [{"alias": "a", "table": "a"}], "dimensions": [{"table": "a", "name": "x", "expr": "a.idd"}]}"#;
    let e = define_err(bad_col, two);
    assert!(e.contains("no column 'idd'") && e.contains("Did you mean 'id'"), "{e}");
    let not_key = r#"{"tables": [{"alias": "a", "table": "a", "primary_key": ["id"]}, {"alias": "b", "table": "b", "primary_key": ["id"]}],
      "relationships": [{"from": "a", "from_columns": ["b_id"], "to": "b", "to_columns": ["a_id"]}]}"#;
    assert!(define_err(not_key, two).contains("must be the primary key or a unique key"));
    let fact_cycle = r#"{"tables": [{"alias": "a", "table": "a"}], "facts": [{"table": "a", "name": "f1", "expr": "f2 + 1"}, {"table": "a", "name": "f2", "expr": "f1 + 1"}]}"#;
    assert!(define_err(fact_cycle, two).contains("cycle"));
    let unknown_key = r#"{"tables": [{"alias": "a", "table": "a", "primary_keys": ["id"]}]}"#;
    assert!(define_err(unknown_key, two).contains("unknown field `primary_keys`"));
}

#[test]
fn define_produces_probes_for_every_member() {
    let c = cols(&[
        ("l", &["orderkey", "linenumber", "price", "discount", "shipmode"]),
        ("o", &["orderkey", "custkey", "status"]),
        ("c", &["custkey", "nationkey", "name"]),
        ("n", &["nationkey", "name"]),
    ]);
    let d = api::define("db", "main", "v", TPCH, found(TPCH, c), false, false, semantic_views_core::store::Layout::Missing, &[]).unwrap();
    // 3 relationships + 1 fact + 3 dimensions + 3 metrics
    let probes = &d.probes.list;
    assert_eq!(probes.len(), 10);
    assert!((0..probes.len()).any(|i| d.probes.sql(i).ends_with("GROUP BY ()")));
    let types: Vec<String> = probes.iter().map(|p| if p.member.is_empty() { String::new() } else { "BIGINT".into() }).collect();
    assert_eq!(probes.iter().filter(|p| p.member.is_empty()).count(), 3);
    let written = d.finish(&types).unwrap();
    assert!(written.create_store.contains("CREATE TABLE IF NOT EXISTS"));
    // The bound types are stored with the definition.
    assert!(written.write.contains(r#""types":{"#), "{}", written.write);
}

#[test]
fn a_member_named_like_its_column_reads_the_column() {
    let json = r#"{"tables": [{"alias": "a", "table": "a"}],
      "facts": [{"table": "a", "name": "x", "expr": "x * 2"}],
      "dimensions": [{"table": "a", "name": "id", "expr": "id"}],
      "metrics": [{"table": "a", "name": "amount", "expr": "sum(amount)"}, {"table": "a", "name": "doubled", "expr": "sum(x)"}]}"#;
    let c = cols(&[("a", &["id", "amount", "x"])]);
    let stored = Stored::new("main", c.clone(), Pinned::default(), semantic_views_core::parse::definition_json(json).unwrap()).to_json();
    api::define("db", "main", "v", json, found(json, c), false, false, semantic_views_core::store::Layout::Missing, &[]).unwrap();
    let sql = expand(&stored, &["id"], &["amount", "doubled"]).unwrap();
    assert!(sql.contains("sum(\"a\".\"amount\")"), "{sql}");
    // `doubled` reads the fact x, whose own expression reads the column x
    assert!(sql.contains("sum((\"a\".\"x\" * 2))"), "{sql}");
}

#[test]
fn a_fact_aggregating_related_rows_is_a_correlated_subquery_at_its_own_grain() {
    let json = r#"{
      "tables": [
        {"alias": "l", "table": "lineitem", "primary_key": ["orderkey", "linenumber"]},
        {"alias": "o", "table": "orders", "primary_key": ["orderkey"]},
        {"alias": "c", "table": "customer", "primary_key": ["custkey"]}
      ],
      "relationships": [
        {"name": "l_o", "from": "l", "from_columns": ["orderkey"], "to": "o"},
        {"name": "o_c", "from": "o", "from_columns": ["custkey"], "to": "c"}
      ],
      "facts": [
        {"table": "o", "name": "lines", "expr": "count(l.linenumber)"},
        {"table": "c", "name": "customer_lines", "expr": "sum(o.lines)"}
      ],
      "dimensions": [{"table": "c", "name": "name", "expr": "name"}],
      "metrics": [
        {"table": "o", "name": "avg_lines", "expr": "avg(lines)"},
        {"table": "c", "name": "total_lines", "expr": "sum(customer_lines)"}
      ]
    }"#;
    let c = cols(&[("l", &["orderkey", "linenumber"]), ("o", &["orderkey", "custkey"]), ("c", &["custkey", "name"])]);
    api::define("db", "main", "v", json, found(json, c.clone()), false, false, semantic_views_core::store::Layout::Missing, &[]).unwrap();
    let stored = Stored::new("main", c, Pinned::default(), semantic_views_core::parse::definition_json(json).unwrap()).to_json();
    let sql = expand(&stored, &["name"], &["avg_lines"]).unwrap();
    // One grain (orders), joined to customer only; line items are read inside the subquery.
    assert!(sql.contains("avg((SELECT count(\"l\".\"linenumber\") FROM \"db\".\"main\".\"lineitem\" AS \"l\" WHERE \"l\".\"orderkey\" = \"o\".\"orderkey\"))"), "{sql}");
    assert!(sql.contains("FROM \"db\".\"main\".\"orders\" AS \"o\" LEFT JOIN \"db\".\"main\".\"customer\" AS \"c\""), "{sql}");
    assert_eq!(sql.matches("LEFT JOIN").count(), 1, "{sql}");
    // Nested: the customer fact sums the order fact, each correlated with its own row.
    let sql = expand(&stored, &[], &["total_lines"]).unwrap();
    assert!(sql.contains("(SELECT sum((SELECT count(\"l\".\"linenumber\") FROM \"db\".\"main\".\"lineitem\" AS \"l\" WHERE \"l\".\"orderkey\" = \"o\".\"orderkey\")) FROM \"db\".\"main\".\"orders\" AS \"o\" WHERE \"o\".\"custkey\" = \"c\".\"custkey\")"), "{sql}");
}

const SNAPSHOTS: &str = r#"{
  "tables": [
    {"alias": "b", "table": "balances", "primary_key": ["id"]},
    {"alias": "d", "table": "dates", "primary_key": ["date_id"]}
  ],
  "relationships": [{"name": "b_d", "from": "b", "from_columns": ["date_id"], "to": "d"}],
  "dimensions": [
    {"table": "b", "name": "customer", "expr": "customer"},
    {"table": "d", "name": "day", "expr": "day"},
    {"table": "d", "name": "month", "expr": "month"}
  ],
  "metrics": [
    {"table": "b", "name": "closing", "expr": "sum(amount)", "non_additive_by": [{"dimension": "day"}]},
    {"table": "b", "name": "opening", "expr": "sum(amount)", "non_additive_by": [{"dimension": "d.day", "descending": true}]},
    {"table": "b", "name": "flow", "expr": "sum(amount)"},
    {"table": "b", "name": "running", "expr": "SUM(flow) OVER (PARTITION BY EXCLUDING month ORDER BY month ROWS UNBOUNDED PRECEDING)"},
    {"table": "b", "name": "previous", "expr": "LAG(b.flow) OVER (PARTITION BY EXCLUDING d.month ORDER BY d.month)"},
    {"name": "change", "expr": "flow - previous"}
  ]
}"#;

fn snapshots() -> String {
    let c = cols(&[("b", &["id", "customer", "date_id", "amount"]), ("d", &["date_id", "day", "month"])]);
    Stored::new("main", c, Pinned::default(), semantic_views_core::parse::definition_json(SNAPSHOTS).unwrap()).to_json()
}

#[test]
fn semi_additive_metrics_aggregate_the_last_snapshot_per_group() {
    let sql = expand(&snapshots(), &["customer"], &["closing"]).unwrap();
    // the snapshot dimension's table is joined although the request does not name it
    assert!(sql.contains("LEFT JOIN \"db\".\"main\".\"dates\" AS \"d\""), "{sql}");
    assert!(sql.contains("CASE WHEN count(*) > count(\"__sv_n0\") THEN NULL ELSE max(\"__sv_n0\") END"), "{sql}");
    // DESC (NULLS FIRST by default): the earliest non-NULL value
    let sql = expand(&snapshots(), &["customer"], &["opening"]).unwrap();
    assert!(sql.contains("min(\"__sv_n0\") AS \"__sv_n0\""), "{sql}");
    // grouped by the snapshot dimension: additive, no snapshot query
    let sql = expand(&snapshots(), &["day"], &["closing"]).unwrap();
    assert!(!sql.contains("__sv_j"), "{sql}");
}

#[test]
fn semi_additive_and_additive_metrics_of_one_table_are_separate_grains() {
    let sql = expand(&snapshots(), &["month"], &["closing", "flow", "opening"]).unwrap();
    assert_eq!(sql.matches("FULL OUTER JOIN").count(), 2, "{sql}");
}

#[test]
fn window_metrics_run_over_the_aggregated_result() {
    let sql = expand(&snapshots(), &["customer", "month"], &["running", "change"]).unwrap();
    assert!(sql.contains("OVER (PARTITION BY \"__sv_w\".\"d0\" ORDER BY \"__sv_w\".\"d1\" ROWS UNBOUNDED PRECEDING)"), "{sql}");
    assert!(sql.contains("LAG(\"__sv_w\".\"m0\") OVER"), "{sql}");
    assert!(sql.contains("AS \"__sv_w\"(\"d0\", \"d1\", \"m0\")"), "{sql}");
    let e = expand(&snapshots(), &["customer"], &["change"]).unwrap_err();
    assert!(e.contains("metric 'change' is computed by a window over the requested dimensions and needs dimension d.month"), "{e}");
}

#[test]
fn joins_the_where_clause_filters_come_first() {
    let json = r#"{
      "tables": [
        {"alias": "l", "table": "lineitem", "primary_key": ["id"]},
        {"alias": "p", "table": "part", "primary_key": ["partkey"]},
        {"alias": "o", "table": "orders", "primary_key": ["orderkey"]},
        {"alias": "c", "table": "customer", "primary_key": ["custkey"]}
      ],
      "relationships": [
        {"name": "l_p", "from": "l", "from_columns": ["partkey"], "to": "p"},
        {"name": "l_o", "from": "l", "from_columns": ["orderkey"], "to": "o"},
        {"name": "o_c", "from": "o", "from_columns": ["custkey"], "to": "c"}
      ],
      "dimensions": [
        {"table": "p", "name": "brand", "expr": "brand"},
        {"table": "o", "name": "status", "expr": "status"},
        {"table": "c", "name": "segment", "expr": "segment"}
      ],
      "metrics": [{"table": "l", "name": "revenue", "expr": "sum(price)"}]
    }"#;
    let c = cols(&[
        ("l", &["id", "partkey", "orderkey", "price"]),
        ("p", &["partkey", "brand"]),
        ("o", &["orderkey", "custkey", "status"]),
        ("c", &["custkey", "segment"]),
    ]);
    let def = Stored::new("main", c, Pinned::default(), semantic_views_core::parse::definition_json(json).unwrap()).to_json();
    let request = |filter: Option<&str>| Request {
        dimensions: vec!["brand".into()],
        metrics: vec!["revenue".into()],
        where_clause: filter.map(str::to_string),
        ..Default::default()
    };
    let at = |sql: &str, table: &str| sql.find(&format!("\"{table}\" AS")).unwrap_or_else(|| panic!("{table} in {sql}"));
    // DuckDB keeps LEFT JOINs in the order written: the filtered tables (orders, then its
    // parent's child customer) join before part, which only the dimension needs.
    let sql = api::expand("v", &def, "db", request(Some("segment = 'AUTO' AND status = 'F'"))).unwrap();
    assert!(at(&sql, "orders") < at(&sql, "customer") && at(&sql, "customer") < at(&sql, "part"), "{sql}");
    let sql = api::expand("v", &def, "db", request(None)).unwrap();
    assert_eq!(sql.matches("LEFT JOIN").count(), 1, "{sql}");
}
